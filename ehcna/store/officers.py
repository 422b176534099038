"""The named case officer of each case: assigned at the start, reassigned with a record.

Kept in the store, not the workflow: who holds a case is the council's staffing, not a statutory
step, and changes without touching the case's history.
"""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.commands import Actor, Role
from domain.errors import RuleViolation
from ehcna.store.accounts import AccountRow
from ehcna.store.audit import append_audit
from ehcna.store.models import CaseOfficerRow
from ehcna.store.upsert import upsert

# who may hold a case: a case officer, or a manager who carries a caseload
HOLDERS = (Role.CASE_OFFICER, Role.MANAGER)


def officers_of(session: Session, team: str) -> list[str]:
    """The active accounts of ``team`` that may hold its cases, by name."""
    return list(
        session.scalars(
            select(AccountRow.username)
            .where(
                AccountRow.team == team,
                AccountRow.active.is_(True),
                AccountRow.role.in_([str(r) for r in HOLDERS]),
            )
            .order_by(AccountRow.username)
        )
    )


def check_officer(session: Session, officer: str, team: str) -> None:
    """An officer of the case's team, or a refusal naming the field and the valid choices."""
    valid = officers_of(session, team)
    if officer not in valid:
        raise RuleViolation("officer", not_an_officer(officer, valid))


def not_an_officer(officer: str, valid: list[str]) -> str:
    choices = ", ".join(valid) or "none"
    return f"'{officer}' is not a case officer of this case's team; choose one of: {choices}"


def assign(session: Session, ref: str, officer: str, team: str, by: Actor, on: date, at: datetime) -> None:
    """Make ``officer`` the case's named officer (checked against its team), with an audit row."""
    check_officer(session, officer, team)
    before = session.scalar(select(CaseOfficerRow.officer).where(CaseOfficerRow.case_ref == ref))
    if before == officer:
        return
    upsert(
        session,
        CaseOfficerRow.__table__,
        [{"case_ref": ref, "officer": officer, "assigned_on": on, "assigned_by": by.user}],
        ["case_ref"],
    )
    append_audit(
        session,
        key=f"officer:{ref}:{officer}:{at.isoformat()}",
        case_ref=ref,
        seq=None,
        action="assign_officer",
        by=by,
        at=at,
        detail={"officer": officer, "before": before},
    )


def officer_of(session: Session, ref: str) -> str | None:
    return session.scalar(select(CaseOfficerRow.officer).where(CaseOfficerRow.case_ref == ref))
