"""Find a child: by surname (its start), UPN, NHS number or date of birth, open and closed cases alike.

The worklist searches open cases; this page finds a child whatever became of their cases, so an
officer can see the record before starting another case for them.
"""

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor, Role
from ehcna.store.children import Search, search_children
from ehcna.web.pages.auth import allow
from ehcna.web.pages.rendering import render
from ehcna.web.query_text import query_text_error
from ehcna.web.security import OFFICERS, listed_team, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
officer = allow(OFFICERS, "case work")

MIN_SEARCH = 2  # a single letter would list half the county


@router.get("/children")
async def find_child(
    request: Request,
    q: str | None = Query(None, max_length=100),
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Response:
    text = (q or "").strip()
    error = None
    result = Search([])
    problem = query_text_error("Search", q)
    if problem is not None:
        error = problem
    elif q is not None and len(text) < MIN_SEARCH:
        error = f"Enter at least {MIN_SEARCH} letters of the surname, or a UPN, NHS number or date of birth"
    elif text:
        # a case officer finds the children on their team's cases; managers and the head of service, all
        own = await run_in_threadpool(listed_team, svc, request, actor)
        teams = (own,) if own is not None and actor.role is Role.CASE_OFFICER else None

        def search() -> Search:
            with svc.sessions() as session:
                return search_children(session, text, teams)

        result = await run_in_threadpool(search)
    return render(
        request,
        "officer/children.html",
        actor,
        422 if error else 200,
        q=text,
        found=result.found,
        elsewhere=result.elsewhere,
        error=error,
    )
