"""Mediation and tribunal appeals: recorded beside the case (usually after its workflow has ended).

The rule is the domain's (``domain.appeals``); the decisions it checks against are the case's
record. Each write is audited in the same transaction.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, insert, or_, select
from sqlalchemy.orm import Session

from domain.appeals import (
    SEN2_ITEMS,
    Decisions,
    Disputed,
    RecordAppeal,
    RecordAppealOutcome,
    Route,
    check_appeal,
    check_outcome,
)
from domain.commands import Actor
from domain.errors import RuleViolation
from ehcna.store.audit import append_audit
from ehcna.store.models import AppealRow, CaseRow


def decisions_of(row: CaseRow) -> Decisions:
    """The decisions an appeal may dispute, from the case's record."""
    return Decisions(
        ref=row.ref,
        not_assessed_on=row.decision_to_assess_on if row.decided_to_assess is False else None,
        not_issued_on=row.decision_to_issue_on if row.decided_to_issue is False else None,
        plan_issued_on=row.final_plan_on,
    )


def record_appeal(session: Session, ref: str, cmd: RecordAppeal, today: date, at: datetime) -> AppealRow:
    """Check and keep one mediation or appeal; ``RuleViolation`` names the field and the reason."""
    row = session.get(CaseRow, ref)
    if row is None:
        raise RuleViolation("ref", f"no case {ref}")
    check_appeal(decisions_of(row), cmd, today)
    appeal = AppealRow(
        case_ref=ref,
        route=str(cmd.route),
        disputes=str(cmd.disputes),
        started_on=cmd.started_on,
        outcome=str(cmd.outcome) if cmd.outcome else None,
        outcome_on=cmd.outcome_on,
        recorded_by=cmd.by.user,
        recorded_at=at,
    )
    session.add(appeal)
    session.flush()
    _audit(
        session,
        ref,
        f"appeal-{appeal.id}",
        "record_appeal",
        cmd.by,
        at,
        cmd.model_dump(mode="json", exclude={"by"}),
    )
    return appeal


def record_outcome(
    session: Session, ref: str, appeal_id: int, cmd: RecordAppealOutcome, today: date, at: datetime
) -> AppealRow:
    appeal = session.get(AppealRow, appeal_id)
    if appeal is None or appeal.case_ref != ref:
        raise RuleViolation("appeal_id", f"no mediation or appeal {appeal_id} on case {ref}")
    if appeal.outcome is not None:
        raise RuleViolation(
            "outcome", f"its outcome was already recorded ({appeal.outcome}, {appeal.outcome_on})"
        )
    check_outcome(Route(appeal.route), appeal.started_on, cmd.outcome, cmd.outcome_on, today)
    appeal.outcome = str(cmd.outcome)
    appeal.outcome_on = cmd.outcome_on
    detail = {"appeal_id": appeal_id, **cmd.model_dump(mode="json", exclude={"by"})}
    _audit(session, ref, f"appeal-{appeal_id}-outcome", "record_appeal_outcome", cmd.by, at, detail)
    return appeal


def add_appeal(
    session: Session,
    ref: str,
    route: Route,
    disputes: Disputed,
    started_on: date | None,
    by: Actor,
    at: datetime,
) -> None:
    """From an imported history, already checked; without a date: a SEN2 flag of an earlier system."""
    row = {"case_ref": ref, "route": str(route), "disputes": str(disputes), "started_on": started_on}
    session.execute(insert(AppealRow), [{**row, "recorded_by": by.user, "recorded_at": at}])


def appeals_of(session: Session, ref: str) -> list[AppealRow]:
    return list(session.scalars(select(AppealRow).where(AppealRow.case_ref == ref).order_by(AppealRow.id)))


def sen2_flag(
    case_ref: Any, route: Route, disputes: Disputed, until: date | None = None
) -> ColumnElement[bool]:
    """SEN2 ``<stage><Route>`` of a case: 1 when a mediation or appeal of that kind is recorded (begun by
    ``until``, when given: a return states what stood at the end of its year; a flag imported without
    its date counts)."""
    a = AppealRow.__table__.c
    when = [or_(a.started_on.is_(None), a.started_on <= until)] if until is not None else []
    return (
        exists()
        .where(and_(a.case_ref == case_ref, a.route == str(route), a.disputes == str(disputes), *when))
        .label(_column_name(route, disputes))
    )


def _column_name(route: Route, disputes: Disputed) -> str:
    item = SEN2_ITEMS[(route, disputes)]  # e.g. RequestMediation -> request_mediation
    return "".join("_" + c.lower() if c.isupper() else c for c in item).lstrip("_")


def _audit(
    session: Session, ref: str, key: str, action: str, by: Actor, at: datetime, detail: dict[str, Any]
) -> None:
    append_audit(
        session, key=f"{ref}#{key}", case_ref=ref, seq=None, action=action, by=by, at=at, detail=detail
    )
