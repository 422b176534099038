"""L1-L9 of plan-lifecycle.md on hand-built plans, SQLite and PostgreSQL, with the figures worked out in
comments; the boundaries of the rules they rest on: a review on its 12-month date is in time and the
day after is late, 29 February, a decision on meeting + 28 days is in time."""

import csv
import io
from datetime import date, timedelta

import pytest

from domain.kpis import Figure, Period, Trend
from domain.plan import CeaseReason, ReviewOutcome
from domain.plan_deadlines import review_overdue
from domain.plan_measures import review_meetings_current_from
from ehcna.reports.exports import kpis_json, write_kpis_csv
from ehcna.reports.overview import build_overview
from ehcna.store.kpi_cases import Part, UnknownMeasure, kpi_cases
from ehcna.store.plan_kpi_queries import (
    PlanMeasures,
    figure_of,
    phase_transfers,
    plan_measures,
    plans,
    reviews_overdue,
)
from tests.kpis.plan_cohort import PlanBuilder, plan_overview_cohort

OCTOBER = Period.month(2026, 10)
E = OCTOBER.end  # 31 October 2026


def measures(db, period: Period, as_of: date | None = None) -> PlanMeasures:
    with db.engine.connect() as conn:
        return plan_measures(conn, period, as_of or period.end)


def overdue_refs(db, as_of: date) -> set[str]:
    counted = reviews_overdue(as_of)
    with db.engine.connect() as conn:
        return set(conn.scalars(plans.select().with_only_columns(plans.c.ref).where(counted.where)))


@pytest.mark.parametrize(
    ("as_of", "first_meeting_in_time"),
    [
        (date(2026, 10, 31), date(2025, 10, 31)),
        (date(2025, 2, 28), date(2024, 2, 28)),  # 28 and 29 February 2024 both end on 28 February 2025
        (date(2025, 3, 1), date(2024, 3, 1)),
        (date(2024, 2, 29), date(2023, 3, 1)),  # 28 February 2023's 12 months ended the day before
    ],
)
def test_review_meetings_current_from_is_the_first_meeting_whose_12_months_still_run(
    as_of, first_meeting_in_time
):
    assert review_meetings_current_from(as_of) == first_meeting_in_time


def test_l1_plans_in_force_at_the_end_of_the_period(db):
    PlanBuilder(db, "A", date(2025, 1, 10))  # in force
    PlanBuilder(db, "B", date(2026, 10, 31))  # started on E: in force at E
    PlanBuilder(db, "C", date(2026, 11, 1))  # not yet
    # ceased on E: not in force at E (it is in October's L9); in force at the end of September
    PlanBuilder(db, "D", date(2024, 5, 1)).cease(date(2026, 10, 1), date(2026, 10, 31))
    # transferred in on 15 October (started elsewhere in 2023): held here from the transfer
    PlanBuilder(db, "T", date(2023, 3, 1), transferred_on=date(2026, 10, 15))
    PlanBuilder(db, "U", date(2023, 3, 1), transferred_on=date(2026, 11, 5))  # not ours until November
    PlanBuilder(db, "O", date(2024, 9, 1)).transfer_out(date(2026, 12, 1))  # still ours in October
    # October: A, B, T, O = 4; September: A, D, O = 3
    assert measures(db, OCTOBER).l1_in_force == 4
    assert measures(db, Period.month(2026, 9)).l1_in_force == 3


