"""What the web service needs, built once at start-up and shared by requests."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from domain.alarms import AlarmTiming


@dataclass(frozen=True)
class Services:
    client: Client
    sessions: sessionmaker[Session]
    task_queue: str
    public_url: str = "http://localhost:8000"
    timing: AlarmTiming | None = None  # the escalation policy's offsets for new cases
    # how long a request waits for its action to be applied and recorded before answering 503
    action_timeout: float = 30.0
