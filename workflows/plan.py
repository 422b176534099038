"""One EHC plan in force, for as long as it lasts (years): its reviews, amendments, phase transfers and end.

As for the assessment, people act through updates whose validators run the domain rule
(``domain.annual_review.apply``) on a copy and refuse with its reason; the handler applies the same rule,
queues the record of it and answers once it is recorded. The main loop records, fires the alarms of
R1, R5, R7-R10 at absolute instants and keeps the search attributes current.

At each completed review (the decision notified) the workflow continues as new with the plan as it
stands, the event count and the alarms already sent, so a plan's history stays bounded however long
it lives. Nothing personal is carried: the reference, the team, the dates and the year cohort.
"""

from datetime import date, datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.options import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from activities.plans import PlanRecordActivities
    from domain import annual_review as rules
    from domain.alarms import Alarm
    from domain.clock import end_of_day, london_date, start_of_day
    from domain.commands import Actor
    from domain.errors import RuleViolation
    from domain.phase_transfer import TRANSFER_MONTH
    from domain.plan import Plan
    from domain.plan_alarms import plan_alarms
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
        TellFamilyOfTransferIn,
        TransferPlanOut,
    )
    from domain.plan_deadlines import LA_DUTIES, at_risk_from, current_transfer, plan_deadlines
    from domain.plan_events import PlanEvent
    from domain.plan_views import PlanView, plan_view
    from workflows import search_attributes as sa
    from workflows.plan_inputs import PlanInput

from workflows.alarm_clock import AlarmClock, raise_alarm, sleep_until
from workflows.refusals import refusal

# workflow.patched id: actions accepted after a completed review, while alerts are still being sent,
# are recorded before the plan continues as new (they used to wait forever for the ended loop)
RECORDS_WHILE_CLOSING = "plan-records-while-closing"
# workflow.patched id: the events waiting together (an imported plan's start and its ~15 steps) are
# recorded by one local activity in one transaction, not one each
PLAN_RECORD_IN_ONE_GO = "plan-record-in-one-go"


