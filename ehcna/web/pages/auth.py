"""Who is looking at a page: signed in through the session, else sent to /sign-in.

The session is read by ``web.security.current_actor``, the API's own check,
so a page and the API agree on who is signed in. Refusals by role go through
``web.security.forbid`` and are audited like the API's.
"""

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from domain.commands import Actor, Role
from ehcna.web.security import current_actor, require, services
from ehcna.web.services import Services


class SignInRequired(Exception):
    """Raised by a page dependency; answered with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def sign_in_url(next_path: str | None) -> str:
    return f"/sign-in?next={quote(next_path, safe='/')}" if next_path and next_path != "/" else "/sign-in"


def safe_next(next_path: str | None) -> str | None:
    """Only a path on this site (never ``//host`` or ``https://...``): no open redirect after sign-in."""
    if next_path and next_path.startswith("/") and not next_path.startswith("//") and "\\" not in next_path:
        return next_path
    return None


def signed_in(request: Request, svc: Services = Depends(services)) -> Actor:
    """The signed-in person; a page asked for without a session sends them to sign in."""
    try:
        return current_actor(request, svc)
    except HTTPException as err:
        if err.status_code == 401:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(path if request.method == "GET" else "/") from None
        raise


def allow(roles: set[Role], what: str) -> Callable[..., Actor]:
    """A page dependency that lets only ``roles`` through; anyone else gets an audited 403."""
    return require(roles, what, signed_in)


def home_of(actor: Actor) -> str:
    """Where each role starts."""
    if actor.role is Role.PROVIDER:
        return "/inbox"
    if actor.role in (Role.MANAGER, Role.ADMIN):
        return "/performance"
    return "/cases"
