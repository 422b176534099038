"""K1-K10 on hand-built cohorts, on SQLite and PostgreSQL (the ``db`` fixture).

Every expected figure is worked out in the comments. The reporting period is
October 2026 unless a test says otherwise.
"""

from datetime import UTC, date, datetime

from domain.case import AdviceKind, RequestSource
from domain.commands import RequestAdvice, ResendAdviceRequest, SubmitAdvice
from domain.kpis import Figure, Period
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode
from ehcna.store import kpi_queries as q
from tests.kpis.cohort import OFFICER, CaseBuilder, breach, no_plan, plan_issued, save_all

OCT = Period.month(2026, 10)
H, EP, SC, ED, PARENT = (
    AdviceKind.HEALTH,
    AdviceKind.EP,
    AdviceKind.SOCIAL_CARE,
    AdviceKind.EDUCATION,
    AdviceKind.PARENT,
)


def test_k1_k2_plan_on_day_140_is_in_time_day_141_is_not_and_exceptions_count_only_in_k2(db):
    save_all(
        db,
        plan_issued("A", date(2026, 10, 14), 140),  # day 140: in time (on or before day 0 + 140)
        plan_issued("B", date(2026, 10, 14), 141),  # day 141: late
        plan_issued("C", date(2026, 10, 2), 100),  # in time
        plan_issued("D", date(2026, 10, 20), 200, exception=True),  # Week20 exception, late
        plan_issued("E", date(2026, 10, 31), 120, exception=True),  # Week20 exception, in time
        plan_issued("F", date(2026, 9, 30), 100),  # issued in September: not this period
        plan_issued("G", date(2026, 11, 1), 100),  # issued in November: not this period
        no_plan("H", date(2026, 10, 10), 90),  # no plan: in neither measure
    )
    with db.engine.connect() as conn:
        # K1: plans without an exception are A, B, C; in time A and C -> 2/3
        assert q.k1_plans_in_time_excluding_exceptions(conn, OCT) == Figure(2, 3)
        # K2: all five plans A-E; in time A, C and E -> 3/5
        assert q.k2_plans_in_time(conn, OCT) == Figure(3, 5)
        # the excepted cases alone: D late, E in time; out of K1 entirely
        assert str(q.k1_plans_in_time_excluding_exceptions(conn, OCT)) == "66.7% (2/3)"


def test_k1_k2_boundary_alone(db):
    save_all(db, plan_issued("IN", date(2026, 10, 5), 140), plan_issued("LATE", date(2026, 10, 5), 141))
    with db.engine.connect() as conn:
        # one in time (day 140), one late (day 141): 1/2 on both measures
        assert q.k1_plans_in_time_excluding_exceptions(conn, OCT) == Figure(1, 2)
        assert q.k2_plans_in_time(conn, OCT) == Figure(1, 2)


def test_k3_decisions_whether_to_assess_within_6_weeks(db):
    save_all(
        db,
        CaseBuilder("Y42", date(2026, 9, 1)).assess(42),  # yes on day 42 (2026-10-13): in time
        CaseBuilder("N43", date(2026, 9, 1)).assess(43, yes=False),  # no on day 43 (2026-10-14): late
        CaseBuilder("Y10", date(2026, 9, 25)).assess(10),  # yes on day 10 (2026-10-05): in time
        CaseBuilder("SEP", date(2026, 8, 20)).assess(20),  # decided 2026-09-09: September
        # decided to assess in August, decided to issue in October: a TO_ISSUE decision, not K3
        CaseBuilder("ISS", date(2026, 7, 1)).assessed_with_advice().decide_to_issue(100),
    )
    with db.engine.connect() as conn:
        # decisions in October: Y42, N43, Y10 -> in time Y42, Y10 -> 2/3 (yes and no both count)
        assert q.k3_requests_decided_in_time(conn, OCT) == Figure(2, 3)


def test_k4_decisions_not_to_issue_within_16_weeks(db):
    save_all(
        db,
        no_plan("D112", date(2026, 10, 6), 112),  # day 112: in time
        no_plan("D113", date(2026, 10, 7), 113),  # day 113: late
        no_plan("D80", date(2026, 10, 20), 80),  # in time
        no_plan("SEP", date(2026, 9, 29), 90),  # September: not this period
        plan_issued("PLAN", date(2026, 10, 9), 100),  # a plan: not a PLAN_NOT_ISSUED outcome
        CaseBuilder("NA", date(2026, 9, 20)).assess(20, yes=False),  # NOT_ASSESSED in October: not K4
    )
    with db.engine.connect() as conn:
        # PLAN_NOT_ISSUED in October: D112, D113, D80 -> in time D112, D80 -> 2/3
        assert q.k4_no_plan_decisions_in_time(conn, OCT) == Figure(2, 3)


