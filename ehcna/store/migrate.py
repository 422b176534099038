"""Apply the Alembic migrations to a database (``ehcna migrate``; the worker does it at start too)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from ehcna.store.db import DEFAULT_URL, make_engine, normalise_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str = DEFAULT_URL) -> None:
    """Bring the database at ``url`` to the latest schema (creating a SQLite file if needed)."""
    make_engine(url).dispose()  # creates the SQLite file's folder
    command.upgrade(alembic_config(url), "head")
