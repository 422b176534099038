"""Fires the alarms of a schedule once each, in workflow time."""

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.casework import NotificationActivities
    from activities.options import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
    from domain.alarms import Alarm, due_alarms, next_alarm_at
    from domain.events import AlarmEvent


# workflow.patched id of the change that moved alert delivery off the main loop
ALARMS_IN_BACKGROUND = "alarms-in-background"


class AlarmClock:
    """Remembers which alarms have fired; lives in workflow state, so replays agree."""

    def __init__(self) -> None:
        self.fired: set[str] = set()
        self.sent: list[str] = []  # keys of alarms sent, in order (superseded ones are not)
        self._in_flight: list[asyncio.Task[None]] = []

    async def fire_due(
        self,
        schedule: Callable[[], list[Alarm]],
        send: Callable[[Alarm], Coroutine[Any, Any, None]],
        in_background: bool = False,
    ) -> None:
        """Send every due alarm, recomputing the schedule after each.

        Recomputing means a step done while an alert was being sent cancels the
        alarms still waiting for it. ``in_background`` sends without waiting for
        delivery, so a mail server that is down delays the alert, never the case:
        people's actions go on being applied and recorded meanwhile.
        """
        while True:
            to_send, superseded = due_alarms(schedule(), self.fired, workflow.now())
            self.fired.update(a.key for a in superseded)
            if not to_send:
                return
            alarm = to_send[0]
            if in_background:
                self._in_flight.append(asyncio.create_task(send(alarm)))
            else:
                await send(alarm)
            self.fired.add(alarm.key)
            self.sent.append(alarm.key)

    def all_delivered(self) -> bool:
        """Whether every alarm sent in the background has been delivered (or has failed)."""
        return all(task.done() for task in self._in_flight)

    async def delivered(self) -> None:
        """Wait for alarms still being sent (before the workflow ends)."""
        await asyncio.gather(*self._in_flight)

    def next_at(self, alarms: list[Alarm]) -> datetime | None:
        return next_alarm_at(alarms, self.fired)


async def raise_alarm(case_workflow_id: str, case_ref: str, team: str, holder: str, alarm: Alarm) -> None:
    """Send one reminder, breach alert or escalation through the notification activity.

    ``team`` is the case officers' team; ``holder`` the team that must act (the
    provider team for advice). The same for a case's own deadlines and its advice clocks.
    """
    event = AlarmEvent(
        workflow_id=case_workflow_id,
        case_ref=case_ref,
        team=team,
        holder=holder,
        alarm=alarm,
        raised_at=workflow.now(),
    )
    await workflow.execute_activity_method(
        NotificationActivities.raise_alarm,
        event,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=ACTIVITY_RETRY,
    )


async def sleep_until(wake_at: datetime | None, woken: Callable[[], bool]) -> None:
    """Wait until ``wake_at`` (a durable timer) or until ``woken()`` turns true."""
    timeout = None if wake_at is None else max(wake_at - workflow.now(), timedelta(0))
    try:
        await workflow.wait_condition(woken, timeout=timeout)
    except TimeoutError:
        pass


class Waker:
    """A main loop's one durable timer, kept from pass to pass while the instant it wakes at is unchanged.

    ``sleep_until`` starts a timer for each wait and cancels it when woken: two commands (and two
    events) on every action, even when the next deadline stays where it was. Here an action that
    leaves the next wake-up where it was costs no timer command at all.
    """

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._timer: asyncio.Task[None] | None = None

    async def sleep_until(self, wake_at: datetime | None, woken: Callable[[], bool]) -> None:
        """Wait until ``wake_at`` or until ``woken()`` turns true, keeping the timer for the next pass."""
        if wake_at != self._at or self._timer is None or self._timer.done():
            self.cancel()
            self._at = wake_at
            if wake_at is not None:
                delay = wake_at - workflow.now()
                if delay <= timedelta(0):
                    return  # due already: the next pass fires it
                self._timer = asyncio.create_task(workflow.sleep(delay))
        timer = self._timer
        await workflow.wait_condition(lambda: woken() or (timer is not None and timer.done()))

    def cancel(self) -> None:
        """Cancel the timer waiting (the loop ends, or the instant changed)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer = None
        self._at = None