def test_l2_reviews_completed_in_the_last_12_months(db):
    # E = 31 October 2026: a meeting on or after 31 October 2025 has its 12 months running
    PlanBuilder(db, "P1", date(2024, 6, 1)).review(date(2025, 10, 31), date(2025, 11, 10))  # R1 = E: yes
    PlanBuilder(db, "P2", date(2024, 6, 1)).review(date(2025, 10, 30), date(2025, 11, 5))  # R1 30 Oct: no
    PlanBuilder(db, "P3", date(2025, 10, 31))  # its first 12 months end on E: not counted yet
    PlanBuilder(db, "P4", date(2025, 10, 30))  # here more than 12 months, never reviewed: no
    # its 2025 review is over 12 months old; the October meeting awaits its decision: not completed
    p5 = PlanBuilder(db, "P5", date(2024, 1, 15)).review(date(2025, 1, 10), date(2025, 1, 20))
    p5.meeting(date(2026, 10, 20))
    PlanBuilder(db, "P6", date(2020, 5, 1), last_review_on=date(2026, 3, 1))  # reviewed before the engine
    # transferred in on 1 June 2026: not here 12 months yet
    PlanBuilder(
        db, "P7", date(2021, 1, 1), transferred_on=date(2026, 6, 1), old_last_review_on=date(2025, 12, 1)
    )
    PlanBuilder(db, "P8", date(2023, 1, 1)).cease(date(2026, 9, 1), date(2026, 9, 30))  # not in force
    # denominator P1, P2, P4, P5, P6 = 5; numerator P1, P6 = 2
    assert measures(db, OCTOBER).l2_reviewed_in_12_months == Figure(2, 5)


def test_l2_and_l8_from_29_february(db):
    # E = 28 February 2025: 12 months from 29 February 2024 end on 28 February 2025 (ENGINE RULE)
    PlanBuilder(db, "Q1", date(2023, 1, 5)).review(date(2024, 2, 29), date(2024, 3, 10))  # R1 = E: in time
    PlanBuilder(db, "Q2", date(2023, 1, 5)).review(date(2024, 2, 28), date(2024, 3, 10))  # R1 = E: in time
    PlanBuilder(db, "Q3", date(2023, 1, 5)).review(date(2024, 2, 27), date(2024, 3, 10))  # R1 27 Feb: late
    february = measures(db, Period.month(2025, 2))
    assert february.l2_reviewed_in_12_months == Figure(2, 3)
    assert february.l8_overdue == 1  # Q3
    assert overdue_refs(db, date(2025, 3, 1)) == {"Q1", "Q2", "Q3"}  # the day after: all three late


def test_l3_reviews_recorded_and_l5_reviews_held_within_12_months(db):
    # October's meetings, each against its R1 date (12 months from the start)
    PlanBuilder(db, "R1", date(2025, 10, 15)).review(date(2026, 10, 15), date(2026, 10, 20))  # on R1: in time
    PlanBuilder(db, "R2", date(2025, 10, 15)).review(date(2026, 10, 16), date(2026, 10, 30))  # a day late
    PlanBuilder(db, "R3", date(2025, 10, 20)).meeting(date(2026, 10, 5))  # awaiting its decision: in time
    PlanBuilder(db, "R4", date(2025, 9, 1)).meeting(date(2026, 10, 10))  # awaiting; R1 was 1 September: late
    PlanBuilder(db, "R5", date(2025, 9, 1)).review(date(2026, 9, 30), date(2026, 10, 5))  # September, late
    # 29 February: the plan's 12 months end on 28 February 2025
    PlanBuilder(db, "R6", date(2024, 2, 29)).review(date(2025, 2, 28), date(2025, 3, 5))  # in time
    PlanBuilder(db, "R7", date(2024, 2, 29)).review(date(2025, 3, 1), date(2025, 3, 5))  # late
    october = measures(db, OCTOBER)
    assert october.l3_reviews_held == 4  # R1, R2, R3, R4
    assert october.l5_reviews_in_time == Figure(2, 4)  # R1, R3
    september = measures(db, Period.month(2026, 9))
    assert (september.l3_reviews_held, september.l5_reviews_in_time) == (1, Figure(0, 1))  # R5
    assert measures(db, Period.month(2025, 2)).l5_reviews_in_time == Figure(1, 1)  # R6
    assert measures(db, Period.month(2025, 3)).l5_reviews_in_time == Figure(0, 1)  # R7


