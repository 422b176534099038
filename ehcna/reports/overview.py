"""The monthly overview of kpis.md, as data.

One row per measure (and per advice kind, band, stage, deadline and team
where a measure splits): the latest period, the previous one and the change,
the same period a year earlier and that change, and a trend arrow. Below it,
K1 by month for 24 months with the national figure of each month's year.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.kpis import (
    ISSUE_BANDS,
    MEASURES,
    OPEN_BANDS,
    OPEN_STAGES,
    Figure,
    Period,
    Trend,
    Unit,
    Value,
    change,
    improving,
    kind_sort_key,
    months_ending,
    national_k1,
    trend,
)
from domain.plan_measures import CEASE_REASON_WORDS
from ehcna.store.kpi_queries import Counts, PeriodFigures, Reader, k1_by_month, period_figures
from ehcna.store.plan_kpi_queries import CEASE_REASONS

CHART_MONTHS = 24


@dataclass(frozen=True)
class OverviewRow:
    id: str  # "K1", "K5.HEALTH", "K6.le20", "K8.stage.advice", "K10.team.north"...
    title: str
    unit: Unit
    higher_is_better: bool | None
    latest: Value
    previous: Value
    year_ago: Value
    detail: bool = False  # a split of the measure above it (indented in the table)

    @property
    def change(self) -> float | int | None:
        """From the previous period: percentage points for a figure, units otherwise."""
        return change(self.latest, self.previous)

    @property
    def change_year(self) -> float | int | None:
        return change(self.latest, self.year_ago)

    @property
    def trend(self) -> Trend:
        return trend(self.change)

    @property
    def improving(self) -> bool | None:
        return improving(self.change, self.higher_is_better)


@dataclass(frozen=True)
class ChartPoint:
    month: Period
    k1: Figure
    national: Figure | None  # the national K1 of the month's calendar year, where published


@dataclass(frozen=True)
class Overview:
    latest: PeriodFigures
    previous: PeriodFigures
    year_ago: PeriodFigures
    rows: list[OverviewRow]
    k1_by_month: list[ChartPoint]

    @property
    def period(self) -> Period:
        return self.latest.period


def build_overview(db: Reader, period: Period, today: date) -> Overview:
    """All figures for ``period``, the one before and the one a year earlier, and the K1 chart."""
    latest, previous, year_ago = (
        period_figures(db, p, today) for p in (period, period.previous(), period.year_earlier())
    )
    months = months_ending(period.end, CHART_MONTHS)
    chart = [
        ChartPoint(month, figure, national_k1(month.start.year))
        for month, figure in zip(months, k1_by_month(db, months).values(), strict=True)
    ]
    return Overview(latest, previous, year_ago, overview_rows(latest, previous, year_ago), chart)


def overview_rows(
    latest: PeriodFigures, previous: PeriodFigures, year_ago: PeriodFigures
) -> list[OverviewRow]:
    """Flatten three periods' figures into the rows of the table, in the order of kpis.md."""
    periods = (latest, previous, year_ago)
    rows: list[OverviewRow] = []

    def add(
        row_id: str,
        get: Callable[[PeriodFigures], Value],
        title: str | None = None,
        unit: Unit | None = None,
        higher_is_better: bool | None = None,
        detail: bool = False,
    ) -> None:
        measure = MEASURES[row_id.split(".")[0]]
        rows.append(
            OverviewRow(
                id=row_id,
                title=title or measure.title,
                unit=unit or measure.unit,
                higher_is_better=measure.higher_is_better if higher_is_better is None else higher_is_better,
                latest=get(latest),
                previous=get(previous),
                year_ago=get(year_ago),
                detail=detail,
            )
        )

    add("K1", lambda p: p.plans.k1)
    add("K2", lambda p: p.plans.k2)
    add("K3", lambda p: p.k3)
    add("K4", lambda p: p.k4)
    for kind in _union((p.k5 for p in periods), kind_sort_key):
        add(
            f"K5.{kind}",
            lambda p, k=kind: p.k5.get(k, Figure(0, 0)),
            title=f"Advice returned within 6 weeks, excluding exceptions: {kind}",
        )
    for band in ISSUE_BANDS:
        add(
            f"K6.{band.key}",
            lambda p, k=band.key: p.plans.k6[k],
            title=f"Plans issued {band.label} from day 0",
            higher_is_better=band is ISSUE_BANDS[0],  # more plans in the first band is good news
        )
    add("K7.mean", lambda p: p.plans.k7.mean_weeks, title="Mean weeks from day 0 to final plan")
    add("K7.median", lambda p: p.plans.k7.median_weeks, title="Median weeks from day 0 to final plan")
    add("K8", lambda p: p.k8.total, title="Open assessments at the end of the period")
    for stage in OPEN_STAGES:
        add(f"K8.stage.{stage}", lambda p, s=stage: p.k8.by_stage[s], title=f"at stage {stage}", detail=True)
    for band in OPEN_BANDS:
        add(
            f"K8.weeks.{band.key}",
            lambda p, k=band.key: p.k8.by_band[k],
            title=f"open {band.label}",
            detail=True,
        )
    add("K9", lambda p: p.k9)
    add("K10", lambda p: p.k10.total)
    add("K10.derived", lambda p: p.k10.derived, title="of which implied by imported history", detail=True)
    for label in _union(p.k10.by_deadline for p in periods):
        add(
            f"K10.{label.replace(' ', '.')}",
            lambda p, k=label: p.k10.by_deadline.get(k, 0),
            title=f"deadline {label}",
            detail=True,
        )
    for team in _union(p.k10.by_team for p in periods):
        add(f"K10.team.{team}", lambda p, t=team: p.k10.by_team.get(t, 0), title=f"team {team}", detail=True)
    for measure, splits, split_title in (
        ("K11", "source", "request from {}"),
        ("K12", "assess", "decided to assess: {}"),
        ("K13", "issue", "decided to issue a plan: {}"),
    ):
        counts: Callable[[PeriodFigures], Counts] = lambda p, m=measure: getattr(p, m.lower())  # noqa: E731
        add(measure, lambda p, c=counts: c(p).total)
        add(f"{measure}.ytd", lambda p, c=counts: c(p).total_year_to_date, title="year to date", detail=True)
        for key in _union(counts(p).period for p in periods):
            add(
                f"{measure}.{splits}.{key}",
                lambda p, c=counts, k=key: c(p).period.get(k, 0),
                title=split_title.format(key),
                detail=True,
            )
    _plan_rows(add, periods)
    return rows


