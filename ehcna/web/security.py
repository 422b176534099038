"""Who is asking, and may they: every request is authenticated, every case route authorised by team
and role (``domain.access``) here, for the API and the pages alike; refusals are audited."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn
from uuid import uuid4

import anyio.from_thread
from fastapi import Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess, child_refusal, refusal, visible_teams
from domain.commands import Actor, Role
from ehcna.gateway.errors import GatewayError
from ehcna.store.accounts import AccountRow
from ehcna.store.audit import append_audit
from ehcna.store.children import case_teams_of
from ehcna.store.models import AdviceRow
from ehcna.web import throttle
from ehcna.web.accounts import account_for_password, actor_for_token, actor_of, end_sessions
from ehcna.web.errors import http_error
from ehcna.web.queries import advice_request, case_team
from ehcna.web.services import Services
from ehcna.web.throttle import Locked

OFFICERS = {Role.CASE_OFFICER, Role.MANAGER, Role.ADMIN}
MANAGERS = {Role.MANAGER, Role.ADMIN}
PROVIDERS = {Role.PROVIDER}


def services(request: Request) -> Services:
    return request.app.state.services


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def current_actor(request: Request, svc: Services = Depends(services)) -> Actor:
    """The signed-in user (session cookie) or the program (``Authorization: Bearer``).

    A session holds only while its account is active and has not signed out since (the
    account's session version); a bad token counts against the address, which is throttled.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        actor = _token_actor(svc, header[7:].strip(), client_address(request))
    else:  # a session: one read, nothing written
        username = request.session.get("user") if "session" in request.scope else None
        with svc.sessions() as session:
            row = session.get(AccountRow, username) if username else None
            current = row is not None and row.active and request.session.get("v") == row.session_version
            actor = actor_of(row) if row is not None and current else None
    if actor is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "sign in, or send an API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


def _token_actor(svc: Services, token: str, address: str) -> Actor | None:
    """The token's account; a bad token is counted against the address, which may be locked (429)."""
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:
        block = throttle.locked(session, None, address, now)
        if block is not None:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                f"{block.reason}: try again later",
                headers={"Retry-After": str(block.seconds_left(now))},
            )
        actor = actor_for_token(session, token, now)
        if actor is None:
            throttle.record(session, throttle.TOKEN_USER, address, False, now)
    return actor


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    version: int  # the account's session version, kept in the session cookie

    @property
    def user(self) -> str:
        return self.actor.user


_attempts = threading.Lock()


def sign_in_check(svc: Services, username: str, password: str, address: str) -> SignedIn | Locked | None:
    """Throttle, check the password, record the attempt and audit it: the account signed in, why not
    now (``Locked``), or None for a wrong username or password. Raises ``SignInBusy``.

    The attempt is recorded as failed, and committed, before the password is checked, and marked a
    success only after: many sign-ins sent at once each see the ones before them, so a burst cannot
    try more passwords than the lockout allows.
    """
    now = datetime.now(UTC)
    with _attempts, svc.sessions.begin() as session:  # one check-and-record at a time in this process
        block = throttle.locked(session, username, address, now)
        attempt = None if block is not None else throttle.record(session, username, address, False, now)
    signed: SignedIn | None = None
    if attempt is not None:
        with svc.sessions.begin() as session:
            row = account_for_password(session, username, password)
            if row is not None:
                throttle.succeeded(session, attempt)
                signed = SignedIn(actor_of(row), row.session_version)
    with svc.sessions.begin() as session:
        known = session.get(AccountRow, username)
        who = actor_of(known) if known else Actor(user=username or "(blank)", role=Role.SYSTEM)
        reason = "signed in" if signed else (block.reason if block else "wrong username or password")
        append_audit(
            session,
            key=f"sign-in:{uuid4()}",
            case_ref=None,
            seq=None,
            action="signed_in" if signed else "sign_in_refused",
            by=who,
            at=now,
            detail={"address": address, "reason": reason, "account_exists": known is not None},
        )
    return block if block is not None else signed


def sign_out_everywhere(svc: Services, username: str) -> None:
    with svc.sessions.begin() as session:
        end_sessions(session, username)


def forbid(
    svc: Services, request: Request, actor: Actor, reason: str, case_ref: str | None = None
) -> NoReturn:
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


def refuse(
    svc: Services,
    by: Actor,
    field: str,
    reason: str,
    *,
    case_ref: str | None = None,
    code: int = status.HTTP_422_UNPROCESSABLE_CONTENT,
    **more: Any,
) -> NoReturn:
    """Record a refusal of what ``by`` asked (the field and the reason, never the values given) in the
    audit trail, then answer ``code`` with the field and the reason (and ``more``)."""
    with svc.sessions.begin() as session:
        append_audit(
            session,
            key=f"refused:{uuid4()}",
            case_ref=case_ref,
            seq=None,
            action="forbidden" if code == status.HTTP_403_FORBIDDEN else "refused",
            by=by,
            at=datetime.now(UTC),
            detail={"field": field, "reason": reason},
        )
    raise HTTPException(code, {"field": field, "reason": reason, **more})


