"""Every alert the engine sends, one row per (alarm, recipient, channel).

The row is claimed (CLAIMED) before its message is sent and marked SENT the
moment the channel accepts it, so a retried activity, a restarted worker or a
replayed workflow finds the row and sends nothing twice. A row that could not
be delivered ends FAILED, kept for the managers' pages and digest.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ehcna.store.models import REF, TEAM, Base
from ehcna.store.upsert import insert_ignore


class AlertState(StrEnum):
    CLAIMED = "claimed"  # to be sent (or sent, and the worker died before marking it)
    SENT = "sent"  # the channel accepted it
    FAILED = "failed"  # refused for good, or given up on: shown to managers


class AlertKind(StrEnum):
    ALARM = "alarm"  # a reminder, breach or escalation
    FAMILY_NOTICE = "family_notice"  # an exception was recorded
    UNDELIVERED = "undelivered"  # to the head of service: an alert could not be delivered
    DIGEST = "digest"  # a manager's daily digest
    WORKFLOW_STOPPED = "workflow_stopped"  # a case's workflow stopped without closing it
    ADVICE_NOTICE = "advice_notice"  # to the case officer: advice arrived
    ADVICE_DIGEST = "advice_digest"  # to a case officer: the advice that arrived the day before


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)  # <source key>#<recipient>#<channel>
    source_key: Mapped[str] = mapped_column(String(400), index=True)  # e.g. AlarmEvent.key
    kind: Mapped[str] = mapped_column(String(16))
    case_ref: Mapped[str | None] = mapped_column(REF, index=True)
    deadline_key: Mapped[str | None] = mapped_column(String(48))
    level: Mapped[str | None] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(TEAM)  # the case officers' team
    holder: Mapped[str | None] = mapped_column(TEAM)  # the team that must act
    recipient: Mapped[str] = mapped_column(String(80))  # person id, webhook name or "family"
    recipient_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(320))  # email address or webhook name (never a URL)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    __table_args__ = (Index("ix_alerts_state_team", "state", "team"),)


@dataclass(frozen=True)
class Claim:
    """What a row records about an alert before it is sent."""

    key: str
    source_key: str
    kind: AlertKind
    recipient: str
    recipient_name: str
    address: str
    channel: str
    subject: str
    case_ref: str | None = None
    deadline_key: str | None = None
    level: str | None = None
    team: str | None = None
    holder: str | None = None


def claim(session: Session, claims: Iterable[Claim], at: datetime) -> None:
    """Insert a CLAIMED row per claim unless its key exists (whatever state it is in)."""
    for c in claims:
        insert_ignore(
            session,
            AlertRow.__table__,
            {
                "key": c.key,
                "source_key": c.source_key,
                "kind": str(c.kind),
                "case_ref": c.case_ref,
                "deadline_key": c.deadline_key,
                "level": c.level,
                "team": c.team,
                "holder": c.holder,
                "recipient": c.recipient,
                "recipient_name": c.recipient_name,
                "address": c.address,
                "channel": c.channel,
                "subject": c.subject,
                "state": str(AlertState.CLAIMED),
                "attempts": 0,
                "claimed_at": at,
            },
        )


def in_state(session: Session, keys: Sequence[str], state: AlertState) -> list[AlertRow]:
    """The rows among ``keys`` in ``state`` (CLAIMED: not yet sent; FAILED: given up on), in key order."""
    rows = session.scalars(select(AlertRow).where(AlertRow.key.in_(keys), AlertRow.state == str(state))).all()
    by_key = {r.key: r for r in rows}
    return [by_key[k] for k in keys if k in by_key]


def drop_unresolved(
    session: Session, source_keys: Sequence[str], keep: Sequence[str], at: datetime
) -> list[str]:
    """Mark FAILED the CLAIMED rows of ``source_keys`` not in ``keep`` (their recipient left the policy)."""
    stale = list(
        session.scalars(
            select(AlertRow.key).where(
                AlertRow.source_key.in_(source_keys),
                AlertRow.key.not_in(keep),
                AlertRow.state == str(AlertState.CLAIMED),
            )
        ).all()
    )
    for key in stale:
        mark_failed(session, key, "no longer a recipient under the current policy", at)
    return stale


def record_attempt(session: Session, key: str, at: datetime) -> None:
    session.execute(
        update(AlertRow).where(AlertRow.key == key).values(attempts=AlertRow.attempts + 1, last_attempt_at=at)
    )


def record_attempts(session: Session, keys: Sequence[str], at: datetime) -> None:
    """``record_attempt`` for several rows, in one statement."""
    if keys:
        session.execute(
            update(AlertRow)
            .where(AlertRow.key.in_(keys))
            .values(attempts=AlertRow.attempts + 1, last_attempt_at=at)
        )


def mark_sent_all(session: Session, keys: Sequence[str], at: datetime) -> None:
    """``mark_sent`` for several rows, in one statement."""
    if keys:
        session.execute(
            update(AlertRow)
            .where(AlertRow.key.in_(keys), AlertRow.state == str(AlertState.CLAIMED))
            .values(state=str(AlertState.SENT), sent_at=at, last_error=None)
        )


def mark_sent(session: Session, key: str, at: datetime) -> None:
    session.execute(
        update(AlertRow)
        .where(AlertRow.key == key, AlertRow.state == str(AlertState.CLAIMED))
        .values(state=str(AlertState.SENT), sent_at=at, last_error=None)
    )


def record_error(session: Session, key: str, error: str) -> None:
    session.execute(update(AlertRow).where(AlertRow.key == key).values(last_error=error[:2000]))


def mark_failed(session: Session, key: str, error: str, at: datetime) -> None:
    session.execute(
        update(AlertRow)
        .where(AlertRow.key == key, AlertRow.state == str(AlertState.CLAIMED))
        .values(state=str(AlertState.FAILED), failed_at=at, last_error=error[:2000])
    )


def alerts_for_case(session: Session, case_ref: str) -> list[AlertRow]:
    """A case's alerts, oldest first (the case page's "alerts" panel)."""
    return list(
        session.scalars(select(AlertRow).where(AlertRow.case_ref == case_ref).order_by(AlertRow.id)).all()
    )
