"""The web app's services for tests: the real gateway on a test task queue and the test store."""

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from ehcna.gateway.cases import CaseGateway
from ehcna.store.records import case_stored
from ehcna.web.services import Services


def web_services(
    client: Client, sessions: sessionmaker[Session], task_queue: str, action_timeout: float = 30.0
) -> Services:
    cases = CaseGateway(client, task_queue, stored=case_stored(sessions), action_timeout=action_timeout)
    return Services(cases, sessions)