def test_k5_advice_per_kind_not_received_is_late_and_excepted_advice_is_out(db):
    # Both cases are assessed on 2026-08-21 and ask for advice on 2026-09-01: due 2026-10-13.
    x = CaseBuilder("X", date(2026, 8, 1)).assess(20).request_advice(31)
    x.return_advice(H, date(2026, 10, 13))  # day 42 of the advice: in time
    x.return_advice(EP, date(2026, 10, 14))  # day 43: late
    x.advice_not_received(SC, date(2026, 10, 20))  # NOT_RECEIVED in October: late (denominator only)
    x.advice_exception(ED, ExceptionCode.A_APPT, date(2026, 9, 10))  # reg 8(2)(c): out of K5
    x.return_advice(ED, date(2026, 10, 1))
    x.return_advice(PARENT, date(2026, 10, 1))  # the family's views: no clock, never in K5

    y = CaseBuilder("Y", date(2026, 8, 1)).assess(20).request_advice(31, kinds=(PARENT, H, EP, SC))
    y.existing_advice(ED, 31, 10)  # reg 6(4) existing advice: no clock, out of K5
    y.return_advice(H, date(2026, 9, 20))  # returned in September: not this period
    y.return_advice(EP, date(2026, 10, 5))  # in time
    y.advice_exception(SC, ExceptionCode.A_PERS, date(2026, 9, 15))  # reg 8(2)(a) ...
    y.advice_not_received(SC, date(2026, 10, 20))  # ... so this NOT_RECEIVED is out of K5
    save_all(db, x, y)

    with db.engine.connect() as conn:
        k5 = q.k5_advice_in_time(conn, OCT)
    assert k5 == {
        "HEALTH": Figure(1, 1),  # X in time; Y returned in September
        "SOCIAL_CARE": Figure(0, 1),  # X not received: counted late; Y excepted: out
        "EP": Figure(1, 2),  # X late, Y in time
        "EDUCATION": Figure(0, 0),  # X excepted, Y existing advice: nothing counted
    }
    assert list(k5) == ["HEALTH", "SOCIAL_CARE", "EP", "EDUCATION"]  # the dashboards' order


def test_k5_counts_each_request_of_a_kind_from_its_received_date_and_leaves_withdrawn_requests_out(db):
    # Assessed 2026-08-21; advice asked for on 2026-09-01 (day 31).
    x = CaseBuilder("X", date(2026, 8, 1)).assess(20).request_advice(31, kinds=(H,))
    # a second health request (speech and language therapy), sent 2026-09-01, received 2026-09-08:
    # its 6 weeks run to 2026-10-20, not 2026-10-13
    x.do(
        RequestAdvice(
            advice_kind=H,
            provider_team="salt-team",
            requested_on=date(2026, 9, 1),
            received_on=date(2026, 9, 8),
            by=OFFICER,
        )
    )
    # a social care request sent to the wrong team, withdrawn, and re-sent to the right one
    x.do(RequestAdvice(advice_kind=SC, provider_team="wrong-team", requested_on=date(2026, 9, 1), by=OFFICER))
    x.do(
        ResendAdviceRequest(
            advice_id="SOCIAL_CARE-1", provider_team="social-care", on=date(2026, 9, 3), by=OFFICER
        )
    )
    x.do(
        SubmitAdvice(advice_id="HEALTH-1", returned_on=date(2026, 10, 13), document_ref="d", by=OFFICER)
    )  # day 42
    x.do(
        SubmitAdvice(advice_id="HEALTH-2", returned_on=date(2026, 10, 19), document_ref="d", by=OFFICER)
    )  # 41 from receipt
    x.do(
        SubmitAdvice(advice_id="SOCIAL_CARE-2", returned_on=date(2026, 10, 16), document_ref="d", by=OFFICER)
    )  # 43: late
    save_all(db, x)

    with db.engine.connect() as conn:
        k5 = q.k5_advice_in_time(conn, OCT)
    assert k5["HEALTH"] == Figure(2, 2)  # both requests counted, each on its own clock
    assert k5["SOCIAL_CARE"] == Figure(0, 1)  # the withdrawn request has no clock and is not counted


