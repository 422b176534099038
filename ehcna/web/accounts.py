"""Signing in: password checks, API tokens, sessions that can be ended, and who a request comes from."""

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.commands import Actor, Role
from ehcna.store.accounts import AccountRow, ApiTokenRow
from ehcna.store.db import utc
from ehcna.store.upsert import upsert

_hasher = PasswordHasher()
# verified against when the user does not exist, so timing does not reveal which names exist
_DUMMY_HASH = _hasher.hash("not a real password")
# each check takes 64 MiB for a moment: a burst of sign-ins waits its turn rather than taking the memory
ARGON2_AT_ONCE = 2
ARGON2_WAIT_SECONDS = 10.0
_hashing = threading.BoundedSemaphore(ARGON2_AT_ONCE)
TOKEN_DAYS = 90


class SignInBusy(Exception):
    """Too many password checks already waiting: the caller answers 503 and asks to try again."""


def actor_of(row: AccountRow) -> Actor:
    return Actor(user=row.username, role=Role(row.role), team=row.team)


def save_account(session: Session, username: str, role: Role, team: str | None, password: str) -> None:
    """Create or replace an account (the password is stored as an argon2 hash)."""
    upsert(
        session,
        AccountRow.__table__,
        [
            {
                "username": username,
                "role": str(role),
                "team": team,
                "password_hash": _hasher.hash(password),
                "active": True,
            }
        ],
        ["username"],
    )


def _verify(password_hash: str, password: str) -> bool:
    if not _hashing.acquire(timeout=ARGON2_WAIT_SECONDS):
        raise SignInBusy
    try:
        _hasher.verify(password_hash, password)
        return True
    except (VerifyMismatchError, InvalidHashError):
        return False
    finally:
        _hashing.release()


def account_for_password(session: Session, username: str, password: str) -> AccountRow | None:
    """The active account with this username and password, else None (in the same time either way)."""
    row = session.get(AccountRow, username)
    if row is None or not row.active:
        _verify(_DUMMY_HASH, password)
        return None
    return row if _verify(row.password_hash, password) else None


def check_password(session: Session, username: str, password: str) -> Actor | None:
    row = account_for_password(session, username, password)
    return actor_of(row) if row else None


def end_sessions(session: Session, username: str) -> None:
    """Every session of ``username`` ends at once (signing out, deactivation)."""
    session.execute(
        update(AccountRow)
        .where(AccountRow.username == username)
        .values(session_version=AccountRow.session_version + 1)
    )


def deactivate(session: Session, username: str) -> bool:
    """The account can no longer sign in, its sessions and tokens stop working; False if there is none."""
    row = session.get(AccountRow, username)
    if row is None:
        return False
    row.active = False
    end_sessions(session, username)
    return True


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id_of(token: str) -> str:
    """The id a person names a token by (as ``ApiTokenRow.token_id``), from the token itself."""
    return _digest(token)[:12]


def issue_token(
    session: Session, username: str, label: str, days: int = TOKEN_DAYS, now: datetime | None = None
) -> str:
    """A new API token for ``username``, valid for ``days``; only its digest is kept, so show it once."""
    if session.get(AccountRow, username) is None:
        raise ValueError(f"no account '{username}'")
    if not 1 <= days <= 366:
        raise ValueError("a token lasts from 1 to 366 days")
    now = now or datetime.now(UTC)
    token = "ehcna_" + secrets.token_urlsafe(32)
    session.add(
        ApiTokenRow(
            token_digest=_digest(token),
            username=username,
            label=label,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


def tokens(session: Session) -> list[ApiTokenRow]:
    return list(session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at.desc())).all())


def token_state(row: ApiTokenRow, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked``, as the listing and the admin page show it."""
    return "revoked" if row.revoked_at else ("expired" if utc(row.expires_at) <= now else "active")


def revoke_token(session: Session, token_id: str, now: datetime | None = None) -> ApiTokenRow | None:
    """Revoke the token whose id (``ApiTokenRow.token_id``) this is; None if there is no such token."""
    if not 8 <= len(token_id) <= 64 or any(c not in "0123456789abcdef" for c in token_id):
        return None  # ids are hex: nothing else may reach the LIKE below
    matches = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_digest.startswith(token_id, autoescape=True))
    ).all()
    if len(matches) != 1:
        return None
    row = matches[0]
    row.revoked_at = row.revoked_at or now or datetime.now(UTC)
    return row


def actor_for_token(session: Session, token: str, now: datetime | None = None) -> Actor | None:
    now = now or datetime.now(UTC)
    row = session.scalar(
        select(AccountRow)
        .join(ApiTokenRow, ApiTokenRow.username == AccountRow.username)
        .where(
            ApiTokenRow.token_digest == _digest(token),
            AccountRow.active.is_(True),
            ApiTokenRow.revoked_at.is_(None),
            ApiTokenRow.expires_at > now,
        )
    )
    return actor_of(row) if row else None
