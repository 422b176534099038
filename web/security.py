"""Who is asking, and may they: every request is authenticated; refusals are audited."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from fastapi import Depends, HTTPException, Request, status

from domain.commands import Actor, Role
from store.accounts import AccountRow
from store.records import append_audit
from web.accounts import actor_for_token, actor_of
from web.services import Services

OFFICERS = {Role.CASE_OFFICER, Role.MANAGER, Role.ADMIN}
MANAGERS = {Role.MANAGER, Role.ADMIN}
PROVIDERS = {Role.PROVIDER}


def services(request: Request) -> Services:
    return request.app.state.services


def current_actor(request: Request, svc: Services = Depends(services)) -> Actor:
    """The signed-in user (session cookie) or the program (``Authorization: Bearer``)."""
    header = request.headers.get("authorization", "")
    with svc.sessions() as session:
        if header.lower().startswith("bearer "):
            actor = actor_for_token(session, header[7:].strip())
        else:
            username = request.session.get("user") if "session" in request.scope else None
            row = session.get(AccountRow, username) if username else None
            actor = actor_of(row) if row and row.active else None
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


def forbid(svc: Services, request: Request, actor: Actor, reason: str, case_ref: str | None = None) -> None:
    """Record the refusal in the audit trail, then answer 403."""
    with svc.sessions.begin() as session:
        append_audit(
            session,
            key=f"forbidden:{uuid4()}",
            case_ref=case_ref,
            seq=None,
            action="forbidden",
            by=actor,
            at=datetime.now(UTC),
            detail={"method": request.method, "path": request.url.path, "reason": reason},
        )
    raise HTTPException(status.HTTP_403_FORBIDDEN, reason)


def require(roles: set[Role], what: str) -> Callable[..., Actor]:
    """A dependency that lets only ``roles`` through (and audits everyone else)."""

    def check(
        request: Request, actor: Actor = Depends(current_actor), svc: Services = Depends(services)
    ) -> Actor:
        if actor.role not in roles:
            forbid(svc, request, actor, f"{what} is not open to the {actor.role} role")
        return actor

    return check
