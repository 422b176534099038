"""The reconciliation of the store with Temporal: every case the store holds open must have a workflow
running. One that failed, was terminated, timed out or is gone is recorded in the store, shown on the
managers' pages and alerted, once, to the case's manager and the head of service."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog
from sqlalchemy.orm import Session, sessionmaker

from ehcna.gateway.errors import GatewayError
from ehcna.store import faults

# still doing its work, or done with it (the store is written before the workflow ends)
FINE = {"RUNNING", "COMPLETED", "CONTINUED_AS_NEW"}


class Reconciler:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        status_of: Callable[[str], Awaitable[str]],
        alert: Callable[[str, str, str], Awaitable[None]],
    ) -> None:
        self._sessions = sessions
        self._status_of = status_of  # CaseGateway.workflow_status
        self._alert = alert  # AlertingNotifications.workflow_stopped
        self._log = structlog.get_logger("ehcna.reconcile")

    async def reconcile(self) -> int:
        """Check every open case once; the number of cases newly found stopped."""
        with self._sessions() as session:
            cases = faults.open_cases(session)
        found = 0
        for ref, team in cases:
            try:
                status = await self._status_of(ref)
            except GatewayError as err:  # Temporal unreachable: this pass says nothing of the case
                self._log.warning("reconcile_skipped", case_ref=ref, reason=err.reason)
                continue
            if status in FINE:
                continue
            now = datetime.now(UTC)
            fresh = await asyncio.to_thread(self._record, ref, team, status, now)
            self._log.error("workflow_stopped", case_ref=ref, status=status)
            found += int(fresh)
        # every stopped case's alert, each pass: its delivery is keyed, so one already sent is not sent
        # again, and one a mail outage or a crash left unsent (after its case was recorded) goes now
        with self._sessions() as session:
            stopped = [(f.case_ref, f.team, f.status) for f in faults.faults(session)]
        for ref, team, status in stopped:
            await self._alert(ref, team, status)
        return found

    def _record(self, ref: str, team: str, status: str, at: datetime) -> bool:
        with self._sessions.begin() as session:
            return faults.record_fault(session, ref, team, status, at)
