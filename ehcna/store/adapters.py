"""The store behind the activities' ports: writes run in a thread, one transaction each."""

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from activities.ports import NotificationPort
from domain.events import AdviceNotice, AlarmEvent, CaseEvent, ExceptionNotice
from ehcna.store.records import record_breach, record_case_event, record_case_events


class StoreCaseRecords:
    """Implements ``CaseRecordPort``: the case rows and the audit trail."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _write(self, event: CaseEvent) -> None:
        with self._sessions.begin() as session:
            record_case_event(session, event)

    async def record_case_event(self, event: CaseEvent) -> None:
        await asyncio.to_thread(self._write, event)

    def _write_all(self, events: list[CaseEvent]) -> None:
        with self._sessions.begin() as session:
            record_case_events(session, events)

    async def record_case_events(self, events: list[CaseEvent]) -> None:
        """Several events in one transaction (one commit where a case's start and its imported steps
        took one each); a single one as ``record_case_event`` records it."""
        if len(events) == 1:
            await self.record_case_event(events[0])
        else:
            await asyncio.to_thread(self._write_all, events)


class BreachRecordingNotifications:
    """Implements ``NotificationPort``: keeps each breach in the store, then passes the alarm on."""

    def __init__(self, sessions: sessionmaker[Session], inner: NotificationPort) -> None:
        self._sessions = sessions
        self._inner = inner

    def _write(self, event: AlarmEvent) -> None:
        with self._sessions.begin() as session:
            record_breach(session, event)

    async def alarm(self, event: AlarmEvent) -> None:
        await asyncio.to_thread(self._write, event)
        await self._inner.alarm(event)

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        await self._inner.exception_recorded(notice)

    async def advice_received(self, notice: AdviceNotice) -> None:
        await self._inner.advice_received(notice)
