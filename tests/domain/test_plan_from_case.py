"""The plan in force an assessment's final plan starts (domain.plan_from_case)."""

from datetime import date

import pytest

from domain.case import AdviceKind, AdviceRequest, Case, Outcome, RequestSource
from domain.plan_from_case import NoPlanToStart, plan_of_case


def issued(day0: date, on: date, year_group: int | None, advice: list[AdviceRequest] | None = None) -> Case:
    return Case(
        ref="PF-1",
        day0=day0,
        request_source=RequestSource.PARENT,
        team="north",
        year_group=year_group,
        advice=advice or [],
        outcome=Outcome.PLAN_ISSUED,
        outcome_on=on,
        final_plan_issued_on=on,
    )


def test_plan_in_force_starts_on_the_day_the_final_plan_is_issued():
    start = plan_of_case(issued(date(2026, 1, 5), date(2026, 5, 20), 3))
    assert (start.ref, start.team, start.start_on) == ("PF-1", "north", date(2026, 5, 20))
    assert start.year_group == 3
    assert start.setting_team is None  # no educational advice asked: no setting convenes yet


def test_plan_in_force_year_group_moves_on_at_each_september_between_the_request_and_the_plan():
    # year 6 when the request came in July; the plan issued in October: year 7 (a phase transfer passed)
    start = plan_of_case(issued(date(2026, 7, 1), date(2026, 10, 15), 6))
    assert start.year_group == 7
    # the day before September: still year 6
    assert plan_of_case(issued(date(2026, 7, 1), date(2026, 8, 31), 6)).year_group == 6


def test_plan_in_force_setting_is_the_team_asked_for_educational_advice():
    advice = [
        AdviceRequest(
            id="EDUCATION-1",
            kind=AdviceKind.EDUCATION,
            provider_team="oak-school",
            requested_on=date(2026, 2, 1),
        ),
        AdviceRequest(
            id="EP-1", kind=AdviceKind.EP, provider_team="ep-service", requested_on=date(2026, 2, 1)
        ),
    ]
    start = plan_of_case(issued(date(2026, 1, 5), date(2026, 5, 20), 3, advice))
    assert start.setting_team == "oak-school"


def test_plan_in_force_setting_is_never_the_team_of_a_withdrawn_education_request():
    advice = [
        AdviceRequest(
            id="EDUCATION-1",
            kind=AdviceKind.EDUCATION,
            provider_team="oak-school",
            requested_on=date(2026, 2, 1),
        ),
        AdviceRequest(  # sent to the wrong school, and withdrawn
            id="EDUCATION-2",
            kind=AdviceKind.EDUCATION,
            provider_team="elm-school",
            requested_on=date(2026, 2, 3),
            withdrawn_on=date(2026, 2, 4),
        ),
    ]
    case = issued(date(2026, 1, 5), date(2026, 5, 20), 3, advice)
    assert plan_of_case(case).setting_team == "oak-school"
    assert plan_of_case(case, skip_withdrawn=False).setting_team == "elm-school"  # as before the patch
    only_withdrawn = issued(date(2026, 1, 5), date(2026, 5, 20), 3, advice[1:])
    assert plan_of_case(only_withdrawn).setting_team is None


@pytest.mark.parametrize(
    ("case", "why"),
    [
        (issued(date(2026, 1, 5), date(2026, 5, 20), None), "no year group"),
        (issued(date(2025, 7, 1), date(2025, 9, 20), 14), "past year 14"),
        (
            Case(ref="PF-1", day0=date(2026, 1, 5), request_source=RequestSource.PARENT, team="north"),
            "issued no final plan",
        ),
    ],
)
def test_plan_in_force_not_started_says_why_without_personal_data(case: Case, why: str):
    with pytest.raises(NoPlanToStart, match=why) as refused:
        plan_of_case(case)
    assert "PF-1" in str(refused.value)
