"""Managers: the monthly KPI overview and K1 chart, where open work is stuck, and alerts."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor
from domain.deadlines import AT_RISK_WITHIN_DAYS
from domain.kpis import OPEN_BANDS, OPEN_STAGES, Period, Trend, months_ending, parse_month
from ehcna.reports.overview import OverviewRow, build_overview
from ehcna.reports.terminal import format_change, format_value
from ehcna.store.audit import append_audit
from ehcna.store.faults import STATUS_WORDS
from ehcna.store.kpi_queries import OpenAssessments, k8_open_assessments
from ehcna.web import queries
from ehcna.web.pages.auth import allow
from ehcna.web.pages.charts import k1_chart
from ehcna.web.pages.forms import Field, blank
from ehcna.web.pages.names import ADVICE_NAMES, SOURCE_NAMES, STAGE_NAMES, deadline_name
from ehcna.web.pages.rendering import render
from ehcna.web.security import MANAGERS, services
from ehcna.web.services import Services

if TYPE_CHECKING:
    from ehcna.reports.sen2 import Collection

router = APIRouter(include_in_schema=False)
manager = allow(MANAGERS, "the dashboards")

TREND_WORDS = {Trend.UP: "Up", Trend.DOWN: "Down", Trend.FLAT: "No change", Trend.UNKNOWN: "Not comparable"}


@dataclass(frozen=True)
class TableRow:
    """One overview row as the table shows it, formatted as the terminal report formats it."""

    id: str
    title: str
    detail: bool
    cells: tuple[str, ...]  # latest, previous, change, year ago, change
    trend: str  # in words: "Up (better)"
    verdict: bool | None  # True better, False worse, None neutral


COUNT_SPLITS: dict[str, dict[str, str]] = {
    "K11": {source: f"from: {name}" for source, name in SOURCE_NAMES.items()}
    | {"UNKNOWN": "from: not recorded"},
    "K12": {"yes": "decided to assess", "no": "decided not to assess"},
    "K13": {"yes": "decided to issue a plan", "no": "decided not to issue a plan"},
}


def row_title(row: OverviewRow, team_name: Callable[[str], str] = str) -> str:
    """The row's title with the codes of its split in words (the report's own titles carry codes)."""
    measure, _, split = row.id.partition(".")
    if split in ("derived", "ytd"):
        return row.title
    if measure in COUNT_SPLITS and split:
        kind, _, key = split.partition(".")
        return COUNT_SPLITS[measure].get(key, key) if kind else row.title
    if measure == "K10" and split.startswith("team."):
        team = split.removeprefix("team.")
        return row.title if team_name(team) == team else team_name(team)  # a team not named: its id
    if measure == "K5" and split:
        return f"{ADVICE_NAMES.get(split, split)} returned within 6 weeks, excluding exceptions"
    if measure == "K8" and split.startswith("stage."):
        stage = split.removeprefix("stage.")
        return STAGE_NAMES.get(stage, stage)
    if measure == "K10" and split and not split.startswith("team."):
        return deadline_name(split.replace(".", " "))
    return row.title


def table_row(row: OverviewRow, team_name: Callable[[str], str] = str) -> TableRow:
    verdict = {True: ", better", False: ", worse", None: ""}[row.improving]
    return TableRow(
        id=row.id.split(".")[0],
        # never "day" and "0" apart
        title=row_title(row, team_name).replace("day 0", "day\N{NO-BREAK SPACE}0"),
        detail=row.detail,
        cells=(
            format_value(row.latest),
            format_value(row.previous),
            format_change(row.change, row.unit),
            format_value(row.year_ago),
            format_change(row.change_year, row.unit),
        ),
        trend=TREND_WORDS[row.trend] + verdict,
        verdict=row.improving,
    )


@dataclass(frozen=True)
class TableSection:
    caption: str
    rows: list[TableRow]


SPLIT_CAPTIONS = {
    "K8": "Open assessments at the end of the period, by stage and by weeks open (K8)",
    "K10": "Breaches raised, by deadline and by team (K10)",
    "K11": "Requests received, year to date and by who asked (K11)",
    "K12": "Decisions whether to assess, year to date and by decision (K12)",
    "K13": "Assessments completed, year to date and by decision (K13)",
}


def table_sections(
    rows: list[OverviewRow], period: Period, team_name: Callable[[str], str] = str
) -> list[TableSection]:
    """The headline rows first (the table managers read first), then each measure's splits apart."""
    main = TableSection(f"Timeliness measures, {period.start:%B %Y}", [])
    splits: dict[str, TableSection] = {}
    for row in rows:
        shown = table_row(row, team_name)
        if not row.detail:
            main.rows.append(shown)
            continue
        if shown.id not in splits:
            splits[shown.id] = TableSection(SPLIT_CAPTIONS.get(shown.id, f"{shown.id} in detail"), [])
        splits[shown.id].rows.append(shown)
    return [main, *splits.values()]


