"""Start a case and act on it, as starter, importer and web app all do."""

from collections.abc import Callable, Sequence
from datetime import date

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from domain.alarms import AlarmTiming
from domain.assessment import apply, start_case
from domain.commands import CaseCommand, StartAssessment
from domain.errors import RuleViolation
from domain.views import CaseView, case_view
from workflows import search_attributes as sa
from workflows.assessment import AssessmentInput, AssessmentWorkflow
from workflows.ids import assessment_id


class DuplicateCase(RuleViolation):
    def __init__(self, ref: str) -> None:
        super().__init__("ref", f"case reference {ref} already exists; each case has one reference")


def initial_search_attributes(view: CaseView) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(sa.CASE_STAGE, str(view.stage)),
        SearchAttributePair(sa.TEAM, view.case.team),
        SearchAttributePair(sa.BREACHED, view.breached),
    ]
    return TypedSearchAttributes(pairs)


async def start_assessment(
    client: Client,
    cmd: StartAssessment,
    task_queue: str,
    today: date,
    timing: AlarmTiming | None = None,
    prior_actions: Sequence[CaseCommand] = (),
    stored: Callable[[str], bool] | None = None,
) -> tuple[WorkflowHandle, CaseView]:
    """Start the workflow of a new case; refuse a future day 0 or a reused reference.

    ``prior_actions`` are steps taken before the case came to the engine (a
    migrated case); each is checked by the same rules here, before starting.
    ``stored`` tells whether the read model already holds a reference: a case
    imported as closed history has no workflow, so Temporal alone would let
    its reference be used again. Callers with a store pass it.
    Returns the handle and the case as it stands at the start, with its deadlines.
    """
    case = start_case(cmd, today)  # raises RuleViolation on a future day 0
    for action in prior_actions:
        case = apply(case, action, today)
    view = case_view(case, today)
    if stored is not None and stored(cmd.ref):
        raise DuplicateCase(cmd.ref)
    try:
        handle = await client.start_workflow(
            AssessmentWorkflow.run,
            AssessmentInput(start=cmd, timing=timing or AlarmTiming(), prior_actions=list(prior_actions)),
            id=assessment_id(cmd.ref),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=initial_search_attributes(view),
        )
    except WorkflowAlreadyStartedError:
        raise DuplicateCase(cmd.ref) from None
    return handle, view


def refusal_of(err: WorkflowUpdateFailedError) -> RuleViolation | None:
    """The rule a refused update broke, or None if it failed for another reason."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == "RuleViolation":
        field = str(cause.details[0]) if cause.details else "action"
        return RuleViolation(field, cause.message)
    return None
