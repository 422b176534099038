"""casework: each case's next statutory step for the worklist, its named case officer, the child's
current setting and a search key, and the parent and carer contacts

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_key", sa.String(length=48), nullable=True))
        batch.add_column(sa.Column("next_due", sa.Date(), nullable=True))
    op.create_index("ix_cases_open_next_due", "cases", ["outcome", "next_due"])
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("surname_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("setting_urn", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("setting_ukprn", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("setting_type", sa.String(length=4), nullable=True))
    # on PostgreSQL a prefix LIKE uses it whatever the database's collation
    pattern_ops = {"surname_key": "varchar_pattern_ops"}
    op.create_index("ix_people_surname_key", "people", ["surname_key"], postgresql_ops=pattern_ops)
    op.create_index("ix_people_birth_date", "people", ["birth_date"])
    op.create_table(
        "case_officers",
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_ref"),
    )
    op.create_index("ix_case_officers_officer", "case_officers", ["officer"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("relationship", sa.String(length=60), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("preferred", sa.String(length=8), nullable=False),
        sa.Column("interpreter_language", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "position", name="uq_contacts_person_position"),
    )
    _backfill()


def _backfill() -> None:
    """The next step of every open case and the search key of every child, as the app now writes them
    (domain.deadlines.next_step: the undone statutory deadline due soonest)."""
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE people SET surname_key = lower(surname)"))
    cases = conn.execute(
        sa.text(
            "SELECT ref, t1_due, t3_due, t6_due, decided_to_assess, decision_to_assess_on, "
            "decided_to_issue, decision_to_issue_on, final_plan_on FROM cases WHERE outcome IS NULL"
        )
    ).all()
    advice: dict[str, list[tuple[str, object]]] = {}
    for ref, advice_id, due in conn.execute(
        sa.text(
            "SELECT a.case_ref, a.advice_id, a.due_on FROM advice_requests a "
            "JOIN cases c ON c.ref = a.case_ref "
            "WHERE c.outcome IS NULL AND a.status = 'REQUESTED' AND a.due_on IS NOT NULL"
        )
    ):
        advice.setdefault(ref, []).append((f"T2:{advice_id}", due))
    for row in cases:
        waiting = list(advice.get(row.ref, []))
        assessed = row.decided_to_assess is not False
        if row.decision_to_assess_on is None:
            waiting.append(("T1", row.t1_due))
        if assessed and row.decision_to_issue_on is None:
            waiting.append(("T3", row.t3_due))
        if assessed and row.decided_to_issue is not False and row.final_plan_on is None:
            waiting.append(("T6", row.t6_due))
        if waiting:
            key, due = min(waiting, key=lambda w: str(w[1]))
            conn.execute(
                sa.text("UPDATE cases SET next_key = :key, next_due = :due WHERE ref = :ref"),
                {"key": key, "due": due, "ref": row.ref},
            )


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_index("ix_case_officers_officer", table_name="case_officers")
    op.drop_table("case_officers")
    op.drop_index("ix_people_birth_date", table_name="people")
    op.drop_index("ix_people_surname_key", table_name="people")
    with op.batch_alter_table("people") as batch:
        for column in ("setting_type", "setting_ukprn", "setting_urn", "surname_key"):
            batch.drop_column(column)
    op.drop_index("ix_cases_open_next_due", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("next_due")
        batch.drop_column("next_key")
