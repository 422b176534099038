"""The cases behind each KPI figure: the rows of its denominator (or count), and which are in its numerator.
(The plans behind L1-L9 are selected in ``store/plan_kpi_cases.py`` and listed here alike.)

A figure is named as the overview names its rows (``K1``, ``K5.SOCIAL_CARE``,
``K8.stage.advice``, ``K10.T2.HEALTH``, ``K11.source.PARENT``...). The rows
are selected by the very ``Counted`` definitions the figures are computed
from (``store/kpi_queries.py``), narrowed to the row's split, so the list of a
figure has exactly as many rows as the figure counts.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, String, and_, case, false, literal, null, select, true, union_all

from domain.kpis import ISSUE_BANDS, OPEN_BANDS, OPEN_STAGES, Period
from domain.statutory_calendar import Duty
from ehcna.store.kpi_queries import (
    EVENT_COUNTS,
    Counted,
    Reader,
    advice,
    advice_settled,
    breaches,
    breaches_raised,
    cases,
    decisions,
    event_key_is,
    events_in,
    no_plan_decisions,
    open_at,
    open_band,
    open_stage,
    plans_in_band,
    plans_issued,
    requests_decided,
)
from ehcna.store.models import CaseOfficerRow

officers = CaseOfficerRow.__table__


class Part(StrEnum):
    """Which rows of a figure: its denominator (or count), its numerator, or the denominator's rest."""

    ALL = "all"
    NUMERATOR = "numerator"
    REST = "rest"


class UnknownMeasure(ValueError):
    """A figure the overview does not show."""


@dataclass(frozen=True)
class KpiCase:
    """One row behind a figure: a case, or one of its advice requests, decisions or breaches."""

    ref: str
    team: str  # the case's team
    officer: str | None  # the case's named officer
    started_on: date  # when the clock started: day 0, or the date the advice was requested
    due_on: date | None  # the deadline the measure holds the row to (None: a count with no deadline)
    counted_on: date  # the date that put the row in the period (issued, decided, returned, raised, as of)
    deadline: str | None  # that deadline's duty (T1, T2, T3, T6)
    advice_kind: str | None  # for advice (K5) and its breaches (K10): which advice
    asked_of: str | None  # the provider team asked (K5), the team that had to act (K10)
    item: str | None  # the advice request (K5) or the breached deadline (K10)
    status: str | None  # the advice's status (K5), the case's outcome otherwise
    in_numerator: bool | None  # None: the measure is a count

    @property
    def days_late(self) -> int:
        """Days from the deadline to the date counted: 0 when on time or no deadline."""
        if self.due_on is None or self.counted_on <= self.due_on:
            return 0
        return (self.counted_on - self.due_on).days


@dataclass(frozen=True)
class Definition:
    """What a figure's rows are: its definitions (each branch added up) and the period counted."""

    measure: str
    period: Period
    branches: tuple[Counted, ...]
    has_numerator: bool


def _columns(branch: Counted, measure: str, as_of: date) -> tuple[Any, list[Any]]:
    """The source (the measured table joined to its case and officer) and the row's columns."""
    c, o = cases.c, officers.c
    if branch.table is cases:
        source: Any = cases
        due: Any = {
            "K1": c.t6_due,
            "K2": c.t6_due,
            "K4": c.t3_due,
            "K6": c.t6_due,
            "K7": c.t6_due,
            "K8": c.t6_due,
            "K9": c.t6_due,
            "K12": c.t1_due,
            "K13": case((c.decided_to_issue == false(), c.t3_due), else_=null()),
        }.get(measure, null())
        duty: Any = {
            "K1": Duty.T6,
            "K2": Duty.T6,
            "K4": Duty.T3,
            "K6": Duty.T6,
            "K7": Duty.T6,
            "K8": Duty.T6,
            "K9": Duty.T6,
            "K12": Duty.T1,
        }.get(measure)
        deadline: Any = (
            case((c.decided_to_issue == false(), literal(str(Duty.T3))), else_=null())
            if measure == "K13"
            else literal(str(duty) if duty else None, String)
        )
        extra = [c.day0, due, deadline, null(), null(), null(), c.outcome]
    elif branch.table is decisions:
        d = decisions.c
        source = decisions.join(cases, c.ref == d.case_ref)
        extra = [c.day0, d.due_on, literal(str(Duty.T1)), null(), null(), null(), c.outcome]
    elif branch.table is advice:
        a = advice.c
        source = advice.join(cases, c.ref == a.case_ref)
        extra = [
            a.requested_on,
            a.due_on,
            literal(str(Duty.T2)),
            a.kind,
            a.provider_team,
            a.advice_id,
            a.status,
        ]
    else:
        b = breaches.c
        source = breaches.join(cases, c.ref == b.case_ref)
        extra = [c.day0, b.due_on, b.duty, b.advice_kind, b.holder, b.deadline_key, c.outcome]
    counted_on = literal(as_of, Date) if measure in ("K8", "K9") else branch.counted_on
    started, due_on, deadline_col, kind, asked, item, status = extra
    in_numerator: Any = (
        case((branch.numerator, true()), else_=false()) if branch.numerator is not None else null()
    )
    team = breaches.c.team if branch.table is breaches else c.team
    columns = [
        c.ref.label("ref"),
        team.label("team"),
        o.officer.label("officer"),
        started.label("started_on"),
        due_on.label("due_on"),
        counted_on.label("counted_on"),
        deadline_col.label("deadline"),
        kind.label("advice_kind"),
        asked.label("asked_of"),
        item.label("item"),
        status.label("status"),
        in_numerator.label("in_numerator"),
    ]
    return source.outerjoin(officers, o.case_ref == c.ref), columns


