"""Mediation and tribunal appeals on a case page: recorded after the decision they dispute, open or closed."""

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.appeals import AppealOutcome, Disputed, RecordAppeal, Route
from domain.commands import Actor
from domain.errors import RuleViolation
from ehcna.store import appeals
from ehcna.web import queries
from ehcna.web.pages import csrf
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, blank, submit_form
from ehcna.web.pages.rendering import render
from ehcna.web.security import OFFICERS, case_access, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
acts_on_case = case_access(CaseAccess.ACT, allow(OFFICERS, "case work"))

ROUTE_NAMES = {Route.MEDIATION: "Mediation", Route.TRIBUNAL: "An appeal to the tribunal (SEND)"}
DISPUTED_NAMES = {
    Disputed.REQUEST: "The decision not to carry out an assessment",
    Disputed.ASSESSMENT: "The decision not to issue an EHC plan",
    Disputed.PLAN: "What the issued EHC plan says",
}
OUTCOME_NAMES = {
    AppealOutcome.AGREED: "Mediation: agreement reached",
    AppealOutcome.NOT_AGREED: "Mediation: no agreement",
    AppealOutcome.UPHELD: "Tribunal: appeal upheld, wholly or in part",
    AppealOutcome.DISMISSED: "Tribunal: appeal dismissed",
    AppealOutcome.CONCEDED: "Tribunal: the council conceded",
    AppealOutcome.WITHDRAWN: "Withdrawn by the family",
}
EXAMPLE = "For example, 27 3 2026"

FIELDS = (
    Field(
        "route",
        "What is being recorded?",
        "radios",
        options=tuple((str(k), v) for k, v in ROUTE_NAMES.items()),
        noun="mediation or an appeal",
    ),
    Field(
        "disputes",
        "Which decision is disputed?",
        "radios",
        options=tuple((str(k), v) for k, v in DISPUTED_NAMES.items()),
        noun="the decision disputed",
    ),
    Field(
        "started_on",
        "Date the mediation began or the appeal was registered",
        "date",
        hint=EXAMPLE,
        noun="the date it began",
    ),
    Field(
        "outcome",
        "Outcome, if known (optional)",
        "select",
        options=(("", "Not known yet"), *((str(k), v) for k, v in OUTCOME_NAMES.items())),
    ),
    Field(
        "outcome_on",
        "Date of the outcome (optional)",
        "date",
        hint="With the outcome. " + EXAMPLE,
        noun="the date of the outcome",
    ),
)


@router.get("/cases/{ref}/appeals/new")
def appeal_form(ref: str, request: Request, actor: Actor = Depends(acts_on_case)) -> Response:
    return _page(request, actor, ref, blank(FIELDS))


@router.post("/cases/{ref}/appeals/new")
async def record(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))

    def keep(command: RecordAppeal) -> None:
        try:
            with svc.sessions.begin() as session:
                appeals.record_appeal(session, ref, command, queries.today(), datetime.now(UTC))
        except RuleViolation as err:
            raise HTTPException(
                status.HTTP_409_CONFLICT, {"field": err.field, "reason": err.reason}
            ) from None

    async def send(command: RecordAppeal) -> None:
        await run_in_threadpool(keep, command)

    return await submit_form(
        request,
        FIELDS,
        data,
        RecordAppeal,
        given={"by": actor},
        send=send,
        show=lambda form, code: _page(request, actor, ref, form, code),
        done=lambda c: f"{ROUTE_NAMES[c.route]} recorded",
        then=f"/cases/{ref}",
        refused=(status.HTTP_409_CONFLICT,),
    )


def _page(request: Request, actor: Actor, ref: str, form: FormState, status_code: int = 200) -> HTMLResponse:
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title="Record mediation or an appeal",
        caption=f"Case {ref}",
        intro="Mediation and appeals are recorded after the decision they dispute, even once the case has "
        "closed. They change no deadline; they are reported in the SEN2 return.",
        action=f"/cases/{ref}/appeals/new",
        button="Record",
        back=f"/cases/{ref}",
    )
