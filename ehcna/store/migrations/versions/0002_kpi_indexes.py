"""covering indexes for the KPI queries

Each index holds every column its measure reads, so K3-K10 are index-only
range scans (SQLite and PostgreSQL) rather than one table lookup per row:
with 1,000,000 cases this took the monthly overview from 12 s to about 1 s
on SQLite and from 2.8 s to about 0.5 s on PostgreSQL (BENCHMARKS.md).
K1, K2, K6 and K7 already have ``ix_cases_final_plan_on_kpi`` (0001).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, columns): mirrored in store/models.py so autogenerate sees no difference.
KPI_INDEXES: tuple[tuple[str, str, list[str]], ...] = (
    # K8/K9: cases open at a date, with the dates that give their stage then
    (
        "ix_cases_open_kpi",
        "cases",
        ["outcome_on", "day0", "decision_to_assess_on", "decision_to_issue_on", "draft_served_on"],
    ),
    # K4: PLAN_NOT_ISSUED outcomes in a period against day 0 + 112
    ("ix_cases_no_plan_kpi", "cases", ["outcome", "outcome_on", "t3_due"]),
    # K3: decisions whether to assess in a period against day 0 + 42
    ("ix_decisions_kpi", "decisions", ["decision", "decided_on", "due_on"]),
    # K5: advice returned, and advice marked NOT_RECEIVED, in a period
    ("ix_advice_requests_returned_kpi", "advice_requests", ["returned_on", "excepted", "due_on", "kind"]),
    (
        "ix_advice_requests_not_received_kpi",
        "advice_requests",
        ["not_received_on", "excepted", "due_on", "kind"],
    ),
    # K10: breaches raised in a period, by deadline and team
    ("ix_breaches_kpi", "breaches", ["raised_on", "duty", "advice_kind", "holder"]),
)


def upgrade() -> None:
    for name, table, columns in KPI_INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(KPI_INDEXES):
        op.drop_index(name, table_name=table)
