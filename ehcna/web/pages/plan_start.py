"""Start the plan in force of a case that issued its final plan but could not start it itself: a case
with no year group (its plan's phase transfers cannot be worked out without one). The officer gives the
year group on the day the plan was issued; the plan starts as the case would have started it."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from domain.clock import london_date
from domain.commands import Actor
from domain.plan_commands import YearGroup
from domain.plan_from_case import NoPlanToStart, plan_of_case
from domain.views import CaseView
from ehcna.gateway.errors import GatewayError, InvalidStart
from ehcna.gateway.plans import PlanAlreadyStarted
from ehcna.web.case_actions import read
from ehcna.web.errors import refused
from ehcna.web.pages import csrf
from ehcna.web.pages.forms import Field, FormState, blank, submit_form
from ehcna.web.pages.officer import acts_on_case
from ehcna.web.pages.rendering import render
from ehcna.web.plan_actions import plan_error, plan_gateway
from ehcna.web.security import services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
PATH = "/cases/{ref}/start-plan"
FIELDS = (
    Field(
        "year_group",
        "National curriculum year on the day the final plan was issued",
        "number",
        hint="For example, 6. Reception is 0 and nursery is -1. It times the plan's phase transfers.",
        width="govuk-input--width-3",
        noun="the year",
    ),
)


class PlanStartForm(BaseModel):
    year_group: YearGroup


async def _case(svc: Services, ref: str) -> CaseView:
    view = await read(svc, ref)
    if view.case.final_plan_issued_on is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case {ref} has issued no final plan")
    return view


@router.get(PATH)
async def plan_start_form(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    await _case(svc, ref)
    return _page(request, actor, ref, blank(FIELDS))


@router.post(PATH)
async def start_plan(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    view = await _case(svc, ref)
    data = csrf.fields(await csrf.checked_form(request))

    async def send(form: PlanStartForm) -> None:
        try:
            cmd = plan_of_case(view.case, year_group_on_start=form.year_group, by=actor)
        except NoPlanToStart as why:
            raise refused("year_group", str(why)) from None
        try:
            await plan_gateway(svc).start(cmd, london_date(datetime.now(UTC)))
        except PlanAlreadyStarted:
            return  # started meanwhile (by hand, or by import): the plan page shows it
        except InvalidStart as err:
            raise refused("year_group", err.reason) from None
        except GatewayError as err:
            raise plan_error(ref, err) from None

    return await submit_form(
        request,
        FIELDS,
        data,
        PlanStartForm,
        send=send,
        show=lambda form, code: _page(request, actor, ref, form, code),
        done="Plan in force started",
        then=f"/plans/{ref}",
        refused=(status.HTTP_409_CONFLICT, status.HTTP_503_SERVICE_UNAVAILABLE),
    )


def _page(request: Request, actor: Actor, ref: str, form: FormState, status_code: int = 200) -> HTMLResponse:
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title="Start the plan in force",
        caption=f"Case {ref}",
        intro=(
            "The final plan was issued, but the case has no year group, so its plan in force could not be "
            "started: its reviews and phase transfers are not being timed."
        ),
        action=PATH.format(ref=ref),
        button="Start the plan in force",
        back=f"/cases/{ref}",
    )
