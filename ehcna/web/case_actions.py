"""Sending an action to a case's workflow, and turning its refusals into HTTP answers."""

import asyncio
import hashlib
import json
from typing import Annotated, Any

from fastapi import Header, HTTPException, status
from pydantic import BaseModel, create_model
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    ServeDraft,
    SubmitAdvice,
    TransferOut,
    Withdraw,
)
from domain.views import CaseView
from ehcna.gateway.assessments import refusal_of
from ehcna.web.services import Services
from workflows.assessment import AssessmentWorkflow
from workflows.ids import assessment_id

# action name in the URL -> (workflow update, command)
ACTIONS: dict[str, tuple[Any, type[BaseModel]]] = {
    "decide-to-assess": (AssessmentWorkflow.decide_to_assess, DecideToAssess),
    "request-advice": (AssessmentWorkflow.request_advice, RequestAdvice),
    "submit-advice": (AssessmentWorkflow.submit_advice, SubmitAdvice),
    "advice-not-received": (AssessmentWorkflow.record_advice_not_received, RecordAdviceNotReceived),
    "record-exception": (AssessmentWorkflow.record_exception, RecordException),
    "decide-to-issue": (AssessmentWorkflow.decide_to_issue, DecideToIssue),
    "serve-draft": (AssessmentWorkflow.serve_draft, ServeDraft),
    "family-response": (AssessmentWorkflow.record_family_response, RecordFamilyResponse),
    "issue-final-plan": (AssessmentWorkflow.issue_final_plan, IssueFinalPlan),
    "withdraw": (AssessmentWorkflow.withdraw, Withdraw),
    "transfer-out": (AssessmentWorkflow.transfer_out, TransferOut),
}


def body_model(command: type[BaseModel], from_path: tuple[str, ...] = (), name: str = "") -> type[BaseModel]:
    """The request body of an action: the command without who acts (that is the caller)
    and without what the URL already says (``from_path``)."""
    skip = {"by", "kind", *from_path}
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in command.model_fields.items() if n not in skip}
    return create_model(name or f"{command.__name__}Body", **fields)


def refused(field: str, reason: str, code: int = status.HTTP_409_CONFLICT) -> HTTPException:
    return HTTPException(code, {"field": field, "reason": reason})


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


def update_id(ref: str, command: BaseModel, key: str) -> str:
    """The workflow update id of a keyed request: one per user, case, key and request.

    The Temporal server keeps one update per id on a workflow run: a second
    request with the same id is attached to the first (in flight or completed)
    and gets its outcome, so a retried request is never applied twice. The
    command carries who acts (``by``), so two users' keys never meet.
    """
    request = command.model_dump(mode="json")
    material = json.dumps([ref, key, request], sort_keys=True, separators=(",", ":"))
    return f"api-{hashlib.sha256(material.encode()).hexdigest()}"


async def send(
    svc: Services, ref: str, update: Any, command: BaseModel, idempotency_key: str | None = None
) -> CaseView:
    """Apply ``command`` through the workflow's validated update; refusals become 409.

    With ``idempotency_key`` the update has a stable id (``update_id``), so
    sending the same request again returns the first one's result.
    """
    handle = svc.client.get_workflow_handle(assessment_id(ref))
    uid = update_id(ref, command, idempotency_key) if idempotency_key else None
    try:
        async with asyncio.timeout(svc.action_timeout):
            return await handle.execute_update(update, command, id=uid)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # no worker took it in time (stopped, or overwhelmed): the action may still be applied
        # later, so the answer says how to learn its fate rather than that it failed
        raise unavailable(
            "the case did not answer in time and the action may still be applied: look at the case "
            f"before trying again (a program retries with the same {IDEMPOTENCY_HEADER} to get its result)"
        ) from None
    except WorkflowUpdateFailedError as err:
        rule = refusal_of(err)
        if rule is None:
            raise
        raise refused(rule.field, rule.reason) from None
    except RPCError as err:
        # a closed case answers NOT_FOUND too ("workflow execution already completed"): a refusal
        if "completed" in err.message:
            raise refused("case", f"case {ref} is closed; no further action can be taken") from None
        if err.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no open case {ref}") from None
        if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:
            # e.g. Temporal's limit of actions in flight on one case: nothing was applied
            busy = f"the case is busy with other actions; nothing was applied ({err.message})"
            raise unavailable(busy) from None
        raise


def unavailable(reason: str) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        {"field": "case", "reason": reason},
        headers={"Retry-After": "5"},
    )


async def read(svc: Services, ref: str) -> CaseView:
    handle = svc.client.get_workflow_handle(assessment_id(ref))
    try:
        return await handle.query(AssessmentWorkflow.state)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {ref}") from None
        if err.status == RPCStatusCode.FAILED_PRECONDITION:  # "no poller seen": no worker running
            raise unavailable(f"case {ref} cannot be read: no worker is answering for it") from None
        raise
