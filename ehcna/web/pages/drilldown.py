"""The cases behind a KPI figure: every figure of the overview links here, for its numerator and its
denominator (or its count), with the same list as CSV.

The rows come from ``store/kpi_cases.py``, which selects them by the figures' own definitions, so a
list has as many rows as the figure it came from counts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor
from domain.kpis import ISSUE_BANDS, MEASURES, OPEN_BANDS, Period, parse_month
from domain.plan_calendar import PLAN_DUTY_TITLES, PlanDuty
from domain.plan_measures import CEASE_REASON_WORDS
from ehcna.store.kpi_cases import KpiCase, Part, UnknownMeasure, kpi_cases
from ehcna.web import queries
from ehcna.web.pages.auth import allow
from ehcna.web.pages.downloads import audited_csv
from ehcna.web.pages.names import (
    ADVICE_NAMES,
    ADVICE_STATUS_NAMES,
    OUTCOME_NAMES,
    SOURCE_NAMES,
    STAGE_NAMES,
    deadline_name,
    deadline_words,
)
from ehcna.web.pages.rendering import long_date, render
from ehcna.web.security import MANAGERS, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
manager = allow(MANAGERS, "the dashboards")

PAGE_ROWS = 1000  # on the page; the CSV has every row

# what the three dates of a row are, by measure: the clock's start, the deadline, the date counted
DATE_HEADINGS: dict[str, tuple[str, str, str]] = {
    "K1": ("Day 0", "Final plan due", "Final plan issued"),
    "K3": ("Day 0", "Decision due", "Decided"),
    "K4": ("Day 0", "Notice due", "Decided not to issue"),
    "K5": ("Requested", "Advice due", "Returned or marked not received"),
    "K8": ("Day 0", "Final plan due", "Counted open on"),
    "K10": ("Day 0", "Deadline", "Breach raised"),
    "K11": ("Day 0", "Deadline", "Request received"),
    "K12": ("Day 0", "Decision due", "Decided"),
    "K13": ("Day 0", "Notice due if no plan", "Decided"),
}
for _same, _as in (("K2", "K1"), ("K6", "K1"), ("K7", "K1"), ("K9", "K8")):
    DATE_HEADINGS[_same] = DATE_HEADINGS[_as]
# after the plan (plan-lifecycle.md): the plans behind L1-L9
DATE_HEADINGS |= {
    "L1": ("Plan held from", "Deadline", "Counted in force on"),
    "L2": ("Last review meeting (or taken on)", "Next review due (R1)", "Counted on"),
    "L3": ("Plan held from", "Review due (R1)", "Meeting held"),
    "L4": ("Meeting held", "Decision due (R5)", "Decision notified"),
    "L5": ("Plan held from", "Review due (R1)", "Meeting held"),
    "L6": ("Amendment notice", "Amended plan due (R7)", "Amended plan issued"),
    "L7": ("Plan held from", "Finalised by (R8)", "Finalised, or counted on"),
    "L8": ("Last review meeting (or taken on)", "Review was due (R1)", "Counted overdue on"),
    "L9": ("Plan held from", "Deadline", "Ceased"),
}

# what the numerator and the rest of a figure are, in words
PART_WORDS: dict[str, tuple[str, str]] = {
    "K1": ("Issued within 20 weeks", "Issued later"),
    "K2": ("Issued within 20 weeks", "Issued later"),
    "K3": ("Decided within 6 weeks", "Decided later"),
    "K4": ("Decided within 16 weeks", "Decided later"),
    "K5": ("Returned within 6 weeks", "Returned late or not received"),
    "K6": ("Issued in this band", "Issued in another band"),
    "L2": ("Reviewed in the last 12 months", "Not reviewed in the last 12 months"),
    "L4": ("Decided within 4 weeks", "Decided later"),
    "L5": ("Held within 12 months", "Held later"),
    "L6": ("Issued within 8 weeks", "Issued later"),
    "L7": ("Finalised by the statutory date", "Finalised later or not yet"),
}
PLAN_STATUS_NAMES = {
    "in_force": "In force",
    "ceasing": "Being ceased",
    "ceased": "Ceased",
    "transferred_out": "Transferred out",
}
COUNT_KEYS = {"K11": "source", "K12": "assess", "K13": "issue"}
PLAN_DUTIES = {str(d) for d in PlanDuty}


def measure_title(measure: str, team_name: Callable[[str], str] = str) -> str:
    """A figure of the overview in words, without its codes: "Social care advice returned within 6 weeks"."""
    head, _, split = measure.partition(".")
    title = MEASURES[head].title
    kind, _, key = split.partition(".")
    if head == "K5":
        return f"{ADVICE_NAMES.get(split, 'Other advice')} returned within 6 weeks, excluding exceptions"
    if head == "L9" and kind == "reason":
        return f"Plans ceased: {CEASE_REASON_WORDS.get(key, key)}"
    if head == "K6":
        band = next(b for b in ISSUE_BANDS if b.key == split)
        return f"Plans issued {band.label} from day 0"
    if head == "K7":
        return "Plans issued, with the weeks from day 0 to the final plan"
    if head == "K8" and kind == "stage":
        return f"Open assessments: {STAGE_NAMES.get(key, key).lower()}"
    if head == "K8" and kind == "weeks":
        band = next(b for b in OPEN_BANDS if b.key == key)
        return f"Open assessments open {band.label}"
    if head == "K10" and split == "derived":
        return "Breaches implied by imported history"
    if head == "K10" and kind == "team":
        return f"Breaches raised: {team_name(key)}"
    if head == "K10" and split:
        return f"Breaches raised: {deadline_name(split.replace('.', ' '))}"
    if head in COUNT_KEYS and split == "ytd":
        return f"{title}, year to date"
    if head == "K11" and key:
        return f"{title}: from {SOURCE_NAMES.get(key, 'not recorded').lower()}"
    if head in ("K12", "K13") and key:
        decided = "to assess" if head == "K12" else "to issue a plan"
        return f"{title}: decided {'' if key == 'yes' else 'not '}{decided}"
    return title


def period_words(measure: str, period: Period) -> str:
    if measure.endswith(".ytd"):
        start = period.year_to_date().start
        return (
            f"{start:%B} to {period.start:%B %Y}"
            if start.month != period.start.month
            else f"{period.start:%B %Y}"
        )
    return f"{period.start:%B %Y}"


def lateness(row: KpiCase, head: str) -> str:
    """Which deadline and how late, in words: "Final plan within 20 weeks: 12 days late"."""
    if row.deadline is None or row.due_on is None:
        return "No deadline measured"
    if row.deadline in PLAN_DUTIES:
        name = PLAN_DUTY_TITLES[PlanDuty(row.deadline)]
    else:
        name = deadline_words(row.deadline, row.advice_kind)
    late = row.days_late
    days = f"{late} day{'' if late == 1 else 's'} late"
    if row.status == "NOT_RECEIVED":
        return f"{name}: not received, marked {days}"
    if late:
        return f"{name}: {days}"
    if head in ("K8", "K9") or (head == "L7" and not row.in_numerator):  # open: not yet done
        return f"{name}: due by {long_date(row.due_on)}"
    return f"{name}: on time"


def status_words(row: KpiCase) -> str:
    if row.status is None:
        return "Open"
    if row.status in PLAN_STATUS_NAMES:
        return PLAN_STATUS_NAMES[row.status]
    return ADVICE_STATUS_NAMES.get(row.status) or OUTCOME_NAMES.get(row.status, "")


@dataclass(frozen=True)
class Listing:
    measure: str
    head: str
    period: Period
    part: Part
    rows: list[KpiCase]  # the part asked for
    counts: dict[Part, int]
    has_numerator: bool


async def _listing(svc: Services, measure: str, month: str | None, part: Part) -> Listing:
    on = queries.today()
    try:
        period = parse_month(month) if month else queries.last_complete_month(on)
    except ValueError as err:
        raise HTTPException(404, str(err)) from None
    if period.start > on:
        raise HTTPException(404, f"{period.start:%B %Y} has not started")

    def read() -> list[KpiCase]:
        with queries.reader(svc) as conn:
            return kpi_cases(conn, measure, period, on)

    head, _, split = measure.partition(".")
    if head == "K5" and split not in ADVICE_NAMES:
        raise HTTPException(404, "The performance page shows no such figure")
    try:
        every = await run_in_threadpool(read)
    except UnknownMeasure:
        raise HTTPException(404, "The performance page shows no such figure") from None
    has_numerator = head in PART_WORDS
    numerator = [r for r in every if r.in_numerator]
    rest = [r for r in every if not r.in_numerator]
    by_part = {Part.ALL: every, Part.NUMERATOR: numerator, Part.REST: rest}
    if not has_numerator:
        by_part[Part.NUMERATOR], by_part[Part.REST] = [], every
    return Listing(
        measure,
        head,
        period,
        part,
        by_part[part],
        {p: len(rows) for p, rows in by_part.items()},
        has_numerator,
    )


def cases_link(measure: str, period: Period, part: Part = Part.ALL, csv: bool = False) -> str:
    query = {"month": period.label, **({"part": part.value} if part is not Part.ALL else {})}
    return f"/performance/kpi/{measure}{'.csv' if csv else ''}?{urlencode(query)}"


@router.get("/performance/kpi/{measure}.csv")
async def kpi_cases_csv(
    measure: str,
    month: str | None = Query(None, max_length=16),
    part: Part = Part.ALL,
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    """The list as CSV: codes as the exports use them, and the same words as the page."""
    found = await _listing(svc, measure, month, part)
    header = [
        "plan_ref" if found.head.startswith("L") else "case_ref",
        "team",
        "case_officer",
        "asked_of",
        "item",
        "clock_started",
        "deadline_code",
        "due",
        "counted_on",
        "days_late",
        "in_numerator",
        "status",
        "deadline_and_how_late",
    ]
    rows = [
        [
            r.ref,
            r.team,
            r.officer,
            r.asked_of,
            r.item,
            r.started_on.isoformat(),
            f"{r.deadline} {r.advice_kind}" if r.advice_kind and r.deadline else r.deadline,
            r.due_on.isoformat() if r.due_on else None,
            r.counted_on.isoformat(),
            r.days_late,
            None if r.in_numerator is None else ("yes" if r.in_numerator else "no"),
            r.status,
            lateness(r, found.head),
        ]
        for r in found.rows
    ]
    name = f"kpi-{measure}-{found.period.label}{'' if part is Part.ALL else '-' + part.value}.csv"

    def download() -> Response:
        detail = {"measure": measure, "period": found.period.label, "part": part.value}
        return audited_csv(
            svc, actor, table="kpi_cases", filename=name, header=header, rows=rows, detail=detail
        )

    return await run_in_threadpool(download)


@router.get("/performance/kpi/{measure}")
async def kpi_cases_page(
    request: Request,
    measure: str,
    month: str | None = Query(None, max_length=16),
    part: Part = Part.ALL,
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Response:
    found = await _listing(svc, measure, month, part)
    numerator_words, rest_words = PART_WORDS.get(found.head, ("", "All"))
    return render(
        request,
        "manager/kpi_cases.html",
        actor,
        found=found,
        title=measure_title(measure, svc.team_name),
        when=period_words(measure, found.period),
        headings=DATE_HEADINGS[found.head],
        numerator_words=numerator_words,
        rest_words=rest_words,
        asked_of=found.head in ("K5", "K10"),
        item_word="Plan" if found.head.startswith("L") else "Case",
        href_base="/plans/" if found.head.startswith("L") else "/cases/",
        lateness=lambda r: lateness(r, found.head),
        status_words=status_words,
        link=lambda p: cases_link(measure, found.period, p),
        csv_link=cases_link(measure, found.period, part, csv=True),
        parts=Part,
        shown=found.rows[:PAGE_ROWS],
        page_rows=PAGE_ROWS,
        back=f"/performance?month={found.period.label}",
    )
