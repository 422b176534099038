"""plans in force: each plan as it last stood, its completed reviews, its amendments and its phase
transfers (plan-lifecycle.md, the source of L1-L9)

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("reception_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transferred_in_on", sa.Date(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("review_held_on", sa.Date(), nullable=True),
        sa.Column("reviews_completed", sa.Integer(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=2), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
    )
    op.create_table(
        "plan_reviews",
        sa.Column("plan_ref", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rule", sa.String(length=4), nullable=False),
        sa.Column("invited_on", sa.Date(), nullable=True),
        sa.Column("advice_circulated_on", sa.Date(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("report_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("plan_ref", "number"),
    )
    op.create_table(
        "plan_amendments",
        sa.Column("plan_ref", sa.String(length=64), nullable=False),
        sa.Column("notice_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("plan_ref", "notice_on"),
    )
    op.create_table(
        "plan_transfers",
        sa.Column("plan_ref", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("year_group", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("finalised_on", sa.Date(), nullable=True),
        sa.Column("setting", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("plan_ref", "year"),
    )


def downgrade() -> None:
    for table in ("plan_transfers", "plan_amendments", "plan_reviews", "plans"):
        op.drop_table(table)
