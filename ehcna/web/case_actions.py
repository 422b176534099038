"""The actions people take on a case, by the name in their URL, and sending them through the gateway."""

from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel, create_model
from starlette.concurrency import run_in_threadpool

from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    ReassignTeam,
    RecordAdviceNotReceived,
    RecordAdviceRequestReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    ResendAdviceRequest,
    ServeDraft,
    SubmitAdvice,
    TeamName,
    TransferOut,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.views import CaseView
from ehcna.gateway.errors import GatewayError
from ehcna.web.errors import http_error
from ehcna.web.services import Services
from ehcna.web.teams import check_command_team, team_field

# action name in the URL -> the command it sends
ACTIONS: dict[str, type[BaseModel]] = {
    "decide-to-assess": DecideToAssess,
    "request-advice": RequestAdvice,
    "submit-advice": SubmitAdvice,
    "advice-not-received": RecordAdviceNotReceived,
    "record-exception": RecordException,
    "decide-to-issue": DecideToIssue,
    "serve-draft": ServeDraft,
    "family-response": RecordFamilyResponse,
    "issue-final-plan": IssueFinalPlan,
    "withdraw": Withdraw,
    "transfer-out": TransferOut,
    "reassign-team": ReassignTeam,
    "advice-request-received": RecordAdviceRequestReceived,
    "withdraw-advice-request": WithdrawAdviceRequest,
    "resend-advice-request": ResendAdviceRequest,
}


def body_model(command: type[BaseModel], from_path: tuple[str, ...] = (), name: str = "") -> type[BaseModel]:
    """The request body of an action: the command without who acts (that is the caller)
    and without what the URL already says (``from_path``)."""
    skip = {"by", "kind", *from_path}
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in command.model_fields.items() if n not in skip}
    named = team_field(command)
    if named is not None:  # any team name: the directory answers for it (ehcna.web.teams), not a pattern
        fields[named[0]] = (TeamName, ...)
    return create_model(name or f"{command.__name__}Body", **fields)


IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_DOC = (
    "Safe to retry: send an `Idempotency-Key` header (1-255 visible ASCII characters, e.g. a UUID "
    "made once per action) and send the same request with the same key again if the answer was "
    "lost (a timeout, a dropped connection, the app restarting). A retry joins the action sent "
    "first, still in progress or finished, and answers with its result, or applies it if the first "
    "never took effect: either way it is applied and recorded once. The key is yours and this "
    "case's only; the same key with a different action "
    "or body is a new request, and a refused request is not remembered (a retry asks the rules "
    "again). Without the key, a retry of an action that was applied is refused with 409 and the "
    "rule's reason (for example advice already submitted)."
)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[!-~]+$",
        description="Makes a retry of this request safe: see the operation's description.",
    ),
]


async def send(svc: Services, ref: str, command: Any, idempotency_key: str | None = None) -> CaseView:
    """Apply ``command`` to case ``ref``; what the gateway refuses becomes its HTTP answer."""
    await run_in_threadpool(check_command_team, svc, command)
    try:
        return await svc.cases.act(ref, command, idempotency_key)
    except GatewayError as err:
        raise http_error(err) from None


async def read(svc: Services, ref: str) -> CaseView:
    try:
        return await svc.cases.read(ref)
    except GatewayError as err:
        raise http_error(err) from None
