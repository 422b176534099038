"""The read model records each event once, whatever retries and replays do."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from domain.alarms import Alarm, AlarmLevel
from domain.assessment import apply, start_case
from domain.case import AdviceKind, RequestSource
from domain.commands import Actor, DecideToAssess, RequestAdvice, Role, StartAssessment
from domain.events import AlarmEvent, CaseEvent
from domain.statutory_calendar import Duty
from ehcna.store.models import AdviceRow, AuditRow, BreachRow, CaseRow, DecisionRow
from ehcna.store.records import record_breach, record_case_event, record_case_events

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER)
AT = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
DAY0 = date(2026, 9, 1)


def events() -> list[CaseEvent]:
    case = start_case(
        StartAssessment(ref="ST-1", day0=DAY0, request_source=RequestSource.SCHOOL, team="north"), DAY0
    )
    out = [
        CaseEvent(workflow_id="ehcna-ST-1", seq=1, action="start", at=AT, by=OFFICER, detail={}, case=case)
    ]
    case = apply(case, DecideToAssess(yes=True, on=date(2026, 9, 20), by=OFFICER), date(2026, 10, 1))
    out.append(
        CaseEvent(
            workflow_id="ehcna-ST-1",
            seq=2,
            action="decide_to_assess",
            at=AT,
            by=OFFICER,
            detail={},
            case=case,
        )
    )
    cmd = RequestAdvice(
        advice_kind=AdviceKind.HEALTH, provider_team="icb", requested_on=date(2026, 9, 21), by=OFFICER
    )
    case = apply(case, cmd, date(2026, 10, 1))
    out.append(
        CaseEvent(
            workflow_id="ehcna-ST-1", seq=3, action="request_advice", at=AT, by=OFFICER, detail={}, case=case
        )
    )
    return out


def counts(db) -> dict[str, int]:
    with db.sessions() as s:
        return {
            m.__tablename__: s.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (CaseRow, AdviceRow, DecisionRow, AuditRow, BreachRow)
        }


def test_each_event_is_recorded_once_even_when_retried(db):
    for event in events():
        for _ in range(2):  # an activity retried after its write succeeded
            with db.sessions.begin() as s:
                record_case_event(s, event)
    assert counts(db) == {"cases": 1, "advice_requests": 1, "decisions": 1, "audit_events": 3, "breaches": 0}
    with db.sessions() as s:
        row = s.get(CaseRow, "ST-1")
        assert (row.stage, row.version, row.t1_due, row.t6_due) == (
            "advice",
            3,
            date(2026, 10, 13),
            date(2027, 1, 19),
        )
        assert s.get(AdviceRow, ("ST-1", "HEALTH-1")).due_on == date(2026, 11, 2)


def test_an_older_event_arriving_late_does_not_overwrite_a_newer_state(db):
    first, second, third = events()
    for event in (first, third, second):
        with db.sessions.begin() as s:
            record_case_event(s, event)
    with db.sessions() as s:
        assert s.get(CaseRow, "ST-1").version == 3
        assert s.scalar(sa.select(sa.func.count()).select_from(AdviceRow)) == 1


def stored(db) -> tuple[object, ...]:
    """Every row the events leave, as a comparable value (the audit rows' keys and actions)."""
    with db.sessions() as s:
        case = s.get(CaseRow, "ST-1")
        return (
            (case.stage, case.version, case.t1_due, case.t6_due),
            [(a.advice_id, a.due_on) for a in s.scalars(sa.select(AdviceRow).order_by(AdviceRow.advice_id))],
            [d.decision for d in s.scalars(sa.select(DecisionRow).order_by(DecisionRow.decision))],
            [(a.seq, a.action) for a in s.scalars(sa.select(AuditRow).order_by(AuditRow.seq))],
        )


def test_events_recorded_together_leave_what_they_leave_one_by_one(db):
    with db.sessions.begin() as s:
        record_case_events(s, events())
    together = stored(db)
    # as test_each_event_is_recorded_once_even_when_retried finds them, recorded one by one
    assert together[0] == ("advice", 3, date(2026, 10, 13), date(2027, 1, 19))
    assert together[1] == [("HEALTH-1", date(2026, 11, 2))]
    assert together[3] == [(1, "start"), (2, "decide_to_assess"), (3, "request_advice")]
    assert counts(db) == {"cases": 1, "advice_requests": 1, "decisions": 1, "audit_events": 3, "breaches": 0}
    for event in events():  # and one by one afterwards, as a retried single record: nothing changes
        with db.sessions.begin() as s:
            record_case_event(s, event)
    assert stored(db) == together


def test_events_recorded_together_after_a_later_one_leave_the_later_case(db):
    with db.sessions.begin() as s:
        record_case_events(s, events())
    with db.sessions.begin() as s:  # the first two again, together: the case stays at the third event
        record_case_events(s, events()[:2])
    with db.sessions() as s:
        assert s.get(CaseRow, "ST-1").version == 3  # not taken back to the second event's case


def test_audit_trail_is_append_only_in_the_database(db):
    with db.sessions.begin() as s:
        record_case_event(s, events()[0])
    with pytest.raises(DatabaseError, match="append-only"), db.sessions.begin() as s:
        s.execute(sa.update(AuditRow).values(action="tampered"))
    with pytest.raises(DatabaseError, match="append-only"), db.sessions.begin() as s:
        s.execute(sa.delete(AuditRow))
    assert counts(db)["audit_events"] == 1


def test_a_breach_is_kept_once_per_case_and_deadline(db):
    with db.sessions.begin() as s:
        record_case_event(s, events()[0])
    alarm = Alarm(
        deadline_key="T2:HEALTH-1",
        duty=Duty.T2,
        subject="HEALTH-1",
        level=AlarmLevel.BREACH,
        offset_days=0,
        at=AT,
        due="2026-11-02",
    )
    event = AlarmEvent(
        workflow_id="ehcna-ST-1", case_ref="ST-1", team="north", holder="icb", alarm=alarm, raised_at=AT
    )
    for _ in range(3):
        with db.sessions.begin() as s:
            record_breach(s, event)
    reminder = AlarmEvent(
        **{**event.model_dump(), "alarm": alarm.model_copy(update={"level": AlarmLevel.REMINDER})}
    )
    with db.sessions.begin() as s:
        assert not record_breach(s, reminder)
    with db.sessions() as s:
        rows = s.scalars(sa.select(BreachRow)).all()
        assert [(r.deadline_key, r.advice_kind, r.holder, r.due_on) for r in rows] == [
            ("T2:HEALTH-1", "HEALTH", "icb", date(2026, 11, 2))
        ]
