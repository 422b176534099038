"""Fresh, migrated databases for tests: a SQLite file, and a PostgreSQL schema.

PostgreSQL is used when EHCNA_TEST_POSTGRES_URL is set (CI sets it); when it
is set and the server cannot be reached the tests fail, they do not skip.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa

from ehcna.store.db import make_engine, normalise_url
from ehcna.store.migrate import upgrade

POSTGRES_ENV = "EHCNA_TEST_POSTGRES_URL"


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database at the latest schema; drop it afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'ehcna-test.db'}"
        upgrade(url)
        yield url
        return
    base = normalise_url(os.environ[POSTGRES_ENV])
    schema = f"ehcna_test_{uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:  # fails loudly if the server is unreachable
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
