"""K1-K13 as SQL over the read model (SQLAlchemy Core).

Each measure is one aggregate the database computes (SUM(CASE ...)/COUNT);
Python only reads back a handful of totals or groups. Dates are compared as
plain columns against parameters computed here (``as_of - 42 days``...),
never with SQL date arithmetic, so the same statements run on SQLite and
PostgreSQL and can use the indexes of migrations 0001 and 0002.

What each measure counts is said once, as a ``Counted`` (its rows in a period,
and which of them are in its numerator); the aggregates here and the lists of
cases behind each figure (``store/kpi_cases.py``) are both built from it.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from domain.case import Outcome
from domain.kpis import (
    IN_TIME_PLAN_DAYS,
    ISSUE_BANDS,
    K5_ALWAYS_SHOWN,
    OPEN_BANDS,
    OPEN_STAGES,
    Figure,
    Period,
    WeekBand,
    kind_sort_key,
)
from ehcna.store.models import AdviceRow, BreachRow, CaseRow, DecisionRow

if TYPE_CHECKING:
    from ehcna.store.plan_kpi_queries import PlanMeasures

Reader = Connection | Session

# SQLAlchemy types a mapped class's __table__ as a FromClause; these are Tables (their .c columns are
# typed), so each assignment says so once instead of casting at every query below
cases: Table = CaseRow.__table__  # type: ignore[assignment]
advice: Table = AdviceRow.__table__  # type: ignore[assignment]
decisions: Table = DecisionRow.__table__  # type: ignore[assignment]
breaches: Table = BreachRow.__table__  # type: ignore[assignment]

_ONE: ColumnElement[int] = literal_column("1")
_ZERO: ColumnElement[int] = literal_column("0")


class month_of(FunctionElement[str]):
    """``YYYY-MM`` of a date column, in each dialect's own words."""

    type = String()
    name = "month_of"
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    # SQLite keeps dates as ISO text: the month is the first 7 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, _ONE), else_=_ZERO)), 0)


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return column.between(period.start, period.end)


def _band_condition(days: Any, band: WeekBand) -> ColumnElement[bool]:
    lower = days > band.after_days
    return lower if band.max_days is None else and_(lower, days <= band.max_days)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, _ONE), else_=_ZERO)


@dataclass(frozen=True)
class Counted:
    """The rows of ``table`` a measure counts in a period and which of them it counts as in time.

    ``where`` selects the denominator (or the rows of a count), ``numerator``
    the rows of the numerator among them (None: the measure is a count), and
    ``counted_on`` is the date that put a row in the period (the plan's issue
    date, the decision's, the advice's return...). A measure counted in two
    ways at once (K5: advice returned, and advice marked not received) is
    two of these, added up.
    """

    table: Table
    where: ColumnElement[bool]
    numerator: ColumnElement[bool] | None
    counted_on: ColumnElement[Any]

    def narrowed(self, condition: ColumnElement[bool]) -> "Counted":
        """The same rows, only those meeting ``condition`` too (one advice kind, one stage...)."""
        return Counted(self.table, and_(self.where, condition), self.numerator, self.counted_on)


# K1, K2, K6, K7: a plan is in time when issued on or before day 0 + 140
PLAN_IN_TIME: ColumnElement[bool] = cases.c.plan_days <= IN_TIME_PLAN_DAYS
NO_WEEK20_EXCEPTION: ColumnElement[bool] = cases.c.week20_exception == false()


def plans_issued(period: Period, *, excluding_exceptions: bool) -> Counted:
    """K1 (excluding 20-week exceptions) and K2 (including them); K6 and K7 count the plans of K2."""
    issued = _in(cases.c.final_plan_on, period)
    where = and_(issued, NO_WEEK20_EXCEPTION) if excluding_exceptions else issued
    return Counted(cases, where, PLAN_IN_TIME, cases.c.final_plan_on)


def plans_in_band(period: Period, band: WeekBand) -> Counted:
    """K6: the plans issued in the period, and those issued within ``band`` of day 0."""
    c = cases.c
    return Counted(cases, _in(c.final_plan_on, period), _band_condition(c.plan_days, band), c.final_plan_on)


