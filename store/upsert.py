"""Insert-or-ignore and insert-or-update, the same call on SQLite and PostgreSQL."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Table):
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(session: Session, table: Table, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its key exists; True when it was inserted."""
    stmt = _insert(session, table).values(**row).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT
    return session.execute(stmt.returning(*table.primary_key.columns)).first() is not None


def upsert(session: Session, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert ``rows``, or overwrite the existing row with the same ``keys``."""
    for row in rows:
        stmt = _insert(session, table).values(**row)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in row if c not in keys}
        )
        session.execute(stmt)
