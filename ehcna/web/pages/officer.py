"""Case officers: start an assessment, their team's open cases, a case's statutory timeline, actions."""

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.commands import REF_PATTERN, Actor
from domain.deadlines import Deadline
from domain.person import CURRENT_SETTING_TYPES, ETHNICITY
from domain.statutory_calendar import Duty
from domain.views import CaseView
from ehcna.web import queries
from ehcna.web.case_actions import ACTIONS, read, send
from ehcna.web.pages import csrf
from ehcna.web.pages.action_forms import ACTION_FORMS, ActionForm
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import FormState, blank, submit_form, with_teams
from ehcna.web.pages.names import advice_step
from ehcna.web.pages.rendering import render
from ehcna.web.pages.tasks import MAIN_STEPS, case_tasks
from ehcna.web.pages.worklist import advice_label
from ehcna.web.plan_actions import plan_recorded
from ehcna.web.security import OFFICERS, case_access, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
ADVICE_SET_HREF: str | None = "/cases/{ref}/advice-set"  # the standard advice set in one form (advice_set.py)
officer = allow(OFFICERS, "case work")
reads_case = case_access(CaseAccess.READ, officer)
acts_on_case = case_access(CaseAccess.ACT, officer)


def _ref(ref: str) -> str:
    """A reference that could exist (it becomes part of a workflow id); anything else is not found."""
    if not REF_PATTERN.match(ref):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {ref}")
    return ref


@router.get("/cases/{ref}")
async def case_page(
    ref: str, request: Request, actor: Actor = Depends(reads_case), svc: Services = Depends(services)
) -> Response:
    view = await read(svc, _ref(ref))
    plan_ref = ref if await run_in_threadpool(plan_recorded, svc, ref) else None
    actions = [f for f in ACTION_FORMS.values() if view.stage in f.stages]
    family = await run_in_threadpool(queries.case_family, svc, ref)
    tasks = case_tasks(
        view, {a.name for a in actions}, ADVICE_SET_HREF.format(ref=ref) if ADVICE_SET_HREF else None
    )
    return render(
        request,
        "officer/case.html",
        actor,
        view=view,
        family=family,
        tasks=tasks,
        other_actions=[a for a in actions if a.name not in MAIN_STEPS],
        advice_label=advice_label,
        ethnicity_names=ETHNICITY,
        setting_types=CURRENT_SETTING_TYPES,
        waiting=waiting_on(view),
        step_title=lambda d: step_title(d, view),
        history=queries.case_history(svc, ref),
        alerts=queries.case_alerts(svc, ref),
        actions=actions,
        appeals=queries.case_appeals(svc, ref),
        # the plan in force the case issued (same reference), once its workflow has recorded it
        plan_ref=plan_ref,
        # a final plan issued with no year group starts no plan by itself: the officer starts it
        plan_to_start=(
            plan_ref is None and view.case.final_plan_issued_on is not None and view.case.year_group is None
        ),
    )


def waiting_on(view: CaseView) -> list[Deadline]:
    """Who holds the case: the statutory deadlines still awaiting their event, soonest first."""
    return [d for d in view.deadlines if d.is_open and d.duty not in (Duty.M14, Duty.T4)]


def step_title(deadline: Deadline, view: CaseView) -> str:
    """A deadline as a step of the timeline: advice named by what it is, not by its code."""
    advice = (
        view.case.advice_by_id(deadline.subject) if deadline.duty is Duty.T2 and deadline.subject else None
    )
    return advice_step(advice.kind) if advice else deadline.title


def _action(name: str) -> ActionForm:
    form = ACTION_FORMS.get(name)
    if form is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such action")
    return form


@router.get("/cases/{ref}/{action}")
async def action_page(
    ref: str,
    action: str,
    request: Request,
    actor: Actor = Depends(acts_on_case),
    svc: Services = Depends(services),
) -> Response:
    spec = _action(action)
    view = await read(svc, _ref(ref))
    fields = with_teams(spec.fields_for(view), svc.teams)
    return _action_page(request, actor, spec, ref, blank(fields))


@router.post("/cases/{ref}/{action}")
async def act(
    ref: str,
    action: str,
    request: Request,
    actor: Actor = Depends(acts_on_case),
    svc: Services = Depends(services),
) -> Response:
    spec = _action(action)
    data = csrf.fields(await csrf.checked_form(request))
    view = await read(svc, _ref(ref))
    return await submit_form(
        request,
        with_teams(spec.fields_for(view), svc.teams),
        data,
        ACTIONS[action],
        given={"by": actor},
        send=lambda command: send(svc, ref, command),
        show=lambda form, code: _action_page(request, actor, spec, ref, form, code),
        done=spec.done,
        then=f"/cases/{ref}",
        refused=(
            status.HTTP_409_CONFLICT,
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            status.HTTP_503_SERVICE_UNAVAILABLE,
        ),
    )


def _action_page(
    request: Request, actor: Actor, spec: ActionForm, ref: str, form: FormState, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title=spec.title,
        caption=f"Case {ref}",
        intro=spec.intro,
        action=f"/cases/{ref}/{spec.name}",
        button=spec.button,
        back=f"/cases/{ref}",
    )
