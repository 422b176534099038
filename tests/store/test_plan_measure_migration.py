"""Migration 0012 fills the dates L1-L9 need from what 0011 stored, and goes back down (SQLite)."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from ehcna.store.migrate import alembic_config


def test_0012_fills_the_first_review_date_and_the_decision_due_from_stored_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0011")
    engine = sa.create_engine(url)
    now = datetime(2026, 1, 5, tzinfo=UTC)

    def plan(ref: str, reviews_completed: int, review_due: date | None) -> dict:
        return {
            "ref": ref,
            "team": "north",
            "start_on": date(2024, 3, 4),
            "reception_year": 2020,
            "status": "in_force",
            "review_due": review_due,
            "reviews_completed": reviews_completed,
            "seq": 1,
            "updated_at": now,
        }

    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        conn.execute(
            meta.tables["plans"].insert(),
            [plan("NEW", 0, date(2025, 3, 4)), plan("REVIEWED", 1, date(2026, 2, 20))],
        )
        conn.execute(
            meta.tables["plan_reviews"].insert(),
            [
                {
                    "plan_ref": "REVIEWED",
                    "number": 1,
                    "due_on": date(2025, 3, 4),
                    "rule": "R1",
                    "held_on": date(2025, 2, 20),
                    "outcome": "MAINTAIN",
                    "decided_on": date(2025, 3, 10),
                }
            ],
        )
    command.upgrade(cfg, "0012")
    with engine.connect() as conn:
        firsts = dict(conn.execute(sa.text("SELECT ref, first_review_due FROM plans ORDER BY ref")).all())
        # the open review's date for a plan not yet reviewed; review number 1's for one reviewed
        assert firsts == {"NEW": "2025-03-04", "REVIEWED": "2025-03-04"}
        # R5: 20 February + 28 days = 20 March
        assert conn.execute(sa.text("SELECT decision_due FROM plan_reviews")).scalar() == "2025-03-20"
    command.downgrade(cfg, "0011")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM plans")).scalar() == 2
        assert conn.execute(sa.text("SELECT count(*) FROM plan_reviews")).scalar() == 1
    engine.dispose()