@workflow.defn(name="Plan")
class PlanWorkflow:
    @workflow.init
    def __init__(self, inp: PlanInput) -> None:
        self._input = inp
        self._seq = inp.seq
        self._recorded = inp.seq
        self._outbox: list[PlanEvent] = []
        self._woken = False
        self._alarms = AlarmClock()
        self._alarms.fired.update(inp.fired)
        self._search: dict[str, Any] = {}
        self._refused_start: ApplicationError | None = None
        if inp.plan is not None:
            self._plan = inp.plan
        else:
            assert inp.start is not None  # PlanInput holds one or the other
            s = inp.start
            try:
                self._plan = rules.start_plan(s, self._today())
                self._emit("start", s.by, s.model_dump(mode="json", exclude={"by"}))
                for cmd in inp.prior_actions:  # an imported plan's history, through the same rule
                    self._plan = rules.apply(self._plan, cmd, self._today())
                    self._emit(cmd.kind, cmd.by, cmd.model_dump(mode="json", exclude={"by"}))
            except RuleViolation as err:
                self._refused_start = refusal(err)
                self._outbox.clear()
                self._plan = Plan(ref=s.ref, team=s.team, start_on=s.start_on, reception_year=0)
                return
        self._reviews_at_start = self._plan.reviews_completed

    # -- reading ---------------------------------------------------------

    def _today(self) -> date:
        return london_date(workflow.now())

    @workflow.query
    def state(self) -> PlanView:
        return plan_view(self._plan, self._today())

    @workflow.query
    def alarms_sent(self) -> list[str]:
        """Keys of the alarms sent by this run (a run continued as new starts its list afresh)."""
        return list(self._alarms.sent)

    # -- acting ----------------------------------------------------------

    def _check(self, cmd: PlanCommand) -> Plan:
        try:
            return rules.apply(self._plan, cmd, self._today())
        except RuleViolation as err:
            raise refusal(err) from None

    async def _act(self, cmd: PlanCommand) -> PlanView:
        self._plan = self._check(cmd)
        seq = self._emit(cmd.kind, cmd.by, cmd.model_dump(mode="json", exclude={"by"}))
        self._woken = True
        await workflow.wait_condition(lambda: self._recorded >= seq)
        return self.state()

    def _emit(self, action: str, by: Actor, detail: dict[str, Any]) -> int:
        self._seq += 1
        self._outbox.append(
            PlanEvent(
                workflow_id=workflow.info().workflow_id,
                seq=self._seq,
                action=action,
                at=workflow.now(),
                by=by,
                detail=detail,
                plan=self._plan,  # never changed in place: rules.apply returns a changed copy
            )
        )
        return self._seq

    @workflow.update
    async def schedule_review_meeting(self, cmd: ScheduleReviewMeeting) -> PlanView:
        return await self._act(cmd)

    @schedule_review_meeting.validator
    def _validate_schedule_review_meeting(self, cmd: ScheduleReviewMeeting) -> None:
        self._check(cmd)

    @workflow.update
    async def circulate_review_advice(self, cmd: CirculateReviewAdvice) -> PlanView:
        return await self._act(cmd)

    @circulate_review_advice.validator
    def _validate_circulate_review_advice(self, cmd: CirculateReviewAdvice) -> None:
        self._check(cmd)

    @workflow.update
    async def hold_review_meeting(self, cmd: HoldReviewMeeting) -> PlanView:
        return await self._act(cmd)

    @hold_review_meeting.validator
    def _validate_hold_review_meeting(self, cmd: HoldReviewMeeting) -> None:
        self._check(cmd)

    @workflow.update
    async def receive_review_report(self, cmd: ReceiveReviewReport) -> PlanView:
        return await self._act(cmd)

    @receive_review_report.validator
    def _validate_receive_review_report(self, cmd: ReceiveReviewReport) -> None:
        self._check(cmd)

    @workflow.update
    async def decide_review(self, cmd: DecideReview) -> PlanView:
        return await self._act(cmd)

    @decide_review.validator
    def _validate_decide_review(self, cmd: DecideReview) -> None:
        self._check(cmd)

    @workflow.update
    async def send_amendment_notice(self, cmd: SendAmendmentNotice) -> PlanView:
        return await self._act(cmd)

    @send_amendment_notice.validator
    def _validate_send_amendment_notice(self, cmd: SendAmendmentNotice) -> None:
        self._check(cmd)

    @workflow.update
    async def record_amendment_response(self, cmd: RecordAmendmentResponse) -> PlanView:
        return await self._act(cmd)

    @record_amendment_response.validator
    def _validate_record_amendment_response(self, cmd: RecordAmendmentResponse) -> None:
        self._check(cmd)

    @workflow.update
    async def name_setting(self, cmd: NameSetting) -> PlanView:
        return await self._act(cmd)

    @name_setting.validator
    def _validate_name_setting(self, cmd: NameSetting) -> None:
        self._check(cmd)

    @workflow.update
    async def issue_amended_plan(self, cmd: IssueAmendedPlan) -> PlanView:
        return await self._act(cmd)

    @issue_amended_plan.validator
    def _validate_issue_amended_plan(self, cmd: IssueAmendedPlan) -> None:
        self._check(cmd)

    @workflow.update
    async def decide_to_cease(self, cmd: DecideToCease) -> PlanView:
        return await self._act(cmd)

    @decide_to_cease.validator
    def _validate_decide_to_cease(self, cmd: DecideToCease) -> None:
        self._check(cmd)

    @workflow.update
    async def record_cease_appeal(self, cmd: RecordCeaseAppeal) -> PlanView:
        return await self._act(cmd)

    @record_cease_appeal.validator
    def _validate_record_cease_appeal(self, cmd: RecordCeaseAppeal) -> None:
        self._check(cmd)

    @workflow.update
    async def record_cease_appeal_outcome(self, cmd: RecordCeaseAppealOutcome) -> PlanView:
        return await self._act(cmd)

    @record_cease_appeal_outcome.validator
    def _validate_record_cease_appeal_outcome(self, cmd: RecordCeaseAppealOutcome) -> None:
        self._check(cmd)

    @workflow.update
    async def cease_plan(self, cmd: CeasePlan) -> PlanView:
        return await self._act(cmd)

    @cease_plan.validator
    def _validate_cease_plan(self, cmd: CeasePlan) -> None:
        self._check(cmd)

    @workflow.update
    async def tell_family_of_transfer_in(self, cmd: TellFamilyOfTransferIn) -> PlanView:
        return await self._act(cmd)

    @tell_family_of_transfer_in.validator
    def _validate_tell_family_of_transfer_in(self, cmd: TellFamilyOfTransferIn) -> None:
        self._check(cmd)

    @workflow.update
    async def transfer_plan_out(self, cmd: TransferPlanOut) -> PlanView:
        return await self._act(cmd)

    @transfer_plan_out.validator
    def _validate_transfer_plan_out(self, cmd: TransferPlanOut) -> None:
        self._check(cmd)

    # -- the main loop ---------------------------------------------------

    @workflow.run
    async def run(self, inp: PlanInput) -> PlanView:
        if self._refused_start is not None:
            raise self._refused_start
        while True:
            self._woken = False  # cleared before the work: an action applied meanwhile wakes the next pass
            await self._record_outbox()
            await self._alarms.fire_due(self._schedule, self._send_alarm, in_background=True)
            self._refresh_search_attributes()
            if not self._outbox and (not self._plan.in_force or self._review_completed()):
                break
            await sleep_until(self._next_wake(), lambda: self._woken or bool(self._outbox))
        if workflow.patched(RECORDS_WHILE_CLOSING):
            await self._record_until_closed()
        else:
            await self._alarms.delivered()
            await workflow.wait_condition(workflow.all_handlers_finished)
        if self._plan.in_force:
            # the next review begins a run of its own: the history of one review cycle at most
            workflow.continue_as_new(
                PlanInput(
                    plan=self._plan,
                    timing=self._input.timing,
                    seq=self._seq,
                    fired=self._alarms_still_due(),
                )
            )
        return self.state()

    async def _record_until_closed(self) -> None:
        """Wait for the alerts still being sent and the handlers still running, recording meanwhile:
        the plan is still in force, so an action accepted now (the next meeting arranged while an
        alert is stuck behind a mail server that is down) must be recorded here, not left waiting
        for the loop that has ended, its handler never finishing and the plan never going on."""
        while True:
            await self._record_outbox()
            await workflow.wait_condition(
                lambda: (
                    bool(self._outbox) or (self._alarms.all_delivered() and workflow.all_handlers_finished())
                )
            )
            if not self._outbox:
                break
        await self._alarms.delivered()  # all done by now: raises a failure, as before

    def _review_completed(self) -> bool:
        return self._plan.reviews_completed > self._reviews_at_start

    async def _record_outbox(self) -> None:
        while self._outbox:
            if len(self._outbox) > 1 and workflow.patched(PLAN_RECORD_IN_ONE_GO):
                events = list(self._outbox)
                await workflow.execute_local_activity_method(
                    PlanRecordActivities.record_plan_events,
                    events,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
                self._recorded = events[-1].seq
                del self._outbox[: len(events)]
                continue
            event = self._outbox[0]
            await workflow.execute_local_activity_method(
                PlanRecordActivities.record_plan_event,
                event,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._recorded = event.seq
            self._outbox.pop(0)

    def _schedule(self) -> list[Alarm]:
        return plan_alarms(self._plan, workflow.now(), self._input.timing)

    def _alarms_still_due(self) -> list[str]:
        """The fired alarms the next run could fire again: those of deadlines still open."""
        open_keys = {a.key for a in self._schedule()}
        return sorted(k for k in self._alarms.fired if k in open_keys)

    async def _send_alarm(self, alarm: Alarm) -> None:
        plan = self._plan
        await raise_alarm(workflow.info().workflow_id, plan.ref, plan.team, plan.team, alarm)

    def _next_status_change(self) -> datetime | None:
        """The next instant a deadline turns at risk or breached, or a phase transfer's September comes:
        the workflow wakes then to refresh what the lists show even when no alarm is due."""
        now = workflow.now()
        instants: list[datetime] = []
        for d in plan_deadlines(self._plan, self._today()):
            if d.duty in LA_DUTIES and d.done_on is None:
                instants += [start_of_day(at_risk_from(d.due)), end_of_day(d.due)]
        transfer = current_transfer(self._plan, self._today())
        if transfer is not None:
            instants.append(start_of_day(date(transfer.year, TRANSFER_MONTH, 1)))
        return min((i for i in instants if i > now), default=None)

    def _next_wake(self) -> datetime | None:
        candidates = [self._alarms.next_at(self._schedule()), self._next_status_change()]
        return min((c for c in candidates if c is not None), default=None)

    def _refresh_search_attributes(self) -> None:
        view = self.state()
        nxt = view.next_deadline
        # the instant the review becomes overdue (the end of its R1 day), until its meeting is held
        review_due = None
        if view.review_due is not None and self._plan.review.held_on is None:
            review_due = end_of_day(view.review_due)
        wanted: dict[str, Any] = {
            sa.PLAN_STAGE.name: str(view.status),
            sa.TEAM.name: self._plan.team,
            sa.BREACHED.name: view.breached,
            sa.NEXT_DEADLINE.name: start_of_day(nxt.due) if nxt else None,
            sa.REVIEW_DUE.name: review_due,
        }
        if wanted == self._search:
            return
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.PLAN_STAGE.value_set(wanted[sa.PLAN_STAGE.name]),
            sa.TEAM.value_set(wanted[sa.TEAM.name]),
            sa.BREACHED.value_set(wanted[sa.BREACHED.name]),
            sa.NEXT_DEADLINE.value_set(wanted[sa.NEXT_DEADLINE.name])
            if nxt
            else sa.NEXT_DEADLINE.value_unset(),
            sa.REVIEW_DUE.value_set(review_due) if review_due else sa.REVIEW_DUE.value_unset(),
        ]
        workflow.upsert_search_attributes(updates)
        self._search = wanted
