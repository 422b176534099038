"""Writing what the workflows did, idempotently.

Every write is keyed by the workflow and the event: the audit row by
``CaseEvent.key`` (unique), the case row by its version (the event's
sequence number), breaches by (case, deadline). A retried activity, a
replayed workflow or a worker killed between the write and its reply writes
nothing the second time.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import FromClause, delete, select
from sqlalchemy.orm import Session, sessionmaker

from domain.alarms import AlarmLevel
from domain.case import AdviceRequest, Case
from domain.clock import london_date
from domain.deadlines import Deadline, next_step
from domain.events import AlarmEvent, CaseEvent
from domain.statutory_calendar import (
    Duty,
    decision_deadline,
    final_plan_deadline,
    no_plan_notice_deadline,
)
from ehcna.store.audit import append_audit
from ehcna.store.models import AdviceRow, BreachRow, CaseRow, DecisionRow, ExceptionRow
from ehcna.store.upsert import insert_ignore, upsert, upsert_if_newer


def case_stored(sessions: sessionmaker[Session]) -> Callable[[str], bool]:
    """Whether the store holds a case with a reference (for ``start_assessment(stored=...)``):
    open cases the workflows wrote and closed ones imported as history alike."""

    def stored(ref: str) -> bool:
        with sessions() as session:
            return session.scalar(select(CaseRow.ref).where(CaseRow.ref == ref)) is not None

    return stored


def record_case_event(session: Session, event: CaseEvent) -> bool:
    """Append the audit row and bring the case rows up to this event. False if already recorded."""
    fresh = _append(session, event)
    if fresh:
        save_case(session, event.case, event.workflow_id, event.seq, event.at)
    return fresh


def _append(session: Session, event: CaseEvent) -> bool:
    return append_audit(
        session,
        key=event.key,
        case_ref=event.case.ref,
        seq=event.seq,
        action=event.action,
        by=event.by,
        at=event.at,
        detail=event.detail,
    )


def record_case_events(session: Session, events: Sequence[CaseEvent]) -> None:
    """Several events of one case, in order: each audit row, then the case rows once, as they stand at
    the last event newly appended. What ``record_case_event`` per event leaves in the store, with one
    write of the case where it made one per event (each overwritten by the next in the same
    transaction: 6 statements an event, 8.5 events a case in an import of open cases)."""
    last: CaseEvent | None = None
    for event in events:
        if _append(session, event):
            last = event
    if last is not None:
        save_case(session, last.case, last.workflow_id, last.seq, last.at)


def save_case(session: Session, case: Case, workflow_id: str, version: int, at: datetime) -> None:
    """Write the case as it stands at ``version``, unless a later version is already stored."""
    if not upsert_if_newer(
        session, CaseRow.__table__, _case_row(case, workflow_id, version, at), ["ref"], "version"
    ):
        return
    upsert(
        session, AdviceRow.__table__, [_advice_row(case, a) for a in case.advice], ["case_ref", "advice_id"]
    )
    session.execute(
        delete(ExceptionRow).where(
            ExceptionRow.case_ref == case.ref, ExceptionRow.position >= len(case.exceptions)
        )
    )
    upsert(
        session,
        ExceptionRow.__table__,
        [
            {"case_ref": case.ref, "position": n, **exc.model_dump(exclude={"code"}), "code": str(exc.code)}
            for n, exc in enumerate(case.exceptions)
        ],
        ["case_ref", "position"],
    )
    upsert(session, DecisionRow.__table__, _decision_rows(case), ["case_ref", "decision"])


def case_rows(
    case: Case, workflow_id: str, version: int, at: datetime
) -> dict[FromClause, list[dict[str, Any]]]:
    """Every row of a case that is not yet stored, by table: what ``save_case`` writes, for a bulk
    insert of many cases at once (the importer's closed history)."""
    return {
        CaseRow.__table__: [_case_row(case, workflow_id, version, at)],
        AdviceRow.__table__: [_advice_row(case, a) for a in case.advice],
        ExceptionRow.__table__: [
            {"case_ref": case.ref, "position": n, **exc.model_dump(exclude={"code"}), "code": str(exc.code)}
            for n, exc in enumerate(case.exceptions)
        ],
        DecisionRow.__table__: _decision_rows(case),
    }


def derived_breach_row(case_ref: str, team: str, deadline: Deadline) -> dict[str, Any]:
    raised_at = deadline.breach_at
    return {
        "case_ref": case_ref,
        "deadline_key": deadline.key,
        "duty": str(deadline.duty),
        "advice_kind": deadline.subject.rsplit("-", 1)[0] if deadline.subject else None,
        "due_on": deadline.due,
        "raised_at": raised_at,
        "raised_on": london_date(raised_at),
        "team": team,
        "holder": deadline.holder or team,
        "excepted": deadline.excepted,
        "derived": True,
    }


def _case_row(case: Case, workflow_id: str, version: int, at: datetime) -> dict[str, Any]:
    issue = case.decision_to_issue
    assess = case.decision_to_assess
    return {
        "ref": case.ref,
        "workflow_id": workflow_id,
        "team": case.team,
        "request_source": str(case.request_source),
        "year_group": case.year_group,
        "day0": case.day0,
        "t1_due": decision_deadline(case.day0),
        "t3_due": no_plan_notice_deadline(case.day0),
        "t6_due": final_plan_deadline(case.day0),
        "stage": str(case.stage),
        "decided_to_assess": assess.yes if assess else None,
        "decision_to_assess_on": assess.on if assess else None,
        "decided_to_issue": issue.yes if issue else None,
        "decision_to_issue_on": issue.on if issue else None,
        "draft_served_on": case.draft_served_on,
        "family_response_on": case.family_response_on,
        "final_plan_on": case.final_plan_issued_on,
        "plan_days": (case.final_plan_issued_on - case.day0).days if case.final_plan_issued_on else None,
        "outcome": str(case.outcome) if case.outcome else None,
        "outcome_on": case.outcome_on,
        "week20_exception": case.week20_exception,
        "week20_legacy": case.legacy_week20,
        "transferred_in": case.transferred_in,
        "original_received_date": case.original_request_on,
        "recorded_elsewhere": case.recorded_elsewhere,
        "version": version,
        "updated_at": at,
        "next_key": step.key if (step := next_step(case)) else None,
        "next_due": step.due if step else None,
    }


def _advice_row(case: Case, advice: AdviceRequest) -> dict[str, Any]:
    return {
        "case_ref": case.ref,
        "advice_id": advice.id,
        "kind": str(advice.kind),
        "provider_team": advice.provider_team,
        "requested_on": advice.requested_on,
        "received_on": advice.received_on,
        "due_on": advice.due_on,
        "status": str(advice.status),
        "returned_on": advice.returned_on,
        "not_received_on": advice.not_received_on,
        "existing_advice_date": advice.existing_advice_date,
        "withdrawn_on": advice.withdrawn_on,
        "excepted": bool(case.advice_exceptions(advice.id)),
        "document_ref": advice.document_ref,
    }


def _decision_rows(case: Case) -> list[dict[str, Any]]:
    rows = []
    if case.decision_to_assess:
        rows.append(
            {
                "case_ref": case.ref,
                "decision": "TO_ASSESS",
                "yes": case.decision_to_assess.yes,
                "decided_on": case.decision_to_assess.on,
                "due_on": decision_deadline(case.day0),
            }
        )
    if case.decision_to_issue:
        rows.append(
            {
                "case_ref": case.ref,
                "decision": "TO_ISSUE",
                "yes": case.decision_to_issue.yes,
                "decided_on": case.decision_to_issue.on,
                "due_on": no_plan_notice_deadline(case.day0),
            }
        )
    return rows


def record_breach(session: Session, event: AlarmEvent) -> bool:
    """Keep a breach (K10) once per (case, deadline), whatever retries happen.

    An escalation implies the breach: a case entered after its deadline sends
    only the escalation (domain.alarms.due_alarms), and its breach still counts.
    """
    alarm = event.alarm
    if alarm.level not in (AlarmLevel.BREACH, AlarmLevel.ESCALATION):
        return False
    if not isinstance(alarm.duty, Duty):
        return False  # a plan's deadline (R1...): measured by L1-L9 from the plan's own records, not K10
    advice_kind = alarm.subject.rsplit("-", 1)[0] if alarm.subject else None
    return insert_ignore(
        session,
        BreachRow.__table__,
        {
            "case_ref": event.case_ref,
            "deadline_key": alarm.deadline_key,
            "duty": str(alarm.duty),
            "advice_kind": advice_kind,
            "due_on": datetime.fromisoformat(alarm.due).date(),
            "raised_at": event.raised_at,
            "raised_on": london_date(event.raised_at),
            "team": event.team,
            "holder": event.holder,
            "excepted": alarm.excepted,
        },
    )


def record_derived_breach(session: Session, case_ref: str, team: str, deadline: Deadline) -> bool:
    """A breach an imported case's dates imply, kept as the live one would be, marked ``derived``."""
    return insert_ignore(session, BreachRow.__table__, derived_breach_row(case_ref, team, deadline))