def requests_decided(period: Period) -> Counted:
    """K3: decisions whether to assess (yes or no) made in the period; on or before day 0 + 42."""
    d = decisions.c
    return Counted(
        decisions,
        and_(d.decision == "TO_ASSESS", _in(d.decided_on, period)),
        d.decided_on <= d.due_on,
        d.decided_on,
    )


def no_plan_decisions(period: Period) -> Counted:
    """K4: PLAN_NOT_ISSUED outcomes in the period; on or before day 0 + 112."""
    c = cases.c
    where = and_(c.outcome == str(Outcome.PLAN_NOT_ISSUED), _in(c.outcome_on, period))
    return Counted(cases, where, c.outcome_on <= c.t3_due, c.outcome_on)


def advice_settled(period: Period) -> tuple[Counted, Counted]:
    """K5: advice returned in the period (in time: on or before its due date), and advice marked
    not received in the period (never in time); reg 8(2) exceptions out.

    ``due_on`` is NULL exactly for advice without a clock (the family's views,
    existing advice used), so ``due_on IS NOT NULL`` keeps the bodies' advice;
    ``returned_on`` is then set only when RECEIVED and ``not_received_on``
    only when NOT_RECEIVED, so no status test is needed.
    """
    a = advice.c
    clocked = and_(a.due_on.is_not(None), a.excepted == false())
    returned = Counted(
        advice, and_(clocked, _in(a.returned_on, period)), a.returned_on <= a.due_on, a.returned_on
    )
    not_received = Counted(advice, and_(clocked, _in(a.not_received_on, period)), false(), a.not_received_on)
    return returned, not_received


def open_stage(as_of: date) -> ColumnElement[Any]:
    """K8: the stage a case was at at the end of ``as_of`` (an index into OPEN_STAGES), read from the
    dates of its steps, not the ``stage`` column (today's), so a past date gives the past picture."""
    c = cases.c

    def not_yet(step: Any) -> ColumnElement[bool]:
        return or_(step.is_(None), step > as_of)

    steps = (c.decision_to_assess_on, c.decision_to_issue_on, c.draft_served_on)
    return case(
        *((not_yet(step), literal_column(str(i))) for i, step in enumerate(steps)),
        else_=literal_column(str(len(steps))),
    )


def open_band(as_of: date) -> ColumnElement[Any]:
    """K8: the weeks a case had been open at ``as_of`` (an index into OPEN_BANDS; the last is K9)."""
    c = cases.c
    # Weeks open: days = as_of - day0, so "days <= max" is "day0 >= as_of - max".
    return case(
        *(
            (c.day0 >= as_of - timedelta(days=b.max_days), literal_column(str(i)))
            for i, b in enumerate(OPEN_BANDS)
            if b.max_days is not None
        ),
        else_=literal_column(str(len(OPEN_BANDS) - 1)),
    )


def open_at(as_of: date) -> tuple[Counted, Counted]:
    """K8, K9: cases open at the end of ``as_of``: those closed later, and those still open.

    Two branches of a UNION ALL, so each is an index-only range over
    ``ix_cases_open_kpi``, which an ``OR outcome_on IS NULL`` would prevent.
    """
    c = cases.c
    return tuple(  # type: ignore[return-value]
        Counted(cases, and_(closed, c.day0 <= as_of), None, c.day0)
        for closed in (c.outcome_on > as_of, c.outcome_on.is_(None))
    )


def breaches_raised(period: Period) -> Counted:
    """K10: breaches raised in the period."""
    return Counted(breaches, _in(breaches.c.raised_on, period), None, breaches.c.raised_on)


# K11-K13: what each counts by (its split) and the date that puts a case in the period
EVENT_COUNTS: dict[str, tuple[Any, Any]] = {
    "K11": (cases.c.request_source, cases.c.day0),  # requests received (day 0), by SEN2 request source
    "K12": (cases.c.decided_to_assess, cases.c.decision_to_assess_on),  # decisions whether to assess
    "K13": (cases.c.decided_to_issue, cases.c.decision_to_issue_on),  # assessments completed
}


