"""Find a child: by surname (its start), UPN, NHS number or date of birth, open and closed cases alike.

The worklist searches open cases; this page finds a child whatever became of their cases, so an
officer can see the record before starting another case for them.
"""

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor
from ehcna.store.people import Found, search_people
from ehcna.web.pages.auth import allow
from ehcna.web.pages.rendering import render
from ehcna.web.security import OFFICERS, services
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
    found: list[Found] = []
    if q is not None and len(text) < MIN_SEARCH:
        error = f"Enter at least {MIN_SEARCH} letters of the surname, or a UPN, NHS number or date of birth"
    elif text:

        def search() -> list[Found]:
            with svc.sessions() as session:
                return search_people(session, text)

        found = await run_in_threadpool(search)
    return render(
        request, "officer/children.html", actor, 422 if error else 200, q=text, found=found, error=error
    )
