"""The worklist: an officer's open cases, most urgent first, each naming its next step in words.

"My cases" is the officer's own; "Team cases" the team's; a manager's view is the same page with
every team. Filters, search, sort and page are query parameters, so a view can be shared as a link;
the same view downloads as CSV (audited: it carries children's names).
"""

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.case import Stage
from domain.commands import Actor, Role
from domain.statutory_calendar import representations_window_end
from domain.words import advice_in_words
from ehcna.store.worklist import Filters, Sort, WorkItem, WorkPage, open_teams, worklist
from ehcna.web import queries
from ehcna.web.pages.auth import allow
from ehcna.web.pages.downloads import audited_csv
from ehcna.web.pages.names import ADVICE_NAMES, STAGE_NAMES
from ehcna.web.pages.outlook import risks  # the outlook's chances, for the sort by risk
from ehcna.web.pages.rendering import long_date, render
from ehcna.web.pages.reviews import overdue_reviews_of
from ehcna.web.query_text import check_query_text, query_text_problems
from ehcna.web.security import OFFICERS, forbid, listed_team, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
officer = allow(OFFICERS, "case work")

CSV_LIMIT = 20_000  # one download: more than any council's open caseload


class View(StrEnum):
    MINE = "mine"
    TEAM = "team"


# the next step of a case, by its deadline's code, as the person holding the case would say it
STEP_WORDS = {
    "T1": "Decide whether to assess",
    "T3": "Decide whether to issue a plan",
    "T6": "Issue the final plan",
}


@dataclass(frozen=True)
class Step:
    text: str  # "Decide whether to assess: 3 days late"
    late_days: int  # 0 when not late
    due_in: int | None  # days to the deadline, None when late or no deadline


def step_of(item: WorkItem, today: date) -> Step:
    """The case's next step and its deadline in words."""
    if item.next_key is None or item.next_due is None:
        return Step("No statutory deadline waiting", 0, None)
    duty, _, advice_id = item.next_key.partition(":")
    if duty == "T2":
        kind = advice_id.rsplit("-", 1)[0]
        what = f"{ADVICE_NAMES.get(kind, 'Advice')} from the provider"
    else:
        what = STEP_WORDS.get(duty, "Next statutory step")
    days = (item.next_due - today).days
    if days < 0:
        late = -days
        return Step(f"{what}: {late} day{'s' if late != 1 else ''} late", late, None)
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return Step(f"{what} by {long_date(item.next_due)} ({when})", 0, days)


def advice_label(advice_id: str) -> str:
    """An advice request by what it is: "Medical advice", "Medical advice (request 2)"."""
    return advice_in_words(advice_id)


def family_window(item: WorkItem, today: date) -> str | None:
    """While the family has the draft plan: when their comments are due."""
    if item.draft_served_on is None or item.family_response_on is not None:
        return None
    end = representations_window_end(item.draft_served_on)
    return f"Family's comments due by {long_date(end)}" if end >= today else None


@dataclass(frozen=True)
class WorkQuery:
    """A worklist view as its link gives it: the same parameters for the page, the CSV and the API."""

    view: View | None
    team: str | None
    officer: str | None
    stage: Stage | None
    late: bool
    due: int | None
    excepted: bool
    unassigned: bool
    q: str | None
    sort: Sort
    page: int

    def params(self, view: View | None, search: str | None) -> dict[str, object]:
        """The link's parameters for the view as shown (``view`` as resolved for the actor)."""
        return {
            "view": view.value if view else None,
            "team": self.team if view is None else None,
            "officer": self.officer if view is not View.MINE else None,
            "stage": self.stage.value if self.stage else None,
            "late": self.late,
            "due": self.due,
            "excepted": self.excepted,
            "unassigned": self.unassigned,
            "q": search,
            "sort": self.sort.value if self.sort is not Sort.URGENCY else None,
        }

    def texts(self) -> dict[str, str | None]:
        """The free-text parameters, by name: checked before they reach the store (ehcna.web.query_text)."""
        return {"team": self.team, "officer": self.officer, "q": self.q}


def work_query(
    view: View | None = None,
    team: str | None = Query(None, max_length=64),
    officer_name: str | None = Query(None, alias="officer", max_length=64),
    stage: Stage | None = None,
    late: bool = False,
    due: int | None = Query(None, ge=0, le=400),
    excepted: bool = False,
    unassigned: bool = False,
    q: str | None = Query(None, max_length=100),
    sort: Sort = Sort.URGENCY,
    page: int = Query(1, ge=1, le=100_000),
) -> WorkQuery:
    return WorkQuery(view, team, officer_name, stage, late, due, excepted, unassigned, q, sort, page)


OWN_TEAM_ONLY = "you can list only your own team's cases"


def _filters(actor: Actor, own_team: str | None, query: WorkQuery) -> tuple[View | None, Filters]:
    view = query.view
    if own_team is not None:  # a case officer: their team only; their own cases unless asked
        if query.team not in (None, "", own_team):
            raise PermissionError(OWN_TEAM_ONLY)
        view = view or (View.MINE if actor.role is Role.CASE_OFFICER else View.TEAM)
        teams: tuple[str, ...] | None = (own_team,)
    else:
        teams = (query.team,) if query.team else None
    mine = view is View.MINE
    q = query.q
    return view, Filters(
        officer=actor.user if mine else (query.officer or None),
        teams=teams,
        stage=str(query.stage) if query.stage else None,
        late=query.late,
        due_within_days=query.due,
        excepted=query.excepted,
        unassigned=query.unassigned and not mine,
        search=q.strip() if q and q.strip() else None,
        sort=query.sort,
        page=query.page,
    )


