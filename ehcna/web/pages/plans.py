"""A plan in force: its review timeline and the steps it allows now, each a GOV.UK form.

Read by the officers of the plan's team (managers and the head of service as for cases) and by the
setting that convenes its reviews, which records its own steps (ehcna.web.plan_actions).
"""

from dataclasses import replace

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from domain.access import CaseAccess
from domain.commands import Actor
from domain.deadlines import DeadlineStatus
from domain.plan import PlanStatus
from domain.plan_deadlines import completed_review_deadlines, current_transfer
from domain.plan_views import PlanView
from ehcna.web.pages import csrf
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import FormState, blank, submit_form
from ehcna.web.pages.plan_forms import CEASE_REASONS, OUTCOMES, PLAN_FORMS, PlanForm
from ehcna.web.pages.rendering import render
from ehcna.web.plan_actions import (
    PLAN_STEPS,
    STATUS_WORDS,
    plan_access,
    send_step,
    steps_for,
    warnings_in_words,
)
from ehcna.web.security import OFFICERS, PROVIDERS, services
from ehcna.web.services import Services
from ehcna.web.teams import setting_teams

router = APIRouter(include_in_schema=False)
plan_people = allow(OFFICERS | PROVIDERS, "plans in force")
reads_plan = plan_access(CaseAccess.READ, plan_people)
acts_on_plan = plan_access(CaseAccess.ACT, plan_people)

# a plan's deadline as a GOV.UK tag, in the API's words (the setting's steps, R2-R4, only warn)
TAG_COLOURS: dict[DeadlineStatus, str] = {
    DeadlineStatus.DUE: "govuk-tag--blue",
    DeadlineStatus.AT_RISK: "govuk-tag--orange",
    DeadlineStatus.BREACHED: "govuk-tag--red",
    DeadlineStatus.MISSED: "govuk-tag--yellow",
    DeadlineStatus.MET: "govuk-tag--green",
    DeadlineStatus.MET_LATE: "govuk-tag--pink",
    DeadlineStatus.NOT_APPLICABLE: "govuk-tag--grey",
}
PLAN_TAGS = {status: (STATUS_WORDS[status], colour) for status, colour in TAG_COLOURS.items()}
STATUS_TAGS: dict[PlanStatus, tuple[str, str]] = {
    PlanStatus.IN_FORCE: ("In force", "govuk-tag--green"),
    PlanStatus.CEASING: ("Decision to cease", "govuk-tag--orange"),
    PlanStatus.CEASED: ("Ceased", "govuk-tag--grey"),
    PlanStatus.TRANSFERRED_OUT: ("Transferred to another council", "govuk-tag--grey"),
}


@router.get("/plans/{ref}")
async def plan_page(
    ref: str,
    request: Request,
    view: PlanView = Depends(reads_plan),
    actor: Actor = Depends(plan_people),
    svc: Services = Depends(services),
) -> Response:
    steps = [PLAN_FORMS[s] for s in steps_for(actor, view, svc)]
    return render(
        request,
        "officer/plan.html",
        actor,
        view=view,
        plan=view.plan,
        steps=steps,
        transfer=current_transfer(view.plan, view.as_of),
        warnings=warnings_in_words(view),
        past=completed_review_deadlines(view.plan, view.as_of),
        plan_tags=PLAN_TAGS,
        status_tags=STATUS_TAGS,
        cease_reasons=CEASE_REASONS,
        outcomes=OUTCOMES,
        back="/inbox" if actor.role in PROVIDERS else "/cases",
    )


def _form(step: str, svc: Services) -> PlanForm:
    form = PLAN_FORMS.get(step)
    if form is None or step not in PLAN_STEPS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such step")
    # the directory's settings by name; the route checks the value (a team not offered is refused, audited)
    settings = tuple(sorted(((t, svc.team_name(t)) for t in setting_teams(svc)), key=lambda pair: pair[1]))
    fields = tuple(
        replace(f, options=settings, checked_by_route=True) if f.name == "setting_team" else f
        for f in form.fields
    )
    return replace(form, fields=fields)


@router.get("/plans/{ref}/{step}")
async def step_page(
    ref: str,
    step: str,
    request: Request,
    view: PlanView = Depends(acts_on_plan),
    actor: Actor = Depends(plan_people),
    svc: Services = Depends(services),
) -> Response:
    spec = _form(step, svc)
    return _step_page(request, actor, spec, view.plan.ref, blank(spec.fields))


@router.post("/plans/{ref}/{step}")
async def take_step(
    ref: str,
    step: str,
    request: Request,
    view: PlanView = Depends(acts_on_plan),
    actor: Actor = Depends(plan_people),
    svc: Services = Depends(services),
) -> Response:
    spec = _form(step, svc)
    data = csrf.fields(await csrf.checked_form(request))
    return await submit_form(
        request,
        spec.fields,
        data,
        PLAN_STEPS[step],
        given={"by": actor},
        send=lambda command: send_step(svc, ref, command),  # type: ignore[arg-type]
        show=lambda form, code: _step_page(request, actor, spec, ref, form, code),
        done=spec.done,
        then=f"/plans/{ref}",
        refused=(
            status.HTTP_409_CONFLICT,
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            status.HTTP_503_SERVICE_UNAVAILABLE,
        ),
    )


def _step_page(
    request: Request, actor: Actor, spec: PlanForm, ref: str, form: FormState, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title=spec.title,
        caption=f"EHC plan {ref}",
        intro=spec.intro,
        action=f"/plans/{ref}/{spec.name}",
        button=spec.button,
        back=f"/plans/{ref}",
    )
