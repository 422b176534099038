"""casework: each case's next step and each child's surname key computed again, as the app writes them

0009's backfill differed from ``domain.deadlines.next_step``: on ties of the due date it took
whichever came first (the app takes the duty, then the advice id), and it left a step on closed
cases. The app itself counted advice recorded as not received as still awaited, so a case could
stay "late" on the worklist for good. And SQLite's ``lower()`` lower-cases ASCII only, so a
surname such as "Åberg" was not found by "åb". This recomputes both in Python, the same way on
SQLite and PostgreSQL, writing only the rows that differ. 0009 is unchanged: a database that ran it
is put right here, one that did not gets 0009 then this.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SURNAME_KEY_LENGTH = 100  # people.surname_key

cases = sa.table(
    "cases",
    sa.column("ref", sa.String),
    sa.column("outcome", sa.String),
    sa.column("t1_due", sa.Date),
    sa.column("t3_due", sa.Date),
    sa.column("t6_due", sa.Date),
    sa.column("decided_to_assess", sa.Boolean),
    sa.column("decision_to_assess_on", sa.Date),
    sa.column("decided_to_issue", sa.Boolean),
    sa.column("decision_to_issue_on", sa.Date),
    sa.column("final_plan_on", sa.Date),
    sa.column("next_key", sa.String),
    sa.column("next_due", sa.Date),
)
advice = sa.table(
    "advice_requests",
    sa.column("case_ref", sa.String),
    sa.column("advice_id", sa.String),
    sa.column("status", sa.String),
    sa.column("due_on", sa.Date),
)
people = sa.table(
    "people", sa.column("id", sa.String), sa.column("surname", sa.String), sa.column("surname_key", sa.String)
)


def upgrade() -> None:
    conn = op.get_bind()
    _next_steps(conn)
    _surname_keys(conn)


def _next_steps(conn: sa.Connection) -> None:
    """``next_step`` from the rows: an open case's undone statutory deadline due soonest (T1, the
    advice still REQUESTED, T3, T6), ties by (due, duty, advice id); NULL for a closed case."""
    awaited: dict[str, list[tuple[date, str, str]]] = {}
    for ref, advice_id, due_on in conn.execute(
        sa.select(advice.c.case_ref, advice.c.advice_id, advice.c.due_on).where(
            advice.c.status == "REQUESTED", advice.c.due_on.is_not(None)
        )
    ):
        awaited.setdefault(ref, []).append((due_on, "T2", advice_id))
    changed = []
    for row in conn.execute(sa.select(cases)):
        key: str | None = None
        due: date | None = None
        if row.outcome is None:
            waiting = list(awaited.get(row.ref, []))
            assessed = row.decided_to_assess is not False
            if row.decision_to_assess_on is None:
                waiting.append((row.t1_due, "T1", ""))
            if assessed and row.decision_to_issue_on is None:
                waiting.append((row.t3_due, "T3", ""))
            if assessed and row.decided_to_issue is not False and row.final_plan_on is None:
                waiting.append((row.t6_due, "T6", ""))
            if waiting:
                due, duty, advice_id = min(waiting)
                key = f"{duty}:{advice_id}" if advice_id else duty
        if (key, due) != (row.next_key, row.next_due):
            changed.append({"ref_": row.ref, "key": key, "due": due})
    if changed:
        conn.execute(
            cases.update()
            .where(cases.c.ref == sa.bindparam("ref_"))
            .values(next_key=sa.bindparam("key"), next_due=sa.bindparam("due")),
            changed,
        )


def _surname_keys(conn: sa.Connection) -> None:
    """The search key as ``ehcna.store.people`` writes it: Python's ``str.lower()`` (Unicode), not the
    database's; cut to the column (a key is searched by its start)."""
    changed = [
        {"id_": pid, "key": surname.lower()[:SURNAME_KEY_LENGTH]}
        for pid, surname, key in conn.execute(sa.select(people.c.id, people.c.surname, people.c.surname_key))
        if surname.lower()[:SURNAME_KEY_LENGTH] != key
    ]
    if changed:
        conn.execute(
            people.update().where(people.c.id == sa.bindparam("id_")).values(surname_key=sa.bindparam("key")),
            changed,
        )


def downgrade() -> None:
    """Nothing to undo: 0009's columns stay, holding values the app would have written."""
