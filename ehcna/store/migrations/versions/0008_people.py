"""the child or young person of each case (personal data: the store only), and the settings named

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("forename", sa.String(length=100), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("ethnicity", sa.String(length=4), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("uln", sa.String(length=10), nullable=True),
        sa.Column("upn_unknown", sa.String(length=4), nullable=True),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("upn", name="uq_people_upn"),
        sa.UniqueConstraint("nhs_number", name="uq_people_nhs_number"),
    )
    op.create_index("ix_people_surname", "people", ["surname"])
    op.create_table(
        "case_people",
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.PrimaryKeyConstraint("case_ref"),
    )
    op.create_index("ix_case_people_person_id", "case_people", ["person_id"])
    op.create_table(
        "named_settings",
        sa.Column("case_ref", sa.String(length=64), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=True),
        sa.Column("ukprn", sa.String(length=8), nullable=True),
        sa.Column("sen_setting", sa.String(length=4), nullable=True),
        sa.Column("consulted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("case_ref", "rank"),
    )


def downgrade() -> None:
    op.drop_table("named_settings")
    op.drop_index("ix_case_people_person_id", table_name="case_people")
    op.drop_table("case_people")
    op.drop_index("ix_people_surname", table_name="people")
    op.drop_table("people")
