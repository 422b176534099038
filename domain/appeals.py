"""Mediation and tribunal appeals about a case's decisions (statutory-rules.md, "The assessment").

They are recorded with their dates at any time after the decision they dispute, even after the
case has closed, so they live beside the case's record, not in its workflow. None of them moves a
statutory deadline; they fill the SEN2 ``*Mediation`` and ``*Tribunal`` items.
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from domain.commands import Actor
from domain.errors import RuleViolation
from domain.words import day_in_words


class Route(StrEnum):
    MEDIATION = "MEDIATION"
    TRIBUNAL = "TRIBUNAL"  # an appeal to the First-tier Tribunal (SEND)


class Disputed(StrEnum):
    """The decision a mediation or appeal is about."""

    REQUEST = "REQUEST"  # a decision not to assess (SEN2 RequestMediation, RequestTribunal)
    ASSESSMENT = "ASSESSMENT"  # a decision not to issue a plan (AssessmentMediation, AssessmentTribunal)
    PLAN = "PLAN"  # the content of an issued plan (OtherMediation, OtherTribunal)


class AppealOutcome(StrEnum):
    AGREED = "AGREED"  # mediation: the family and the council reached agreement
    NOT_AGREED = "NOT_AGREED"  # mediation: no agreement (the family may then appeal)
    UPHELD = "UPHELD"  # tribunal: the appeal succeeded, wholly or in part
    DISMISSED = "DISMISSED"  # tribunal: the appeal failed
    CONCEDED = "CONCEDED"  # tribunal: the council conceded before the hearing
    WITHDRAWN = "WITHDRAWN"  # either: the family withdrew


OUTCOMES: dict[Route, frozenset[AppealOutcome]] = {
    Route.MEDIATION: frozenset({AppealOutcome.AGREED, AppealOutcome.NOT_AGREED, AppealOutcome.WITHDRAWN}),
    Route.TRIBUNAL: frozenset(
        {AppealOutcome.UPHELD, AppealOutcome.DISMISSED, AppealOutcome.CONCEDED, AppealOutcome.WITHDRAWN}
    ),
}

SEN2_ITEMS: dict[tuple[Route, Disputed], str] = {
    (Route.MEDIATION, Disputed.REQUEST): "RequestMediation",
    (Route.TRIBUNAL, Disputed.REQUEST): "RequestTribunal",
    (Route.MEDIATION, Disputed.ASSESSMENT): "AssessmentMediation",
    (Route.TRIBUNAL, Disputed.ASSESSMENT): "AssessmentTribunal",
    (Route.MEDIATION, Disputed.PLAN): "OtherMediation",
    (Route.TRIBUNAL, Disputed.PLAN): "OtherTribunal",
}


class Decisions(BaseModel):
    """What the case decided, as its record holds it: the decisions an appeal may dispute."""

    ref: str
    not_assessed_on: date | None = None  # decided not to assess
    not_issued_on: date | None = None  # decided, after assessing, not to issue a plan
    plan_issued_on: date | None = None  # the final plan was issued


class RecordAppeal(BaseModel):
    route: Route
    disputes: Disputed
    started_on: date  # mediation arranged, or the appeal registered with the tribunal
    outcome: AppealOutcome | None = None
    outcome_on: date | None = None
    by: Actor


class RecordAppealOutcome(BaseModel):
    outcome: AppealOutcome
    outcome_on: date
    by: Actor


WHAT = {
    Disputed.REQUEST: "decision not to assess",
    Disputed.ASSESSMENT: "decision not to issue a plan",
    Disputed.PLAN: "issued plan",
}


def disputed_on(decisions: Decisions, disputes: Disputed) -> date | None:
    return {
        Disputed.REQUEST: decisions.not_assessed_on,
        Disputed.ASSESSMENT: decisions.not_issued_on,
        Disputed.PLAN: decisions.plan_issued_on,
    }[disputes]


def check_appeal(decisions: Decisions, cmd: RecordAppeal, today: date) -> None:
    """Mediation and appeals come after the decision they dispute, never before it or in the future."""
    decided = disputed_on(decisions, cmd.disputes)
    if decided is None:
        raise RuleViolation(
            "disputes",
            f"case {decisions.ref} has no {WHAT[cmd.disputes]} to dispute: mediation and appeals are "
            "recorded only after the decision they are about",
        )
    if cmd.started_on < decided:
        raise RuleViolation(
            "started_on",
            f"{day_in_words(cmd.started_on)} is before the decision it disputes ({day_in_words(decided)})",
        )
    if cmd.started_on > today:
        raise RuleViolation(
            "started_on", f"{day_in_words(cmd.started_on)} is in the future (today is {day_in_words(today)})"
        )
    if (cmd.outcome is None) != (cmd.outcome_on is None):
        raise RuleViolation("outcome_on", "give the outcome and its date together, or neither")
    if cmd.outcome is not None and cmd.outcome_on is not None:
        check_outcome(cmd.route, cmd.started_on, cmd.outcome, cmd.outcome_on, today)


def check_outcome(
    route: Route, started_on: date | None, outcome: AppealOutcome, on: date, today: date
) -> None:
    if outcome not in OUTCOMES[route]:
        allowed = ", ".join(sorted(OUTCOMES[route]))
        raise RuleViolation("outcome", f"{outcome} is not an outcome of {route.lower()}: one of {allowed}")
    if started_on is not None and on < started_on:
        raise RuleViolation(
            "outcome_on",
            f"{day_in_words(on)} is before the {route.lower()} began ({day_in_words(started_on)})",
        )
    if on > today:
        raise RuleViolation(
            "outcome_on", f"{day_in_words(on)} is in the future (today is {day_in_words(today)})"
        )