def test_l4_review_decisions_within_4_weeks_of_the_meeting(db):
    start = date(2025, 10, 1)
    PlanBuilder(db, "D1", start).review(date(2026, 9, 15), date(2026, 10, 13))  # meeting + 28 days: in time
    PlanBuilder(db, "D2", start).review(date(2026, 9, 15), date(2026, 10, 14))  # + 29 days: late
    PlanBuilder(db, "D3", start).review(  # a decision to cease is a decision
        date(2026, 10, 1), date(2026, 10, 2), ReviewOutcome.CEASE, CeaseReason.NEEDS_MET_WITHOUT_PLAN
    )
    PlanBuilder(db, "D4", date(2025, 8, 1)).review(date(2026, 8, 1), date(2026, 9, 20))  # September's
    PlanBuilder(db, "D5", start).review(date(2026, 10, 20), date(2026, 11, 2))  # November's
    assert measures(db, OCTOBER).l4_decisions_in_time == Figure(2, 3)  # D1, D3 of D1, D2, D3
    assert measures(db, Period.month(2026, 9)).l4_decisions_in_time == Figure(0, 1)  # D4: 50 days


def test_l6_amended_plans_issued_within_8_weeks_of_the_notice(db):
    start = date(2025, 12, 1)
    amend = ReviewOutcome.AMEND
    # notice 20 August + 56 days = 15 October
    PlanBuilder(db, "A1", start).review(date(2026, 7, 1), date(2026, 7, 10), amend).amend(
        date(2026, 8, 20), date(2026, 10, 15)
    )  # on the 8-week date: in time
    PlanBuilder(db, "A2", start).review(date(2026, 7, 1), date(2026, 7, 10), amend).amend(
        date(2026, 8, 20), date(2026, 10, 16)
    )  # the day after: late
    PlanBuilder(db, "A3", start).amend(date(2026, 10, 1), date(2026, 10, 20))  # outside a review: in time
    PlanBuilder(db, "A4", start).amend(date(2026, 9, 1), date(2026, 9, 25))  # issued in September
    assert measures(db, OCTOBER).l6_amended_in_time == Figure(2, 3)  # A1, A3 of A1, A2, A3
    assert measures(db, Period.month(2026, 9)).l6_amended_in_time == Figure(1, 1)


def test_l7_phase_transfers_finalised_by_the_statutory_date(db):
    start = date(2025, 10, 1)
    # year 6 in 2025/26: to year 7 in September 2026, R8 15 February 2026
    PlanBuilder(db, "S1", start, year_group=6).amend(date(2026, 1, 10), date(2026, 2, 15), "123456")  # on R8
    PlanBuilder(db, "S2", start, year_group=6).amend(date(2026, 1, 20), date(2026, 2, 16), "123456")  # late
    # year 11 to year 12 (post-16): R8 31 March 2026
    PlanBuilder(db, "S3", start, year_group=11).amend(date(2026, 3, 1), date(2026, 3, 31), "10012345")
    PlanBuilder(db, "S4", start, year_group=6)  # never finalised
    PlanBuilder(db, "S5", start, year_group=6).cease(date(2025, 12, 1), date(2026, 1, 5))  # ended before R8
    # nursery in 2025/26: into reception in September 2026, R8 15 February 2026
    PlanBuilder(db, "S6", start, year_group=-1).amend(date(2026, 1, 20), date(2026, 2, 10), "654321")
    PlanBuilder(db, "S7", start, year_group=5)  # moves to year 7 in 2027: not this year's
    october = measures(db, OCTOBER)
    assert october.l7_transfer_year == 2026
    assert october.l7_transfers_in_time == Figure(3, 5)  # S1, S3, S6 of S1, S2, S3, S4, S6
    # on 10 February 2026, before the dates: S6 finalised so far; S5 ended before its R8 date
    counted = phase_transfers(2026, date(2026, 2, 10))
    with db.engine.connect() as conn:
        assert figure_of(conn, counted) == Figure(1, 5)