def test_k6_time_to_issue_banded(db):
    save_all(
        db,
        plan_issued("W20", date(2026, 10, 1), 140),  # exactly 20 weeks: "≤ 20"
        plan_issued("W100", date(2026, 10, 2), 100),  # "≤ 20"
        plan_issued("EXC", date(2026, 10, 3), 90, exception=True),  # excepted plans count in K6: "≤ 20"
        plan_issued("D141", date(2026, 10, 4), 141),  # "> 20 and ≤ 52"
        plan_issued("W52", date(2026, 10, 5), 364),  # exactly 52 weeks: "> 20 and ≤ 52"
        plan_issued("D365", date(2026, 10, 6), 365),  # "> 52"
        plan_issued("NOV", date(2026, 11, 6), 365),  # November: not this period
    )
    with db.engine.connect() as conn:
        k6 = q.k6_time_to_issue(conn, OCT)
    # six plans in October: 3 / 2 / 1
    assert k6 == {"le20": Figure(3, 6), "20to52": Figure(2, 6), "gt52": Figure(1, 6)}
    assert [str(f) for f in k6.values()] == ["50.0% (3/6)", "33.3% (2/6)", "16.7% (1/6)"]


def test_k7_mean_and_median_weeks_to_final_plan(db):
    save_all(
        db,
        plan_issued("P84", date(2026, 10, 1), 84),  # 12 weeks
        plan_issued("P98", date(2026, 10, 2), 98),  # 14 weeks
        plan_issued("P140", date(2026, 10, 3), 140),  # 20 weeks
        plan_issued("P210", date(2026, 10, 4), 210),  # 30 weeks
    )
    with db.engine.connect() as conn:
        # mean (84 + 98 + 140 + 210) / 4 = 133 days = 19.0 weeks;
        # median of an even count: (98 + 140) / 2 = 119 days = 17.0 weeks
        assert q.k7_weeks_to_plan(conn, OCT) == q.WeeksToPlan(plans=4, mean_weeks=19.0, median_weeks=17.0)
    plan_issued("P350", date(2026, 10, 5), 350).save(db)  # 50 weeks
    with db.engine.connect() as conn:
        # mean 882 / 5 = 176.4 days = 25.2 weeks; median of five: 140 days = 20.0 weeks
        assert q.k7_weeks_to_plan(conn, OCT) == q.WeeksToPlan(plans=5, mean_weeks=25.2, median_weeks=20.0)
        assert q.k7_weeks_to_plan(conn, Period.month(2026, 9)) == q.WeeksToPlan(0, None, None)


def test_k8_k9_open_assessments_by_stage_and_weeks_at_a_past_date(db):
    as_of = date(2026, 10, 31)
    save_all(
        db,
        CaseBuilder("P1", date(2026, 10, 20)),  # 11 days open, request stage
        CaseBuilder("P2", date(2026, 9, 19)).assess(12),  # 42 days open: "0-6", advice
        CaseBuilder("P3", date(2026, 9, 18)).assess(12),  # 43 days: "6-12", advice
        # 140 days (day 0 2026-06-13): "16-20", decided to issue on day 100: drafting
        CaseBuilder("P4", date(2026, 6, 13)).assessed_with_advice().decide_to_issue(100),
        # 141 days (day 0 2026-06-12): "20+" (the backlog), draft served on day 120 (2026-10-10)
        CaseBuilder("P5", date(2026, 6, 12)).assessed_with_advice().decide_to_issue(100).serve_draft(120),
        # 91 days: "12-16"; withdrawn on 2026-11-10, so on 2026-10-31 it was open at the advice stage
        CaseBuilder("P6", date(2026, 8, 1)).assessed_with_advice().withdraw(date(2026, 11, 10)),
        # decided to assess on 2026-11-03: on 2026-10-31 it was still a request, 30 days: "0-6"
        CaseBuilder("P9", date(2026, 10, 1)).assess(33),
        plan_issued("CLOSED", date(2026, 10, 15), 100),  # closed before the date: not open
        CaseBuilder("LATER", date(2026, 11, 5)),  # received after the date: not open
    )
    with db.engine.connect() as conn:
        k8 = q.k8_open_assessments(conn, as_of)
        assert q.k9_backlog(conn, as_of) == 1  # P5 only: P4 is on day 140, not past 20 weeks
    assert k8.counts == {
        ("request", "0-6"): 2,  # P1, P9
        ("advice", "0-6"): 1,  # P2
        ("advice", "6-12"): 1,  # P3
        ("advice", "12-16"): 1,  # P6
        ("drafting", "16-20"): 1,  # P4
        ("draft_served", "20+"): 1,  # P5
    }
    assert k8.total == 7
    assert k8.by_stage == {"request": 2, "advice": 3, "drafting": 1, "draft_served": 1}
    assert k8.by_band == {"0-6": 3, "6-12": 1, "12-16": 1, "16-20": 1, "20+": 1}


