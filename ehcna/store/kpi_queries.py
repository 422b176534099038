"""K1-K13 as SQL over the read model (SQLAlchemy Core).

Each measure is one aggregate the database computes (SUM(CASE ...)/COUNT);
Python only reads back a handful of totals or groups. Dates are compared as
plain columns against parameters computed here (``as_of - 42 days``...),
never with SQL date arithmetic, so the same statements run on SQLite and
PostgreSQL and can use the indexes of migrations 0001 and 0002.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

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
    days = cases.c.plan_days
    in_time = days <= IN_TIME_PLAN_DAYS
    no_exception = cases.c.week20_exception == false()
    row = db.execute(
        select(
            func.count(),
            _count_if(in_time),
            _count_if(no_exception),
            _count_if(and_(no_exception, in_time)),
            *(_count_if(_band_condition(days, band)) for band in ISSUE_BANDS),
            func.avg(days),
        ).where(_in(cases.c.final_plan_on, period))
    ).one()
    plans, k2_in_time, k1_plans, k1_in_time = (int(v) for v in row[:4])
    bands = {band.key: Figure(int(n), plans) for band, n in zip(ISSUE_BANDS, row[4:-1], strict=True)}
    mean = row[-1]
    k7 = WeeksToPlan(
        plans=plans,
        mean_weeks=round(float(mean) / 7, 1) if mean is not None else None,
        median_weeks=_median_weeks(db, period, plans),
    )
    return PlanFigures(Figure(k1_in_time, k1_plans), Figure(k2_in_time, plans), bands, k7)


def _median_weeks(db: Reader, period: Period, plans: int) -> float | None:
    """The middle plan (or the mean of the two middle ones) by ORDER BY/OFFSET: SQLite has no median."""
    if plans == 0:
        return None
    middle = db.scalars(
        select(cases.c.plan_days)
        .where(_in(cases.c.final_plan_on, period))
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


def k3_requests_decided_in_time(db: Reader, period: Period) -> Figure:
    """Decisions whether to assess (yes or no) made in the period, on or before day 0 + 42."""
    d = decisions.c
    total, in_time = db.execute(
        select(func.count(), _count_if(d.decided_on <= d.due_on)).where(
            d.decision == "TO_ASSESS", _in(d.decided_on, period)
        )
    ).one()
    return Figure(int(in_time), int(total))


def k4_no_plan_decisions_in_time(db: Reader, period: Period) -> Figure:
    """PLAN_NOT_ISSUED outcomes in the period, on or before day 0 + 112."""
    c = cases.c
    total, in_time = db.execute(
        select(func.count(), _count_if(c.outcome_on <= c.t3_due)).where(
            c.outcome == str(Outcome.PLAN_NOT_ISSUED), _in(c.outcome_on, period)
        )
    ).one()
    return Figure(int(in_time), int(total))


# ---------------------------------------------------------------- K5: advice


def k5_advice_in_time(db: Reader, period: Period) -> dict[str, Figure]:
    """Per advice kind: returned in time / (returned + marked NOT_RECEIVED), reg 8(2) exceptions out.

    ``due_on`` is NULL exactly for advice without a clock (the family's views,
    existing advice used), so ``due_on IS NOT NULL`` keeps the bodies' advice;
    ``returned_on`` is then set only when RECEIVED and ``not_received_on``
    only when NOT_RECEIVED, so no status test is needed.
    """
    a = advice.c
    counted = and_(a.due_on.is_not(None), a.excepted == false())
    returned = select(a.kind, case((a.returned_on <= a.due_on, _ONE), else_=_ZERO).label("in_time")).where(
        counted, _in(a.returned_on, period)
    )
    not_received = select(a.kind, _ZERO.label("in_time")).where(counted, _in(a.not_received_on, period))
    both = union_all(returned, not_received).subquery()
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
    """Cases open at the end of ``as_of``, with the stage they were at then.

    The stage is read from the dates of the steps (not the ``stage`` column,
    which is today's), so a past date gives the past picture. Still-open
    cases (no outcome) and cases closed later are two branches of a UNION
    ALL, so each is an index-only range over ``ix_cases_open_kpi``, which an
    ``OR outcome_on IS NULL`` would prevent. Stage and band are grouped as
    small integers (indexes into OPEN_STAGES and OPEN_BANDS): cheaper to
    group than text.
    """
    c = cases.c

    def not_yet(step: Any) -> ColumnElement[bool]:
        return or_(step.is_(None), step > as_of)

    steps = (c.decision_to_assess_on, c.decision_to_issue_on, c.draft_served_on)
    stage = case(
        *((not_yet(step), literal_column(str(i))) for i, step in enumerate(steps)),
        else_=literal_column(str(len(steps))),
    )
    # Weeks open: days = as_of - day0, so "days <= max" is "day0 >= as_of - max".
    band = case(
        *(
            (c.day0 >= as_of - timedelta(days=b.max_days), literal_column(str(i)))
            for i, b in enumerate(OPEN_BANDS)
            if b.max_days is not None
        ),
        else_=literal_column(str(len(OPEN_BANDS) - 1)),
    )

    def open_when(closed: ColumnElement[bool]) -> Select[Any]:
        return select(stage.label("stage"), band.label("band")).where(closed, c.day0 <= as_of)

    open_cases = union_all(open_when(c.outcome_on > as_of), open_when(c.outcome_on.is_(None))).subquery()
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
        .where(_in(b.raised_on, period))
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


def _grouped(db: Reader, key: Any, day: Any, period: Period) -> dict[str, int]:
    rows = db.execute(select(key, func.count()).where(_in(day, period)).group_by(key)).all()
    return {_key_text(k): int(n) for k, n in rows}


def _key_text(key: object) -> str:
    if isinstance(key, bool):
        return "yes" if key else "no"
    return str(key)


def _counts(db: Reader, key: Any, day: Any, period: Period) -> Counts:
    return Counts(_grouped(db, key, day, period), _grouped(db, key, day, period.year_to_date()))


def k11_requests_received(db: Reader, period: Period) -> Counts:
    """K11: requests received (day 0) in the period, by SEN2 request source."""
    return _counts(db, cases.c.request_source, cases.c.day0, period)


def k12_decisions_whether_to_assess(db: Reader, period: Period) -> Counts:
    """K12: decisions whether to assess made in the period ("referral decisions"), yes / no."""
    return _counts(db, cases.c.decided_to_assess, cases.c.decision_to_assess_on, period)


def k13_assessments_completed(db: Reader, period: Period) -> Counts:
    """K13: assessments completed, i.e. decisions whether to issue a plan made in the period, yes / no."""
    return _counts(db, cases.c.decided_to_issue, cases.c.decision_to_issue_on, period)


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

    @property
    def k9(self) -> int:
        return self.k8.backlog


def period_figures(db: Reader, period: Period, today: date) -> PeriodFigures:
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
    )