def test_l8_overdue_reviews_at_the_end_of_the_period_agree_with_the_plan_rules(db):
    built = [
        PlanBuilder(db, "O1", date(2025, 10, 31)),  # R1 = E: not overdue on E
        PlanBuilder(db, "O2", date(2025, 10, 30)),  # R1 30 October: overdue
        PlanBuilder(db, "O3", date(2024, 6, 1)).review(date(2025, 10, 31), date(2025, 11, 5)),  # R1 = E
        PlanBuilder(db, "O4", date(2024, 6, 1)).review(date(2025, 10, 30), date(2025, 11, 5)),  # overdue
        PlanBuilder(db, "O5", date(2025, 1, 1)).meeting(date(2026, 10, 20)),  # late, but the meeting is held
        PlanBuilder(db, "O6", date(2024, 1, 1)).decide_to_cease(date(2026, 9, 1)),  # ceasing: no review owed
        # transferred in on 1 August 2026: R10 is the later of 1 June 2026 and 1 November 2026
        PlanBuilder(
            db, "O7", date(2022, 1, 1), transferred_on=date(2026, 8, 1), old_last_review_on=date(2025, 6, 1)
        ),
        PlanBuilder(db, "O8", date(2020, 1, 1), last_review_on=date(2025, 10, 15)),  # R1 15 October: overdue
        PlanBuilder(db, "O9", date(2020, 1, 1)).cease(date(2026, 10, 1), date(2026, 10, 31)),  # ended on E
        # overdue on E (R1 20 May 2026) though reviewed since: a past month is counted as it stood then
        PlanBuilder(db, "O10", date(2024, 6, 1))
        .review(date(2025, 5, 20), date(2025, 6, 1))
        .review(date(2026, 11, 10), date(2026, 11, 20)),
    ]
    assert measures(db, OCTOBER).l8_overdue == 4
    assert overdue_refs(db, E) == {"O2", "O4", "O8", "O10"}
    # 30 November, after every step: O1 and O3 (R1 31 October) and O7 (R10 1 November) have joined; O10
    # was reviewed. The plan rules say the same of each plan as it stands.
    november = date(2026, 11, 30)
    assert overdue_refs(db, november) == {"O1", "O2", "O3", "O4", "O7", "O8"}
    assert overdue_refs(db, november) == {b.ref for b in built if review_overdue(b.plan, november)}
    # and on every week since the first plan started, each plan as it stood then
    assert agrees_with_the_plan_rules(db, {b.ref: b for b in built}, date(2020, 1, 5), date(2027, 3, 1)) > 100
    with db.engine.connect() as conn:
        behind = {r.ref: r for r in kpi_cases(conn, "L8", Period.month(2026, 11), today=date(2027, 1, 1))}
    # the plan transferred in missed R10 (1 November), 29 days before 30 November; O1 its first R1
    assert (behind["O7"].deadline, behind["O7"].due_on, behind["O7"].days_late) == (
        "R10",
        date(2026, 11, 1),
        29,
    )
    assert (behind["O1"].deadline, behind["O1"].due_on, behind["O1"].days_late) == (
        "R1",
        date(2026, 10, 31),
        30,
    )


def test_l9_plans_ceased_in_the_period_by_reason(db):
    start = date(2022, 1, 1)
    PlanBuilder(db, "C1", start).cease(date(2026, 9, 1), date(2026, 10, 1))  # needs met (2)
    PlanBuilder(db, "C2", start).cease(date(2026, 9, 1), date(2026, 10, 31), CeaseReason.MAXIMUM_AGE)  # 1
    PlanBuilder(db, "C3", start).cease(date(2026, 9, 1), date(2026, 10, 15))  # 2
    PlanBuilder(db, "C4", start).transfer_out(date(2026, 10, 20))  # transferred to another LA (5)
    PlanBuilder(db, "C5", start).cease(date(2026, 9, 1), date(2026, 9, 30))  # September's
    PlanBuilder(db, "C6", start).cease(date(2026, 10, 1), date(2026, 11, 1))  # November's
    PlanBuilder(db, "C7", start).decide_to_cease(date(2026, 10, 10))  # decided, not ceased: in force
    october = measures(db, OCTOBER)
    assert october.l9_ceased == {"1": 1, "2": 2, "3": 0, "4": 0, "5": 1, "6": 0, "7": 0, "8": 0, "9": 0}
    assert october.l9_total == 4
    assert october.l1_in_force == 2  # C6 (ends in November) and C7 (decided, not ceased)