def test_k10_breaches_by_deadline_and_team_on_the_london_date(db):
    utc = UTC
    breach(db, "A", Duty.T6, datetime(2026, 10, 15, 0, 0, tzinfo=utc), holder="north")
    breach(db, "A", Duty.T2, datetime(2026, 10, 3, 0, 0, tzinfo=utc), holder="icb-health", advice="HEALTH-1")
    # 23:30 UTC on 30 September is 00:30 on 1 October in London (BST): an October breach
    breach(
        db, "B", Duty.T2, datetime(2026, 9, 30, 23, 30, tzinfo=utc), holder="icb-health", advice="HEALTH-1"
    )
    breach(db, "C", Duty.T1, datetime(2026, 9, 15, 0, 0, tzinfo=utc), holder="south", team="south")  # Sep
    breach(db, "C", Duty.T3, datetime(2026, 10, 20, 0, 0, tzinfo=utc), holder="south", team="south")
    # 23:30 UTC on 31 October is still 31 October in London (GMT from 25 October)
    breach(db, "D", Duty.T6, datetime(2026, 10, 31, 23, 30, tzinfo=utc), holder="north")
    with db.engine.connect() as conn:
        k10 = q.k10_breaches(conn, OCT)
    # October: A T6, A T2 HEALTH, B T2 HEALTH, C T3, D T6 -> 5
    assert k10 == q.Breaches(
        total=5,
        by_deadline={"T2 HEALTH": 2, "T3": 1, "T6": 2},
        by_team={"icb-health": 2, "north": 2, "south": 1},
    )


def test_k1_by_month_groups_in_the_database_and_fills_empty_months(db):
    save_all(
        db,
        plan_issued("S1", date(2026, 9, 3), 100),
        plan_issued("S2", date(2026, 9, 30), 141),
        plan_issued("S3", date(2026, 9, 10), 150, exception=True),  # excepted: out of K1
        plan_issued("O1", date(2026, 10, 1), 140),
    )
    months = [Period.month(2026, 8), Period.month(2026, 9), Period.month(2026, 10)]
    with db.engine.connect() as conn:
        assert q.k1_by_month(conn, months) == {
            "2026-08": Figure(0, 0),  # nothing issued
            "2026-09": Figure(1, 2),  # S1 in time, S2 late
            "2026-10": Figure(1, 1),  # O1 on day 140
        }


def test_period_figures_reads_every_measure_and_k9_is_the_20_plus_band(db):
    save_all(db, plan_issued("A", date(2026, 10, 14), 140), CaseBuilder("OLD", date(2026, 1, 5)))
    with db.engine.connect() as conn:
        figures = q.period_figures(conn, OCT, today=date(2026, 10, 20))
    assert figures.as_of == date(2026, 10, 20)  # the month is not over: counted today
    assert figures.plans.k1 == Figure(1, 1)
    assert figures.k9 == figures.k8.by_band["20+"] == 1  # OLD: 288 days open


def test_k11_k12_k13_counts_in_the_month_and_the_calendar_year_to_date(db):
    save_all(
        db,
        # received in October, from a school; decided (no) in October
        CaseBuilder("A", date(2026, 10, 1), source=RequestSource.SCHOOL).assess(20, yes=False),
        # received in April; assessed in April; no plan decided in October: completed in October
        no_plan("B", date(2026, 10, 5), 180),
        # received in October, undecided
        CaseBuilder("C", date(2026, 10, 30)),
        # received in December 2025: last year, not in the year to date
        CaseBuilder("D", date(2025, 12, 31)).assess(10),
        # received in May, plan issued in September: assessed in June, completed in August (year to date)
        plan_issued("E", date(2026, 9, 20), 120),
    )
    with db.engine.connect() as conn:
        k11 = q.k11_requests_received(conn, OCT)
        k12 = q.k12_decisions_whether_to_assess(conn, OCT)
        k13 = q.k13_assessments_completed(conn, OCT)
    assert k11.period == {"SCHOOL": 1, "PARENT": 1}  # A, C
    assert k11.total_year_to_date == 4  # A, B, C, E (D was received in 2025)
    assert k12.period == {"no": 1}  # A
    assert (k12.total_year_to_date, k12.year_to_date) == (4, {"no": 1, "yes": 3})  # A; B, D (Jan), E
    assert k13.period == {"no": 1}  # B
    assert k13.year_to_date == {"no": 1, "yes": 1}  # B; E
