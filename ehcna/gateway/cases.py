"""Starting, acting on, reading and listing cases: the engine's one way to its case workflows.

Starter, importer and web app all come through ``CaseGateway``. It owns the
workflow ids, the update ids of keyed requests, the visibility queries, and
the mapping of every Temporal failure to an error of ``ehcna.gateway.errors``.
"""

import asyncio
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.alarms import AlarmTiming
from domain.assessment import apply, source_known, start_case, under_the_regulations
from domain.clock import london_date
from domain.commands import (
    CaseCommand,
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
    StartAssessment,
    SubmitAdvice,
    TransferOut,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.errors import RuleViolation
from domain.plan_alarms import PlanAlarmTiming
from domain.views import CaseView, case_view
from ehcna.gateway.codec import remote_decode
from ehcna.gateway.errors import (
    AlreadyStarted,
    CaseNotFound,
    InvalidStart,
    NotAnswered,
    Unavailable,
    from_temporal,
)
from ehcna.gateway.ids import case_ref_of, case_workflow_id, ref_problem
from workflows import search_attributes as sa
from workflows.assessment import AssessmentWorkflow
from workflows.inputs import AssessmentInput

# each command, the workflow update that applies it
UPDATES: dict[type[BaseModel], Any] = {
    DecideToAssess: AssessmentWorkflow.decide_to_assess,
    RequestAdvice: AssessmentWorkflow.request_advice,
    SubmitAdvice: AssessmentWorkflow.submit_advice,
    RecordAdviceNotReceived: AssessmentWorkflow.record_advice_not_received,
    RecordException: AssessmentWorkflow.record_exception,
    DecideToIssue: AssessmentWorkflow.decide_to_issue,
    ServeDraft: AssessmentWorkflow.serve_draft,
    RecordFamilyResponse: AssessmentWorkflow.record_family_response,
    IssueFinalPlan: AssessmentWorkflow.issue_final_plan,
    Withdraw: AssessmentWorkflow.withdraw,
    TransferOut: AssessmentWorkflow.transfer_out,
    ReassignTeam: AssessmentWorkflow.reassign_team,
    RecordAdviceRequestReceived: AssessmentWorkflow.record_advice_request_received,
    WithdrawAdviceRequest: AssessmentWorkflow.withdraw_advice_request,
    ResendAdviceRequest: AssessmentWorkflow.resend_advice_request,
}

READ_TIMEOUT = 10.0  # seconds

# what may go into a visibility query, which takes no parameters: a team or stage name, nothing else
_KEYWORD = re.compile(r"^[A-Za-z0-9 _-]{1,64}$")


@dataclass(frozen=True)
class Started:
    workflow_id: str
    view: CaseView  # the case as it stands at its start, with its deadlines


class CaseSummary(BaseModel):
    """An open case as its workflow's search attributes show it (live: a breach shows as it happens)."""

    ref: str
    stage: str | None
    team: str | None
    next_deadline: datetime | None  # the start, in England, of the day the next deadline falls on
    breached: bool | None

    def days_to_next_deadline(self, on: date) -> int | None:
        return (london_date(self.next_deadline) - on).days if self.next_deadline else None


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


def initial_search_attributes(view: CaseView) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_STAGE, str(view.stage)),
            SearchAttributePair(sa.TEAM, view.case.team),
            SearchAttributePair(sa.BREACHED, view.breached),
        ]
    )


def open_cases_query(
    *,
    team: str | None = None,
    stage: str | None = None,
    breached: bool | None = None,
    due_before: datetime | None = None,
) -> str:
    """The visibility query for running cases; ``ValueError`` for a name that is not a team or stage."""
    for value in (team, stage):
        if value is not None and not _KEYWORD.match(value):
            raise ValueError(f"{value!r} is not a team or stage name")
    terms = ["WorkflowType = 'Assessment'", "ExecutionStatus = 'Running'"]
    if stage:
        terms.append(f"{sa.CASE_STAGE.name} = '{stage}'")
    if team:
        terms.append(f"{sa.TEAM.name} = '{team}'")
    if breached is not None:
        terms.append(f"{sa.BREACHED.name} = {'true' if breached else 'false'}")
    if due_before is not None:
        terms.append(f"{sa.NEXT_DEADLINE.name} <= '{due_before.isoformat()}'")
    return " AND ".join(terms)


