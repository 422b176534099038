"""One EHC needs assessment, from day 0 to its outcome.

People act through updates: each validator runs the domain rule on a copy
of the case and refuses with the rule's reason; the handler applies the same
rule for real, queues the record of it, and answers once it is recorded.
The main loop records, keeps the advice clocks running, fires alarms at
absolute instants and keeps the search attributes current. Since v7 an advice
clock is a set of alarms of the case itself (a timer of the one workflow), not
a child workflow: a submission is then one workflow task of the case, where a
child cost three (the case's, the child's woken by its signal, the case's told
of the child's end). Cases begun with children keep them.
"""

import asyncio
from datetime import date, datetime
from functools import partial
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from activities.casework import CaseRecordActivities, NotificationActivities
    from activities.options import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, FIRST_TRY_ONLY, FIRST_TRY_TIMEOUT
    from domain import assessment as rules
    from domain.alarms import Alarm, advice_alarms, case_alarms
    from domain.case import Case, Outcome
    from domain.clock import london_date, start_of_day
    from domain.commands import (
        Actor,
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
        SubmitAdvice,
        TransferOut,
        Withdraw,
        WithdrawAdviceRequest,
    )
    from domain.deadlines import next_status_change
    from domain.errors import RuleViolation
    from domain.events import AdviceNotice, CaseEvent, ExceptionNotice
    from domain.plan_from_case import NoPlanToStart, plan_of_case
    from domain.views import CaseView, case_view
    from workflows import search_attributes as sa
    from workflows.ids import advice_workflow_id, plan_workflow_id
    from workflows.inputs import AdviceInput, AdviceUpdate, AssessmentInput
    from workflows.plan_inputs import PlanInput

from workflows.advice import AdviceWorkflow
from workflows.alarm_clock import ALARMS_IN_BACKGROUND, AlarmClock, Waker, raise_alarm, sleep_until
from workflows.plan import PlanWorkflow
from workflows.refusals import refusal

# v3: a case event is recorded by a local activity, inside the workflow task that
# applied it, so an update is answered in one round trip to the server, not three
RECORD_LOCALLY = "record-locally"
# v4: advice clocks get ids no case reference can take (workflows/ids.py); a case started
# with the legacy ids keeps them for the children it already has
ADVICE_IDS_APART = "advice-ids-apart"
# v6: the case officer is told when advice arrives (an activity beside the main loop, so a mail
# server that is down never holds up the case); cases that received advice before it replay without
ADVICE_RECEIVED_NOTICE = "advice-received-notice"
# v7: the advice clocks run inside the case (alarms of its own, one AlarmClock per advice request),
# not as child workflows; cases begun with children keep them for the rest of their life
ADVICE_CLOCKS_IN_CASE = "advice-clocks-in-case"
# v8: the case events waiting in the outbox are recorded by one local activity (a case's start and
# its imported steps: one marker and one transaction where they took one each)
RECORD_IN_ONE_GO = "record-in-one-go"
# v9: the final plan issued starts the plan in force (``ehcplan-<ref>``, a child workflow abandoned to live
# on once the case ends); cases that issued their plan before it replay without
PLAN_IN_FORCE = "plan-in-force"
# workflow.patched id: the plan's convening setting is never the team of a withdrawn education request
PLAN_SETTING_NOT_WITHDRAWN = "plan-setting-not-withdrawn"
# v10: the advice-received notice is first tried by a local activity, in the workflow task that recorded
# the advice (the worker sends the notices of cases asked at the same time together); only what that try
# leaves undone goes to the ordinary, retried activity that v6-v9 started for every notice. The answer to the
# submission waits for that try: a mail server that refuses fails it at once, one that hangs holds the answer
# for the policy's SMTP timeout (5 s by default) before the retried activity takes over
ADVICE_NOTICE_TRIED_LOCALLY = "advice-notice-tried-locally"
# v10: the main loop keeps its timer from pass to pass while the next wake-up is unchanged, where each
# pass cancelled it and started another (two commands and two events on every action)
TIMER_KEPT = "timer-kept-while-unchanged"


