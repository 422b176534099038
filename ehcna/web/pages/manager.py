"""Managers: the monthly KPI overview and K1 chart (each figure leads to its cases), where open work is
stuck, late cases and each officer's and team's workload, and alerts; every table also as CSV."""

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
from domain.kpis import OPEN_BANDS, OPEN_STAGES, Figure, Period, Trend, Value, months_ending, parse_month
from domain.plan_measures import CEASE_REASON_WORDS
from ehcna.reports.overview import OverviewRow, build_overview
from ehcna.reports.terminal import format_change, format_value
from ehcna.store.audit import append_audit
from ehcna.store.faults import STATUS_WORDS
from ehcna.store.kpi_cases import Part
from ehcna.store.kpi_queries import OpenAssessments, k8_open_assessments
from ehcna.store.worklist import Filters, WorkItem, Workload, worklist, workload
from ehcna.web import queries
from ehcna.web.pages import drilldown
from ehcna.web.pages.auth import allow
from ehcna.web.pages.charts import k1_chart
from ehcna.web.pages.downloads import audited_csv
from ehcna.web.pages.drilldown import cases_link
from ehcna.web.pages.forms import Field, blank
from ehcna.web.pages.names import (
    ADVICE_NAMES,
    CHANNEL_NAMES,
    SOURCE_NAMES,
    STAGE_NAMES,
    deadline_name,
    deadline_words,
)
from ehcna.web.pages.rendering import long_date, render
from ehcna.web.security import MANAGERS, services
from ehcna.web.services import Services

if TYPE_CHECKING:
    from ehcna.reports.sen2 import Collection

router = APIRouter(include_in_schema=False)
router.routes.extend(drilldown.router.routes)  # its pages are the dashboards' own
manager = allow(MANAGERS, "the dashboards")

TREND_WORDS = {Trend.UP: "Up", Trend.DOWN: "Down", Trend.FLAT: "No change", Trend.UNKNOWN: "Not comparable"}


@dataclass(frozen=True)
class CasesLinks:
    """Where one figure of the table leads: the cases behind its count or denominator, and its numerator."""

    percent: str | None  # a Figure's percentage as shown ("79.3%", "n/a"); None for a count or weeks
    shown: str  # the count, the denominator or the weeks, as shown
    all_href: str | None  # None: nothing to list
    numerator: int | None
    numerator_href: str | None
    label: str  # what the figure is, for the links' accessible names: "Medical advice..., October 2026"


@dataclass(frozen=True)
class TableRow:
    """One overview row as the table shows it, formatted as the terminal report formats it."""

    id: str
    title: str
    detail: bool
    cells: tuple[str, ...]  # latest, previous, change, year ago, change
    trend: str  # in words: "Up (better)"
    verdict: bool | None  # True better, False worse, None neutral
    key: str = ""  # the overview row's own id ("K5.HEALTH"): the figure its cases are listed under
    links: tuple[CasesLinks | None, ...] = ()  # per cell: None for the changes


def figure_links(key: str, value: Value, period: Period, label: str) -> CasesLinks:
    """A figure of the table with links to its cases; a figure with nothing behind it has none."""
    label = f"{label}, {period.start:%B %Y}"
    if isinstance(value, Figure):
        pct = value.percent
        return CasesLinks(
            percent="n/a" if pct is None else f"{pct:.1f}%",
            shown=str(value.denominator),
            all_href=cases_link(key, period) if value.denominator else None,
            numerator=value.numerator,
            numerator_href=cases_link(key, period, Part.NUMERATOR) if value.numerator else None,
            label=label,
        )
    shown = format_value(value)
    listed = value is not None and (not isinstance(value, int) or value > 0)
    return CasesLinks(None, shown, cases_link(key, period) if listed else None, None, None, label)


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
    if measure == "L9" and split.startswith("reason."):
        words = CEASE_REASON_WORDS.get(split.removeprefix("reason."), row.title)
        return words[0].upper() + words[1:]
    return row.title


