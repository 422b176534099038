"""Who may read and act on a case (architecture.md, "People, teams and access").

Officers read and act on their own team's cases; a manager reads every case of
the service and acts on those of the teams they manage; the head of service
reads and acts on all. Providers reach cases only through the advice requests
addressed to their team, never through the case. The rule is pure: the web
layer asks it for every case route, API and page alike.
"""

from collections.abc import Collection
from enum import StrEnum

from domain.commands import Actor, Role


class CaseAccess(StrEnum):
    READ = "read"  # the case, its timeline and history
    ACT = "act"  # any action on it, starting it included


def refusal(actor: Actor, access: CaseAccess, case_team: str, managed: Collection[str] = ()) -> str | None:
    """Why ``actor`` may not ``access`` a case of ``case_team``; None when they may.

    ``managed``: the teams a manager manages (the directory's), beside their own.
    """
    if actor.role is Role.ADMIN:
        return None
    if actor.role is Role.MANAGER:
        if access is CaseAccess.READ or case_team == actor.team or case_team in managed:
            return None
        return f"this case belongs to team {case_team}, which you do not manage"
    if actor.role is Role.CASE_OFFICER:
        if not actor.team:
            return NO_TEAM
        if case_team == actor.team:
            return None
        return f"this case belongs to team {case_team}; case officers work on their own team's cases"
    return f"cases are not open to the {actor.role} role"


NO_TEAM = "your account belongs to no team: ask the head of service to give it one"


def visible_teams(actor: Actor) -> str | None:
    """The one team whose cases a list shows ``actor``; None for every team (managers, head of service).

    ``ValueError`` (``NO_TEAM``) for a case officer or provider with no team: a list never falls
    back to every team's.
    """
    if actor.role in (Role.CASE_OFFICER, Role.PROVIDER):
        if not actor.team:
            raise ValueError(NO_TEAM)
        return actor.team
    return None


OTHER_TEAMS_CHILD = (
    "this child is recorded on another team's cases only; ask a manager to start the assessment "
    "for the existing record or to move the case"
)


def child_refusal(actor: Actor, case_teams: Collection[str], managed: Collection[str] = ()) -> str | None:
    """Why ``actor`` may not see or use a child's record; None when they may.

    A child's record is read through their cases: whoever may read one of them may see the child (a
    manager or the head of service reads every case, so every child, even one with no case yet).
    """
    if actor.role in (Role.MANAGER, Role.ADMIN):
        return None
    if any(refusal(actor, CaseAccess.READ, team, managed) is None for team in case_teams):
        return None
    if actor.role is Role.CASE_OFFICER and not actor.team:
        return NO_TEAM
    return OTHER_TEAMS_CHILD


def plan_refusal(
    actor: Actor,
    access: CaseAccess,
    plan_team: str,
    setting_team: str | None,
    setting_step: bool = False,
    managed: Collection[str] = (),
) -> str | None:
    """Why ``actor`` may not ``access`` a plan held by ``plan_team``; None when they may.

    Officers, managers and the head of service as for a case of that team. The setting that convenes
    the plan's reviews (``setting_team``, a school) reads the plan and records its own steps of a
    review (``setting_step``: the meeting arranged and held, advice circulated, the report), nothing else.
    """
    if actor.role is Role.PROVIDER:
        if not actor.team or actor.team != setting_team:
            return "this plan's reviews are convened by another setting"
        if access is CaseAccess.ACT and not setting_step:
            return "a setting records the review meeting and its report; the council takes the other steps"
        return None
    reason = refusal(actor, access, plan_team, managed)
    return reason.replace("this case", "this plan") if reason else None
