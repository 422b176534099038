"""What the web service needs, built once at start-up (``ehcna.bootstrap``) and shared by requests."""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from domain.commands import Actor
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.plans import PlanGateway

DEFAULT_ORGANISATION = "Special educational needs and disabilities"


@dataclass(frozen=True)
class TeamInfo:
    """A team of the directory, as the forms and the checks need it."""

    name: str
    casework: bool  # holds cases; else it is asked for advice
    advice: tuple[str, ...] = ()  # the advice kinds it gives by default
    setting: bool = False  # a school, college or early years setting: convenes its plans' annual reviews


@dataclass(frozen=True)
class Services:
    cases: CaseGateway  # the engine's one way to the case workflows
    sessions: sessionmaker[Session]  # the read model
    # what the pages call a team: its name in the escalation policy's directory; else its id
    team_names: Mapping[str, str] | Callable[[str], str] | None = None
    organisation: str = DEFAULT_ORGANISATION  # shown in the pages' header
    # the teams a manager manages besides their own (the directory's); none by default
    managed_teams: Callable[[Actor], Collection[str]] = lambda actor: ()
    temporal_ui_origin: str | None = None  # the Temporal UI, allowed to call the codec endpoint
    # the directory's teams: a case's team and an advice request's team must be one of them
    teams: Mapping[str, TeamInfo] = field(default_factory=dict)
    plans: PlanGateway | None = None  # the plans in force (their pages and API answer 503 without it)

    def valid_teams(self, casework: bool) -> list[str]:
        return sorted(t for t, info in self.teams.items() if info.casework == casework)

    def default_team(self, advice_kind: str) -> str | None:
        """The team the directory names first for this kind of advice."""
        return next((t for t, info in self.teams.items() if advice_kind in info.advice), None)

    def team_name(self, team_id: str) -> str:
        """The team's name for a person to read; a team not named shows its id."""
        if team_id in self.teams:
            return self.teams[team_id].name
        if self.team_names is None or not team_id:
            return team_id
        if callable(self.team_names):
            return self.team_names(team_id) or team_id
        return self.team_names.get(team_id) or team_id
