"""The activity behind the managers' daily digest (run by the DailyDigest schedule)."""

from datetime import date
from typing import Protocol

import structlog
from temporalio import activity


class DigestPort(Protocol):
    async def send_digests(self, day: date) -> int: ...


class DigestActivities:
    def __init__(self, digests: DigestPort) -> None:
        self._digests = digests

    @activity.defn(name="send_daily_digests")
    async def send_daily_digests(self, day: date) -> int:
        """Send each manager's digest for ``day`` once (keyed on day, person and channel)."""
        with structlog.contextvars.bound_contextvars(digest_day=day.isoformat()):
            return await self._digests.send_digests(day)
