"""The plans behind each L figure (plan-lifecycle.md, "Measures"), as ``kpi_cases`` lists the cases
behind K1-K13: the very ``Counted`` definitions of ``plan_kpi_queries``, so a list has exactly as many
rows as its figure counts.

A figure is named as the overview names its rows: ``L1`` ... ``L9``, ``L9.reason.2``. Each row is a
``KpiCase`` whose reference is the plan's: the plan (L1, L2, L8, L9), one of its review meetings (L3,
L5), review decisions (L4), amended plans (L6) or phase transfers (L7).
"""

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, String, and_, case, cast, false, func, literal, null, select, true

from domain.kpis import Period
from domain.plan_calendar import PlanDuty, review_due
from domain.plan_measures import transfer_year
from ehcna.store.kpi_queries import Counted
from ehcna.store.models import CaseOfficerRow
from ehcna.store.plan_kpi_queries import (
    CEASE_REASONS,
    amended_plans_issued,
    amendments,
    cease_reason_is,
    held_from,
    phase_transfers,
    plans,
    plans_ceased,
    plans_in_force,
    review_decisions,
    reviewed_in_last_12_months,
    reviews,
    reviews_held,
    reviews_overdue,
    transfers,
)

if TYPE_CHECKING:
    from ehcna.store.kpi_cases import Definition, KpiCase

officers = CaseOfficerRow.__table__
PLAN_MEASURES = ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9")
HAS_NUMERATOR = ("L2", "L4", "L5", "L6", "L7")


class UnknownPlanMeasure(ValueError):
    """A plan figure the overview does not show."""


def plan_figure(measure: str, period: Period, today: date) -> "Definition":
    """The definition behind one L row of the overview, for the period shown in its column."""
    from ehcna.store.kpi_cases import Definition

    head, _, split = measure.partition(".")
    as_of = period.snapshot_date(today)
    branches: tuple[Counted, ...]
    if head == "L9" and split:
        kind, _, code = split.partition(".")
        if kind != "reason" or code not in CEASE_REASONS:
            raise UnknownPlanMeasure(measure)
        branches = (plans_ceased(period).narrowed(cease_reason_is(code)),)
    elif split or head not in PLAN_MEASURES:
        raise UnknownPlanMeasure(measure)
    else:
        branches = {
            "L1": lambda: (plans_in_force(as_of),),
            "L2": lambda: (reviewed_in_last_12_months(as_of),),
            "L3": lambda: tuple(_as_count(b) for b in reviews_held(period)),
            "L4": lambda: (review_decisions(period),),
            "L5": lambda: reviews_held(period),
            "L6": lambda: (amended_plans_issued(period),),
            "L7": lambda: (phase_transfers(transfer_year(as_of), as_of),),
            "L8": lambda: (reviews_overdue(as_of),),
            "L9": lambda: (plans_ceased(period),),
        }[head]()
    return Definition(head, period, branches, head in HAS_NUMERATOR)


def with_missed_review_dates(rows: "list[KpiCase]") -> "list[KpiCase]":
    """L2's and L8's rows with the R1 date that follows the latest review completed by E: 12 months from
    its meeting (``started_on``) where the SQL could not say it, so the list tells how overdue each is."""
    return [r if r.due_on is not None else replace(r, due_on=review_due(r.started_on)) for r in rows]


def _as_count(branch: Counted) -> Counted:
    return Counted(branch.table, branch.where, None, branch.counted_on)


def _open_review_rule() -> Any:
    """R10 for a plan transferred in whose first review here is open, else R1 (``open_review_due``)."""
    p = plans.c
    first_after_transfer = and_(p.transferred_in_on.is_not(None), p.reviews_completed == 0)
    return case((first_after_transfer, literal(str(PlanDuty.R10))), else_=literal(str(PlanDuty.R1)))


def plan_columns(branch: Counted, measure: str, as_of: date) -> tuple[Any, list[Any]]:
    """The source (the measured table joined to its plan and officer) and the KpiCase columns."""
    p, o = plans.c, officers.c
    snapshot = literal(as_of, Date)
    none: Any = null()
    started: Any
    due: Any
    deadline: Any
    counted: Any
    item: Any
    if branch.table is reviews:
        r = reviews.c
        source: Any = reviews.join(plans, p.ref == r.plan_ref)
        started, item = (r.held_on, cast(r.number, String)) if measure == "L4" else (held_from(), none)
        if measure == "L4":
            due, deadline, counted = r.decision_due, literal(str(PlanDuty.R5)), r.decided_on
        else:
            due, deadline, counted = r.due_on, r.rule, r.held_on
    elif branch.table is amendments:
        a = amendments.c
        source = amendments.join(plans, p.ref == a.plan_ref)
        started, due, counted, item = a.notice_on, a.due_on, a.issued_on, none
        deadline = literal(str(PlanDuty.R7))
    elif branch.table is transfers:
        t = transfers.c
        source = transfers.join(plans, p.ref == t.plan_ref)
        # finalised by E: its date; not yet: E, so an R8 date passed shows how late it is
        counted = case((t.finalised_on <= as_of, t.finalised_on), else_=snapshot)
        started, due, item = held_from(), t.due_on, cast(t.year_group, String)
        deadline = literal(str(PlanDuty.R8))
    else:
        source = plans
        started, due, item = held_from(), none, none
        deadline = none
        counted = snapshot
        if measure in ("L3", "L5"):  # a meeting whose review awaits its decision
            due, deadline, counted = p.review_due, _open_review_rule(), p.review_held_on
        elif measure in ("L2", "L8"):  # from the latest meeting of a review completed by E, else the first's
            r = reviews.c
            latest = (
                select(func.max(r.held_on))
                .where(r.plan_ref == p.ref, r.decided_on <= as_of)
                .scalar_subquery()
            )
            started = func.coalesce(latest, held_from())
            due = case((latest.is_(None), p.first_review_due), else_=null())
            first_after_transfer = and_(latest.is_(None), p.transferred_in_on.is_not(None))
            r10, r1 = literal(str(PlanDuty.R10)), literal(str(PlanDuty.R1))
            deadline = case((first_after_transfer, r10), else_=r1)
        elif measure == "L9":
            counted, item = p.ended_on, p.end_reason
    in_numerator: Any = (
        case((branch.numerator, true()), else_=false()) if branch.numerator is not None else null()
    )
    columns = [
        p.ref.label("ref"),
        p.team.label("team"),
        o.officer.label("officer"),
        started.label("started_on"),
        due.label("due_on"),
        counted.label("counted_on"),
        deadline.label("deadline"),
        none.label("advice_kind"),
        none.label("asked_of"),
        item.label("item"),
        p.status.label("status"),
        in_numerator.label("in_numerator"),
    ]
    return source.outerjoin(officers, o.case_ref == p.ref), columns
