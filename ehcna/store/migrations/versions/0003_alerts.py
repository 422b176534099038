"""alerts: every reminder, breach alert, escalation, family notice and digest sent

One row per (alarm, recipient, channel), claimed before sending and marked
sent or failed after (store/alerts.py).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("source_key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("case_ref", sa.String(length=64), nullable=True),
        sa.Column("deadline_key", sa.String(length=48), nullable=True),
        sa.Column("level", sa.String(length=20), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("recipient", sa.String(length=80), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_source_key"), ["source_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_case_ref"), ["case_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_failed_at"), ["failed_at"], unique=False)
        batch_op.create_index("ix_alerts_state_team", ["state", "team"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_state_team")
        batch_op.drop_index(batch_op.f("ix_alerts_failed_at"))
        batch_op.drop_index(batch_op.f("ix_alerts_case_ref"))
        batch_op.drop_index(batch_op.f("ix_alerts_source_key"))
    op.drop_table("alerts")
