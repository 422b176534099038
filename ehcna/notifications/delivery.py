"""Claim, send, mark: each alert delivered once, or recorded as failed.

For every (source, recipient, channel) a row is claimed in the store first
(insert-or-ignore on its unique key), then sent, then marked SENT in its own
transaction the moment the channel accepts it. A retried activity, a
restarted worker or a replayed workflow claims nothing new, skips SENT and
FAILED rows and sends the CLAIMED ones again.

The one window left: a worker that dies after the channel accepted a message
and before the SENT mark commits sends that message once more when the
activity is retried (the mail carries the same Message-ID, a webhook the same
Idempotency-Key, so the far end can fold the repeat). Nothing is lost.

A channel that is down makes the attempt raise a retryable error, so the
Temporal activity retry backs off and tries again; past the policy's
give-up point (counted from the first claim) the row is marked FAILED and the
failure is raised to the head of service. A refusal that cannot change (a
5xx SMTP reply, a 4xx from a webhook) is FAILED at once.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from domain.escalation import Channel
from ehcna.notifications.channels.base import ChannelSender, DeliveryError
from ehcna.notifications.directory import Target
from ehcna.notifications.messages import Message
from ehcna.store import alerts
from ehcna.store.alerts import AlertKind, AlertState, Claim
from ehcna.store.db import utc

DELIVERY_PENDING = "DeliveryPending"


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient on one channel, with the row that records it."""

    target: Target
    message: Message
    claim: Claim


@dataclass(frozen=True)
class Failed:
    outgoing: Outgoing
    error: str


def alert_key(source_key: str, target: Target) -> str:
    return f"{source_key}#{target.recipient}#{target.channel}"


def outgoing(
    source_key: str, kind: AlertKind, target: Target, message: Message, **context: str | None
) -> Outgoing:
    """The message and the row that records it; ``context`` fills the row's case columns."""
    claim = Claim(
        key=alert_key(source_key, target),
        source_key=source_key,
        kind=kind,
        recipient=target.recipient,
        recipient_name=target.name,
        address=target.address,
        channel=str(target.channel),
        subject=message.subject[:300],
        **context,
    )
    return Outgoing(target, message, claim)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        senders: dict[Channel, ChannelSender],
        give_up_after: timedelta,
        attempt_budget_seconds: float,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._give_up_after = give_up_after
        self._budget = attempt_budget_seconds
        self._clock = clock
        self._log = structlog.get_logger("ehcna.delivery")

    async def _tx(self, fn: Callable[..., Any], *args: Any) -> Any:
        def run() -> Any:
            with self._sessions.begin() as session:
                return fn(session, *args)

        return await asyncio.to_thread(run)

    async def deliver(
        self,
        items: Sequence[Outgoing],
        on_failed: Callable[[list[Failed]], Awaitable[None]] | None = None,
        *,
        retry: bool = True,
    ) -> None:
        """Deliver each item once. Raises a retryable ``ApplicationError`` while some wait for a channel.

        ``retry=False``: one attempt only, a failure is final (for the failure notices themselves).
        """
        keys = [i.claim.key for i in items]
        await self._tx(alerts.claim, [i.claim for i in items], self._clock())
        # rows claimed under an earlier directory whose recipient is no longer resolved
        sources = sorted({i.claim.source_key for i in items})
        dropped = await self._tx(alerts.drop_unresolved, sources, keys, self._clock())
        if dropped:
            self._log.warning("alerts_no_longer_resolved", keys=dropped)
        rows: list[alerts.AlertRow] = await self._tx(alerts.in_state, keys, AlertState.CLAIMED)
        by_key = {i.claim.key: i for i in items}
        started = time.monotonic()
        waiting: list[str] = []
        for row in rows:
            if time.monotonic() - started > self._budget:
                waiting.append(f"{row.key}: not tried, this attempt's time is up")
                continue
            delayed = await self._attempt(row, by_key[row.key], retry)
            if delayed:
                waiting.append(f"{row.key}: {delayed}")
        if on_failed is not None:
            # every failed row, not only this attempt's: a retry finishes notices a crash left unsent
            failed = await self._tx(alerts.in_state, keys, AlertState.FAILED)
            if failed:
                await on_failed([Failed(by_key[r.key], r.last_error or "failed") for r in failed])
        if waiting:
            raise ApplicationError(
                f"{len(waiting)} alert(s) waiting for their channel: " + "; ".join(waiting)[:1000],
                type=DELIVERY_PENDING,
            )

    async def _attempt(self, row: alerts.AlertRow, item: Outgoing, retry: bool) -> str | None:
        """Send one claimed row and record the outcome; the reason when it must wait for a retry."""
        await self._tx(alerts.record_attempt, row.key, self._clock())
        try:
            await self._send(item)
        except DeliveryError as err:
            waited = self._clock() - utc(row.claimed_at)
            if err.permanent or not retry or waited >= self._give_up_after:
                await self._tx(alerts.mark_failed, row.key, err.reason, self._clock())
                self._log.error("alert_failed", key=row.key, error=err.reason, permanent=err.permanent)
                return None
            await self._tx(alerts.record_error, row.key, err.reason)
            self._log.warning("alert_delayed", key=row.key, error=err.reason)
            return err.reason
        # marked at once, in its own transaction: the window for a repeat is this one commit
        await self._tx(alerts.mark_sent, row.key, self._clock())
        self._log.info("alert_sent", key=row.key, channel=str(item.target.channel))
        return None

    def accepts(self, target: Target) -> bool:
        """Whether a configured channel can reach ``target``; others are not claimed at all."""
        sender = self._senders.get(target.channel)
        return sender is not None and sender.accepts(target)

    async def _send(self, item: Outgoing) -> None:
        sender = self._senders.get(item.target.channel)
        if sender is None:
            raise DeliveryError(f"channel {item.target.channel} is not configured", permanent=True)
        await sender.send(item.target, item.message, item.claim.key)