def events_in(measure: str, period: Period) -> Counted:
    """K11, K12 or K13: the cases whose event falls in the period."""
    _, day = EVENT_COUNTS[measure]
    return Counted(cases, _in(day, period), None, day)


def event_key_is(measure: str, key: str) -> ColumnElement[bool]:
    """The cases of one split of K11-K13, by the key the counts are given under ("yes", "PARENT")."""
    column, _ = EVENT_COUNTS[measure]
    if key in ("yes", "no"):
        return column.is_(key == "yes")
    return column.is_(None) if key == "None" else column == key


# ---------------------------------------------------------------- K1, K2, K6, K7: plans issued


@dataclass(frozen=True)
class WeeksToPlan:
    """K7: weeks from day 0 to the final plan, over the plans issued in a period."""

    plans: int
    mean_weeks: float | None
    median_weeks: float | None


@dataclass(frozen=True)
class PlanFigures:
    k1: Figure
    k2: Figure
    k6: dict[str, Figure]  # by ISSUE_BANDS key
    k7: WeeksToPlan


def plan_figures(db: Reader, period: Period) -> PlanFigures:
    """K1, K2, K6 and K7 for the plans issued in ``period``, in one pass over its plans."""
    k1, k2 = plans_issued(period, excluding_exceptions=True), plans_issued(period, excluding_exceptions=False)
    assert k1.numerator is not None and k2.numerator is not None
    bands = [plans_in_band(period, band) for band in ISSUE_BANDS]
    row = db.execute(  # one pass over the plans of K2: K1's and each band's are among them
        select(
            func.count(),
            _count_if(k2.numerator),
            _count_if(k1.where),
            _count_if(and_(k1.where, k1.numerator)),
            *(_count_if(b.numerator) for b in bands if b.numerator is not None),
            func.avg(cases.c.plan_days),
        ).where(k2.where)
    ).one()
    plans, k2_in_time, k1_plans, k1_in_time = (int(v) for v in row[:4])
    by_band = {band.key: Figure(int(n), plans) for band, n in zip(ISSUE_BANDS, row[4:-1], strict=True)}
    mean = row[-1]
    k7 = WeeksToPlan(
        plans=plans,
        mean_weeks=round(float(mean) / 7, 1) if mean is not None else None,
        median_weeks=_median_weeks(db, period, plans),
    )
    return PlanFigures(Figure(k1_in_time, k1_plans), Figure(k2_in_time, plans), by_band, k7)


