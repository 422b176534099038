"""Request the standard advice set in one step: each kind reg 6(1) requires for this child, each with
its team preselected from the directory and changeable; one request (and one clock) per ticked kind.

A submission carries its own id: each request is sent with the idempotency key "<id>:<kind>", so a
form sent twice (a double click, a retry after a time-out) never asks a team twice. If some kinds
are refused, the page says which were sent and why the others were not.
"""

from dataclasses import dataclass
from datetime import date
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from domain.access import CaseAccess
from domain.assessment import required_advice
from domain.case import AdviceKind, AdviceStatus
from domain.commands import Actor, RequestAdvice
from domain.views import CaseView
from ehcna.web.case_actions import read, send
from ehcna.web.pages import csrf
from ehcna.web.pages.action_forms import ADVICE_FROM, EXAMPLE_DATE
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import FormError, date_from_parts
from ehcna.web.pages.names import ADVICE_NAMES
from ehcna.web.pages.rendering import flash, render
from ehcna.web.security import OFFICERS, case_access, services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
acts_on_case = case_access(CaseAccess.ACT, allow(OFFICERS, "case work"))
PATH = "/cases/{ref}/advice-set"
DATE_ANCHOR = "#requested_on-day"


@dataclass
class Line:
    kind: str
    name: str
    hint: str
    team: str
    asked: bool  # ticked
    already: bool  # a request of this kind is already live on the case


def _lines(view: CaseView, svc: Services, data: dict[str, str] | None) -> list[Line]:
    live = {a.kind for a in view.case.advice if a.status is AdviceStatus.REQUESTED}
    out = []
    for kind in required_advice(view.case):
        k = str(kind)
        default = svc.default_team(k) or ""
        team = data.get(f"team_{k}", default) if data is not None else default
        asked = data.get(f"ask_{k}") == "true" if data is not None else k not in live
        out.append(Line(k, ADVICE_NAMES[kind], ADVICE_FROM[kind], team, asked, k in live))
    return out


def _page(
    request: Request,
    actor: Actor,
    ref: str,
    lines: list[Line],
    svc: Services,
    values: dict[str, str],
    errors: list[FormError],
    code: int = 200,
) -> HTMLResponse:
    teams = sorted(((t, i.name) for t, i in svc.teams.items() if not i.casework), key=lambda p: p[1])
    return render(
        request,
        "officer/advice_set.html",
        actor,
        code,
        ref=ref,
        lines=lines,
        teams=teams,
        values=values,
        errors=errors,
        error_for=lambda name: next((e.text for e in errors if e.field == name), None),
        submission=values.get("submission") or uuid4().hex,
        example=EXAMPLE_DATE,
    )


@router.get(PATH)
async def advice_set_form(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    view = await read(svc, ref)
    return _page(request, actor, ref, _lines(view, svc, None), svc, {}, [])


@router.post(PATH)
async def request_advice_set(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))
    view = await read(svc, ref)
    lines = _lines(view, svc, data)
    errors: list[FormError] = []
    parts = {p: data.get(f"requested_on-{p}", "").strip() for p in ("day", "month", "year")}
    requested_on: date | None = None
    if not any(parts.values()):
        errors.append(
            FormError("requested_on", "Enter the date the advice was requested", "#requested_on-day")
        )
    else:
        requested_on, problem = date_from_parts(parts)
        if problem:
            errors.append(
                FormError("requested_on", f"The date the advice was requested {problem}", "#requested_on-day")
            )
    chosen = [line for line in lines if line.asked]
    if not chosen:
        errors.append(FormError("ask", "Select the advice to request", f"#ask_{lines[0].kind}"))
    if errors or requested_on is None:
        return _page(request, actor, ref, lines, svc, data, errors, 422)
    submission = data.get("submission") or uuid4().hex
    sent: list[str] = []
    for line in chosen:
        command = RequestAdvice(
            advice_kind=AdviceKind(line.kind), provider_team=line.team, requested_on=requested_on, by=actor
        )
        try:
            await send(svc, ref, command, f"advice-set:{submission}:{line.kind}")
            sent.append(line.name)
        except HTTPException as err:
            if err.status_code >= 500 and err.status_code != 503:
                raise
            reason = err.detail.get("reason") if isinstance(err.detail, dict) else str(err.detail)
            errors.append(
                FormError(
                    f"team_{line.kind}", f"{line.name} was not requested: {reason}", f"#team_{line.kind}"
                )
            )
    if errors:
        for line in lines:  # what was sent is not offered again
            if line.name in sent:
                line.asked, line.already = False, True
        if sent:
            errors.insert(
                0,
                FormError(
                    "ask", f"Requested: {', '.join(sent)}. The others were not:", f"#ask_{lines[0].kind}"
                ),
            )
        # the same submission: a kind that timed out (and may yet be applied) is sent again with its
        # own key, so it joins the first; a kind sent is offered unticked, and ticked again joins too
        return _page(request, actor, ref, lines, svc, data, errors, 409)
    flash(request, f"Advice requested: {', '.join(sent)}")
    return RedirectResponse(f"/cases/{ref}", status_code=303)
