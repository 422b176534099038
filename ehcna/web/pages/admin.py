"""The head of service's page for API tokens: every token, revoke one, issue one (shown once)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from domain.clock import london_date
from domain.commands import Actor, Role
from ehcna.store.audit import append_audit
from ehcna.store.db import utc
from ehcna.web.accounts import TOKEN_DAYS, issue_token, revoke_token, token_id_of, token_state, tokens
from ehcna.web.pages import csrf
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, blank, parse
from ehcna.web.pages.rendering import flash, render
from ehcna.web.security import services
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
head = allow({Role.ADMIN}, "API tokens")

FIELDS = (
    Field(
        "username",
        "Account",
        hint="The token acts as this account, with its access",
        width="govuk-input--width-20",
    ),
    Field("label", "What it is for", hint="For example, the name of the program that uses it"),
    Field(
        "days",
        "Days it lasts",
        "number",
        hint=f"1 to 366; {TOKEN_DAYS} if left blank",
        width="govuk-input--width-4",
    ),
)


@dataclass(frozen=True)
class TokenLine:
    id: str
    username: str
    label: str
    expires: date
    state: str


def _lines(svc: Services) -> list[TokenLine]:
    now = datetime.now(UTC)
    out = []
    with svc.sessions() as session:
        for row in tokens(session):
            expires = london_date(utc(row.expires_at))
            out.append(TokenLine(row.token_id, row.username, row.label, expires, token_state(row, now)))
    return out


def _page(
    request: Request,
    actor: Actor,
    svc: Services,
    form: FormState,
    code: int = 200,
    new_token: str | None = None,
) -> HTMLResponse:
    return render(
        request, "admin/tokens.html", actor, code, tokens=_lines(svc), form=form, new_token=new_token
    )


def _audit(svc: Services, actor: Actor, action: str, detail: dict[str, str]) -> None:
    with svc.sessions.begin() as session:
        append_audit(
            session, key=f"{action}:{detail['id']}:{datetime.now(UTC).isoformat()}", case_ref=None, seq=None,
            action=action, by=actor, at=datetime.now(UTC), detail=detail,
        )  # fmt: skip


@router.get("/admin/tokens")
async def tokens_page(
    request: Request, actor: Actor = Depends(head), svc: Services = Depends(services)
) -> Response:
    return await run_in_threadpool(_page, request, actor, svc, blank(FIELDS))


@router.post("/admin/tokens")
async def issue(
    request: Request, actor: Actor = Depends(head), svc: Services = Depends(services)
) -> Response:
    form, answers = parse(FIELDS, csrf.fields(await csrf.checked_form(request)))
    for name in ("username", "label"):
        if name not in answers:
            form.add(name, f"Enter {form.find(name).named}")  # type: ignore[union-attr]  # both are in FIELDS
    days = answers.get("days", str(TOKEN_DAYS))
    if not days.isdigit():
        form.add("days", "Days it lasts must be a whole number")
    if form.errors:
        return await run_in_threadpool(_page, request, actor, svc, form, 422)

    def make() -> str:
        with svc.sessions.begin() as session:
            return issue_token(session, answers["username"], answers["label"][:100], int(days))

    try:
        token = await run_in_threadpool(make)
    except ValueError as err:
        form.add("days" if "days" in str(err) else "username", str(err))
        return await run_in_threadpool(_page, request, actor, svc, form, 422)
    await run_in_threadpool(
        _audit, svc, actor, "token_issued", {"id": token_id_of(token), "account": answers["username"]}
    )
    return await run_in_threadpool(_page, request, actor, svc, blank(FIELDS), 200, token)


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke(
    token_id: str, request: Request, actor: Actor = Depends(head), svc: Services = Depends(services)
) -> Response:
    await csrf.checked_form(request)

    def done() -> str | None:
        with svc.sessions.begin() as session:
            row = revoke_token(session, token_id)
            return row.token_id if row else None

    revoked = await run_in_threadpool(done)
    if revoked is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no token {token_id}")
    await run_in_threadpool(_audit, svc, actor, "token_revoked", {"id": revoked})
    flash(request, f"Token {revoked} revoked")
    return RedirectResponse("/admin/tokens", status_code=status.HTTP_303_SEE_OTHER)