def figure(measure: str, period: Period, today: date) -> Definition:
    """The definition behind one overview row, for the period shown in its column."""
    head, _, split = measure.partition(".")
    if head.startswith("L"):  # after the plan (plan-lifecycle.md)
        from ehcna.store.plan_kpi_cases import UnknownPlanMeasure, plan_figure

        try:
            return plan_figure(measure, period, today)
        except UnknownPlanMeasure:
            raise UnknownMeasure(measure) from None
    if head in ("K1", "K2"):
        if split:
            raise UnknownMeasure(measure)
        return Definition(head, period, (plans_issued(period, excluding_exceptions=head == "K1"),), True)
    if head == "K3" and not split:
        return Definition(head, period, (requests_decided(period),), True)
    if head == "K4" and not split:
        return Definition(head, period, (no_plan_decisions(period),), True)
    if head == "K5" and split:
        kind = advice.c.kind == split
        return Definition(head, period, tuple(b.narrowed(kind) for b in advice_settled(period)), True)
    if head == "K6":
        band = next((b for b in ISSUE_BANDS if b.key == split), None)
        if band is None:
            raise UnknownMeasure(measure)
        return Definition(head, period, (plans_in_band(period, band),), True)
    if head == "K7" and split in ("mean", "median"):  # the plans the weeks are measured over
        counted = plans_issued(period, excluding_exceptions=False)
        return Definition(
            head, period, (Counted(counted.table, counted.where, None, counted.counted_on),), False
        )
    if head in ("K8", "K9"):
        return _open_cases(measure, head, split, period, today)
    if head == "K10":
        return Definition(
            head, period, (breaches_raised(period).narrowed(_breach_split(measure, split)),), False
        )
    if head in EVENT_COUNTS:
        return _event_counts(measure, head, split, period)
    raise UnknownMeasure(measure)


def _open_cases(measure: str, head: str, split: str, period: Period, today: date) -> Definition:
    as_of = period.snapshot_date(today)
    branches = open_at(as_of)
    if head == "K9" and not split:
        condition: Any = open_band(as_of) == len(OPEN_BANDS) - 1
    elif not split:
        condition = true()
    else:
        kind, _, key = split.partition(".")
        bands = [b.key for b in OPEN_BANDS]
        if kind == "stage" and key in OPEN_STAGES:
            condition = open_stage(as_of) == OPEN_STAGES.index(key)
        elif kind == "weeks" and key in bands:
            condition = open_band(as_of) == bands.index(key)
        else:
            raise UnknownMeasure(measure)
    return Definition(head, period, tuple(b.narrowed(condition) for b in branches), False)


def _breach_split(measure: str, split: str) -> Any:
    b = breaches.c
    if not split:
        return true()
    if split == "derived":
        return b.derived == true()
    if split.startswith("team."):
        return b.holder == split.removeprefix("team.")
    duty, _, kind = split.partition(".")
    if duty not in Duty.__members__.values():
        raise UnknownMeasure(measure)
    return and_(b.duty == duty, b.advice_kind == kind if kind else b.advice_kind.is_(None))


def _event_counts(measure: str, head: str, split: str, period: Period) -> Definition:
    if split == "ytd":
        return Definition(head, period, (events_in(head, period.year_to_date()),), False)
    counted = events_in(head, period)
    if not split:
        return Definition(head, period, (counted,), False)
    kind, _, key = split.partition(".")
    if kind != {"K11": "source", "K12": "assess", "K13": "issue"}[head] or not key:
        raise UnknownMeasure(measure)
    return Definition(head, period, (counted.narrowed(event_key_is(head, key)),), False)


def kpi_cases(db: Reader, measure: str, period: Period, today: date, part: Part = Part.ALL) -> list[KpiCase]:
    """The rows behind ``measure`` in ``period`` (its denominator, numerator or the rest of it), the
    latest first and the latest-later first within a day; UnknownMeasure for a figure not shown."""
    found = figure(measure, period, today)
    as_of = period.snapshot_date(today)
    selects = []
    for branch in found.branches:
        if found.measure.startswith("L"):
            from ehcna.store.plan_kpi_cases import plan_columns

            source, columns = plan_columns(branch, found.measure, as_of)
        else:
            source, columns = _columns(branch, found.measure, as_of)
        where = branch.where
        if part is not Part.ALL and branch.numerator is not None:
            where = and_(where, branch.numerator if part is Part.NUMERATOR else ~branch.numerator)
        elif part is not Part.ALL:  # a count has no numerator: nothing is in it, all is the rest
            where = and_(where, false() if part is Part.NUMERATOR else true())
        selects.append(select(*columns).select_from(source).where(where))
    rows = db.execute(union_all(*selects) if len(selects) > 1 else selects[0]).all()
    found_rows = [
        KpiCase(**{**r._asdict(), "in_numerator": None if r.in_numerator is None else bool(r.in_numerator)})
        for r in rows
    ]
    if found.measure in ("L2", "L8"):  # the R1 date that follows each plan's latest review, by the plan rules
        from ehcna.store.plan_kpi_cases import with_missed_review_dates

        found_rows = with_missed_review_dates(found_rows)
    return sorted(found_rows, key=lambda k: (-k.days_late, k.counted_on, k.ref, k.item or ""))