def test_the_monthly_overview_shows_l1_to_l9_with_their_changes(db):
    plan_overview_cohort(db)  # the figures are worked out in its docstring
    with db.engine.connect() as conn:
        overview = build_overview(conn, OCTOBER, today=date(2026, 11, 20))
    rows = {row.id: row for row in overview.rows}
    shown = {
        m: (rows[m].latest, rows[m].previous, rows[m].year_ago)
        for m in ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9")
    }
    assert shown == {
        "L1": (12, 12, 10),
        "L2": (Figure(5, 9), Figure(6, 9), Figure(3, 6)),
        "L3": (2, 2, 2),
        "L4": (Figure(1, 2), Figure(0, 1), Figure(1, 1)),
        "L5": (Figure(1, 2), Figure(1, 2), Figure(2, 2)),
        "L6": (Figure(0, 1), Figure(0, 0), Figure(1, 1)),
        "L7": (Figure(1, 3), Figure(1, 3), Figure(0, 1)),
        "L8": (2, 1, 2),
        "L9": (1, 0, 1),
    }
    assert (rows["L2"].change, rows["L2"].change_year) == (-11.1, 5.6)  # 55.6 - 66.7, 55.6 - 50.0 points
    assert (rows["L8"].change, rows["L8"].trend, rows["L8"].improving) == (1, Trend.UP, False)
    assert rows["L6"].change is None  # nothing issued in September: not comparable
    # L9 by SEN2 CeaseReason, each reason found in any of the three periods
    assert [(r.id, r.latest, r.year_ago) for r in overview.rows if r.id.startswith("L9.")] == [
        ("L9.reason.4", 0, 1),
        ("L9.reason.5", 1, 0),
    ]


