"""plans: the setting that convenes the reviews and the open review's meeting date, for the worklist of
reviews and the setting's inbox

``plans.setting_team``: the directory team of the setting (a school) that convenes the plan's reviews.
``plans.meeting_on``: the date the open review's meeting is arranged for, until it is held. Both are written
with each plan event; rows already stored get them with their plan's next event (a plan's workflow holds
them, the store did not).

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("setting_team", sa.String(length=64), nullable=True))
    op.add_column("plans", sa.Column("meeting_on", sa.Date(), nullable=True))
    op.create_index("ix_plans_setting_team", "plans", ["setting_team"])
    op.create_index("ix_plans_team_review_due", "plans", ["team", "review_due"])


def downgrade() -> None:
    op.drop_index("ix_plans_team_review_due", table_name="plans")
    op.drop_index("ix_plans_setting_team", table_name="plans")
    op.drop_column("plans", "meeting_on")
    op.drop_column("plans", "setting_team")
