"""L1-L9 of plan-lifecycle.md as SQL over the plans in the read model (SQLAlchemy Core).

As for K1-K13 (``kpi_queries``), each measure is said once as a ``Counted`` (its rows in a period and
which of them are in its numerator); the figures here and the plans behind each figure
(``plan_kpi_cases``) are both built from it. Dates are compared as plain columns against parameters
worked out by ``domain.plan_measures`` from the plan rules themselves, never with SQL date arithmetic, so
the same statements run on SQLite and PostgreSQL, and a measure never disagrees with a plan's workflow:

- a meeting is "in time" for R1 when held on or before its stored R1 (or R10) date (L5);
- a decision is in time for R5 on or before its stored meeting + 28 days (L4);
- an amended plan in time for R7 on or before its stored notice + 8 weeks (L6);
- a phase transfer finalised in time for R8 on or before its stored 15 February or 31 March (L7);
- a review is overdue at E as ``plan_deadlines.review_overdue`` says of the plan as it stood on E (L8).

Every numerator is TRUE or FALSE, never NULL (a nullable column is tested first), so that "the rest" of a
figure (its rows NOT in the numerator) lists every row the numerator leaves out.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, func, or_, select, union_all

from domain.kpis import Figure, Period
from domain.plan import CeaseReason
from domain.plan_measures import review_meetings_current_from, transfer_year
from ehcna.store.kpi_queries import Counted, Reader, _count_if, _flag, _in
from ehcna.store.plans import PlanAmendmentRow, PlanReviewRow, PlanRow, PlanTransferRow

plans: Table = PlanRow.__table__  # type: ignore[assignment]
reviews: Table = PlanReviewRow.__table__  # type: ignore[assignment]
amendments: Table = PlanAmendmentRow.__table__  # type: ignore[assignment]
transfers: Table = PlanTransferRow.__table__  # type: ignore[assignment]

# SEN2 CeaseReason codes, in the order of the guide (L9's rows)
CEASE_REASONS: tuple[str, ...] = tuple(r.value for r in CeaseReason)


def held_from() -> ColumnElement[Any]:
    """The day this council took the plan on: its start, or its transfer in."""
    return func.coalesce(plans.c.transferred_in_on, plans.c.start_on)


def in_force_at(as_of: date) -> ColumnElement[bool]:
    """L1: held here on ``as_of`` and not ceased or transferred out by then (ENGINE RULE, plan_measures)."""
    p = plans.c
    return and_(held_from() <= as_of, or_(p.ended_on.is_(None), p.ended_on > as_of))


def plans_in_force(as_of: date) -> Counted:
    """L1: plans in force at E ("EHCPs at month end")."""
    return Counted(plans, in_force_at(as_of), None, held_from())


def _reviews_of_plan() -> Any:
    return reviews.c.plan_ref == plans.c.ref


def reviewed_in_last_12_months(as_of: date) -> Counted:
    """L2: plans in force at E that have been here more than 12 months (their first 12 months' R1 date
    has passed), and of them those whose latest completed review had its meeting in the 12 months to E
    (its own R1 date not passed: ``review_meetings_current_from``)."""
    current_from = review_meetings_current_from(as_of)
    r = reviews.c
    completed_lately = exists(
        select(r.plan_ref).where(_reviews_of_plan(), r.decided_on <= as_of, r.held_on >= current_from)
    )
    imported = plans.c.imported_review_on
    before_engine = and_(imported.is_not(None), imported.between(current_from, as_of))
    where = and_(in_force_at(as_of), held_from() < current_from)
    return Counted(plans, where, or_(completed_lately, before_engine), held_from())


def reviews_held(period: Period) -> tuple[Counted, Counted]:
    """L3 and L5: review meetings held in the period, and those held on or before their R1 (or R10) date:
    the completed reviews', and the meetings of reviews still awaiting their decision."""
    r, p = reviews.c, plans.c
    completed = Counted(reviews, _in(r.held_on, period), r.held_on <= r.due_on, r.held_on)
    in_time = and_(p.review_due.is_not(None), p.review_held_on <= p.review_due)
    awaiting = Counted(plans, _in(p.review_held_on, period), in_time, p.review_held_on)
    return completed, awaiting


def review_decisions(period: Period) -> Counted:
    """L4: review decisions notified in the period, and those on or before meeting + 28 days (R5)."""
    r = reviews.c
    in_time = and_(r.decision_due.is_not(None), r.decided_on <= r.decision_due)
    return Counted(reviews, _in(r.decided_on, period), in_time, r.decided_on)


def amended_plans_issued(period: Period) -> Counted:
    """L6: amended plans issued in the period, and those within 8 weeks of the notice (R7)."""
    a = amendments.c
    return Counted(amendments, _in(a.issued_on, period), a.issued_on <= a.due_on, a.issued_on)