def table_row(
    row: OverviewRow,
    team_name: Callable[[str], str] = str,
    periods: tuple[Period, Period, Period] | None = None,  # latest, previous, year ago: link the figures
) -> TableRow:
    verdict = {True: ", better", False: ", worse", None: ""}[row.improving]
    title = row_title(row, team_name)
    links: tuple[CasesLinks | None, ...] = ()
    if periods:
        latest, previous, year_ago = (
            figure_links(row.id, v, p, title)
            for v, p in zip((row.latest, row.previous, row.year_ago), periods, strict=True)
        )
        links = (latest, previous, None, year_ago, None)
    return TableRow(
        id=row.id.split(".")[0],
        # never "day" and "0" apart
        title=title.replace("day 0", "day\N{NO-BREAK SPACE}0"),
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
        key=row.id,
        links=links,
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
    "L9": "Plans ceased, by reason (L9, SEN2 CeaseReason)",
}


def table_sections(
    rows: list[OverviewRow],
    period: Period,
    team_name: Callable[[str], str] = str,
    periods: tuple[Period, Period, Period] | None = None,
) -> list[TableSection]:
    """The headline rows first (the table managers read first), then each measure's splits apart."""
    main = TableSection(f"Timeliness measures, {period.start:%B %Y}", [])
    after_plan = TableSection(f"Plans in force: reviews, amendments, transfers, {period.start:%B %Y}", [])
    splits: dict[str, TableSection] = {}
    for row in rows:
        shown = table_row(row, team_name, periods)
        if not row.detail:
            (after_plan if shown.id.startswith("L") else main).rows.append(shown)
            continue
        if shown.id not in splits:
            splits[shown.id] = TableSection(SPLIT_CAPTIONS.get(shown.id, f"{shown.id} in detail"), [])
        splits[shown.id].rows.append(shown)
    return [main, *([after_plan] if after_plan.rows else []), *splits.values()]


def _month_choices(on: date, chosen: Period) -> tuple[tuple[str, str], ...]:
    """The month so far first, then the 36 months before it (and the month chosen, if older)."""
    months = [*reversed(months_ending(on, 37))]
    if chosen not in months:
        months.append(chosen)  # an older month asked for by its link (a later one is refused)
    current = Period.month_of(on)
    return tuple((m.label, f"{m.start:%B %Y}" + (" (so far)" if m == current else "")) for m in months)


def _period(month: str | None, on: date) -> tuple[Period, str | None]:
    """The month asked for (the last full month unless asked), or why it cannot be shown."""
    if not month:
        return queries.last_complete_month(on), None
    try:
        period = parse_month(month)
    except ValueError as err:
        return queries.last_complete_month(on), str(err)
    if period.start > on:
        later = f"{period.start:%B %Y} has not started yet: choose a month up to {on:%B %Y}"
        return queries.last_complete_month(on), later
    return period, None


