"""The activities the assessment workflows call, with injected ports."""

import structlog
from temporalio import activity

from activities.ports import CaseRecordPort, NotificationPort
from domain.events import AdviceNotice, AlarmEvent, CaseEvent, ExceptionNotice


class CaseRecordActivities:
    def __init__(self, records: CaseRecordPort) -> None:
        self._records = records

    @activity.defn(name="record_case_event")
    async def record_case_event(self, event: CaseEvent) -> None:
        """Record one applied action; the port keys it on ``event.key``, so a retry writes nothing new."""
        with structlog.contextvars.bound_contextvars(case_ref=event.case.ref):
            await self._records.record_case_event(event)

    @activity.defn(name="record_case_events")
    async def record_case_events(self, events: list[CaseEvent]) -> None:
        """Record several applied actions of one case in order (its start and imported steps), as one
        local activity; each keyed as ``record_case_event`` keys it, so a retry writes nothing new."""
        with structlog.contextvars.bound_contextvars(case_ref=events[0].case.ref if events else None):
            await self._records.record_case_events(events)


class NotificationActivities:
    def __init__(self, notifications: NotificationPort) -> None:
        self._notifications = notifications

    @activity.defn(name="raise_alarm")
    async def raise_alarm(self, event: AlarmEvent) -> None:
        """Send a reminder, breach alert or escalation (keyed on ``event.key``)."""
        with structlog.contextvars.bound_contextvars(case_ref=event.case_ref):
            await self._notifications.alarm(event)

    @activity.defn(name="notify_exception_recorded")
    async def notify_exception_recorded(self, notice: ExceptionNotice) -> None:
        """Tell the family an exception was applied (Code of Practice 9.42)."""
        with structlog.contextvars.bound_contextvars(case_ref=notice.case_ref):
            await self._notifications.exception_recorded(notice)

    @activity.defn(name="notify_advice_received")
    async def notify_advice_received(self, notice: AdviceNotice) -> None:
        """Tell the case officer that advice arrived (keyed on ``notice.key``)."""
        with structlog.contextvars.bound_contextvars(case_ref=notice.case_ref):
            await self._notifications.advice_received(notice)