def phase_transfers(year: int, as_of: date) -> Counted:
    """L7: plans transferring phase in September of ``year`` (held here and not ended by the R8 date, or by
    E if earlier), and those finalised, naming the new setting, on or before the R8 date (and by E)."""
    t, p = transfers.c, plans.c
    still_held = or_(p.ended_on.is_(None), p.ended_on > t.due_on, p.ended_on > as_of)
    where = and_(t.year == year, t.plan_ref == p.ref, held_from() <= as_of, still_held)
    finalised = and_(t.finalised_on.is_not(None), t.finalised_on <= t.due_on, t.finalised_on <= as_of)
    return Counted(transfers, where, finalised, t.due_on)


def reviews_overdue(as_of: date) -> Counted:
    """L8: plans in force at E whose R1 (or R10) date has passed without a meeting, as
    ``plan_deadlines.review_overdue`` says of the plan as it stood on E: no decision to cease standing, no
    meeting of a review still awaiting its decision on E, and the R1 date from the latest review completed
    by E (or, before any, the first review's date) passed."""
    p, r = plans.c, reviews.c
    current_from = review_meetings_current_from(as_of)
    covered = exists(
        select(r.plan_ref).where(
            _reviews_of_plan(), r.held_on <= as_of, or_(r.decided_on > as_of, r.held_on >= current_from)
        )
    )
    completed_by_then = exists(select(r.plan_ref).where(_reviews_of_plan(), r.decided_on <= as_of))
    meeting_awaiting_decision = p.review_held_on <= as_of
    where = and_(
        in_force_at(as_of),
        or_(p.cease_decided_on.is_(None), p.cease_decided_on > as_of),
        ~covered,
        or_(p.review_held_on.is_(None), ~meeting_awaiting_decision),
        or_(completed_by_then, p.first_review_due < as_of),
    )
    return Counted(plans, where, None, held_from())


def plans_ceased(period: Period) -> Counted:
    """L9: plans ceased (or transferred out) in the period; split by SEN2 CeaseReason."""
    return Counted(plans, _in(plans.c.ended_on, period), None, plans.c.ended_on)


def cease_reason_is(code: str) -> ColumnElement[bool]:
    return plans.c.end_reason == code


# ---------------------------------------------------------------- the figures


def _count(db: Reader, counted: Counted) -> int:
    return int(db.execute(select(func.count()).select_from(counted.table).where(counted.where)).scalar_one())


def figure_of_branches(db: Reader, *branches: Counted) -> Figure:
    """Rows and numerator added up over the branches (L5: completed reviews and meetings awaiting one)."""
    both = union_all(
        *(
            select(_flag(b.numerator).label("in_time")).select_from(b.table).where(b.where)
            for b in branches
            if b.numerator is not None
        )
    ).subquery()
    total, in_time = db.execute(select(func.count(), func.coalesce(func.sum(both.c.in_time), 0))).one()
    return Figure(int(in_time), int(total))


def figure_of(db: Reader, counted: Counted) -> Figure:
    assert counted.numerator is not None
    total, in_time = db.execute(
        select(func.count(), _count_if(counted.numerator)).select_from(counted.table).where(counted.where)
    ).one()
    return Figure(int(in_time), int(total))


@dataclass(frozen=True)
class PlanMeasures:
    """L1-L9 for one period; L1, L2, L7 and L8 counted at ``as_of`` (the period's end, or today)."""

    as_of: date
    l1_in_force: int
    l2_reviewed_in_12_months: Figure
    l3_reviews_held: int
    l4_decisions_in_time: Figure
    l5_reviews_in_time: Figure
    l6_amended_in_time: Figure
    l7_transfer_year: int
    l7_transfers_in_time: Figure
    l8_overdue: int
    l9_ceased: dict[str, int]  # by SEN2 CeaseReason code; every code, 0 where none

    @property
    def l9_total(self) -> int:
        return sum(self.l9_ceased.values())


def l9_plans_ceased(db: Reader, period: Period) -> dict[str, int]:
    counted = plans_ceased(period)
    rows = db.execute(
        select(plans.c.end_reason, func.count()).where(counted.where).group_by(plans.c.end_reason)
    ).all()
    found = {str(reason): int(n) for reason, n in rows}
    return {code: found.get(code, 0) for code in CEASE_REASONS}


def plan_measures(db: Reader, period: Period, as_of: date) -> PlanMeasures:
    """Every L figure for ``period``, the snapshots (L1, L2, L7, L8) at ``as_of``."""
    held = reviews_held(period)
    year = transfer_year(as_of)
    return PlanMeasures(
        as_of=as_of,
        l1_in_force=_count(db, plans_in_force(as_of)),
        l2_reviewed_in_12_months=figure_of(db, reviewed_in_last_12_months(as_of)),
        l3_reviews_held=sum(_count(db, b) for b in held),
        l4_decisions_in_time=figure_of(db, review_decisions(period)),
        l5_reviews_in_time=figure_of_branches(db, *held),
        l6_amended_in_time=figure_of(db, amended_plans_issued(period)),
        l7_transfer_year=year,
        l7_transfers_in_time=figure_of(db, phase_transfers(year, as_of)),
        l8_overdue=_count(db, reviews_overdue(as_of)),
        l9_ceased=l9_plans_ceased(db, period),
    )