@router.get("/performance")
def performance(
    request: Request,
    month: str | None = None,
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    """The monthly overview of kpis.md, the K1 chart and advice timeliness per provider team."""
    on = queries.today()
    period, problem = _period(month, on)
    field = Field("month", "Month", "select", options=_month_choices(on, period))
    form = blank((field,), month=period.label)
    if problem:
        form.add("month", problem)
    with queries.reader(svc) as conn:
        overview = build_overview(conn, period, on)
        teams = queries.advice_by_team(conn, period, on)
    periods = (overview.latest.period, overview.previous.period, overview.year_ago.period)
    return render(
        request,
        "manager/performance.html",
        actor,
        form=form,
        period=period,
        so_far=period == Period.month_of(on),
        overview=overview,
        sections=table_sections(overview.rows, period, svc.team_name, periods),
        chart=k1_chart(overview.k1_by_month),
        teams=teams,
        today=on,
    )


@router.get("/performance.csv")
def performance_csv(
    month: str | None = None, actor: Actor = Depends(manager), svc: Services = Depends(services)
) -> Response:
    """The overview table: each row's figure for the month, the month before and a year before."""
    on = queries.today()
    period, problem = _period(month, on)
    if problem:
        raise HTTPException(404, problem)
    with queries.reader(svc) as conn:
        overview = build_overview(conn, period, on)
    names = tuple(f"{p.period.label}" for p in (overview.latest, overview.previous, overview.year_ago))
    header = ["measure", "title"]
    for label in names:
        header += [f"{label}_value", f"{label}_numerator", f"{label}_denominator"]
    header += ["change", "change_year_ago", "trend"]
    rows = []
    for row in overview.rows:
        line: list[object] = [row.id, row_title(row, svc.team_name)]
        for value in (row.latest, row.previous, row.year_ago):
            if isinstance(value, Figure):
                line += [value.percent, value.numerator, value.denominator]
            else:
                line += [value, None, None]
        line += [row.change, row.change_year, str(row.trend)]
        rows.append(line)
    name = f"kpi-overview-{period.label}.csv"
    return audited_csv(
        svc, actor, table="overview", filename=name, header=header, rows=rows, detail={"period": period.label}
    )


@router.get("/performance/advice-teams.csv")
def advice_teams_csv(
    month: str | None = None, actor: Actor = Depends(manager), svc: Services = Depends(services)
) -> Response:
    """Advice timeliness by provider team (the performance page's last table)."""
    on = queries.today()
    period, problem = _period(month, on)
    if problem:
        raise HTTPException(404, problem)
    with queries.reader(svc) as conn:
        teams = queries.advice_by_team(conn, period, on)
    header = ["team", "team_name", "in_time", "counted", "percent", "excepted", "awaited_now", "overdue_now"]
    rows = [
        [
            t.team,
            svc.team_name(t.team),
            t.in_time.numerator,
            t.in_time.denominator,
            t.in_time.percent,
            t.excepted,
            t.awaited,
            t.overdue,
        ]
        for t in teams
    ]
    name = f"advice-by-team-{period.label}.csv"
    return audited_csv(
        svc,
        actor,
        table="advice_teams",
        filename=name,
        header=header,
        rows=rows,
        detail={"period": period.label},
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
    late = await run_in_threadpool(late_cases, svc, on, LATE_SHOWN)
    at_risk = await queries.open_cases(svc, breached=False, due_within_days=AT_RISK_WITHIN_DAYS, limit=200)
    return render(
        request,
        "manager/open_cases.html",
        actor,
        k8=k8,
        stages=[(s, STAGE_NAMES[s]) for s in OPEN_STAGES],
        bands=OPEN_BANDS,
        late=late,
        late_words=lambda item: late_words(item, on),
        at_risk=at_risk,
        today=on,
    )


LATE_SHOWN = 200  # on the page; the CSV has every late case
LATE_CSV = 20_000


def late_cases(svc: Services, on: date, limit: int) -> tuple[list[WorkItem], int]:
    """Open cases whose next statutory step is overdue, the latest first (the worklist's own order)."""
    with svc.sessions() as session:
        found = worklist(session, Filters(late=True, page_size=limit), on)
    return found.items, found.total


def late_words(item: WorkItem, on: date) -> str:
    """Which deadline and how late: "Final plan within 20 weeks: 12 days late"."""
    if item.next_key is None or item.next_due is None:
        return "No statutory deadline waiting"
    duty, _, advice_id = item.next_key.partition(":")
    kind = advice_id.rsplit("-", 1)[0] if advice_id else None
    days = (on - item.next_due).days
    when = f"{days} day{'' if days == 1 else 's'} late" if days > 0 else f"due by {long_date(item.next_due)}"
    return f"{deadline_words(duty, kind)}: {when}"


@router.get("/performance/late-cases.csv")
async def late_cases_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    on = queries.today()
    items, _ = await run_in_threadpool(late_cases, svc, on, LATE_CSV)
    header = [
        "case_ref",
        "team",
        "case_officer",
        "stage",
        "deadline_code",
        "due",
        "days_late",
        "deadline_and_how_late",
    ]
    rows = [
        [
            i.ref,
            i.team,
            i.officer,
            i.stage,
            i.next_key,
            i.next_due.isoformat() if i.next_due else None,
            (on - i.next_due).days if i.next_due else None,
            late_words(i, on),
        ]
        for i in items
    ]
    name = f"late-cases-{on.isoformat()}.csv"
    return await run_in_threadpool(
        lambda: audited_csv(svc, actor, table="late_cases", filename=name, header=header, rows=rows)
    )


@router.get("/performance/open-cases.csv")
async def open_cases_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    """K8: open cases by stage and weeks open, one row per stage."""
    on = queries.today()

    def make() -> Response:
        with queries.reader(svc) as conn:
            k8 = k8_open_assessments(conn, on)
        header = ["stage", "stage_name", *(b.key for b in OPEN_BANDS), "all"]
        rows = [
            [s, STAGE_NAMES[s], *(k8.counts.get((s, b.key), 0) for b in OPEN_BANDS), k8.by_stage[s]]
            for s in OPEN_STAGES
        ]
        rows.append(["all", "All stages", *(k8.by_band[b.key] for b in OPEN_BANDS), k8.total])
        name = f"open-cases-{on.isoformat()}.csv"
        return audited_csv(svc, actor, table="open_cases", filename=name, header=header, rows=rows)

    return await run_in_threadpool(make)


# ---------------------------------------------------------------- workload


@dataclass(frozen=True)
class TeamLoad:
    team: str
    open: int
    late: int
    due_this_week: int
    officers: list[Workload]


def team_loads(rows: list[Workload]) -> list[TeamLoad]:
    teams: dict[str, list[Workload]] = {}
    for row in rows:
        teams.setdefault(row.team, []).append(row)
    return [
        TeamLoad(
            team,
            sum(r.open for r in officers),
            sum(r.late for r in officers),
            sum(r.due_this_week for r in officers),
            officers,
        )
        for team, officers in teams.items()
    ]


def _workload(svc: Services, on: date) -> list[Workload]:
    with svc.sessions() as session:
        return workload(session, on)


@router.get("/performance/workload")
async def workload_page(
    request: Request, actor: Actor = Depends(manager), svc: Services = Depends(services)
) -> Response:
    """Open cases per officer and per team: how many, how many late, how many due in the next 7 days."""
    on = queries.today()
    rows = await run_in_threadpool(_workload, svc, on)
    teams = team_loads(rows)
    return render(request, "manager/workload.html", actor, teams=teams, rows=rows, today=on)


@router.get("/performance/workload.csv")
async def workload_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    on = queries.today()
    rows = await run_in_threadpool(_workload, svc, on)
    header = ["level", "team", "case_officer", "open", "late", "due_this_week"]
    lines: list[list[object]] = []
    for team in team_loads(rows):
        lines.append(["team", team.team, None, team.open, team.late, team.due_this_week])
        lines += [
            ["officer", r.team, r.officer or "not assigned", r.open, r.late, r.due_this_week]
            for r in team.officers
        ]
    name = f"workload-{on.isoformat()}.csv"
    return await run_in_threadpool(
        lambda: audited_csv(svc, actor, table="workload", filename=name, header=header, rows=lines)
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


@router.get("/performance/alerts.csv")
def alerts_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    """The alerts the page lists (those not delivered, and the latest), one row each; no addresses."""
    found = queries.alerts_overview(svc)
    seen: set[int] = set()
    rows = []
    for a in [*found.failed, *found.recent]:
        if a.id in seen:
            continue
        seen.add(a.id)
        rows.append(
            [
                a.claimed_at.isoformat(),
                a.kind,
                a.subject,
                a.case_ref,
                a.deadline_key,
                a.team,
                a.holder,
                a.recipient_name,
                CHANNEL_NAMES.get(a.channel, a.channel),
                a.state,
                a.attempts,
                a.sent_at.isoformat() if a.sent_at else None,
                a.failed_at.isoformat() if a.failed_at else None,
                a.last_error,
            ]
        )
    header = [
        "claimed_at",
        "kind",
        "subject",
        "case_ref",
        "deadline_code",
        "team",
        "holder",
        "recipient",
        "channel",
        "state",
        "attempts",
        "sent_at",
        "failed_at",
        "last_error",
    ]
    name = f"alerts-{queries.today().isoformat()}.csv"
    return audited_csv(svc, actor, table="alerts", filename=name, header=header, rows=rows)


@router.get("/performance/stopped-cases.csv")
def stopped_cases_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> Response:
    rows = [
        [r.case_ref, r.team, r.status, STATUS_WORDS.get(r.status, "stopped"), r.found_at.isoformat()]
        for r in queries.stopped_cases(svc)
    ]
    header = ["case_ref", "team", "workflow_status", "what_happened", "found_at"]
    name = f"stopped-cases-{queries.today().isoformat()}.csv"
    return audited_csv(svc, actor, table="stopped_cases", filename=name, header=header, rows=rows)


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
