"""The web pages: server-rendered with GOV.UK Frontend, one router per kind of user.

``register(app)`` adds the pages, the static files and the HTML error pages
to the app that already serves the JSON API. Every page needs a signed-in
person except /sign-in and /static; the API under /api keeps its JSON errors.
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.commands import Actor
from ehcna.web.pages import (
    admin,
    advice_set,
    appeals,
    children,
    family,
    manager,
    officer,
    outlook,
    plan_start,
    plans,
    provider,
    reviews,
    signin,
    start,
    worklist,
)
from ehcna.web.pages.auth import SignInRequired, sign_in_url
from ehcna.web.pages.rendering import render
from ehcna.web.security import current_actor

STATIC = Path(__file__).resolve().parent.parent / "static"

ERROR_TITLES = {
    403: "You cannot see this page",
    404: "Page not found",
    405: "This page cannot do that",
}


def register(app: FastAPI) -> None:
    """Add the pages to ``app`` (once: a second call does nothing)."""
    if getattr(app.state, "pages_registered", False):
        return
    app.state.pages_registered = True
    for module in (
        signin,
        appeals,
        advice_set,
        family,
        worklist,
        start,
        children,
        plan_start,
        officer,
        plans,
        reviews,
        provider,
        manager,
        outlook,
        admin,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(StarletteHTTPException, _error_page)


async def _to_sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(sign_in_url(exc.next_path), status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    """An HTML page for the pages; the API's own JSON answer for /api and anything not HTML."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(("/api", "/static", "/codec")):  # programs get JSON
        return await http_exception_handler(request, exc)
    title = ERROR_TITLES.get(exc.status_code, "Sorry, there is a problem with the service")
    detail = exc.detail if isinstance(exc.detail, str) else None
    return render(request, "error.html", _signed_in(request), exc.status_code, title=title, detail=detail)


def _signed_in(request: Request) -> Actor | None:
    """Who is signed in, if anyone, so an error page keeps their menu (a program's token is not
    looked at again: a bad one was counted once already)."""
    if request.headers.get("authorization"):
        return None
    try:
        return current_actor(request, request.app.state.services)
    except StarletteHTTPException:
        return None