def _median_weeks(db: Reader, period: Period, plans: int) -> float | None:
    """The middle plan (or the mean of the two middle ones) by ORDER BY/OFFSET: SQLite has no median."""
    if plans == 0:
        return None
    middle = db.scalars(
        select(cases.c.plan_days)
        .where(plans_issued(period, excluding_exceptions=False).where)
        .order_by(cases.c.plan_days)
        .offset((plans - 1) // 2)
        .limit(1 if plans % 2 else 2)
    ).all()
    return round(sum(middle) / len(middle) / 7, 1)


def k1_plans_in_time_excluding_exceptions(db: Reader, period: Period) -> Figure:
    return plan_figures(db, period).k1


def k2_plans_in_time(db: Reader, period: Period) -> Figure:
    return plan_figures(db, period).k2


def k6_time_to_issue(db: Reader, period: Period) -> dict[str, Figure]:
    return plan_figures(db, period).k6


def k7_weeks_to_plan(db: Reader, period: Period) -> WeeksToPlan:
    return plan_figures(db, period).k7


def k1_by_month(db: Reader, months: list[Period]) -> dict[str, Figure]:
    """K1 for each month of ``months`` (consecutive), keyed ``YYYY-MM``; 0/0 where none issued.

    Plans are first counted per issue date, which reads the K1 index in order,
    then the few hundred dates are rolled up by month: the month expression
    runs once per date, not once per plan.
    """
    c = cases.c
    by_day = (
        select(
            c.final_plan_on.label("day"),
            func.count().label("plans"),
            _count_if(c.plan_days <= IN_TIME_PLAN_DAYS).label("in_time"),
        )
        .where(c.final_plan_on.between(months[0].start, months[-1].end), c.week20_exception == false())
        .group_by(c.final_plan_on)
        .subquery()
    )
    month = month_of(by_day.c.day)
    rows = db.execute(
        select(month, func.sum(by_day.c.plans), func.sum(by_day.c.in_time)).group_by(month)
    ).all()
    found = {m: Figure(int(n_in), int(n)) for m, n, n_in in rows}
    return {p.label: found.get(p.label, Figure(0, 0)) for p in months}


# ---------------------------------------------------------------- K3, K4: decisions


def _figure(db: Reader, counted: Counted) -> Figure:
    assert counted.numerator is not None
    total, in_time = db.execute(
        select(func.count(), _count_if(counted.numerator)).select_from(counted.table).where(counted.where)
    ).one()
    return Figure(int(in_time), int(total))


def k3_requests_decided_in_time(db: Reader, period: Period) -> Figure:
    """Decisions whether to assess (yes or no) made in the period, on or before day 0 + 42."""
    return _figure(db, requests_decided(period))


def k4_no_plan_decisions_in_time(db: Reader, period: Period) -> Figure:
    """PLAN_NOT_ISSUED outcomes in the period, on or before day 0 + 112."""
    return _figure(db, no_plan_decisions(period))


# ---------------------------------------------------------------- K5: advice


def k5_advice_in_time(db: Reader, period: Period) -> dict[str, Figure]:
    """Per advice kind: returned in time / (returned + marked NOT_RECEIVED), reg 8(2) exceptions out
    (``advice_settled``)."""
    a = advice.c
    both = union_all(
        *(
            select(a.kind, _flag(b.numerator).label("in_time")).where(b.where)
            for b in advice_settled(period)
            if b.numerator is not None
        )
    ).subquery()
    rows = db.execute(select(both.c.kind, func.sum(both.c.in_time), func.count()).group_by(both.c.kind)).all()
    found = {kind: Figure(int(n_in), int(n)) for kind, n_in, n in rows}
    kinds = sorted(set(found) | set(K5_ALWAYS_SHOWN), key=kind_sort_key)
    return {kind: found.get(kind, Figure(0, 0)) for kind in kinds}


# ---------------------------------------------------------------- K8, K9: open assessments at a date


@dataclass(frozen=True)
class OpenAssessments:
    """K8 at ``as_of``: open cases counted by stage and by weeks open (OPEN_BANDS keys)."""

    as_of: date
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (stage, band) -> n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def by_stage(self) -> dict[str, int]:
        return {s: sum(n for (st, _), n in self.counts.items() if st == s) for s in OPEN_STAGES}

    @property
    def by_band(self) -> dict[str, int]:
        return {b.key: sum(n for (_, bk), n in self.counts.items() if bk == b.key) for b in OPEN_BANDS}

    @property
    def backlog(self) -> int:
        """K9: open past 20 weeks (day 0 + 140 has passed)."""
        return self.by_band[OPEN_BANDS[-1].key]


def k8_open_assessments(db: Reader, as_of: date) -> OpenAssessments:
    """Cases open at the end of ``as_of`` (``open_at``), with the stage they were at then.

    Stage and band are grouped as small integers (indexes into OPEN_STAGES
    and OPEN_BANDS): cheaper to group than text.
    """
    stage, band = open_stage(as_of), open_band(as_of)

    def open_when(branch: Counted) -> Select[Any]:
        return select(stage.label("stage"), band.label("band")).where(branch.where)

    open_cases = union_all(*(open_when(b) for b in open_at(as_of))).subquery()
    rows = db.execute(
        select(open_cases.c.stage, open_cases.c.band, func.count()).group_by(
            open_cases.c.stage, open_cases.c.band
        )
    ).all()
    return OpenAssessments(as_of, {(OPEN_STAGES[s], OPEN_BANDS[b].key): int(n) for s, b, n in rows})


def k9_backlog(db: Reader, as_of: date) -> int:
    return k8_open_assessments(db, as_of).backlog


# ---------------------------------------------------------------- K10: breaches


@dataclass(frozen=True)
class Breaches:
    """K10: breaches raised in a period, by deadline (T1, T2 per kind, T3, T6) and by team."""

    total: int
    by_deadline: dict[str, int]
    by_team: dict[str, int]  # the team that had to act (the provider team for advice)
    derived: int = 0  # of the total, implied by imported history rather than raised live


def deadline_label(duty: str, advice_kind: str | None) -> str:
    return f"{duty} {advice_kind}" if advice_kind else duty


def k10_breaches(db: Reader, period: Period) -> Breaches:
    b = breaches.c
    rows = db.execute(
        select(b.duty, b.advice_kind, b.holder, func.count(), _count_if(b.derived == true()))
        .where(breaches_raised(period).where)
        .group_by(b.duty, b.advice_kind, b.holder)
    ).all()
    by_deadline: dict[str, int] = {}
    by_team: dict[str, int] = {}
    derived = 0
    for duty, kind, holder, n, from_history in rows:  # one row per (deadline, team) group, not per breach
        label = deadline_label(duty, kind)
        by_deadline[label] = by_deadline.get(label, 0) + int(n)
        by_team[holder] = by_team.get(holder, 0) + int(n)
        derived += int(from_history)
    return Breaches(
        total=sum(by_deadline.values()),
        by_deadline=dict(sorted(by_deadline.items())),
        by_team=dict(sorted(by_team.items())),
        derived=derived,
    )


# ---------------------------------------------------------------- K11-K13: counts


@dataclass(frozen=True)
class Counts:
    """A count in the period and in its calendar year to date, each split (by source, or yes / no)."""

    period: dict[str, int]
    year_to_date: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.period.values())

    @property
    def total_year_to_date(self) -> int:
        return sum(self.year_to_date.values())