def _plan_rows(add: Callable[..., None], periods: tuple[PeriodFigures, ...]) -> None:
    """L1-L9 of plan-lifecycle.md, after the assessment's measures; L9 split by SEN2 CeaseReason."""
    add("L1", lambda p: p.plan_measures.l1_in_force)
    add("L2", lambda p: p.plan_measures.l2_reviewed_in_12_months)
    add("L3", lambda p: p.plan_measures.l3_reviews_held)
    add("L4", lambda p: p.plan_measures.l4_decisions_in_time)
    add("L5", lambda p: p.plan_measures.l5_reviews_in_time)
    add("L6", lambda p: p.plan_measures.l6_amended_in_time)
    add(
        "L7",
        lambda p: p.plan_measures.l7_transfers_in_time,
        title="Phase transfers this September finalised by 15 February (post-16: 31 March)",
    )
    add("L8", lambda p: p.plan_measures.l8_overdue)
    add("L9", lambda p: p.plan_measures.l9_total)
    ceased = ({k: n for k, n in p.plan_measures.l9_ceased.items() if n} for p in periods)
    for code in _union(ceased, CEASE_REASONS.index):
        add(
            f"L9.reason.{code}",
            lambda p, c=code: p.plan_measures.l9_ceased.get(c, 0),
            title=f"reason {code}: {CEASE_REASON_WORDS[code]}",
            detail=True,
        )


def _union(keyed: Iterable[Mapping[str, object]], key: Callable[[str], Any] | None = None) -> list[str]:
    """The keys found in any of the periods, so a row missing in one period still shows (as 0)."""
    found: set[str] = set()
    for d in keyed:
        found |= set(d)
    return sorted(found, key=key) if key else sorted(found)