async def worklist_page(
    request: Request, svc: Services, actor: Actor, query: WorkQuery, size: int | None = None
) -> tuple[View | None, Filters, WorkPage, date]:
    """The view ``query`` asks for, as ``actor`` may see it (``size``: every row, one page); a text
    parameter that cannot be looked up is refused (422, the parameter and the reason)."""
    check_query_text(**query.texts())
    own = await run_in_threadpool(listed_team, svc, request, actor)
    try:
        view, filters = _filters(actor, own, query)
    except PermissionError as err:
        await run_in_threadpool(forbid, svc, request, actor, str(err))
    if size is not None:
        filters = replace(filters, page=1, page_size=size)
    if filters.sort is Sort.RISK:
        filters = replace(filters, risk=await run_in_threadpool(risks, svc))
    today = queries.today()

    def read() -> WorkPage:
        with svc.sessions() as session:
            return worklist(session, filters, today)

    return view, filters, await run_in_threadpool(read), today


def _query(**params: object) -> str:
    """The view's link: only the parameters that differ from the defaults."""
    kept = {k: ("true" if v is True else v) for k, v in params.items() if v not in (None, "", False)}
    return urlencode(kept)


BOX_NAMES = {"q": "Search", "officer": "Case officer", "team": "Team"}  # as the filter form labels them


@router.get("/cases")
async def cases_page(
    request: Request,
    query: WorkQuery = Depends(work_query),
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Response:
    # a box that cannot be looked up is named in the error summary; the list shows as if it were empty
    problems = query_text_problems(**query.texts())
    errors = {name: f"{BOX_NAMES[name]} {reason}" for name, reason in problems.items()}
    query = replace(
        query,
        team=None if "team" in problems else query.team,
        officer=None if "officer" in problems else query.officer,
        q=None if "q" in problems else query.q,
    )
    view, filters, work, today = await worklist_page(request, svc, actor, query)
    params = query.params(view, filters.search)
    # the annual reviews overdue on the team's plans (every team's for a manager): listed on /reviews
    own = actor.team if view is not None else None
    reviews_overdue = await run_in_threadpool(overdue_reviews_of, svc, own, today)
    heading = "My cases" if view is View.MINE else "Team cases" if view is View.TEAM else "Open cases"
    stages = [s for s in Stage if s is not Stage.CLOSED]
    return render(
        request,
        "officer/cases.html",
        actor,
        422 if problems else 200,
        heading=heading,
        view=view,
        work=work,
        today=today,
        step_of=step_of,
        advice_label=advice_label,
        family_window=family_window,
        filters=filters,
        params=params,
        link=lambda **changes: "/cases?" + _query(**{**params, **changes}),
        csv_link="/cases.csv?" + _query(**params),
        stages=[(s.value, STAGE_NAMES[s]) for s in stages],
        sorts=[(s.value, SORT_NAMES[s]) for s in Sort],
        teams=_teams(svc, actor),
        team=query.team,
        errors=errors,
        error_list=[{"href": f"#{name}", "text": text} for name, text in errors.items()],
        reviews_overdue=reviews_overdue,
    )


SORT_NAMES = {
    Sort.URGENCY: "Most urgent first",
    Sort.REF: "Case reference",
    Sort.RECEIVED: "Oldest request first",
    Sort.OFFICER: "Case officer",
    Sort.NAME: "Child's surname",
    Sort.RISK: "Most likely to pass 20 weeks",
}


def _teams(svc: Services, actor: Actor) -> list[tuple[str, str]]:
    """The teams a manager can filter by: those with open cases, by name."""
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        return []
    with svc.sessions() as session:
        ids = open_teams(session)
    return sorted(((t, svc.team_name(t)) for t in ids), key=lambda pair: pair[1])


@router.get("/cases.csv")
async def cases_csv(
    request: Request,
    query: WorkQuery = Depends(work_query),
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Response:
    """The same view, every row, as CSV; the download is audited (it names children)."""
    view, _, work, today = await worklist_page(request, svc, actor, query, size=CSV_LIMIT)
    header = [
        "case_ref",
        "team",
        "case_officer",
        "child",
        "date_of_birth",
        "stage",
        "request_received",
        "next_step",
        "next_deadline_code",
        "next_deadline",
        "days_late",
        "week20_exception",
    ]
    rows = []
    for item in work.items:
        step = step_of(item, today)
        rows.append(
            [
                item.ref,
                item.team,
                item.officer,
                f"{item.forename} {item.surname}" if item.surname else None,
                item.birth_date.isoformat() if item.birth_date else None,
                item.stage,
                item.day0.isoformat(),
                step.text,
                item.next_key,
                item.next_due.isoformat() if item.next_due else None,
                step.late_days,
                "yes" if item.week20_exception else "no",
            ]
        )
    # what was asked, not the search text: it may be a child's name
    detail = {"view": view.value if view else None, "searched": bool(query.q)}
    return await run_in_threadpool(
        audited_csv,
        svc,
        actor,
        table="worklist",
        filename=f"cases-{today.isoformat()}.csv",
        header=header,
        rows=rows,
        detail=detail,
    )
