"""L1-L9 of plan-lifecycle.md, "Measures": what a figure counts, in dates the SQL can compare with.

The counting is SQL (``ehcna/store/plan_kpi_queries.py``); the dates it compares stored columns with are
worked out here, from the same rules the plan workflow keeps (``plan_calendar``, ``plan_deadlines``), so a
measure and a workflow never disagree. E is the last day of the period (or today, if earlier).

ENGINE RULE (in force at E): a plan is in force at E when this council held it on E: from its start (or,
for a plan transferred in, from the transfer) to the day before it ceased or was transferred out. A plan
that ceases on E is counted in L9 for the period, and not in force at E.
ENGINE RULE (reviewed in the last 12 months, L2): a plan's latest completed review counts when its meeting
is one whose 12 months (R1) still run at E, so L2's numerator is exactly the plans whose review is not
overdue by their latest completed review (a review on the 12-month date is in time, as for R1); a plan
counts for L2 once its first 12 months here have run out by E.
ENGINE RULE (the phase transfers of a period, L7): those in September of E's calendar year; before their
R8 date, the figure is how many have been finalised so far.
"""

from datetime import date, timedelta

from domain.plan import CeaseReason, Plan
from domain.plan_calendar import review_due
from domain.plan_deadlines import open_review_due

# L9's rows: SEN2 CeaseReason in the words of plan-lifecycle.md ("Outcomes of a review")
CEASE_REASON_WORDS: dict[str, str] = {
    CeaseReason.MAXIMUM_AGE: "reached maximum age",
    CeaseReason.NEEDS_MET_WITHOUT_PLAN: "needs met without a plan",
    CeaseReason.HIGHER_EDUCATION: "moved on to higher education",
    CeaseReason.PAID_EMPLOYMENT: "moved on to paid employment",
    CeaseReason.TRANSFERRED_TO_ANOTHER_LA: "transferred to another LA",
    CeaseReason.NO_LONGER_ENGAGES: "no longer wishes to engage",
    CeaseReason.MOVED_OUTSIDE_ENGLAND: "moved outside England",
    CeaseReason.DECEASED: "deceased",
    CeaseReason.OTHER: "other",
}


def review_meetings_current_from(as_of: date) -> date:
    """The earliest meeting (or plan start) whose 12 months (R1) still run at ``as_of``.

    A meeting on or after this date has its R1 date on or after ``as_of``; one before it has an R1 date
    that has passed. From 29 February the 12 months end on 28 February, so on 28 February 2025 both
    28 and 29 February 2024 count (the ENGINE RULE of plan_calendar).
    """
    day = as_of - timedelta(days=400)  # 12 months and more: its R1 date is before as_of
    # review_due is non-decreasing in its day: walk on to the first whose R1 date is on or after as_of
    while review_due(day) < as_of:
        day += timedelta(days=1)
    return day


def first_review_due(plan: Plan) -> date | None:
    """The R1 (or R10) date of the plan's first review here: 12 months from its start, or from its last
    review before the engine, or R10 for a plan transferred in. Known while no review has completed, and
    kept on the first completed review; None once it can no longer be read from the plan."""
    if plan.reviews_completed == 0:
        return open_review_due(plan)[1]
    if plan.reviews_completed == 1 and plan.last_review is not None:
        return plan.last_review.due
    return None


def review_before_engine(plan: Plan) -> date | None:
    """The latest review meeting held before the engine took the plan on (``StartPlan.last_review_on``),
    while the plan still carries it: it completes a review for L2 as a review held here does."""
    review = plan.last_review
    if plan.reviews_completed == 0 and review is not None and review.outcome is None:
        return review.held_on
    return None


def transfer_year(as_of: date) -> int:
    """L7: the September whose phase transfers a period ending ``as_of`` reports."""
    return as_of.year
