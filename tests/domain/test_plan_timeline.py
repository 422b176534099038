"""The past part of a plan's timeline: the latest completed review's time limits (R1, R2-R5) and the
latest amended plan's (R7), each as it was met, by the same statuses as the open ones."""

from datetime import date, timedelta

from domain import annual_review as rules
from domain.commands import Actor, Role
from domain.deadlines import DeadlineStatus
from domain.plan import ReviewOutcome
from domain.plan_calendar import PlanDuty
from domain.plan_commands import (
    DecideReview,
    HoldReviewMeeting,
    IssueAmendedPlan,
    ReceiveReviewReport,
    RecordAmendmentResponse,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
)
from domain.plan_deadlines import completed_review_deadlines

OFFICER = Actor(user="o", role=Role.CASE_OFFICER, team="north")
START = date(2025, 3, 3)


def test_a_completed_review_and_its_amended_plan_keep_their_time_limits_as_met():
    today = date(2026, 6, 30)
    plan = rules.start_plan(
        StartPlan(ref="P1", team="north", start_on=START, year_group=3, by=OFFICER), today
    )
    assert completed_review_deadlines(plan, today) == []  # no review completed yet
    meeting = date(2026, 3, 10)  # the R1 date is 3 March 2026: held 7 days late
    steps = [
        ScheduleReviewMeeting(
            meeting_on=meeting, on=meeting - timedelta(days=10), by=OFFICER
        ),  # short notice
        HoldReviewMeeting(on=meeting, by=OFFICER),
        ReceiveReviewReport(on=meeting + timedelta(days=14), by=OFFICER),  # on its last day
        DecideReview(outcome=ReviewOutcome.AMEND, on=meeting + timedelta(days=28), by=OFFICER),  # in time
        SendAmendmentNotice(on=date(2026, 4, 9), by=OFFICER),
        RecordAmendmentResponse(on=date(2026, 4, 20), by=OFFICER),
        IssueAmendedPlan(on=date(2026, 6, 5), by=OFFICER),  # 8 weeks from 9 April is 4 June: a day late
    ]
    for cmd in steps:
        plan = rules.apply(plan, cmd, today)
    past = {d.duty: (d.due, d.status, d.done_on) for d in completed_review_deadlines(plan, today)}
    assert past == {
        PlanDuty.R1: (date(2026, 3, 3), DeadlineStatus.MET_LATE, meeting),
        PlanDuty.R2: (date(2026, 2, 24), DeadlineStatus.MET_LATE, date(2026, 2, 28)),
        PlanDuty.R3: (date(2026, 2, 24), DeadlineStatus.MISSED, None),  # never circulated: warned of
        PlanDuty.R4: (date(2026, 3, 24), DeadlineStatus.MET, date(2026, 3, 24)),
        PlanDuty.R5: (date(2026, 4, 7), DeadlineStatus.MET, date(2026, 4, 7)),
        PlanDuty.R7: (date(2026, 6, 4), DeadlineStatus.MET_LATE, date(2026, 6, 5)),
    }
