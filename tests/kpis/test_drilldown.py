"""The cases behind each KPI figure, on SQLite and PostgreSQL (the ``db`` fixture).

A figure's list must have as many rows as the figure counts: its numerator's
rows, its denominator's rows, and the rest (the late ones) in between. Checked
by hand on the cohorts of test_kpi_queries.py for K1 and K5, then for every
row of the overview on a cohort that has something in each measure.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.case import AdviceKind
from domain.kpis import Figure, Period
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode
from ehcna.reports.overview import build_overview
from ehcna.store import kpi_queries as q
from ehcna.store.kpi_cases import KpiCase, Part, UnknownMeasure, kpi_cases
from tests.kpis.cohort import CaseBuilder, breach, no_plan, overview_cohort, plan_issued, save_all

OCT = Period.month(2026, 10)
TODAY = date(2026, 11, 20)
H, EP, SC, ED, PARENT = (
    AdviceKind.HEALTH,
    AdviceKind.EP,
    AdviceKind.SOCIAL_CARE,
    AdviceKind.EDUCATION,
    AdviceKind.PARENT,
)


def refs(rows: list[KpiCase]) -> list[str]:
    return sorted(r.ref for r in rows)


def parts(conn, measure: str, period: Period = OCT) -> dict[Part, list[KpiCase]]:
    return {part: kpi_cases(conn, measure, period, TODAY, part) for part in Part}


def test_k1_and_k2_cases_are_the_figures_numerator_and_denominator(db):
    save_all(
        db,
        plan_issued("A", date(2026, 10, 14), 140),  # day 140: in time
        plan_issued("B", date(2026, 10, 14), 141),  # day 141: 1 day late
        plan_issued("C", date(2026, 10, 2), 100),  # in time
        plan_issued("D", date(2026, 10, 20), 200, exception=True),  # exception: K2 only, 60 days late
        plan_issued("E", date(2026, 10, 31), 120, exception=True),  # exception: K2 only, in time
        plan_issued("F", date(2026, 9, 30), 100),  # September
        plan_issued("G", date(2026, 11, 1), 100),  # November
        no_plan("H", date(2026, 10, 10), 90),  # no plan
    )
    with db.engine.connect() as conn:
        k1, k2 = q.k1_plans_in_time_excluding_exceptions(conn, OCT), q.k2_plans_in_time(conn, OCT)
        one, two = parts(conn, "K1"), parts(conn, "K2")
    assert k1 == Figure(2, 3) and k2 == Figure(3, 5)
    assert (len(one[Part.NUMERATOR]), len(one[Part.ALL])) == (k1.numerator, k1.denominator)
    assert (len(two[Part.NUMERATOR]), len(two[Part.ALL])) == (k2.numerator, k2.denominator)
    assert refs(one[Part.ALL]) == ["A", "B", "C"] and refs(one[Part.REST]) == ["B"]
    assert refs(two[Part.NUMERATOR]) == ["A", "C", "E"] and refs(two[Part.REST]) == ["B", "D"]

    late = {r.ref: r for r in two[Part.REST]}
    assert [r.ref for r in two[Part.REST]] == ["D", "B"]  # the latest first
    b = late["B"]
    assert (b.deadline, b.days_late, b.in_numerator) == ("T6", 1, False)
    assert b.counted_on == date(2026, 10, 14) and b.due_on == date(2026, 10, 13)
    assert b.started_on == date(2026, 10, 14) - timedelta(days=141)  # day 0
    assert (b.team, b.officer) == ("north", None)
    assert late["D"].days_late == 60
    assert all(r.in_numerator and r.days_late == 0 for r in two[Part.NUMERATOR])


def test_k5_cases_per_advice_kind_are_its_numerator_and_denominator(db):
    # the cohort of test_kpi_queries: advice asked for on 2026-09-01, due 2026-10-13
    x = CaseBuilder("X", date(2026, 8, 1)).assess(20).request_advice(31)
    x.return_advice(H, date(2026, 10, 13))  # in time
    x.return_advice(EP, date(2026, 10, 14))  # 1 day late
    x.advice_not_received(SC, date(2026, 10, 20))  # not received: late
    x.advice_exception(ED, ExceptionCode.A_APPT, date(2026, 9, 10))  # reg 8(2): out
    x.return_advice(ED, date(2026, 10, 1))
    x.return_advice(PARENT, date(2026, 10, 1))  # no clock: out
    y = (
        CaseBuilder("Y", date(2026, 8, 1), team="south")
        .assess(20)
        .request_advice(31, kinds=(PARENT, H, EP, SC))
    )
    y.existing_advice(ED, 31, 10)  # no clock: out
    y.return_advice(H, date(2026, 9, 20))  # September
    y.return_advice(EP, date(2026, 10, 5))  # in time
    y.advice_exception(SC, ExceptionCode.A_PERS, date(2026, 9, 15))
    y.advice_not_received(SC, date(2026, 10, 20))  # excepted: out
    save_all(db, x, y)

    with db.engine.connect() as conn:
        k5 = q.k5_advice_in_time(conn, OCT)
        lists = {kind: parts(conn, f"K5.{kind}") for kind in k5}
    assert k5["SOCIAL_CARE"] == Figure(0, 1) and k5["EP"] == Figure(1, 2)
    for kind, figure in k5.items():
        found = lists[kind]
        assert len(found[Part.NUMERATOR]) == figure.numerator, kind
        assert len(found[Part.ALL]) == figure.denominator, kind
        assert len(found[Part.REST]) == figure.denominator - figure.numerator, kind

    [social] = lists["SOCIAL_CARE"][Part.REST]
    assert (social.ref, social.item, social.status) == ("X", "SOCIAL_CARE-1", "NOT_RECEIVED")
    assert (social.deadline, social.advice_kind, social.asked_of) == ("T2", "SOCIAL_CARE", "social-care")
    assert social.started_on == date(2026, 9, 1)  # requested
    assert (social.due_on, social.counted_on, social.days_late) == (date(2026, 10, 13), date(2026, 10, 20), 7)
    [ep_late] = lists["EP"][Part.REST]
    assert (ep_late.ref, ep_late.days_late) == ("X", 1)
    assert [(r.ref, r.team) for r in lists["EP"][Part.NUMERATOR]] == [("Y", "south")]


def mixed_cohort(db) -> None:
    """Something in every measure of October 2026: plans, decisions, advice, breaches, open cases."""
    overview_cohort(db)
    x = CaseBuilder("ADV", date(2026, 8, 1)).assess(20).request_advice(31)
    x.return_advice(H, date(2026, 10, 13))
    x.return_advice(EP, date(2026, 10, 14))
    x.advice_not_received(SC, date(2026, 10, 20))
    save_all(
        db,
        x,
        no_plan("NP1", date(2026, 10, 6), 112),
        no_plan("NP2", date(2026, 10, 7), 113),
        CaseBuilder("Y42", date(2026, 9, 1)).assess(42),
        CaseBuilder("N43", date(2026, 9, 1)).assess(43, yes=False),
        CaseBuilder("OCTNEW", date(2026, 10, 5)),
    )
    raised = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)
    breach(db, "ADV", Duty.T2, raised, holder="social-care", advice="SOCIAL_CARE-1")
    breach(db, "B", Duty.T6, raised, holder="north")
    breach(db, "NP2", Duty.T3, raised, holder="north")


def test_every_figure_of_the_overview_has_as_many_cases_as_it_counts(db):
    mixed_cohort(db)
    with db.engine.connect() as conn:
        overview = build_overview(conn, OCT, TODAY)
        checked = 0
        for row in overview.rows:
            for period, value in (
                (overview.latest.period, row.latest),
                (overview.previous.period, row.previous),
                (overview.year_ago.period, row.year_ago),
            ):
                found = {part: kpi_cases(conn, row.id, period, TODAY, part) for part in Part}
                if isinstance(value, Figure):
                    assert len(found[Part.NUMERATOR]) == value.numerator, (row.id, period)
                    assert len(found[Part.ALL]) == value.denominator, (row.id, period)
                    assert len(found[Part.REST]) == value.denominator - value.numerator, (row.id, period)
                elif isinstance(value, int):
                    assert len(found[Part.ALL]) == value, (row.id, period)
                    assert found[Part.NUMERATOR] == [] and len(found[Part.REST]) == value
                else:  # K7: weeks over the plans issued
                    assert len(found[Part.ALL]) == overview.latest.plans.k7.plans or period != OCT
                checked += bool(found[Part.ALL])
    assert checked >= 30  # most rows had cases to count: the check was not vacuous
    assert {r.id.split(".")[0] for r in overview.rows} >= {f"K{n}" for n in range(1, 14)}


def test_open_cases_behind_the_backlog_say_how_late_their_plan_is(db):
    overview_cohort(db)
    with db.engine.connect() as conn:
        backlog = kpi_cases(conn, "K9", OCT, TODAY)
        at_stage = kpi_cases(conn, "K8.stage.request", OCT, TODAY)
    # open past day 140 on 2026-10-31: OLD (day 0 2026-05-01: 183 days) and MID (2026-06-01: 152 days)
    assert [(r.ref, r.days_late, r.deadline) for r in backlog] == [("OLD", 43, "T6"), ("MID", 12, "T6")]
    assert all(r.counted_on == date(2026, 10, 31) for r in backlog)
    assert refs(at_stage) == ["MID", "NEW", "OLD"]


def test_a_figure_the_overview_does_not_show_is_refused(db):
    with db.engine.connect() as conn:
        for measure in ("K14", "K1.x", "K5", "K6.never", "K8.stage.closed", "K10.T9", "K11.assess.yes", ""):
            with pytest.raises(UnknownMeasure):
                kpi_cases(conn, measure, OCT, TODAY)
