"""Mediation and tribunal (statutory-rules.md, "The assessment"): after the decision they dispute."""

from datetime import date

import pytest

from domain.appeals import (
    SEN2_ITEMS,
    AppealOutcome,
    Decisions,
    Disputed,
    RecordAppeal,
    Route,
    check_appeal,
)
from domain.errors import RuleViolation
from tests.domain.builders import OFFICER

TODAY = date(2026, 11, 28)
NOT_ASSESSED = Decisions(ref="C-1", not_assessed_on=date(2026, 3, 1))
NOT_ISSUED = Decisions(ref="C-2", not_issued_on=date(2026, 5, 1))
ISSUED = Decisions(ref="C-3", plan_issued_on=date(2026, 6, 1))


def appeal(route: Route, disputes: Disputed, on: date, **kw) -> RecordAppeal:
    return RecordAppeal(route=route, disputes=disputes, started_on=on, by=OFFICER, **kw)


def refused(decisions: Decisions, cmd: RecordAppeal, field: str, match: str) -> None:
    with pytest.raises(RuleViolation, match=match) as err:
        check_appeal(decisions, cmd, TODAY)
    assert err.value.field == field


def test_mediation_and_tribunal_about_a_refusal_to_assess_only_after_that_decision():
    check_appeal(NOT_ASSESSED, appeal(Route.MEDIATION, Disputed.REQUEST, date(2026, 3, 1)), TODAY)
    check_appeal(NOT_ASSESSED, appeal(Route.TRIBUNAL, Disputed.REQUEST, date(2026, 4, 1)), TODAY)
    refused(
        NOT_ASSESSED,
        appeal(Route.MEDIATION, Disputed.REQUEST, date(2026, 2, 28)),
        "started_on",
        "before the decision",
    )
    # a case that was assessed has no refusal to assess to dispute
    refused(
        NOT_ISSUED,
        appeal(Route.TRIBUNAL, Disputed.REQUEST, date(2026, 6, 1)),
        "disputes",
        "no decision not to assess to dispute",
    )


def test_mediation_and_tribunal_about_a_refusal_to_issue_only_after_that_decision():
    check_appeal(NOT_ISSUED, appeal(Route.TRIBUNAL, Disputed.ASSESSMENT, date(2026, 5, 20)), TODAY)
    # the importer once let this through: assessment mediation on a case whose plan was issued
    refused(
        ISSUED, appeal(Route.MEDIATION, Disputed.ASSESSMENT, date(2026, 7, 1)), "disputes", "not to issue"
    )


def test_other_mediation_and_tribunal_are_about_an_issued_plan():
    check_appeal(ISSUED, appeal(Route.MEDIATION, Disputed.PLAN, date(2026, 6, 1)), TODAY)
    refused(NOT_ISSUED, appeal(Route.TRIBUNAL, Disputed.PLAN, date(2026, 6, 1)), "disputes", "no issued plan")


def test_appeal_dates_are_not_in_the_future_and_an_outcome_fits_its_route():
    refused(ISSUED, appeal(Route.TRIBUNAL, Disputed.PLAN, date(2026, 11, 29)), "started_on", "in the future")
    with_outcome = appeal(
        Route.MEDIATION,
        Disputed.PLAN,
        date(2026, 7, 1),
        outcome=AppealOutcome.UPHELD,
        outcome_on=date(2026, 8, 1),
    )
    refused(ISSUED, with_outcome, "outcome", "not an outcome of mediation")
    half = appeal(Route.TRIBUNAL, Disputed.PLAN, date(2026, 7, 1), outcome=AppealOutcome.DISMISSED)
    refused(ISSUED, half, "outcome_on", "together")
    early = appeal(
        Route.TRIBUNAL,
        Disputed.PLAN,
        date(2026, 7, 1),
        outcome=AppealOutcome.DISMISSED,
        outcome_on=date(2026, 6, 30),
    )
    refused(ISSUED, early, "outcome_on", "before the tribunal began")


def test_each_route_and_decision_is_one_SEN2_item():
    assert sorted(SEN2_ITEMS.values()) == sorted(
        [
            "RequestMediation",
            "RequestTribunal",
            "AssessmentMediation",
            "AssessmentTribunal",
            "OtherMediation",
            "OtherTribunal",
        ]
    )
