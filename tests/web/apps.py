"""The web app's services for tests: the real gateway on a test task queue and the test store."""

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.plans import PlanGateway
from ehcna.store.records import case_stored
from ehcna.web.services import Services, TeamInfo

# the tests' directory: two teams of case officers and a team for each kind of advice
TEAMS = {
    "north": TeamInfo("North SEN team", casework=True),
    "south": TeamInfo("South SEN team", casework=True),
    "family": TeamInfo("The family", casework=False, advice=("PARENT",)),
    "oak-school": TeamInfo("Oak School", casework=False, advice=("EDUCATION",), setting=True),
    "icb-community-paeds": TeamInfo("ICB community paediatrics", casework=False, advice=("HEALTH", "OTHER")),
    "ep-service": TeamInfo("Educational psychology service", casework=False, advice=("EP",)),
    "social-care": TeamInfo("Children's social care", casework=False, advice=("SOCIAL_CARE",)),
    "pfa-service": TeamInfo("Preparing for adulthood service", casework=False, advice=("PFA",)),
}


def web_services(
    client: Client, sessions: sessionmaker[Session], task_queue: str, action_timeout: float = 30.0
) -> Services:
    cases = CaseGateway(client, task_queue, stored=case_stored(sessions), action_timeout=action_timeout)
    plans = PlanGateway(client, task_queue, action_timeout=action_timeout)
    return Services(cases, sessions, teams=TEAMS, plans=plans)
