"""Signing in: password checks, API tokens and who a request comes from."""

import hashlib
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.commands import Actor, Role
from ehcna.store.accounts import AccountRow, ApiTokenRow
from ehcna.store.upsert import upsert

_hasher = PasswordHasher()
# verified against when the user does not exist, so timing does not reveal which names exist
_DUMMY_HASH = _hasher.hash("not a real password")


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


def check_password(session: Session, username: str, password: str) -> Actor | None:
    row = session.get(AccountRow, username)
    try:
        if row is None or not row.active:
            _hasher.verify(_DUMMY_HASH, password)
            return None
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return actor_of(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, username: str, label: str) -> str:
    """A new API token for ``username``; only its digest is kept, so show it once."""
    token = "ehcna_" + secrets.token_urlsafe(32)
    session.add(
        ApiTokenRow(token_digest=_digest(token), username=username, label=label, created_at=datetime.now(UTC))
    )
    return token


def actor_for_token(session: Session, token: str) -> Actor | None:
    row = session.scalar(
        select(AccountRow)
        .join(ApiTokenRow, ApiTokenRow.username == AccountRow.username)
        .where(ApiTokenRow.token_digest == _digest(token), AccountRow.active.is_(True))
    )
    return actor_of(row) if row else None
