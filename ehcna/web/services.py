"""What the web service needs, built once at start-up and shared by requests."""

from collections.abc import Callable, Mapping
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
    # what the pages call a team: its name in the escalation policy's directory; else its id
    team_names: Mapping[str, str] | Callable[[str], str] | None = None

    def team_name(self, team_id: str) -> str:
        """The team's name for a person to read; a team not named shows its id."""
        if self.team_names is None or not team_id:
            return team_id
        if callable(self.team_names):
            return self.team_names(team_id) or team_id
        return self.team_names.get(team_id) or team_id
