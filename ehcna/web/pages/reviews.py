"""Annual reviews owed: the officer's worklist of reviews (their team's; every team's for a manager), the
most overdue first by days late, then the next due; and the reviews a setting must convene, in its inbox."""

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from domain.commands import Actor
from ehcna.store.plan_worklist import ReviewItem, overdue_count, reviews_owed, reviews_to_convene
from ehcna.web.pages.auth import allow
from ehcna.web.pages.rendering import render
from ehcna.web.queries import today
from ehcna.web.security import OFFICERS, PROVIDERS, listed_team, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
officer = allow(OFFICERS, "case work")


def team_reviews(svc: Services, team: str | None, on: date) -> list[ReviewItem]:
    """The reviews owed on ``team``'s plans (None: every team's), most overdue first."""
    with svc.sessions() as session:
        return reviews_owed(session, on, (team,) if team else None)


def setting_reviews(svc: Services, setting_team: str, on: date) -> list[ReviewItem]:
    with svc.sessions() as session:
        return reviews_to_convene(session, setting_team, on)


def overdue_reviews_of(svc: Services, team: str | None, on: date) -> int:
    with svc.sessions() as session:
        return overdue_count(session, on, (team,) if team else None)


def reviews_for(svc: Services, request: Request, actor: Actor) -> tuple[str | None, list[ReviewItem]]:
    """The reviews ``actor`` works on: a setting's to convene, else its team's (a manager: every team's)."""
    own = listed_team(svc, request, actor)
    if actor.role in PROVIDERS:
        assert own is not None  # listed_team refuses a provider with no team
        return own, setting_reviews(svc, own, today())
    return own, team_reviews(svc, own, today())


@router.get("/reviews")
async def reviews_page(
    request: Request, actor: Actor = Depends(officer), svc: Services = Depends(services)
) -> Response:
    team, items = await run_in_threadpool(reviews_for, svc, request, actor)
    return render(request, "officer/reviews.html", actor, team=team, reviews=items, today=today())