def _month_choices(latest: Period, chosen: Period) -> tuple[tuple[str, str], ...]:
    months = [*reversed(months_ending(latest.end, 36))]
    if chosen not in months:
        months.insert(0, chosen)
    return tuple((m.label, f"{m.start:%B %Y}") for m in months)


@router.get("/performance")
def performance(
    request: Request,
    month: str | None = None,
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    """The monthly overview of kpis.md, the K1 chart and advice timeliness per provider team."""
    on = queries.today()
    period = queries.last_complete_month(on)
    problem = None
    if month:
        try:
            period = parse_month(month)
        except ValueError as err:
            problem = str(err)
    field = Field("month", "Month", "select", options=_month_choices(queries.last_complete_month(on), period))
    form = blank((field,), month=period.label)
    if problem:
        form.add("month", problem)
    with queries.reader(svc) as conn:
        overview = build_overview(conn, period, on)
        teams = queries.advice_by_team(conn, period, on)
    return render(
        request,
        "manager/performance.html",
        actor,
        form=form,
        period=period,
        overview=overview,
        sections=table_sections(overview.rows, period, svc.team_name),
        chart=k1_chart(overview.k1_by_month),
        teams=teams,
        today=on,
    )


@router.get("/performance/open-cases")
async def open_cases(
    request: Request, actor: Actor = Depends(manager), svc: Services = Depends(services)
) -> Response:
    """Where the work is stuck: open cases by stage and weeks open, breached and at-risk cases."""
    on = queries.today()

    def count() -> OpenAssessments:
        with queries.reader(svc) as conn:
            return k8_open_assessments(conn, on)

    k8 = await run_in_threadpool(count)
    breached = await queries.open_cases(svc, breached=True, limit=200)
    at_risk = await queries.open_cases(svc, breached=False, due_within_days=AT_RISK_WITHIN_DAYS, limit=200)
    return render(
        request,
        "manager/open_cases.html",
        actor,
        k8=k8,
        stages=[(s, STAGE_NAMES[s]) for s in OPEN_STAGES],
        bands=OPEN_BANDS,
        breached=breached,
        at_risk=at_risk,
        today=on,
    )


@router.get("/performance/alerts")
def alerts(request: Request, actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    """Every alert the engine sent or tried to send, whether it was delivered, and any case whose
    workflow stopped without closing it (found by the reconciliation job)."""
    return render(
        request,
        "manager/alerts.html",
        actor,
        alerts=queries.alerts_overview(svc),
        stopped=queries.stopped_cases(svc),
        stopped_words=STATUS_WORDS,
    )


def _collection(year: str | None, on: date) -> tuple["Collection", str | None]:
    """The year asked for, else the next census to prepare (the latest whose date is known)."""
    from ehcna.reports.sen2 import CENSUS_DATES, Collection

    known = sorted(CENSUS_DATES)
    upcoming = next((y for y in known if CENSUS_DATES[y] >= on), known[-1])
    if not year:
        return Collection.of(upcoming), None
    if year.isdigit() and int(year) in CENSUS_DATES:
        return Collection.of(int(year)), None
    listed = ", ".join(map(str, known))
    return Collection.of(upcoming), f"Choose a collection year whose census date is known: {listed}"


@router.get("/performance/sen2")
def sen2(
    request: Request,
    year: str | None = None,
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    """The SEN2 return for a collection year: what it holds, and what the check found before submission."""
    from ehcna.reports.sen2 import CENSUS_DATES, MODULES, write_return

    collection, problem = _collection(year, queries.today())
    field = Field(
        "year",
        "Collection year",
        "select",
        options=tuple((str(y), f"SEN2 {y}") for y in sorted(CENSUS_DATES, reverse=True)),
    )
    form = blank((field,), year=str(collection.year))
    if problem:
        form.add("year", problem)
    with tempfile.TemporaryDirectory() as folder, queries.reader(svc) as conn:
        result = write_return(conn, collection, Path(folder))
    return render(request, "manager/sen2.html", actor, form=form, result=result, modules=MODULES)


@router.get("/performance/sen2/{year}/{module}.csv")
def sen2_file(
    year: int, module: str, actor: Actor = Depends(manager), svc: Services = Depends(services)
) -> Response:
    """One module's file, made afresh from the store."""
    from ehcna.reports.sen2 import MODULES, Collection, write_return

    if module not in MODULES:
        raise HTTPException(404, f"no SEN2 module {module}")
    try:
        collection = Collection.of(year)
    except ValueError as err:
        raise HTTPException(404, str(err)) from None
    with tempfile.TemporaryDirectory() as folder, queries.reader(svc) as conn:
        write_return(conn, collection, Path(folder))
        body = (Path(folder) / f"sen2_{year}_{module}.csv").read_bytes()
    name = f"sen2_{year}_{module}.csv"
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:  # the files carry every child's details: who took which, when
        detail = {"year": year, "module": module}
        key = f"sen2-download:{actor.user}:{name}:{now.isoformat()}"
        append_audit(
            session, key=key, case_ref=None, seq=None, action="sen2_download", by=actor, at=now, detail=detail
        )
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