@workflow.defn(name="Assessment")
class AssessmentWorkflow:
    @workflow.init
    def __init__(self, inp: AssessmentInput) -> None:
        s = inp.start
        self._input = inp
        self._case = Case(
            ref=s.ref,
            day0=s.day0,
            request_source=s.request_source,
            team=s.team,
            year_group=s.year_group,
            # v5: a case transferred in (CFA s.24) says so; earlier starts carry neither field
            transferred_in=s.transferred_in,
            original_request_on=s.original_request_on,
        )
        self._seq = 0
        self._recorded = 0
        self._outbox: list[CaseEvent | ExceptionNotice | AdviceNotice] = []
        self._notices: list[asyncio.Future[Any]] = []  # advice notices being delivered
        self._waker = Waker()  # the main loop's timer, kept while the next wake-up is unchanged (v10)
        self._woken = False
        self._alarms = AlarmClock()
        self._children: dict[str, Any] = {}  # advice id -> child handle (cases begun before v7)
        self._advice_clocks: dict[str, AlarmClock] = {}  # advice id -> its clock (v7)
        self._clocks_inside: bool | None = None  # decided once, at the first pass of the main loop
        self._told_children: dict[str, AdviceUpdate] = {}
        self._search: dict[str, Any] = {}
        # the start and any prior steps are recorded here, before any update can be
        # applied, so the audit trail always begins with them
        self._refused_start: ApplicationError | None = None
        try:
            rules.start_case(s, self._today())
            self._emit("start", s.by, s.model_dump(mode="json", exclude={"by"}))
            for cmd in inp.prior_actions:
                self._case = rules.apply(self._case, cmd, self._today())
                self._emit(cmd.kind, cmd.by, cmd.model_dump(mode="json", exclude={"by"}))
        except RuleViolation as err:
            self._refused_start = refusal(err)
            self._outbox.clear()

    # -- reading ---------------------------------------------------------

    def _today(self) -> date:
        return london_date(workflow.now())

    @workflow.query
    def state(self) -> CaseView:
        return case_view(self._case, self._today())

    @workflow.query
    def alarms_sent(self) -> list[str]:
        """Keys of the case-level alarms sent so far (advice alarms: each child's own query)."""
        return list(self._alarms.sent)

    @workflow.query
    def advice_alarms_sent(self, advice_id: str) -> list[str] | None:
        """Keys of the alarms of one advice request's clock sent so far; None when that clock is a
        child workflow of its own (cases begun before v7: ask the child)."""
        if not self._clocks_inside:
            return None
        clock = self._advice_clocks.get(advice_id)
        return list(clock.sent) if clock else []

    # -- acting ----------------------------------------------------------

    def _check(self, cmd: CaseCommand) -> Case:
        try:
            return rules.apply(self._case, cmd, self._today())
        except RuleViolation as err:
            raise refusal(err) from None

    async def _act(self, cmd: CaseCommand) -> CaseView:
        self._case = self._check(cmd)
        seq = self._emit(cmd.kind, cmd.by, cmd.model_dump(mode="json", exclude={"by"}))
        if isinstance(cmd, RecordException):
            self._outbox.append(
                ExceptionNotice(
                    workflow_id=workflow.info().workflow_id,
                    case_ref=self._case.ref,
                    seq=seq,
                    exception=self._case.exceptions[-1],
                )
            )
        if isinstance(cmd, SubmitAdvice) and workflow.patched(ADVICE_RECEIVED_NOTICE):
            self._outbox.append(self._advice_notice(cmd, seq))
        self._woken = True
        await workflow.wait_condition(lambda: self._recorded >= seq)
        return self.state()

    def _advice_notice(self, cmd: SubmitAdvice, seq: int) -> AdviceNotice:
        advice = self._case.advice_by_id(cmd.advice_id)
        assert advice is not None  # the rule just recorded it
        return AdviceNotice(
            workflow_id=workflow.info().workflow_id,
            case_ref=self._case.ref,
            seq=seq,
            team=self._case.team,
            advice_id=advice.id,
            advice_kind=advice.kind,
            provider_team=advice.provider_team,
            returned_on=cmd.returned_on,
            by=cmd.by,
        )

    def _emit(self, action: str, by: Actor, detail: dict[str, Any]) -> int:
        self._seq += 1
        self._outbox.append(
            CaseEvent(
                workflow_id=workflow.info().workflow_id,
                seq=self._seq,
                action=action,
                at=workflow.now(),
                by=by,
                detail=detail,
                # the case as it stands: never changed in place (rules.apply returns a changed copy),
                # so the event shares it rather than deep-copying it per event
                case=self._case,
            )
        )
        return self._seq

    @workflow.update
    async def decide_to_assess(self, cmd: DecideToAssess) -> CaseView:
        return await self._act(cmd)

    @decide_to_assess.validator
    def _validate_decide_to_assess(self, cmd: DecideToAssess) -> None:
        self._check(cmd)

    @workflow.update
    async def request_advice(self, cmd: RequestAdvice) -> CaseView:
        return await self._act(cmd)

    @request_advice.validator
    def _validate_request_advice(self, cmd: RequestAdvice) -> None:
        self._check(cmd)

    @workflow.update
    async def submit_advice(self, cmd: SubmitAdvice) -> CaseView:
        return await self._act(cmd)

    @submit_advice.validator
    def _validate_submit_advice(self, cmd: SubmitAdvice) -> None:
        self._check(cmd)

    @workflow.update
    async def record_advice_not_received(self, cmd: RecordAdviceNotReceived) -> CaseView:
        return await self._act(cmd)

    @record_advice_not_received.validator
    def _validate_record_advice_not_received(self, cmd: RecordAdviceNotReceived) -> None:
        self._check(cmd)

    @workflow.update
    async def record_exception(self, cmd: RecordException) -> CaseView:
        return await self._act(cmd)

    @record_exception.validator
    def _validate_record_exception(self, cmd: RecordException) -> None:
        self._check(cmd)

    @workflow.update
    async def decide_to_issue(self, cmd: DecideToIssue) -> CaseView:
        return await self._act(cmd)

    @decide_to_issue.validator
    def _validate_decide_to_issue(self, cmd: DecideToIssue) -> None:
        self._check(cmd)

    @workflow.update
    async def serve_draft(self, cmd: ServeDraft) -> CaseView:
        return await self._act(cmd)

    @serve_draft.validator
    def _validate_serve_draft(self, cmd: ServeDraft) -> None:
        self._check(cmd)

    @workflow.update
    async def record_family_response(self, cmd: RecordFamilyResponse) -> CaseView:
        return await self._act(cmd)

    @record_family_response.validator
    def _validate_record_family_response(self, cmd: RecordFamilyResponse) -> None:
        self._check(cmd)

    @workflow.update
    async def issue_final_plan(self, cmd: IssueFinalPlan) -> CaseView:
        return await self._act(cmd)

    @issue_final_plan.validator
    def _validate_issue_final_plan(self, cmd: IssueFinalPlan) -> None:
        self._check(cmd)

    @workflow.update
    async def withdraw(self, cmd: Withdraw) -> CaseView:
        return await self._act(cmd)

    @withdraw.validator
    def _validate_withdraw(self, cmd: Withdraw) -> None:
        self._check(cmd)

    @workflow.update
    async def transfer_out(self, cmd: TransferOut) -> CaseView:
        return await self._act(cmd)

    @transfer_out.validator
    def _validate_transfer_out(self, cmd: TransferOut) -> None:
        self._check(cmd)

    # added in v4: only new histories carry it, so no patch is needed for the cases already open
    @workflow.update
    async def reassign_team(self, cmd: ReassignTeam) -> CaseView:
        return await self._act(cmd)

    @reassign_team.validator
    def _validate_reassign_team(self, cmd: ReassignTeam) -> None:
        self._check(cmd)

    # added in v5, as reassign_team in v4: only new histories carry them
    @workflow.update
    async def record_advice_request_received(self, cmd: RecordAdviceRequestReceived) -> CaseView:
        return await self._act(cmd)

    @record_advice_request_received.validator
    def _validate_record_advice_request_received(self, cmd: RecordAdviceRequestReceived) -> None:
        self._check(cmd)

    @workflow.update
    async def withdraw_advice_request(self, cmd: WithdrawAdviceRequest) -> CaseView:
        return await self._act(cmd)

    @withdraw_advice_request.validator
    def _validate_withdraw_advice_request(self, cmd: WithdrawAdviceRequest) -> None:
        self._check(cmd)

    @workflow.update
    async def resend_advice_request(self, cmd: ResendAdviceRequest) -> CaseView:
        return await self._act(cmd)

    @resend_advice_request.validator
    def _validate_resend_advice_request(self, cmd: ResendAdviceRequest) -> None:
        self._check(cmd)

    # -- the main loop ---------------------------------------------------

    @workflow.run
    async def run(self, inp: AssessmentInput) -> CaseView:
        if self._refused_start is not None:
            raise self._refused_start
        # v2: alerts are sent beside the main loop (cases recorded under v1 replay as they ran)
        background = workflow.patched(ALARMS_IN_BACKGROUND)
        self._clocks_inside = workflow.patched(ADVICE_CLOCKS_IN_CASE)
        sleep = self._waker.sleep_until if workflow.patched(TIMER_KEPT) else sleep_until
        while True:
            # cleared before the work, not after: an action applied while this
            # pass awaits an activity must wake the next pass, not be slept past
            self._woken = False
            await self._record_outbox()
            await self._keep_advice_clocks()
            await self._alarms.fire_due(self._schedule, self._send_alarm, in_background=background)
            await self._fire_advice_alarms(background)
            self._refresh_search_attributes()
            if self._case.is_closed and not self._outbox:
                break
            await sleep(self._next_wake(), lambda: self._woken or bool(self._outbox))
        self._waker.cancel()
        if self._case.outcome is Outcome.PLAN_ISSUED and workflow.patched(PLAN_IN_FORCE):
            await self._start_plan_in_force()
        await self._keep_advice_clocks()
        await self._alarms.delivered()
        for clock in self._advice_clocks.values():
            await clock.delivered()
        await asyncio.gather(*self._notices)
        for handle in self._children.values():
            await handle
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    async def _record_outbox(self) -> None:
        while self._outbox:
            item = self._outbox[0]
            events = self._next_case_events()
            if events and workflow.patched(RECORD_IN_ONE_GO):
                await workflow.execute_local_activity_method(
                    CaseRecordActivities.record_case_events,
                    events,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
                self._recorded = events[-1].seq
                del self._outbox[: len(events)]
                continue
            if isinstance(item, CaseEvent):
                record = (
                    workflow.execute_local_activity_method
                    if workflow.patched(RECORD_LOCALLY)
                    else workflow.execute_activity_method
                )
                await record(
                    CaseRecordActivities.record_case_event,
                    item,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
                self._recorded = item.seq
            elif isinstance(item, AdviceNotice):  # after its record, beside the loop
                if workflow.patched(ADVICE_NOTICE_TRIED_LOCALLY):
                    self._notices.append(asyncio.create_task(self._notify_advice(item)))
                else:
                    self._notices.append(
                        workflow.start_activity_method(
                            NotificationActivities.notify_advice_received,
                            item,
                            start_to_close_timeout=ACTIVITY_TIMEOUT,
                            retry_policy=ACTIVITY_RETRY,
                        )
                    )
            else:
                await workflow.execute_activity_method(
                    NotificationActivities.notify_exception_recorded,
                    item,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            self._outbox.pop(0)

    async def _notify_advice(self, notice: AdviceNotice) -> None:
        """Tell the officer of advice received: a local activity first (no task of its own on the server,
        and the worker sends it with the other cases' notices); what it leaves undone goes to the
        ordinary activity, retried until the policy gives up. Both claim the same keyed alert rows, so
        the officer is told once."""
        try:
            done = await workflow.execute_local_activity_method(
                NotificationActivities.notify_advice_received,
                notice,
                start_to_close_timeout=FIRST_TRY_TIMEOUT,
                retry_policy=FIRST_TRY_ONLY,
            )
        except ActivityError:  # timed out, say: the ordinary activity takes it over
            done = False
        if not done:
            await workflow.execute_activity_method(
                NotificationActivities.notify_advice_received,
                notice,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )

    def _next_case_events(self) -> list[CaseEvent]:
        """The case events at the head of the outbox, when there are several (one is recorded alone)."""
        events: list[CaseEvent] = []
        for item in self._outbox:
            if not isinstance(item, CaseEvent):
                break
            events.append(item)
        return events if len(events) > 1 else []

    async def _keep_advice_clocks(self) -> None:
        """A clock per open advice request: inside the case (v7), else a child told what changed."""
        if self._clocks_inside:
            for advice in self._case.advice:
                if advice.id not in self._advice_clocks and advice.is_open and advice.has_clock:
                    self._advice_clocks[advice.id] = AlarmClock()
            return
        wid = workflow.info().workflow_id
        for advice in self._case.advice:
            excepted = bool(self._case.advice_exceptions(advice.id))
            update = AdviceUpdate(advice=advice, excepted=excepted, team=self._case.team)
            if advice.id not in self._children:
                if not (advice.is_open and advice.has_clock):
                    continue
                self._children[advice.id] = await workflow.start_child_workflow(
                    AdviceWorkflow.run,
                    AdviceInput(
                        case_workflow_id=wid,
                        case_ref=self._case.ref,
                        team=self._case.team,
                        advice=advice,
                        excepted=excepted,
                        timing=self._input.timing,
                    ),
                    id=advice_workflow_id(
                        self._case.ref, advice.id, apart=workflow.patched(ADVICE_IDS_APART)
                    ),
                )
                self._told_children[advice.id] = update
            elif self._told_children[advice.id] != update and self._told_children[advice.id].advice.is_open:
                # a child ends once its advice is closed; nothing more to tell it
                await self._children[advice.id].signal(AdviceWorkflow.advice_updated, update)
                self._told_children[advice.id] = update

    async def _start_plan_in_force(self) -> None:
        """Start the plan's own workflow once, as a child the case leaves running when it ends.

        Its start is a command of this workflow's history: a retried task or a replay after a crash
        never starts it twice, and the id (one per reference, never reused) refuses a second plan even
        if one was started otherwise (imported or started by hand first), which is then kept.
        """
        try:
            start = plan_of_case(self._case, skip_withdrawn=workflow.patched(PLAN_SETTING_NOT_WITHDRAWN))
        except NoPlanToStart as why:
            workflow.logger.warning("no plan in force started: %s", why)
            return
        try:
            await workflow.start_child_workflow(
                PlanWorkflow.run,
                PlanInput(start=start, timing=self._input.plan_timing),
                id=plan_workflow_id(start.ref),
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("plan %s already has its workflow: kept as it is", start.ref)

    def _schedule(self) -> list[Alarm]:
        return case_alarms(self._case, workflow.now(), self._input.timing)

    async def _send_alarm(self, alarm: Alarm) -> None:
        case = self._case
        await raise_alarm(workflow.info().workflow_id, case.ref, case.team, case.team, alarm)

    def _advice_schedule(self, advice_id: str) -> list[Alarm]:
        """The alarms of one advice request's clock, as the child workflow computed them: none once the
        advice is closed (the child ended then), the case's team and exceptions as they stand now."""
        advice = self._case.advice_by_id(advice_id)
        if advice is None or not advice.is_open:
            return []
        excepted = bool(self._case.advice_exceptions(advice_id))
        return advice_alarms(advice, excepted, workflow.now(), self._input.timing)

    async def _fire_advice_alarms(self, background: bool) -> None:
        for advice_id, clock in list(self._advice_clocks.items()):
            await clock.fire_due(
                partial(self._advice_schedule, advice_id),
                partial(self._send_advice_alarm, advice_id),
                in_background=background,
            )

    async def _send_advice_alarm(self, advice_id: str, alarm: Alarm) -> None:
        case = self._case
        advice = case.advice_by_id(advice_id)
        holder = advice.provider_team if advice else case.team
        await raise_alarm(workflow.info().workflow_id, case.ref, case.team, holder, alarm)

    def _next_wake(self) -> datetime | None:
        candidates = [
            self._alarms.next_at(self._schedule()),
            next_status_change(self._case, workflow.now()),
            *(clock.next_at(self._advice_schedule(i)) for i, clock in self._advice_clocks.items()),
        ]
        return min((c for c in candidates if c is not None), default=None)

    def _refresh_search_attributes(self) -> None:
        view = self.state()
        nxt = view.next_deadline
        wanted: dict[str, Any] = {
            sa.CASE_STAGE.name: str(view.stage),
            sa.TEAM.name: self._case.team,
            sa.BREACHED.name: view.breached,
            sa.NEXT_DEADLINE.name: start_of_day(nxt.due) if nxt else None,
        }
        if wanted == self._search:
            return
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CASE_STAGE.value_set(wanted[sa.CASE_STAGE.name]),
            sa.TEAM.value_set(wanted[sa.TEAM.name]),
            sa.BREACHED.value_set(wanted[sa.BREACHED.name]),
            sa.NEXT_DEADLINE.value_set(wanted[sa.NEXT_DEADLINE.name])
            if nxt
            else sa.NEXT_DEADLINE.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)
        self._search = wanted
