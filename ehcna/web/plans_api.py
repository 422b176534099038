"""The JSON API of plans in force: a plan with its review timeline, and one route per step.

Who may: the officers of the plan's team (managers and the head of service as for cases), and the setting
that convenes its reviews for its own steps; anyone else 403, audited. A step a rule refuses is 409 with
the rule and the date; input that is not a step's shape is 422 with the field and the reason.
"""

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.commands import Actor
from domain.plan_views import PlanView
from ehcna.web.case_actions import IDEMPOTENCY_DOC, IdempotencyKey, body_model
from ehcna.web.pages.reviews import reviews_for
from ehcna.web.plan_actions import (
    PLAN_STEPS,
    TimelineStep,
    past_timeline,
    plan_access,
    send_step,
    timeline,
    warnings_in_words,
)
from ehcna.web.security import OFFICERS, PROVIDERS, current_actor, require, services
from ehcna.web.services import Services

router = APIRouter(prefix="/api", tags=["plans"])
plan_people = require(OFFICERS | PROVIDERS, "plans in force", current_actor)
reads_plan = plan_access(CaseAccess.READ, plan_people)


class PlanDetail(BaseModel):
    plan: PlanView
    timeline: list[TimelineStep]  # each time limit with its date and status in words
    last_review: list[TimelineStep]  # the latest completed review's (and amended plan's), as they were met
    warnings: list[str]  # the setting's steps late or missed (R2-R4), in words: warned of, never refused


def detail(view: PlanView) -> PlanDetail:
    return PlanDetail(
        plan=view, timeline=timeline(view), last_review=past_timeline(view), warnings=warnings_in_words(view)
    )


@router.get("/plans/{ref}", response_model=PlanDetail)
async def get_plan(ref: str, view: PlanView = Depends(reads_plan)) -> Any:
    """The plan as it stands today: its deadlines (R1-R10), the review under way and any warnings."""
    return detail(view)


REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "not the plan's team nor, for its own steps, its setting (audited)"},
    409: {"description": "refused by a statutory or engine rule: field and reason, naming the date"},
    422: {"description": "input that is not the step's: field and reason"},
    503: {"description": "not answered in time: field, reason and Retry-After"},
}


def _register(name: str, command: type[BaseModel]) -> None:
    Body = body_model(command, name=f"Plan{command.__name__}Body")
    acts_on_plan = plan_access(CaseAccess.ACT, plan_people, name)

    async def act(
        ref: str,
        body: Body,  # type: ignore[valid-type]  # a model made at run time from the command
        view: PlanView = Depends(acts_on_plan),
        actor: Actor = Depends(plan_people),
        svc: Services = Depends(services),
        idempotency_key: IdempotencyKey = None,
    ) -> PlanDetail:
        values = body.model_dump()  # type: ignore[attr-defined]  # as above
        cmd = command(**values, by=actor)
        return detail(await send_step(svc, ref, cmd, idempotency_key))  # type: ignore[arg-type]

    summary = name.replace("-", " ").capitalize()
    router.add_api_route(
        f"/plans/{{ref}}/{name}",
        act,
        methods=["POST"],
        response_model=PlanDetail,
        name=f"plan_{name.replace('-', '_')}",
        summary=summary,
        description=(
            f"{summary} on the plan: refused with 409 and the rule's reason if a rule forbids it.\n\n"
            f"{IDEMPOTENCY_DOC}"
        ),
        responses=REFUSED,
    )


for _name, _command in PLAN_STEPS.items():
    _register(_name, _command)


class ReviewOut(BaseModel):
    ref: str
    team: str
    setting_team: str | None
    review_due: date  # the R1 (or R10) date
    meeting_on: date | None  # the meeting arranged, if it is
    days_late: int  # 0 when not yet late


@router.get("/reviews", response_model=list[ReviewOut])
async def reviews(
    request: Request, actor: Actor = Depends(plan_people), svc: Services = Depends(services)
) -> Any:
    """The annual reviews still to be held, the most overdue first, then the next due: a case officer's
    team's plans (every team's for a manager), or the plans whose reviews a setting convenes."""
    _, items = await run_in_threadpool(reviews_for, svc, request, actor)
    return [
        ReviewOut(
            ref=i.ref,
            team=i.team,
            setting_team=i.setting_team,
            review_due=i.review_due,
            meeting_on=i.meeting_on,
            days_late=i.days_late,
        )
        for i in items
    ]