def _grouped(db: Reader, measure: str, period: Period) -> dict[str, int]:
    key, _ = EVENT_COUNTS[measure]
    rows = db.execute(select(key, func.count()).where(events_in(measure, period).where).group_by(key)).all()
    return {_key_text(k): int(n) for k, n in rows}


def _key_text(key: object) -> str:
    if isinstance(key, bool):
        return "yes" if key else "no"
    return str(key)


def _counts(db: Reader, measure: str, period: Period) -> Counts:
    return Counts(_grouped(db, measure, period), _grouped(db, measure, period.year_to_date()))


def k11_requests_received(db: Reader, period: Period) -> Counts:
    """K11: requests received (day 0) in the period, by SEN2 request source."""
    return _counts(db, "K11", period)


def k12_decisions_whether_to_assess(db: Reader, period: Period) -> Counts:
    """K12: decisions whether to assess made in the period ("referral decisions"), yes / no."""
    return _counts(db, "K12", period)


def k13_assessments_completed(db: Reader, period: Period) -> Counts:
    """K13: assessments completed, i.e. decisions whether to issue a plan made in the period, yes / no."""
    return _counts(db, "K13", period)


# ---------------------------------------------------------------- all of a period


@dataclass(frozen=True)
class PeriodFigures:
    """Every measure for one period; K8/K9 counted at ``as_of`` (the period's end, or today)."""

    period: Period
    as_of: date
    plans: PlanFigures
    k3: Figure
    k4: Figure
    k5: dict[str, Figure]
    k8: OpenAssessments
    k10: Breaches
    k11: Counts
    k12: Counts
    k13: Counts
    plan_measures: "PlanMeasures"  # L1-L9 of plan-lifecycle.md, the snapshots at ``as_of`` too

    @property
    def k9(self) -> int:
        return self.k8.backlog


def period_figures(db: Reader, period: Period, today: date) -> PeriodFigures:
    from ehcna.store.plan_kpi_queries import plan_measures  # it builds on this module's Counted

    as_of = period.snapshot_date(today)
    return PeriodFigures(
        period=period,
        as_of=as_of,
        plans=plan_figures(db, period),
        k3=k3_requests_decided_in_time(db, period),
        k4=k4_no_plan_decisions_in_time(db, period),
        k5=k5_advice_in_time(db, period),
        k8=k8_open_assessments(db, as_of),
        k10=k10_breaches(db, period),
        k11=k11_requests_received(db, period),
        k12=k12_decisions_whether_to_assess(db, period),
        k13=k13_assessments_completed(db, period),
        plan_measures=plan_measures(db, period, as_of),
    )
