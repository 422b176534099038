"""The activities the assessment workflows call, with injected ports."""

import structlog
from temporalio import activity

from activities.ports import CaseRecordPort, NotificationPort
from domain.events import AdviceNotice, AlarmEvent, CaseEvent, ExceptionNotice

_log = structlog.get_logger("ehcna.notifications")


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
    async def notify_advice_received(self, notice: AdviceNotice) -> bool:
        """Tell the case officer that advice arrived (keyed on ``notice.key``); True once done.

        Run as a local activity (the case's first try since v10, sent together with the notices of
        other cases asked at the same time) it never raises: False when something is left undone (a
        mail server down, say), and the case hands the notice to this activity run as an ordinary one,
        which raises and is retried until the policy gives up, as before.
        """
        with structlog.contextvars.bound_contextvars(case_ref=notice.case_ref):
            if not activity.info().is_local:
                await self._notifications.advice_received(notice)
                return True
            try:
                await self._notifications.advice_received(notice)
            except Exception as err:  # anything left undone is retried by the ordinary activity
                _log.warning("advice_notice_first_try_left_undone", key=notice.key, error=type(err).__name__)
                return False
            return True
