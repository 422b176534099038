"""Claim, send, mark: each alert delivered once, or recorded as failed.

For every (source, recipient, channel) a row is claimed in the store first
(insert-or-ignore on its unique key) and committed, then sent, then marked
SENT once the channel has accepted it. A retried activity, a
restarted worker or a replayed workflow claims nothing new, skips SENT and
FAILED rows and sends the CLAIMED ones again.

Alerts asked for at the same time (the advice notices of many cases, say) go
in one batch: one transaction claims them all, one connection per channel
sends them, one transaction marks them.

The one window left: a worker that dies after the channel accepted a message
and before the SENT marks of its batch commit sends that message once more
when the activity is retried (the mail carries the same Message-ID, a webhook
the same Idempotency-Key, so the far end can fold the repeat). Nothing is lost.

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


@dataclass
class _Asked:
    """One caller's items, waiting for the next batch; answered with (waiting reasons, FAILED rows)."""

    items: Sequence[Outgoing]
    retry: bool
    answer: "asyncio.Future[tuple[list[str], list[alerts.AlertRow]]]"


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
        self._asked: list[_Asked] = []
        self._draining: asyncio.Task[None] | None = None

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
        Callers at the same time share one batch (see ``_drain``); each hears of its own items only.
        """
        waiting, failed = await self._join(items, retry)
        if on_failed is not None and failed:
            # every failed row, not only this attempt's: a retry finishes notices a crash left unsent
            by_key = {i.claim.key: i for i in items}
            await on_failed([Failed(by_key[r.key], r.last_error or "failed") for r in failed])
        if waiting:
            raise ApplicationError(
                f"{len(waiting)} alert(s) waiting for their channel: " + "; ".join(waiting)[:1000],
                type=DELIVERY_PENDING,
            )

    async def _join(self, items: Sequence[Outgoing], retry: bool) -> tuple[list[str], list[alerts.AlertRow]]:
        """Ask for ``items`` in the next batch, starting the drain if none runs in this event loop."""
        if not items:
            return [], []
        loop = asyncio.get_running_loop()
        asked = _Asked(items, retry, loop.create_future())
        self._asked.append(asked)
        if self._draining is None or self._draining.done() or self._draining.get_loop() is not loop:
            self._draining = loop.create_task(self._drain())
        return await asked.answer

    async def _drain(self) -> None:
        """Deliver what callers asked for, in batches: everything asked while a batch is on its way goes
        in the next one. No wait is added: a caller alone is served at once, as before batching."""
        while self._asked:
            batch, self._asked = self._asked, []
            try:
                answers = await self._deliver_batch(batch)
            except BaseException as err:  # a crash or a store gone: each caller raises it
                for asked in batch:
                    if not asked.answer.done():
                        asked.answer.set_exception(err)
                if isinstance(err, asyncio.CancelledError):
                    raise
                continue
            for asked, answer in zip(batch, answers, strict=True):
                if not asked.answer.done():
                    asked.answer.set_result(answer)

    async def _deliver_batch(self, batch: list[_Asked]) -> list[tuple[list[str], list[alerts.AlertRow]]]:
        """One transaction claims every row and counts the attempt of those to send, one send per channel
        (email: one connection), one transaction records the outcomes.

        The window for a repeat (sent, and the worker dies before the SENT marks commit) is now one
        batch's sending, where it was one message's: the repeat carries the same Message-ID or
        Idempotency-Key, and nothing is lost.
        """
        retry: dict[str, bool] = {}
        by_key: dict[str, Outgoing] = {}
        for asked in batch:
            for item in asked.items:
                by_key.setdefault(item.claim.key, item)
                retry[item.claim.key] = retry.get(item.claim.key, True) and asked.retry
        rows: list[alerts.AlertRow] = await self._tx(self._claim, batch, list(by_key), self._clock())
        outcomes = await self._send_rows(rows, by_key)
        now = self._clock()
        settled: list[tuple[str, DeliveryError | None]] = []
        waiting: dict[str, str] = {}
        for row in rows:
            outcome = outcomes.get(row.key)
            if outcome is None:
                settled.append((row.key, None))
                continue
            reason, err = outcome
            if err is None:  # not tried: this attempt's time was up
                waiting[row.key] = reason
                continue
            waited = now - utc(row.claimed_at)
            if err.permanent or not retry[row.key] or waited >= self._give_up_after:
                settled.append((row.key, err))
                self._log.error("alert_failed", key=row.key, error=err.reason, permanent=err.permanent)
            else:
                waiting[row.key] = err.reason
                self._log.warning("alert_delayed", key=row.key, error=err.reason)
        errors = {k: reason for k, reason in waiting.items() if outcomes[k][1] is not None}
        failed: list[alerts.AlertRow] = await self._tx(self._settle, settled, errors, list(by_key), now)
        for key, err in settled:
            if err is None:
                self._log.info("alert_sent", key=key, channel=str(by_key[key].target.channel))
        failed_by_key = {r.key: r for r in failed}
        answers = []
        for asked in batch:
            keys = [i.claim.key for i in asked.items]
            answers.append(
                (
                    [f"{k}: {waiting[k]}" for k in keys if k in waiting],
                    [failed_by_key[k] for k in keys if k in failed_by_key],
                )
            )
        return answers

    def _claim(
        self, session: Session, batch: list[_Asked], keys: list[str], at: datetime
    ) -> list[alerts.AlertRow]:
        """Claim each item's row (a key that exists is left as it is), fail the rows of an earlier
        directory no longer resolved, count an attempt on the rows still to send and return them."""
        alerts.claim(session, [i.claim for asked in batch for i in asked.items], at)
        for asked in batch:
            # rows claimed under an earlier directory whose recipient is no longer resolved
            sources = sorted({i.claim.source_key for i in asked.items})
            dropped = alerts.drop_unresolved(session, sources, [i.claim.key for i in asked.items], at)
            if dropped:
                self._log.warning("alerts_no_longer_resolved", keys=dropped)
        rows = alerts.in_state(session, keys, AlertState.CLAIMED)
        alerts.record_attempts(session, [r.key for r in rows], at)
        return rows

    def _settle(
        self,
        session: Session,
        settled: list[tuple[str, DeliveryError | None]],
        errors: dict[str, str],
        keys: list[str],
        at: datetime,
    ) -> list[alerts.AlertRow]:
        """Mark each row sent or failed and keep the error of each tried that waits; return the FAILED
        rows of ``keys``."""
        alerts.mark_sent_all(session, [k for k, err in settled if err is None], at)
        for key, err in settled:
            if err is not None:
                alerts.mark_failed(session, key, err.reason, at)
        for key, reason in errors.items():
            alerts.record_error(session, key, reason)
        return alerts.in_state(session, keys, AlertState.FAILED)

    async def _send_rows(
        self, rows: list[alerts.AlertRow], by_key: dict[str, Outgoing]
    ) -> dict[str, tuple[str, DeliveryError | None]]:
        """Send each row's message; the key of each not sent, with (reason, error): error None when it
        was not tried because this attempt's time was up."""
        items = [by_key[r.key] for r in rows]
        started = time.monotonic()
        out: dict[str, tuple[str, DeliveryError | None]] = {}
        channels: dict[Channel, list[Outgoing]] = {}
        for item in items:
            channels.setdefault(item.target.channel, []).append(item)
        for channel, group in channels.items():
            if time.monotonic() - started > self._budget:
                out |= {i.claim.key: ("not tried, this attempt's time is up", None) for i in group}
                continue
            errors = await self._send_batch(channel, group)
            out |= {i.claim.key: (e.reason, e) for i, e in zip(group, errors, strict=True) if e is not None}
        return out

    def accepts(self, target: Target) -> bool:
        """Whether a configured channel can reach ``target``; others are not claimed at all."""
        sender = self._senders.get(target.channel)
        return sender is not None and sender.accepts(target)

    async def _send_batch(self, channel: Channel, items: list[Outgoing]) -> list[DeliveryError | None]:
        """Send the messages of one channel (email: one connection); per message None or its error."""
        sender = self._senders.get(channel)
        if sender is None:
            return [DeliveryError(f"channel {channel} is not configured", permanent=True)] * len(items)
        return await sender.send_many([(i.target, i.message, i.claim.key) for i in items])
