"""Signing in and out with a username and password; the session cookie carries who signed in."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.clock import LONDON
from domain.commands import Actor
from ehcna.web.accounts import SignInBusy
from ehcna.web.pages import csrf
from ehcna.web.pages.auth import home_of, safe_next, signed_in
from ehcna.web.pages.forms import Field, FormState, blank, parse
from ehcna.web.pages.rendering import render
from ehcna.web.security import client_address, services, sign_in_check, sign_out_everywhere
from ehcna.web.services import Services
from ehcna.web.throttle import Locked

router = APIRouter(include_in_schema=False)

FIELDS = (
    Field(
        "username", "Username", width="govuk-input--width-20", autocomplete="username", noun="your username"
    ),
    Field(
        "password",
        "Password",
        "password",
        width="govuk-input--width-20",
        autocomplete="current-password",
        noun="your password",
    ),
)


def _page(request: Request, form: FormState, next_path: str | None, status_code: int = 200) -> HTMLResponse:
    return render(request, "signin.html", form=form, next_path=next_path or "", status_code=status_code)


@router.get("/sign-in")
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:
    return _page(request, blank(FIELDS), safe_next(next))


@router.post("/sign-in")
async def sign_in(request: Request, svc: Services = Depends(services)) -> Response:
    data = csrf.fields(await csrf.checked_form(request))
    next_path = safe_next(data.get("next"))
    form, answers = parse(FIELDS, data)
    for f in FIELDS:
        if f.name not in answers:
            form.add(f.name, f"Enter {f.named}")
    if form.errors:
        return _page(request, form, next_path, 422)

    username, address = answers["username"][:64], client_address(request)
    try:  # argon2 takes a moment: not on the event loop
        outcome = await run_in_threadpool(sign_in_check, svc, username, answers["password"], address)
    except SignInBusy:
        form.add("username", "The service is busy signing people in: try again in a few seconds")
        return _page(request, form, next_path, 503)
    if isinstance(outcome, Locked):
        at = f"{outcome.until.astimezone(LONDON):%H:%M}"
        form.add("username", f"{outcome.reason[:1].upper()}{outcome.reason[1:]}: try again after {at}")
        return _page(request, form, next_path, 429)
    if outcome is None:
        form.add("username", "The username or password is not right")
        return _page(request, form, next_path, 401)
    request.session.clear()  # a fresh session, so nothing from before signing in carries over
    request.session["user"], request.session["v"] = outcome.user, outcome.version
    csrf.renew(request)
    return RedirectResponse(next_path or home_of(outcome.actor), status_code=303)


@router.post("/sign-out")
async def sign_out(
    request: Request, actor: Actor = Depends(signed_in), svc: Services = Depends(services)
) -> Response:
    await csrf.checked_form(request)
    await run_in_threadpool(sign_out_everywhere, svc, actor.user)  # a copy of the cookie ends too
    request.session.clear()
    csrf.renew(request)
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/")
def home(actor: Actor = Depends(signed_in)) -> Response:
    return RedirectResponse(home_of(actor), status_code=303)
