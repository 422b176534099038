"""Teams come from the directory only: a team not in it is refused with the field and the valid
teams, the refusal audited, nothing stored (a typed "Children's social care" once left a request
in no inbox at all)."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from domain.commands import Actor
from ehcna.web.security import refuse
from ehcna.web.services import Services

# the commands that name a team: the field, and whether it must be a team of case officers
TEAM_FIELDS: dict[str, tuple[str, bool]] = {
    "request_advice": ("provider_team", False),
    "resend_advice_request": ("provider_team", False),
    "reassign_team": ("team", True),
}


def check_team(svc: Services, field: str, team: str, casework: bool, by: Actor) -> None:
    info = svc.teams.get(team)
    if info is not None and info.casework == casework:
        return
    valid = svc.valid_teams(casework)
    what = "team of case officers" if casework else "team that gives advice"
    reason = f"'{team}' is not a {what} in the directory; valid teams: {', '.join(valid) or 'none set up'}"
    refuse(svc, by, field, reason, valid=valid)


def setting_teams(svc: Services) -> list[str]:
    return sorted(t for t, info in svc.teams.items() if info.setting)


def check_setting_team(svc: Services, field: str, team: str, by: Actor) -> None:
    """A team named to convene a plan's reviews: a setting's team of the directory."""
    info = svc.teams.get(team)
    if info is not None and info.setting:
        return
    valid = setting_teams(svc)
    listed = ", ".join(valid) or "none set up"
    reason = f"'{team}' is not a setting's team in the directory; valid teams: {listed}"
    refuse(svc, by, field, reason, valid=valid)


def team_field(command: type[BaseModel]) -> tuple[str, bool] | None:
    """The field of a command that names a team, and whether it must hold cases; None if none does."""
    kind = command.model_fields.get("kind")
    return TEAM_FIELDS.get(str(kind.default)) if kind is not None else None


def check_command_team(svc: Services, command: Any) -> None:
    """The team a case command names, if it names one."""
    named = team_field(type(command))
    if named is not None:
        field, casework = named
        check_team(svc, field, getattr(command, field), casework, command.by)


def check_body_team(svc: Services, command: type[BaseModel], body: Mapping[str, Any], by: Actor) -> None:
    """The same, on an API body before its command is made: a team typed as a name ("Children's social
    care") is answered with the directory's teams, not with the command's own shape rules."""
    named = team_field(command)
    if named is not None and isinstance(body.get(named[0]), str):
        check_team(svc, named[0], body[named[0]], named[1], by)
