"""Sending an action to a case's workflow, and turning its refusals into HTTP answers."""

from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel, create_model
from temporalio.client import WorkflowUpdateFailedError
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
from gateway.assessments import refusal_of
from web.services import Services
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


async def send(svc: Services, ref: str, update: Any, command: BaseModel) -> CaseView:
    """Apply ``command`` through the workflow's validated update; refusals become 409."""
    handle = svc.client.get_workflow_handle(assessment_id(ref))
    try:
        return await handle.execute_update(update, command)
    except WorkflowUpdateFailedError as err:
        rule = refusal_of(err)
        if rule is None:
            raise
        raise refused(rule.field, rule.reason) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no open case {ref}") from None
        if "completed" in err.message:
            raise refused("case", f"case {ref} is closed; no further action can be taken") from None
        raise


async def read(svc: Services, ref: str) -> CaseView:
    handle = svc.client.get_workflow_handle(assessment_id(ref))
    try:
        return await handle.query(AssessmentWorkflow.state)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {ref}") from None
        raise
