"""Throttling and lockout of sign-in, per account and per address.

Five wrong passwords for an account within 15 minutes lock it for 15 minutes
from the fifth; twenty failures from one address (passwords or API tokens)
block that address likewise. A success clears the account's count. Checked
before any password is, so a locked account costs no argon2 time.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ehcna.store.accounts import SignInAttemptRow

WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
TOKEN_USER = "(api token)"  # how a bad API token is recorded: it names no account


@dataclass(frozen=True)
class Locked:
    until: datetime
    reason: str

    def seconds_left(self, now: datetime) -> int:
        return max(1, int((self.until - now).total_seconds()) + 1)


def _aware(instant: datetime) -> datetime:
    """SQLite gives back the UTC instants it was given without their zone."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _failures_since(session: Session, since: datetime, **who: str) -> list[datetime]:
    ((column, value),) = who.items()
    at = SignInAttemptRow.at
    last_success = session.scalar(
        select(func.max(at)).where(
            getattr(SignInAttemptRow, column) == value, SignInAttemptRow.succeeded.is_(True)
        )
    )
    start = max(since, _aware(last_success)) if last_success and column == "username" else since
    return [
        _aware(instant)
        for instant in session.scalars(
            select(at)
            .where(
                getattr(SignInAttemptRow, column) == value, SignInAttemptRow.succeeded.is_(False), at > start
            )
            .order_by(at.desc())
        ).all()
    ]


def locked(session: Session, username: str | None, address: str, now: datetime) -> Locked | None:
    """Whether sign-in is refused now for this account (if named) or this address."""
    since = now - WINDOW
    checks = [("address", address, ADDRESS_FAILURES, "too many failed sign-ins from your address")]
    if username:
        checks.insert(
            0, ("username", username, ACCOUNT_FAILURES, "too many failed sign-ins for this account")
        )
    for column, value, limit, reason in checks:
        failures = _failures_since(session, since, **{column: value})
        if len(failures) >= limit:
            return Locked(failures[limit - 1] + WINDOW, reason)
    return None


def record(session: Session, username: str, address: str, succeeded: bool, now: datetime) -> int:
    """Keep one attempt; its id (to mark it a success once the password is checked)."""
    row = SignInAttemptRow(username=username[:64], address=address[:64], at=now, succeeded=succeeded)
    session.add(row)
    session.flush()
    return row.id


def succeeded(session: Session, attempt: int) -> None:
    row = session.get(SignInAttemptRow, attempt)
    if row is not None:
        row.succeeded = True
