"""Throttling and lockout of sign-in, per account and per address.

Five wrong passwords for an account within 15 minutes lock it for 15 minutes
from the fifth; twenty failures from one address (passwords or API tokens)
block that address likewise. A success clears the account's count. Checked
before any password is, so a locked account costs no argon2 time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ehcna.store.accounts import SignInAttemptRow
from ehcna.store.db import utc

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


def _failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> list[datetime]:
    """Failed attempts by ``value`` in ``column`` after ``since``, newest first."""
    a = SignInAttemptRow
    query = select(a.at).where(column == value, a.succeeded.is_(False), a.at > since).order_by(a.at.desc())
    return [utc(at) for at in session.scalars(query)]


def locked(session: Session, username: str | None, address: str, now: datetime) -> Locked | None:
    """Whether sign-in is refused now for this account (if named) or this address."""
    since = now - WINDOW
    if username:
        last_success = session.scalar(
            select(func.max(SignInAttemptRow.at)).where(
                SignInAttemptRow.username == username, SignInAttemptRow.succeeded.is_(True)
            )
        )
        start = max(since, utc(last_success)) if last_success else since  # a success clears the count
        failures = _failures(session, SignInAttemptRow.username, username, start)
        if len(failures) >= ACCOUNT_FAILURES:
            return Locked(
                failures[ACCOUNT_FAILURES - 1] + WINDOW, "too many failed sign-ins for this account"
            )
    failures = _failures(session, SignInAttemptRow.address, address, since)
    if len(failures) >= ADDRESS_FAILURES:
        return Locked(failures[ADDRESS_FAILURES - 1] + WINDOW, "too many failed sign-ins from your address")
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
