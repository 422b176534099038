"""The migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import ehcna.store.accounts
import ehcna.store.alerts
import ehcna.store.faults
import ehcna.store.plans  # noqa: F401
from ehcna.store.models import Base


def test_migrated_schema_matches_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_0007_keeps_every_row_and_moves_the_sen2_flags_into_appeals_and_back(tmp_path):
    """On SQLite, altering ``cases`` copies the table: no child row may be lost with the old one."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa
    from alembic import command

    from ehcna.store.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'store.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0006")
    engine = sa.create_engine(url)
    now = datetime(2025, 6, 1, tzinfo=UTC)
    case = {
        "ref": "C-1",
        "workflow_id": "ehcna-C-1",
        "team": "north",
        "request_source": "PARENT",
        "year_group": 5,
        "day0": date(2025, 1, 6),
        "t1_due": date(2025, 2, 17),
        "t3_due": date(2025, 4, 28),
        "t6_due": date(2025, 5, 26),
        "stage": "closed",
        "decided_to_assess": False,
        "decision_to_assess_on": date(2025, 2, 1),
        "outcome": "NOT_ASSESSED",
        "outcome_on": date(2025, 2, 1),
        "week20_exception": False,
        "request_mediation": True,
        "request_tribunal": False,
        "assessment_mediation": False,
        "assessment_tribunal": False,
        "version": 3,
        "updated_at": now,
    }
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        conn.execute(meta.tables["cases"].insert(), [case])
        conn.execute(
            meta.tables["decisions"].insert(),
            [
                {
                    "case_ref": "C-1",
                    "decision": "TO_ASSESS",
                    "yes": False,
                    "decided_on": date(2025, 2, 1),
                    "due_on": date(2025, 2, 17),
                }
            ],
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM decisions")).scalar() == 1
        assert conn.execute(sa.text("SELECT route, disputes FROM appeals")).all() == [
            ("MEDIATION", "REQUEST")
        ]
    command.downgrade(cfg, "0006")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM decisions")).scalar() == 1
        assert conn.execute(sa.text("SELECT request_mediation FROM cases")).scalar() in (1, True)
    engine.dispose()
