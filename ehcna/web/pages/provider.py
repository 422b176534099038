"""Advice providers: their team's inbox, and a task page to submit advice or record a reg 8(2) exception."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from domain.case import AdviceStatus
from domain.commands import Actor
from ehcna.store.models import AdviceRow
from ehcna.web import queries
from ehcna.web.case_actions import ACTIONS, send
from ehcna.web.pages import csrf
from ehcna.web.pages.action_forms import ADVICE_EXCEPTION, SUBMIT_ADVICE
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, blank, submit_form
from ehcna.web.pages.names import advice_request
from ehcna.web.pages.rendering import render
from ehcna.web.pages.reviews import setting_reviews
from ehcna.web.security import OFFICERS, PROVIDERS, advice_request_for, listed_team, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
# Case officers may act for a provider (advice that came by post), as the API allows.
provider = allow(PROVIDERS | OFFICERS, "advice requests")


@router.get("/inbox")
def inbox(request: Request, actor: Actor = Depends(provider), svc: Services = Depends(services)) -> Response:
    """Advice awaited from the provider's team (every team's, for a case officer), soonest due first."""
    own = listed_team(svc, request, actor)
    team, case_team = (own, None) if actor.role in PROVIDERS else (None, own)
    tasks = queries.advice_tasks(svc, team, case_team=case_team)
    children = queries.children_of_requests(svc, {t.case_ref for t in tasks})
    # a setting (a school) convenes the annual reviews of the plans it is named on
    reviews = setting_reviews(svc, team, queries.today()) if team is not None else []
    info = svc.teams.get(team) if team is not None else None
    return render(
        request,
        "provider/inbox.html",
        actor,
        tasks=tasks,
        team=team,
        children=children,
        reviews=reviews,
        is_setting=bool(reviews) or (info is not None and info.setting),
        today=queries.today(),
    )


def _own_task(svc: Services, request: Request, actor: Actor, ref: str, advice_id: str) -> AdviceRow:
    row = advice_request_for(svc, request, actor, ref, advice_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no advice request {advice_id} on case {ref}")
    return row


TaskPage = Callable[[Request, Actor, AdviceRow, FormState, int], HTMLResponse]


@dataclass(frozen=True)
class TaskForm:
    """A provider's form on one advice request: its address, fields, case action and pages."""

    suffix: str  # after /tasks/{ref}/{advice_id}
    fields: tuple[Field, ...]
    action: str  # of ehcna.web.case_actions.ACTIONS
    page: TaskPage
    done: str  # the success message; {ref} and {advice} (the request in words) filled in
    then: str  # where to go next, likewise


def _register(form: TaskForm) -> None:
    path = f"/tasks/{{ref}}/{{advice_id}}{form.suffix}"

    def show(
        ref: str,
        advice_id: str,
        request: Request,
        actor: Actor = Depends(provider),
        svc: Services = Depends(services),
    ) -> Response:
        task = _own_task(svc, request, actor, ref, advice_id)
        return form.page(request, actor, task, blank(form.fields), 200)

    async def submit(
        ref: str,
        advice_id: str,
        request: Request,
        actor: Actor = Depends(provider),
        svc: Services = Depends(services),
    ) -> Response:
        data = csrf.fields(await csrf.checked_form(request))
        task = _own_task(svc, request, actor, ref, advice_id)
        return await submit_form(
            request,
            form.fields,
            data,
            ACTIONS[form.action],
            given={"advice_id": advice_id, "by": actor},
            send=lambda command: send(svc, ref, command),
            show=lambda state, code: form.page(request, actor, task, state, code),
            done=form.done.format(ref=ref, advice=advice_request(advice_id)),
            then=form.then.format(ref=ref, advice_id=advice_id),
        )

    router.add_api_route(path, show, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(path, submit, methods=["POST"], response_class=HTMLResponse)


def _task_page(
    request: Request, actor: Actor, task: AdviceRow, form: FormState, status_code: int = 200
) -> HTMLResponse:
    svc: Services = request.app.state.services
    return render(
        request,
        "provider/task.html",
        actor,
        status_code,
        task=task,
        child=queries.children_of_requests(svc, {task.case_ref}).get(task.case_ref),
        open=task.status == str(AdviceStatus.REQUESTED),
        days_left=(task.due_on - queries.today()).days if task.due_on else None,
        form=form,
    )


def _exception_page(
    request: Request, actor: Actor, task: AdviceRow, form: FormState, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title="Record a reg 8(2) exception",
        caption=f"Case {task.case_ref}, {advice_request(task.advice_id).lower()}",
        intro="Your team still has to provide the advice as soon as it can. With an exception recorded, "
        "late advice does not count against your team's 6-week measure.",
        action=f"/tasks/{task.case_ref}/{task.advice_id}/exception",
        button="Record exception",
        back=f"/tasks/{task.case_ref}/{task.advice_id}",
    )


for _form in (
    TaskForm(
        "",
        SUBMIT_ADVICE,
        "submit-advice",
        _task_page,
        done="{advice} submitted for case {ref}",
        then="/inbox",
    ),
    TaskForm(
        "/exception",
        ADVICE_EXCEPTION,
        "record-exception",
        _exception_page,
        done="Exception recorded on the {advice} for case {ref}",
        then="/tasks/{ref}/{advice_id}",
    ),
):
    _register(_form)
