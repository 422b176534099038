"""Cases the store holds open whose workflow has stopped (failed, terminated, timed out, gone).

The store and Temporal must never silently disagree: the reconciliation job
records each such case here once, and the managers' pages list them.
"""

from datetime import datetime

from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ehcna.store.models import REF, TEAM, Base, CaseRow
from ehcna.store.upsert import insert_ignore

CLOSED = "closed"
# what happened to a workflow, as a person reads it ("its workflow was terminated")
STATUS_WORDS = {
    "FAILED": "failed",
    "TERMINATED": "was terminated",
    "TIMED_OUT": "timed out",
    "CANCELED": "was cancelled",
    "NOT_FOUND": "cannot be found",
}


class WorkflowFaultRow(Base):
    __tablename__ = "workflow_faults"

    case_ref: Mapped[str] = mapped_column(REF, primary_key=True)
    team: Mapped[str] = mapped_column(TEAM)
    status: Mapped[str] = mapped_column(String(20))  # Temporal's: FAILED, TERMINATED, TIMED_OUT, ...
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def open_cases(session: Session) -> list[tuple[str, str]]:
    """(reference, team) of every case the store holds open and has not already found stopped."""
    known = select(WorkflowFaultRow.case_ref)
    rows = session.execute(
        select(CaseRow.ref, CaseRow.team).where(CaseRow.stage != CLOSED, CaseRow.ref.not_in(known))
    ).all()
    return [(ref, team) for ref, team in rows]


def record_fault(session: Session, case_ref: str, team: str, status: str, at: datetime) -> bool:
    """Keep that the case's workflow stopped; False if it was already kept (a retried job)."""
    return insert_ignore(
        session,
        WorkflowFaultRow.__table__,
        {"case_ref": case_ref, "team": team, "status": status, "found_at": at},
    )


def faults(session: Session) -> list[WorkflowFaultRow]:
    return list(session.scalars(select(WorkflowFaultRow).order_by(WorkflowFaultRow.found_at.desc())).all())
