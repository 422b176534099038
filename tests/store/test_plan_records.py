"""Plans in the read model: each plan event written once, an older event never overwriting a newer,
on SQLite and PostgreSQL; and a plan breach kept out of the assessment's K10."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from domain.alarms import Alarm, AlarmLevel
from domain.annual_review import apply, start_plan
from domain.commands import Actor, Role
from domain.events import AlarmEvent
from domain.plan import ReviewOutcome
from domain.plan_calendar import PlanDuty
from domain.plan_commands import (
    DecideReview,
    HoldReviewMeeting,
    IssueAmendedPlan,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
)
from domain.plan_events import PlanEvent
from ehcna.store.models import BreachRow
from ehcna.store.plans import (
    PlanAmendmentRow,
    PlanReviewRow,
    PlanRow,
    PlanTransferRow,
    StorePlanRecords,
    record_plan_event,
)
from ehcna.store.records import record_breach

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER)
AT = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
FAR = date(2030, 1, 1)


def plan_events() -> list[PlanEvent]:
    plan = start_plan(StartPlan(ref="PL-1", team="north", start_on=date(2025, 3, 10), year_group=5), FAR)
    steps = [
        ScheduleReviewMeeting(meeting_on=date(2025, 11, 3), on=date(2025, 10, 6), by=OFFICER),
        HoldReviewMeeting(on=date(2025, 11, 3), by=OFFICER),
        DecideReview(outcome=ReviewOutcome.AMEND, on=date(2025, 11, 20), by=OFFICER),
        SendAmendmentNotice(on=date(2025, 11, 25), by=OFFICER),
        IssueAmendedPlan(on=date(2026, 1, 30), by=OFFICER),
    ]
    out = [
        PlanEvent(workflow_id="ehcplan-PL-1", seq=1, action="start", at=AT, by=OFFICER, detail={}, plan=plan)
    ]
    for n, cmd in enumerate(steps, start=2):
        plan = apply(plan, cmd, FAR)
        out.append(
            PlanEvent(
                workflow_id="ehcplan-PL-1", seq=n, action=cmd.kind, at=AT, by=OFFICER, detail={}, plan=plan
            )
        )
    return out


def test_a_plan_its_review_amendment_and_transfers_are_written_once(db):
    events = plan_events()
    with db.sessions.begin() as s:
        for e in events:
            record_plan_event(s, e)
        for e in events:  # retried, and replayed out of order: nothing changes
            record_plan_event(s, e)
        record_plan_event(s, events[1])
    with db.sessions() as s:
        plan = s.get(PlanRow, "PL-1")
        assert plan is not None
        assert (plan.seq, plan.status, plan.reviews_completed) == (6, "in_force", 1)
        assert plan.review_due == date(2026, 11, 3)  # R1 from the meeting
        reviews = s.scalars(sa.select(PlanReviewRow)).all()
        assert [(r.number, r.rule, r.due_on, r.held_on, r.outcome, r.decided_on) for r in reviews] == [
            (1, "R1", date(2026, 3, 10), date(2025, 11, 3), "AMEND", date(2025, 11, 20))
        ]
        amendments = s.scalars(sa.select(PlanAmendmentRow)).all()
        # 25 November + 8 weeks is 20 January: issued on 30 January, late for R7 (L6)
        assert [(a.notice_on, a.due_on, a.issued_on) for a in amendments] == [
            (date(2025, 11, 25), date(2026, 1, 20), date(2026, 1, 30))
        ]
        transfers = s.scalars(sa.select(PlanTransferRow).order_by(PlanTransferRow.year)).all()
        assert [(t.year_group, t.due_on, t.finalised_on) for t in transfers] == [
            (7, date(2026, 2, 15), None),  # amended without naming a setting: the transfer is not finalised
            (12, date(2031, 3, 31), None),
        ]


def _rows(db) -> tuple:
    with db.sessions() as s:
        plan = s.get(PlanRow, "PL-1")
        assert plan is not None
        return (
            (plan.seq, plan.status, plan.reviews_completed, plan.review_due, plan.first_review_due),
            [(r.number, r.due_on, r.held_on, r.outcome) for r in s.scalars(sa.select(PlanReviewRow))],
            [(a.notice_on, a.issued_on) for a in s.scalars(sa.select(PlanAmendmentRow))],
            [(t.year, t.finalised_on) for t in s.scalars(sa.select(PlanTransferRow).order_by("year"))],
        )


async def test_events_recorded_in_one_go_leave_what_one_at_a_time_leaves_and_a_retry_adds_nothing(db):
    events = plan_events()
    records = StorePlanRecords(db.sessions)
    for e in events:
        await records.record_plan_event(e)
    one_at_a_time = _rows(db)
    with db.sessions.begin() as s:
        for table in (PlanRow, PlanReviewRow, PlanAmendmentRow, PlanTransferRow):
            s.execute(sa.delete(table))
    await records.record_plan_events(events)
    assert _rows(db) == one_at_a_time
    assert one_at_a_time[0][0] == 6 and len(one_at_a_time[1]) == 1 and len(one_at_a_time[2]) == 1
    await records.record_plan_events(events)  # the local activity retried: nothing changes
    await records.record_plan_events(events[:3])  # nor does an older batch
    assert _rows(db) == one_at_a_time


def test_a_plan_breach_is_not_an_assessment_breach(db):
    alarm = Alarm(
        deadline_key="R1:2026-03-10",
        duty=PlanDuty.R1,
        subject=None,
        level=AlarmLevel.BREACH,
        offset_days=0,
        at=AT,
        due="2026-03-10",
    )
    event = AlarmEvent(
        workflow_id="ehcplan-PL-1", case_ref="PL-1", team="north", holder="north", alarm=alarm, raised_at=AT
    )
    with db.sessions.begin() as s:
        assert not record_breach(s, event)
    with db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(BreachRow)) == 0