def test_l1_to_l9_in_the_json_and_csv_exports(db):
    plan_overview_cohort(db)
    with db.engine.connect() as conn:
        overview = build_overview(conn, OCTOBER, today=date(2026, 11, 20))
    measures_json = {m["id"]: m for m in kpis_json(overview)["measures"]}
    l2 = measures_json["L2"]
    assert (l2["latest"]["numerator"], l2["latest"]["denominator"], l2["latest"]["text"]) == (
        5,
        9,
        "55.6% (5/9)",
    )
    assert (l2["change"], l2["change_year"]) == (-11.1, 5.6)
    assert (measures_json["L8"]["latest"], measures_json["L8"]["previous"]) == (2, 1)
    out = io.StringIO()
    write_kpis_csv(overview, out)
    lines = {row["measure"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    l7 = lines["L7"]
    assert (l7["value"], l7["numerator"], l7["denominator"], l7["year_ago_value"]) == (
        "33.3",
        "1",
        "3",
        "0.0",
    )
    assert (lines["L9.reason.5"]["value"], lines["L1"]["value"], lines["L1"]["change_year"]) == (
        "1",
        "12",
        "2",
    )


def test_every_l_figure_lists_as_many_plans_as_it_counts(db):
    plan_overview_cohort(db)
    today = date(2026, 11, 20)
    with db.engine.connect() as conn:
        overview = build_overview(conn, OCTOBER, today)
        checked = 0
        for row in (r for r in overview.rows if r.id.startswith("L")):
            for period, value in (
                (overview.latest.period, row.latest),
                (overview.previous.period, row.previous),
                (overview.year_ago.period, row.year_ago),
            ):
                found = {part: kpi_cases(conn, row.id, period, today, part) for part in Part}
                if isinstance(value, Figure):
                    assert len(found[Part.NUMERATOR]) == value.numerator, (row.id, period)
                    assert len(found[Part.ALL]) == value.denominator, (row.id, period)
                    assert len(found[Part.REST]) == value.denominator - value.numerator, (row.id, period)
                else:
                    assert len(found[Part.ALL]) == value and found[Part.NUMERATOR] == [], (row.id, period)
                checked += bool(found[Part.ALL])
        assert checked >= 25  # not vacuous

        # the plans behind October's figures, and how late each is
        def listed(measure: str, part: Part = Part.ALL) -> list[tuple]:
            rows = kpi_cases(conn, measure, OCTOBER, today, part)
            return [(r.ref, r.deadline, r.due_on, r.counted_on, r.days_late) for r in rows]

        # L2's plans not reviewed in the 12 months to E, with the R1 date that has passed (N12's review of
        # 24 October 2025 is 7 days overdue; N2's and N13's October meetings await their decisions)
        assert listed("L2", Part.REST) == [
            ("N4", "R1", date(2025, 5, 20), E, 529),
            ("N2", "R1", date(2026, 10, 9), E, 22),
            ("N13", "R1", date(2026, 10, 20), E, 11),
            ("N12", "R1", date(2026, 10, 24), E, 7),
        ]
        assert listed("L4", Part.REST) == [("N6", "R5", date(2026, 9, 29), date(2026, 10, 5), 6)]
        assert listed("L5") == [
            ("N2", "R1", date(2026, 10, 9), date(2026, 10, 12), 3),
            ("N13", "R1", date(2026, 10, 20), date(2026, 10, 19), 0),
        ]
        assert listed("L6") == [("N11", "R7", date(2026, 10, 20), date(2026, 10, 21), 1)]
        assert listed("L7", Part.REST) == [
            ("N4", "R8", date(2026, 2, 15), E, 258),  # never finalised: counted at E
            ("N14", "R8", date(2026, 3, 31), date(2026, 4, 2), 2),
        ]
        # the R1 date each missed: 12 months from N4's meeting of 20 May 2024 (529 days before E), and
        # from N12's of 24 October 2025
        assert listed("L8") == [
            ("N4", "R1", date(2025, 5, 20), E, 529),
            ("N12", "R1", date(2026, 10, 24), E, 7),
        ]
        assert [(r.ref, r.item) for r in kpi_cases(conn, "L9.reason.5", OCTOBER, today)] == [("N8", "5")]
        for unknown in ("L10", "L1.x", "L9.reason.10", "L9.team.north"):
            with pytest.raises(UnknownMeasure):
                kpi_cases(conn, unknown, OCTOBER, today)


def test_l_figures_for_a_year_and_a_range(db):
    plan_overview_cohort(db)  # the dates are in its body
    year = measures(db, Period.year(2025))
    # meetings in 2025: N1 (20 Feb), N6 (28 Aug), N2 (9 Oct), N12 (24 Oct), each by its R1 date; their
    # decisions by meeting + 28 days; amended plans N6 (3 Mar) and N12 (15 Oct) within 8 weeks; N7 ceased
    assert (year.l3_reviews_held, year.l5_reviews_in_time, year.l4_decisions_in_time) == (
        4,
        Figure(4, 4),
        Figure(4, 4),
    )
    assert (year.l6_amended_in_time, year.l9_total) == (Figure(2, 2), 1)
    autumn = measures(db, Period.between(date(2026, 9, 1), date(2026, 10, 31)))
    # September's meetings (N3 in time, N6 late) and October's (N2 late, N13 in time); decisions N5 and N6
    # late, N3 in time; L1 and L8 at 31 October as for the month
    assert (autumn.l3_reviews_held, autumn.l5_reviews_in_time, autumn.l4_decisions_in_time) == (
        4,
        Figure(2, 4),
        Figure(1, 3),
    )
    assert (autumn.l1_in_force, autumn.l8_overdue) == (12, 2)


def agrees_with_the_plan_rules(db, built: dict[str, PlanBuilder], first: date, last: date) -> int:
    """L1 and L8 by the SQL, against the plans as they stood on each week's date (the builder keeps every
    step) and the rules of ``annual_review`` and ``plan_deadlines`` applied to them; the plans found
    overdue, added up over the weeks."""
    checked = 0
    day = first
    with db.engine.connect() as conn:
        while day <= last:
            as_then = {ref: b.as_on(day) for ref, b in built.items()}
            in_force = {ref for ref, plan in as_then.items() if plan is not None and plan.in_force}
            overdue = {ref for ref, plan in as_then.items() if plan is not None and review_overdue(plan, day)}
            assert plan_measures(conn, Period.between(day, day), day).l1_in_force == len(in_force), day
            assert overdue_refs(db, day) == overdue, day
            checked += len(overdue)
            day += timedelta(days=7)
    return checked


def test_l1_and_l8_agree_with_the_plan_rules_on_every_week_of_three_years(db):
    built = plan_overview_cohort(db)
    assert agrees_with_the_plan_rules(db, built, date(2024, 1, 7), date(2027, 1, 31)) > 100  # not vacuous
