"""Starting, acting on and reading plans in force: the engine's one way to its plan workflows.

A plan starts when an assessment issues its final plan, by import for a plan issued before the engine,
and for a plan transferred in from another council; each through ``PlanGateway.start``, which checks
the start by the same rule the workflow runs before anything is sent.
"""

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from domain.annual_review import apply, start_plan
from domain.errors import RuleViolation
from domain.plan import Plan
from domain.plan_alarms import PlanAlarmTiming
from domain.plan_commands import (
    CeasePlan,
    CirculateReviewAdvice,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    NameSetting,
    PlanCommand,
    ReceiveReviewReport,
    RecordAmendmentResponse,
    RecordCeaseAppeal,
    RecordCeaseAppealOutcome,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
    TellFamilyOfTransferIn,
    TransferPlanOut,
)
from domain.plan_views import PlanView, plan_view
from ehcna.gateway.cases import update_id
from ehcna.gateway.errors import InvalidStart, NotAnswered, RuleRefused, Unavailable, from_temporal
from workflows import search_attributes as sa
from workflows.ids import plan_workflow_id
from workflows.plan import PlanWorkflow
from workflows.plan_inputs import PlanInput

# each command, the workflow update that applies it
PLAN_UPDATES: dict[type[BaseModel], Any] = {
    ScheduleReviewMeeting: PlanWorkflow.schedule_review_meeting,
    CirculateReviewAdvice: PlanWorkflow.circulate_review_advice,
    HoldReviewMeeting: PlanWorkflow.hold_review_meeting,
    ReceiveReviewReport: PlanWorkflow.receive_review_report,
    DecideReview: PlanWorkflow.decide_review,
    SendAmendmentNotice: PlanWorkflow.send_amendment_notice,
    RecordAmendmentResponse: PlanWorkflow.record_amendment_response,
    NameSetting: PlanWorkflow.name_setting,
    IssueAmendedPlan: PlanWorkflow.issue_amended_plan,
    DecideToCease: PlanWorkflow.decide_to_cease,
    RecordCeaseAppeal: PlanWorkflow.record_cease_appeal,
    RecordCeaseAppealOutcome: PlanWorkflow.record_cease_appeal_outcome,
    CeasePlan: PlanWorkflow.cease_plan,
    TellFamilyOfTransferIn: PlanWorkflow.tell_family_of_transfer_in,
    TransferPlanOut: PlanWorkflow.transfer_plan_out,
}


class PlanAlreadyStarted(RuleRefused):
    def __init__(self, ref: str) -> None:
        super().__init__("ref", f"plan reference {ref} already exists; each plan has one reference")


class PlanGateway:
    """The plan workflows of one Temporal namespace and task queue (``timing``: the policy's offsets)."""

    def __init__(
        self,
        client: Client,
        task_queue: str,
        *,
        timing: PlanAlarmTiming | None = None,
        action_timeout: float = 30.0,
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.timing = timing or PlanAlarmTiming()
        self.action_timeout = action_timeout

    async def start(
        self,
        cmd: StartPlan,
        today: date,
        prior_actions: Sequence[PlanCommand] = (),
        checked: Plan | None = None,
    ) -> PlanView:
        """Start the workflow of a plan in force; its real dates make an overdue review alert at once.

        ``prior_actions``: the steps taken before the engine (an imported plan's reviews), checked here
        by the same rules the workflow applies them with, in the order given; ``checked``: the plan they
        make, when the caller has just applied them through those rules on the same ``today`` (the
        import), so they are not replayed twice."""
        try:
            plan = checked if checked is not None else self._checked(cmd, today, prior_actions)
            view = plan_view(plan, today)
        except RuleViolation as err:
            raise InvalidStart(err.field, err.reason) from None
        attributes = TypedSearchAttributes(
            [
                SearchAttributePair(sa.PLAN_STAGE, str(view.status)),
                SearchAttributePair(sa.TEAM, cmd.team),
                SearchAttributePair(sa.BREACHED, view.breached),
            ]
        )
        try:
            async with asyncio.timeout(self.action_timeout):
                await self.client.start_workflow(
                    PlanWorkflow.run,
                    PlanInput(start=cmd, timing=self.timing, prior_actions=list(prior_actions)),
                    id=plan_workflow_id(cmd.ref),
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    search_attributes=attributes,
                )
        except WorkflowAlreadyStartedError:
            raise PlanAlreadyStarted(cmd.ref) from None
        except TimeoutError:
            raise NotAnswered(
                "plan", f"the workflow service did not answer in time: look for plan {cmd.ref}"
            ) from None
        except RPCError as err:
            raise Unavailable("plan", f"plan {cmd.ref} was not started: {err.message}") from None
        return view

    @staticmethod
    def _checked(cmd: StartPlan, today: date, prior_actions: Sequence[PlanCommand]) -> Plan:
        plan = start_plan(cmd, today)
        for action in prior_actions:
            plan = apply(plan, action, today)
        return plan

    def handle(self, ref: str) -> WorkflowHandle[Any, Any]:
        """The plan's workflow: its latest run, whichever review it has reached."""
        return self.client.get_workflow_handle(plan_workflow_id(ref))

    async def act(self, ref: str, command: PlanCommand, idempotency_key: str | None = None) -> PlanView:
        """Apply ``command`` through the plan's validated update; the plan as it then stands.

        With ``idempotency_key`` the update has a stable id (as for a case, ``update_id``): the same request
        sent again gets the first one's result. Temporal keeps update ids per run, and a plan continues as
        new once a review's decision completes it, so a retried decision after that is asked of the rules
        again (and refused: the review is completed).
        """
        uid = update_id(ref, command, idempotency_key) if idempotency_key else None
        try:
            async with asyncio.timeout(self.action_timeout):
                update = PLAN_UPDATES[type(command)]
                view: PlanView = await self.handle(ref).execute_update(update, command, id=uid)
                return view
        except Exception as err:
            raise from_temporal(ref, err) from None

    async def read(self, ref: str) -> PlanView:
        try:
            async with asyncio.timeout(self.action_timeout):
                view: PlanView = await self.handle(ref).query(PlanWorkflow.state)
                return view
        except (RPCError, TimeoutError) as err:
            raise from_temporal(ref, err) from None
