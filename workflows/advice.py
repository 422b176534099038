"""One request for advice (reg 8(1)): its own 6-week clock, its reminders and breach."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.alarms import Alarm, advice_alarms
    from domain.case import AdviceRequest
    from workflows.inputs import AdviceInput, AdviceUpdate

from workflows.alarm_clock import ALARMS_IN_BACKGROUND, AlarmClock, raise_alarm, sleep_until

# v2 of the advice clock: the first pass fires what was due for the advice as it was asked for
FIRST_PASS_AS_ASKED = "advice-first-pass-as-asked"


@workflow.defn(name="Advice")
class AdviceWorkflow:
    """Started by the assessment for each advice request with a clock.

    The assessment holds the truth about the advice and tells this workflow
    when it changes (submitted, not received, excepted, case closed); this
    workflow only keeps the clock and raises its alarms.
    """

    @workflow.init
    def __init__(self, inp: AdviceInput) -> None:
        self._input = inp
        self._advice = inp.advice
        self._excepted = inp.excepted
        self._team = inp.team  # the case's team: told again when the case moves to another
        self._changed = False
        self._alarms = AlarmClock()

    @workflow.signal
    def advice_updated(self, update: AdviceUpdate) -> None:
        self._advice = update.advice
        self._excepted = update.excepted
        self._team = update.team or self._team
        self._changed = True

    @workflow.query
    def advice(self) -> AdviceRequest:
        return self._advice

    @workflow.query
    def alarms_sent(self) -> list[str]:
        return list(self._alarms.sent)

    def _schedule(self) -> list[Alarm]:
        return advice_alarms(self._advice, self._excepted, workflow.now(), self._input.timing)

    async def _send(self, alarm: Alarm) -> None:
        i = self._input
        await raise_alarm(i.case_workflow_id, i.case_ref, self._team, self._advice.provider_team, alarm)

    @workflow.run
    async def run(self, inp: AdviceInput) -> AdviceRequest:
        background = workflow.patched(ALARMS_IN_BACKGROUND)
        if workflow.patched(FIRST_PASS_AS_ASKED):
            # A deadline already passed when the advice was asked for (a case entered late)
            # is breached whatever comes next. The assessment may close the advice before this
            # workflow's first task runs (both in one activation when the worker is busy):
            # the first pass looks at the advice as asked, so the breach never hangs on timing.
            await self._alarms.fire_due(
                lambda: advice_alarms(inp.advice, inp.excepted, workflow.now(), inp.timing),
                self._send,
                in_background=background,
            )
        while self._advice.is_open:
            self._changed = False  # before the awaits below, so a signal during them is not lost
            await self._alarms.fire_due(self._schedule, self._send, in_background=background)
            if not self._advice.is_open:
                break
            await sleep_until(self._alarms.next_at(self._schedule()), lambda: self._changed)
        await self._alarms.delivered()
        return self._advice
