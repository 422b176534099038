"""Who is who: people, teams and their managers, resolved from roles at send time.

Each person's address is written once (``people``), and teams name people
by id, so a leaver or a new address is one change in one place.
"""

import re
from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from domain.case import AdviceKind
from domain.escalation import Audience, Channel, PolicyModel

_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"'{value}' is not an email address")
    return value


Email = Annotated[str, AfterValidator(_email)]
# ids name people and webhooks in alert keys and rows: short and plain
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$", max_length=60)]


class Person(PolicyModel):
    name: str = Field(min_length=1)
    email: Email


class Team(PolicyModel):
    name: str = Field(min_length=1)
    casework: bool = False  # a team of case officers, which holds cases; else a team asked for advice
    # a school, college or early years setting: it convenes the annual reviews of the plans that name it
    # (reg 20), sees them in its inbox and records the meeting and its report
    setting: bool = False
    advice: list[AdviceKind] = Field(default_factory=list)  # the advice it gives unless another is chosen
    members: list[str] = Field(default_factory=list)  # person ids
    manager: str  # person id
    head_of_service: str | None = None  # person id; else the directory's
    webhook: str | None = None  # name of a [webhooks.<name>] section: the team's channel

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.casework and self.setting:
            raise ValueError("a team holds cases (casework) or is a setting, not both")
        return self


class Directory(PolicyModel):
    head_of_service: str
    people: dict[Id, Person]
    teams: dict[str, Team]
    # alerts for a team not listed (a new school, a provider not yet set up) go to this team
    fallback_team: str
    service_webhook: str | None = None  # the head of service's channel

    @model_validator(mode="after")
    def _references_exist(self) -> Self:
        missing = [
            f"teams.{tid}.{field}: no person '{pid}' in people"
            for tid, team in self.teams.items()
            for field, pid in [
                *(("members", m) for m in team.members),
                ("manager", team.manager),
                ("head_of_service", team.head_of_service),
            ]
            if pid is not None and pid not in self.people
        ]
        if self.head_of_service not in self.people:
            missing.append(f"head_of_service: no person '{self.head_of_service}' in people")
        if self.fallback_team not in self.teams:
            missing.append(f"fallback_team: no team '{self.fallback_team}' in teams")
        if missing:
            raise ValueError("; ".join(missing))
        return self

    def team(self, team_id: str) -> tuple[str, Team]:
        """The team with that id, or the fallback team."""
        if team_id in self.teams:
            return team_id, self.teams[team_id]
        return self.fallback_team, self.teams[self.fallback_team]

    def team_name(self, team_id: str) -> str:
        return self.teams[team_id].name if team_id in self.teams else team_id

    def head_of(self, team_id: str) -> str:
        return self.team(team_id)[1].head_of_service or self.head_of_service

    def managers(self) -> dict[str, list[str]]:
        """Each manager's person id and the teams they manage."""
        out: dict[str, list[str]] = {}
        for tid, team in self.teams.items():
            out.setdefault(team.manager, []).append(tid)
        return out

    def heads(self) -> dict[str, list[str]]:
        """Each head of service and the teams they are head of."""
        out: dict[str, list[str]] = {}
        for tid in self.teams:
            out.setdefault(self.head_of(tid), []).append(tid)
        return out


@dataclass(frozen=True)
class Target:
    """One delivery: a recipient on a channel. ``recipient`` is stable across retries."""

    recipient: str  # person id, "webhook:<name>" or "family"
    name: str
    channel: Channel
    address: str  # an email address, or the webhook's name


FAMILY = "family"


def resolve(
    directory: Directory,
    roles: list[Audience],
    channels: list[Channel],
    case_team: str,
    holder: str,
    family_email: str | None = None,
    officer: str | None = None,
) -> list[Target]:
    """The deliveries a step makes, each (recipient, channel) once, in a stable order.

    ``officer``: the case's named officer (an account name); reached when the directory lists them
    as a person, else ``case_officer`` means the case team."""
    people: list[str] = []
    webhooks: list[str] = []

    def add(pids: list[str], webhook: str | None) -> None:
        people.extend(p for p in pids if p not in people)
        if webhook and webhook not in webhooks:
            webhooks.append(webhook)

    for role in roles:
        match role:
            case Audience.HOLDER_TEAM | Audience.CASE_TEAM:
                _, team = directory.team(holder if role is Audience.HOLDER_TEAM else case_team)
                add(team.members or [team.manager], team.webhook)
            case Audience.HOLDER_MANAGER | Audience.CASE_MANAGER:
                _, team = directory.team(holder if role is Audience.HOLDER_MANAGER else case_team)
                add([team.manager], team.webhook)
            case Audience.CASE_OFFICER:
                if officer is not None and officer in directory.people:
                    add([officer], None)
                else:
                    _, team = directory.team(case_team)
                    add(team.members or [team.manager], team.webhook)
            case Audience.HEAD_OF_SERVICE:
                add([directory.head_of(case_team)], directory.service_webhook)
            case Audience.FAMILY:
                pass  # below: the family is reached by email only, when a contact is known
    out: list[Target] = []
    for channel in channels:
        if channel is Channel.WEBHOOK:
            out += [Target(f"webhook:{w}", w, channel, w) for w in webhooks]
            continue
        for pid in people:
            person = directory.people[pid]
            out.append(Target(pid, person.name, channel, person.email))
        if Audience.FAMILY in roles and family_email:
            out.append(Target(FAMILY, "the family", channel, family_email))
    return out
