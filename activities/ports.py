"""The ports activities write through, and the adapters that only log.

Later adapters (the SQL store, email, webhooks) implement the same protocols;
the logging ones keep the engine runnable with nothing else configured.
"""

from typing import Protocol

import structlog

from domain.events import AdviceNotice, AlarmEvent, CaseEvent, ExceptionNotice


class CaseRecordPort(Protocol):
    async def record_case_event(self, event: CaseEvent) -> None: ...

    async def record_case_events(self, events: list[CaseEvent]) -> None:
        """Several events of one case, in order (a case's start and its imported steps)."""
        for event in events:
            await self.record_case_event(event)


class NotificationPort(Protocol):
    async def alarm(self, event: AlarmEvent) -> None: ...

    async def exception_recorded(self, notice: ExceptionNotice) -> None: ...

    async def advice_received(self, notice: AdviceNotice) -> None: ...


class LoggingCaseRecords:
    """Writes each case event as one structured log line."""

    def __init__(self) -> None:
        self._log = structlog.get_logger("ehcna.records")

    async def record_case_events(self, events: list[CaseEvent]) -> None:
        for event in events:
            await self.record_case_event(event)

    async def record_case_event(self, event: CaseEvent) -> None:
        self._log.info(
            "case_event",
            case_ref=event.case.ref,
            key=event.key,
            action=event.action,
            stage=str(event.case.stage),
            by=event.by.user,
        )


class LoggingNotifications:
    """Writes each alarm and family notice as one structured log line."""

    def __init__(self) -> None:
        self._log = structlog.get_logger("ehcna.notifications")

    async def alarm(self, event: AlarmEvent) -> None:
        a = event.alarm
        self._log.warning(
            "deadline_alarm",
            case_ref=event.case_ref,
            key=event.key,
            duty=str(a.duty),
            subject=a.subject,
            level=str(a.level),
            due=a.due,
            holder=event.holder,
            exception_recorded=a.excepted,
        )

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        self._log.info(
            "family_notice_exception",
            case_ref=notice.case_ref,
            key=notice.key,
            code=str(notice.exception.code),
        )

    async def advice_received(self, notice: AdviceNotice) -> None:
        self._log.info(
            "advice_received_notice",
            case_ref=notice.case_ref,
            key=notice.key,
            advice_id=notice.advice_id,
            provider_team=notice.provider_team,
        )