def child_refused(svc: Services, actor: Actor, person_id: str) -> str | None:
    """Why ``actor`` may not see or use this child's record (``domain.access.child_refusal``).
    Called in a worker thread (it may ask Temporal for the team of a case not recorded yet)."""
    with svc.sessions() as session:
        cases = case_teams_of(session, person_id)
    teams = {team for team in cases.values() if team is not None}
    for ref in (ref for ref, team in cases.items() if team is None):  # started a moment ago: ask Temporal
        try:
            teams.add(anyio.from_thread.run(svc.cases.team_of, ref))
        except GatewayError:
            pass  # never started after all: no team to see the child through
    return child_refusal(actor, teams, svc.managed_teams(actor))


def require(roles: set[Role], what: str, who: Callable[..., Actor] = current_actor) -> Callable[..., Actor]:
    """A dependency that lets only ``roles`` through (and audits everyone else).

    ``who`` finds the actor: a token or session for the API, a session for pages.
    """

    def check(request: Request, actor: Actor = Depends(who), svc: Services = Depends(services)) -> Actor:
        if actor.role not in roles:
            forbid(svc, request, actor, f"{what} is not open to the {actor.role} role")
        return actor

    return check


async def team_of_case(svc: Services, ref: str) -> str:
    """The case's team: from the store (recorded with the start), else from its workflow; 404 if none."""
    team = await run_in_threadpool(case_team, svc, ref)
    if team is not None:
        return team
    try:  # not recorded yet (no worker has run the case's first task): as Temporal was told at its start
        return await svc.cases.team_of(ref)
    except GatewayError as err:
        raise http_error(err) from None


def authorise(
    svc: Services, request: Request, actor: Actor, access: CaseAccess, team: str, ref: str | None
) -> None:
    """Let ``actor`` ``access`` a case of ``team`` (``ref``; None for one being started), or 403 audited."""
    reason = refusal(actor, access, team, svc.managed_teams(actor))
    if reason is not None:
        forbid(svc, request, actor, reason, case_ref=ref)


def listed_team(svc: Services, request: Request, actor: Actor) -> str | None:
    """The one team a list or inbox shows ``actor`` (None: every team); 403 audited for a case
    officer or provider whose account has no team, rather than every team's cases."""
    try:
        return visible_teams(actor)
    except ValueError as err:
        forbid(svc, request, actor, str(err))


def case_access(access: CaseAccess, who: Callable[..., Actor]) -> Callable[..., Any]:
    """A dependency for every route with a case ``{ref}``: who may ``access`` it, by team and role."""

    async def check(
        ref: str, request: Request, actor: Actor = Depends(who), svc: Services = Depends(services)
    ) -> Actor:
        team = await team_of_case(svc, ref)
        await run_in_threadpool(authorise, svc, request, actor, access, team, ref)
        return actor

    return check


def advice_request_for(
    svc: Services, request: Request, actor: Actor, ref: str, advice_id: str
) -> AdviceRow | None:
    """The advice request ``actor`` may act on, or None if there is none (a case officer's to handle).

    A provider sees only its own team's requests: any other, existing or not, is 403 and audited,
    as it is for every role that is neither provider nor case officer. A case officer (or manager)
    acts for a provider only on a case they may act on.
    """
    row = advice_request(svc, ref, advice_id)
    if actor.role in OFFICERS:  # on behalf of a provider (advice that came by post): the case's team rules
        team = case_team(svc, ref)
        if team is None:  # not in the store (yet): no advice request of it to act on, whoever asks
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no advice request {advice_id} on case {ref}")
        authorise(svc, request, actor, CaseAccess.ACT, team, ref)
    elif actor.role not in PROVIDERS or row is None or row.provider_team != actor.team:
        forbid(svc, request, actor, "this advice request belongs to another team", case_ref=ref)
    return row


def advice_task(who: Callable[..., Actor]) -> Callable[..., Any]:
    """A dependency for routes on one advice request: its provider team's (or, for a case officer,
    its case team's), checked before anything else of the request is read."""

    async def check(
        ref: str,
        advice_id: str,
        request: Request,
        actor: Actor = Depends(who),
        svc: Services = Depends(services),
    ) -> Actor:
        await run_in_threadpool(advice_request_for, svc, request, actor, ref, advice_id)
        return actor

    return check
