"""plans: the dates L1-L9 need for a past month that the plan's latest row does not keep

``plans.first_review_due``: the R1 (or R10) date of the plan's first review here, from its start, its
last review before the engine or its transfer in (L8 before the first review). ``plans.imported_review_on``:
that last review before the engine (L2). ``plans.cease_decided_on``: a decision to cease, after which no
review is owed (L8). ``plan_reviews.decision_due``: the R5 date, meeting + 28 days (L4), stored as the
assessment's deadlines are so the KPI SQL does no date arithmetic.

Existing rows are filled from what is stored: the first review's due date from the open review (no
review completed yet) or from review number 1; the R5 date from the meeting. A last review before the
engine and a pending decision to cease cannot be recovered: they stay empty until the plan's next event.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DECISION_DAYS = 28  # R5: within 4 weeks of the meeting (domain.plan_calendar.review_decision_due)

plans = sa.table(
    "plans",
    sa.column("ref", sa.String),
    sa.column("reviews_completed", sa.Integer),
    sa.column("review_due", sa.Date),
    sa.column("first_review_due", sa.Date),
)
reviews = sa.table(
    "plan_reviews",
    sa.column("plan_ref", sa.String),
    sa.column("number", sa.Integer),
    sa.column("due_on", sa.Date),
    sa.column("held_on", sa.Date),
    sa.column("decision_due", sa.Date),
)


def upgrade() -> None:
    op.add_column("plans", sa.Column("first_review_due", sa.Date(), nullable=True))
    op.add_column("plans", sa.Column("imported_review_on", sa.Date(), nullable=True))
    op.add_column("plans", sa.Column("cease_decided_on", sa.Date(), nullable=True))
    op.add_column("plan_reviews", sa.Column("decision_due", sa.Date(), nullable=True))
    conn = op.get_bind()
    conn.execute(
        plans.update().where(plans.c.reviews_completed == 0).values(first_review_due=plans.c.review_due)
    )
    first = (
        sa.select(reviews.c.due_on)
        .where(reviews.c.plan_ref == plans.c.ref, reviews.c.number == 1)
        .scalar_subquery()
    )
    conn.execute(plans.update().where(plans.c.reviews_completed > 0).values(first_review_due=first))
    held = conn.execute(sa.select(reviews.c.plan_ref, reviews.c.number, reviews.c.held_on)).all()
    for ref, number, held_on in held:
        conn.execute(
            reviews.update()
            .where(reviews.c.plan_ref == ref, reviews.c.number == number)
            .values(decision_due=held_on + timedelta(days=DECISION_DAYS))
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_reviews") as batch:
        batch.drop_column("decision_due")
    with op.batch_alter_table("plans") as batch:
        for column in ("cease_decided_on", "imported_review_on", "first_review_due"):
            batch.drop_column(column)
