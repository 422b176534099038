"""advice received and withdrawn dates, mediation and tribunal records, breaches derived at import,
cases transferred in, legacy Week20 flags and history recorded elsewhere

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FLAGS = (
    ("request_mediation", "MEDIATION", "REQUEST"),
    ("request_tribunal", "TRIBUNAL", "REQUEST"),
    ("assessment_mediation", "MEDIATION", "ASSESSMENT"),
    ("assessment_tribunal", "TRIBUNAL", "ASSESSMENT"),
)


def upgrade() -> None:
    with op.batch_alter_table("advice_requests") as batch:
        batch.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
    with op.batch_alter_table("breaches") as batch:
        batch.add_column(sa.Column("derived", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("route", sa.String(length=16), nullable=False),
        sa.Column("disputes", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_ref"], ["cases.ref"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appeals_case_ref", "appeals", ["case_ref"])
    # the SEN2 flags imported so far become appeals without a date; the table is then the one source
    for column, route, disputes in FLAGS:
        op.execute(
            sa.text(
                "INSERT INTO appeals (case_ref, route, disputes, started_on, recorded_by, recorded_at) "
                f"SELECT ref, '{route}', '{disputes}', NULL, 'import', updated_at FROM cases WHERE {column}"
            )
        )
    with op.batch_alter_table("cases") as batch:
        for column, _, _ in FLAGS:
            batch.drop_column(column)
        batch.add_column(sa.Column("week20_legacy", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("transferred_in", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("original_received_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("recorded_elsewhere", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        for column in ("recorded_elsewhere", "original_received_date", "transferred_in", "week20_legacy"):
            batch.drop_column(column)
        for column, _, _ in FLAGS:
            batch.add_column(sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()))
    for column, route, disputes in FLAGS:
        op.execute(
            sa.text(
                f"UPDATE cases SET {column} = TRUE WHERE ref IN (SELECT case_ref FROM appeals "
                f"WHERE route = '{route}' AND disputes = '{disputes}')"
            )
        )
    op.drop_index("ix_appeals_case_ref", table_name="appeals")
    op.drop_table("appeals")
    with op.batch_alter_table("breaches") as batch:
        batch.drop_column("derived")
    with op.batch_alter_table("advice_requests") as batch:
        batch.drop_column("withdrawn_on")
        batch.drop_column("received_on")