class CaseGateway:
    """The case workflows of one Temporal namespace and task queue.

    ``timing``: the escalation policy's alarm offsets new cases start with.
    ``stored``: whether the read model already holds a reference (a case
    imported as closed history has no workflow, so Temporal alone would let
    its reference be used again). ``action_timeout``: how long an action waits
    for its case before ``NotAnswered``.
    """

    def __init__(
        self,
        client: Client,
        task_queue: str,
        *,
        timing: AlarmTiming | None = None,
        stored: Callable[[str], bool] | None = None,
        action_timeout: float = 30.0,
        plan_timing: PlanAlarmTiming | None = None,
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.timing = timing or AlarmTiming()
        self.plan_timing = plan_timing or PlanAlarmTiming()  # the plan in force a final plan starts
        self._stored = stored
        self.action_timeout = action_timeout
        # a read (a query, a description, a list) needs no worker's step: it is given less time
        self.read_timeout = min(READ_TIMEOUT, action_timeout)

    async def start(
        self,
        cmd: StartAssessment,
        today: date,
        prior_actions: Sequence[CaseCommand] = (),
        *,
        migrating: bool = False,
    ) -> Started:
        """Start the workflow of a new case; refuse a future day 0 or a reused reference.

        ``prior_actions`` are steps taken before the case came to the engine (a
        migrated case); each is checked by the same rules here, before starting.
        ``migrating``: a council's history, which may begin before the Regulations.
        """
        if problem := ref_problem(cmd.ref):  # before anything is sent: it could take an advice clock's id
            raise InvalidStart("ref", problem)
        if not _KEYWORD.match(cmd.team):  # the case lists ask Temporal for it by name
            raise InvalidStart("team", "a team name is 1-64 letters, digits, spaces, '-' or '_'")
        try:
            if not migrating:
                under_the_regulations(cmd.day0)
                source_known(cmd)
            case = start_case(cmd, today)
            for action in prior_actions:
                case = apply(case, action, today)
        except RuleViolation as err:
            raise InvalidStart(err.field, err.reason) from None
        view = case_view(case, today)
        if self._stored is not None and self._stored(cmd.ref):
            raise AlreadyStarted(cmd.ref)
        try:
            async with asyncio.timeout(self.action_timeout):
                handle: WorkflowHandle[Any, Any] = await self._start(cmd, prior_actions, view)
        except WorkflowAlreadyStartedError:
            raise AlreadyStarted(cmd.ref) from None
        except TimeoutError:
            raise NotAnswered(
                "case",
                f"the workflow service did not answer in time: case {cmd.ref} may have started, look for it",
            ) from None
        except RPCError as err:
            raise Unavailable("case", f"case {cmd.ref} was not started: {err.message}") from None
        return Started(handle.id, view)

    async def _start(
        self, cmd: StartAssessment, prior_actions: Sequence[CaseCommand], view: CaseView
    ) -> WorkflowHandle[Any, Any]:
        return await self.client.start_workflow(
            AssessmentWorkflow.run,
            AssessmentInput(
                start=cmd, timing=self.timing, prior_actions=list(prior_actions), plan_timing=self.plan_timing
            ),
            id=case_workflow_id(cmd.ref),
            task_queue=self.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=initial_search_attributes(view),
        )

    async def act(self, ref: str, command: CaseCommand, idempotency_key: str | None = None) -> CaseView:
        """Apply ``command`` through the workflow's validated update; the case as it then stands.

        With ``idempotency_key`` the update has a stable id (``update_id``), so
        sending the same request again returns the first one's result.
        """
        handle = self.client.get_workflow_handle(case_workflow_id(ref))
        uid = update_id(ref, command, idempotency_key) if idempotency_key else None
        try:
            async with asyncio.timeout(self.action_timeout):
                view: CaseView = await handle.execute_update(UPDATES[type(command)], command, id=uid)
                return view
        except Exception as err:
            raise from_temporal(ref, err) from None

    async def read(self, ref: str) -> CaseView:
        """The case as its workflow holds it now."""
        handle = self.client.get_workflow_handle(case_workflow_id(ref))
        try:
            async with asyncio.timeout(self.read_timeout):
                view: CaseView = await handle.query(AssessmentWorkflow.state)
                return view
        except (RPCError, TimeoutError) as err:
            raise from_temporal(ref, err) from None

    async def _describe(self, ref: str) -> WorkflowExecutionDescription | None:
        """The case's workflow as Temporal describes it (no worker needed); None if it has none."""
        handle = self.client.get_workflow_handle(case_workflow_id(ref))
        try:
            async with asyncio.timeout(self.read_timeout):
                return await handle.describe()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return None
            raise from_temporal(ref, err) from None
        except TimeoutError as err:
            raise from_temporal(ref, err) from None

    async def team_of(self, ref: str) -> str:
        """The case's team as its workflow was started with (its search attribute)."""
        described = await self._describe(ref)
        team = described.typed_search_attributes.get(sa.TEAM) if described else None
        if team is None:
            raise CaseNotFound(ref)
        return team

    async def workflow_status(self, ref: str) -> str:
        """How the case's workflow stands in Temporal: RUNNING, COMPLETED, FAILED, TERMINATED,
        TIMED_OUT, CANCELED, CONTINUED_AS_NEW, or NOT_FOUND (never started, or gone past retention)."""
        described = await self._describe(ref)
        if described is None:
            return "NOT_FOUND"
        return described.status.name if described.status is not None else "UNKNOWN"

    async def decode_payloads(self, body: object) -> dict[str, object]:
        """Decrypt payloads as Temporal's UI asks its remote codec (``ValueError`` if unreadable)."""
        codec = self.client.data_converter.payload_codec
        if codec is None:
            raise ValueError("this engine's client does not encrypt payloads")
        return await remote_decode(codec, body)

    async def open_cases(
        self,
        *,
        team: str | None = None,
        stage: str | None = None,
        breached: bool | None = None,
        due_within_days: int | None = None,
        limit: int = 100,
    ) -> list[CaseSummary]:
        """Running cases, soonest next deadline first."""
        due_before = (
            datetime.now(UTC) + timedelta(days=due_within_days) if due_within_days is not None else None
        )
        query = open_cases_query(team=team, stage=stage, breached=breached, due_before=due_before)
        out: list[CaseSummary] = []
        try:
            async with asyncio.timeout(self.read_timeout):
                out = await self._list(query, limit)
        except (RPCError, TimeoutError) as err:
            raise Unavailable("cases", f"the case list cannot be read now ({err})") from None
        far = datetime.max.replace(tzinfo=UTC)
        out.sort(key=lambda c: (c.next_deadline is None, c.next_deadline or far))
        return out

    async def _list(self, query: str, limit: int) -> list[CaseSummary]:
        out: list[CaseSummary] = []
        async for wf in self.client.list_workflows(query, limit=limit):
            attrs = wf.typed_search_attributes
            out.append(
                CaseSummary(
                    ref=case_ref_of(wf.id),
                    stage=attrs.get(sa.CASE_STAGE),
                    team=attrs.get(sa.TEAM),
                    next_deadline=attrs.get(sa.NEXT_DEADLINE),
                    breached=attrs.get(sa.BREACHED),
                )
            )
        return out
