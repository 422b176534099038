"""Insert-or-ignore and insert-or-update, the same call on SQLite and PostgreSQL.

Each statement is built once per table and column set and then executed with
its rows as parameters: the worker writes one case event per action, and
building and compiling a fresh construct for every row was most of its cost.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import FromClause, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(dialect: str, table: FromClause) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _key(table: FromClause) -> list[Any]:
    """The primary key's columns (every table given here is a mapped Table)."""
    return list(cast(Table, table).primary_key.columns)


@lru_cache(maxsize=256)
def _ignoring(dialect: str, table: FromClause) -> Insert:
    # RETURNING, not rowcount: psycopg reports -1 for INSERT ... ON CONFLICT
    return _insert(dialect, table).on_conflict_do_nothing().returning(*_key(table))


@lru_cache(maxsize=256)
def _updating(
    dialect: str, table: FromClause, columns: tuple[str, ...], keys: tuple[str, ...], newer: str | None
) -> Insert:
    stmt = _insert(dialect, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: stmt.excluded[c] for c in columns if c not in keys},
        where=(table.c[newer] < stmt.excluded[newer]) if newer else None,
    )
    return stmt.returning(*_key(table)) if newer else stmt


def insert_ignore(session: Session, table: FromClause, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless its key exists; True when it was inserted."""
    return session.execute(_ignoring(_dialect(session), table), row).first() is not None


def upsert(session: Session, table: FromClause, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert ``rows`` (all with the same columns), or overwrite the existing rows with the same ``keys``."""
    if not rows:
        return
    stmt = _updating(_dialect(session), table, tuple(rows[0]), tuple(keys), None)
    session.execute(stmt, list(rows))


def upsert_if_newer(
    session: Session, table: FromClause, row: dict[str, Any], keys: Sequence[str], version: str
) -> bool:
    """Insert ``row``, or overwrite the stored row only if its ``version`` is lower; True if written."""
    stmt = _updating(_dialect(session), table, tuple(row), tuple(keys), version)
    return session.execute(stmt, row).first() is not None
