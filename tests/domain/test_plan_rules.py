"""The plan in force: its clock (ENGINE RULES) and rules R1-R11 of plan-lifecycle.md, one test per rule."""

from datetime import date, timedelta
from enum import Enum
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.alarms import AlarmLevel
from domain.annual_review import apply, start_plan
from domain.commands import Actor, Role
from domain.deadlines import DeadlineStatus
from domain.errors import RuleViolation
from domain.phase_transfer import PhaseTransfer, reception_year_of, transfers_owed, year_group_on
from domain.plan import CHANGEABLE_PARTS, AppealOutcome, CeaseReason, Plan, PlanStatus, ReviewOutcome
from domain.plan_alarms import PlanAlarmTiming, plan_alarms
from domain.plan_calendar import (
    PlanDuty,
    add_months,
    amended_plan_due,
    report_due,
    review_decision_due,
    review_due,
    transfer_in_notice_due,
    transfer_in_review_due,
)
from domain.plan_commands import (
    CeasePlan,
    CirculateReviewAdvice,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    NameSetting,
    PlanCommand,
    ReceiveReviewReport,
    RecordAmendmentResponse,
    RecordCeaseAppeal,
    RecordCeaseAppealOutcome,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
    TellFamilyOfTransferIn,
    TransferPlanOut,
)
from domain.plan_deadlines import plan_deadlines, review_overdue, review_warnings
from domain.plan_views import plan_view

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER, team="north")
SCHOOL = Actor(user="senco-1", role=Role.PROVIDER, team="oak-primary")
OTHER_SCHOOL = Actor(user="senco-2", role=Role.PROVIDER, team="elm-secondary")
START = date(2025, 3, 10)
FAR = date(2040, 1, 1)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def new_plan(start: date = START, year_group: int = 3, **kw: object) -> Plan:
    cmd = StartPlan(
        ref="P-1", team="north", setting_team="oak-primary", start_on=start, year_group=year_group, **kw
    )
    return start_plan(cmd, FAR)


def run(plan: Plan, *cmds: PlanCommand, today: date = FAR) -> Plan:
    for cmd in cmds:
        plan = apply(plan, cmd, today)
    return plan


def status(plan: Plan, duty: PlanDuty, as_of: date = FAR) -> DeadlineStatus:
    return next(d.status for d in plan_deadlines(plan, as_of) if d.duty is duty)


def reviewed(
    plan: Plan, meeting: date, outcome: ReviewOutcome = ReviewOutcome.MAINTAIN, **kw: object
) -> Plan:
    """A whole review: invitations 3 weeks ahead, advice 2 weeks ahead, report and decision a week after."""
    return run(
        plan,
        ScheduleReviewMeeting(meeting_on=meeting, on=meeting - timedelta(days=21), by=OFFICER),
        CirculateReviewAdvice(on=meeting - timedelta(days=14), by=OFFICER),
        HoldReviewMeeting(on=meeting, by=OFFICER),
        ReceiveReviewReport(on=meeting + timedelta(days=7), by=OFFICER),
        DecideReview(outcome=outcome, on=meeting + timedelta(days=7), by=OFFICER, **kw),
    )


def refusal(plan: Plan, cmd: PlanCommand, today: date = FAR) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        apply(plan, cmd, today)
    return refused.value


# -- the clock (ENGINE RULES) ----------------------------------------------


@given(DATES)
def test_12_months_is_the_same_day_a_year_later_and_29_february_is_28_february(day):
    due = review_due(day)
    if (day.month, day.day) == (2, 29):
        assert due == date(day.year + 1, 2, 28)
    else:
        assert due == day.replace(year=day.year + 1)


@given(DATES, st.integers(min_value=-600, max_value=600))
def test_whole_months_keep_the_day_or_take_the_last_of_a_shorter_month(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == day.day or (later.day < day.day and (later + timedelta(days=1)).day == 1)


@given(DATES)
def test_weeks_are_7N_calendar_days(day):
    assert report_due(day) == day + timedelta(days=14)
    assert review_decision_due(day) == day + timedelta(days=28)
    assert amended_plan_due(day) == day + timedelta(days=56)
    assert transfer_in_notice_due(day) == day + timedelta(days=42)


@given(st.integers(min_value=-3, max_value=14), DATES)
def test_the_year_cohort_gives_back_the_year_group(year_group, on):
    assert year_group_on(reception_year_of(year_group, on), on) == year_group


# -- R1 --------------------------------------------------------------------


def test_R1_review_within_12_months_of_the_start_then_of_each_review_meeting():
    plan = new_plan()
    assert plan_view(plan, START).review_due == date(2026, 3, 10)
    plan = reviewed(plan, date(2026, 1, 20))
    view = plan_view(plan, date(2026, 2, 1))
    assert view.review_due == date(2027, 1, 20)  # from the meeting, not the decision
    assert view.review_due_rule is PlanDuty.R1
    assert plan.last_review is not None and plan.last_review.due == date(2026, 3, 10)


def test_R1_a_meeting_on_the_12_month_date_is_in_time_and_the_day_after_is_late():
    on_time = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 3, 10), on=date(2026, 2, 1), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 3, 10), by=OFFICER),
    )
    assert status(on_time, PlanDuty.R1) is DeadlineStatus.MET
    late = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 3, 11), on=date(2026, 2, 1), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 3, 11), by=OFFICER),
    )
    assert status(late, PlanDuty.R1) is DeadlineStatus.MET_LATE


def test_R1_from_29_february_is_due_28_february():
    plan = new_plan(start=date(2024, 2, 29))
    assert plan_view(plan, date(2024, 3, 1)).review_due == date(2025, 2, 28)
    assert not review_overdue(plan, date(2025, 2, 28))
    assert review_overdue(plan, date(2025, 3, 1))
    assert status(plan, PlanDuty.R1, date(2025, 3, 1)) is DeadlineStatus.BREACHED


# -- R2-R4: the setting's steps, warned of, never refused -------------------


def test_R2_less_than_2_weeks_notice_is_warned_not_refused():
    plan = run(
        new_plan(), ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 2, 10), by=SCHOOL)
    )
    warned = {w.duty: w for w in review_warnings(plan, date(2026, 2, 10))}
    assert warned[PlanDuty.R2].due == date(2026, 2, 6)
    assert warned[PlanDuty.R2].status is DeadlineStatus.MET_LATE
    assert warned[PlanDuty.R3].status is DeadlineStatus.MISSED  # too late to circulate 2 weeks ahead too
    in_time = run(
        new_plan(), ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 2, 6), by=SCHOOL)
    )
    assert review_warnings(in_time, date(2026, 2, 6)) == []


def test_R3_advice_not_circulated_2_weeks_before_the_meeting_is_warned():
    plan = run(
        new_plan(), ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=SCHOOL)
    )
    assert review_warnings(plan, date(2026, 2, 6)) == []
    assert [w.duty for w in review_warnings(plan, date(2026, 2, 7))] == [PlanDuty.R3]
    assert [w.status for w in review_warnings(plan, date(2026, 2, 7))] == [DeadlineStatus.MISSED]
    late = run(plan, CirculateReviewAdvice(on=date(2026, 2, 10), by=SCHOOL))
    assert status(late, PlanDuty.R3) is DeadlineStatus.MET_LATE


def test_R4_report_after_2_weeks_is_warned_and_never_breaches():
    plan = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=SCHOOL),
        CirculateReviewAdvice(on=date(2026, 2, 1), by=SCHOOL),
        HoldReviewMeeting(on=date(2026, 2, 20), by=SCHOOL),
    )
    assert status(plan, PlanDuty.R4, date(2026, 3, 6)) is DeadlineStatus.AT_RISK
    assert status(plan, PlanDuty.R4, date(2026, 3, 7)) is DeadlineStatus.MISSED
    late = run(plan, ReceiveReviewReport(on=date(2026, 3, 9), by=SCHOOL))
    assert status(late, PlanDuty.R4) is DeadlineStatus.MET_LATE
    assert not plan_view(late, date(2026, 3, 9)).breached


def test_the_setting_records_its_own_steps_and_no_one_elses():
    plan = new_plan()
    refused = refusal(
        plan, ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=OTHER_SCHOOL)
    )
    assert refused.field == "by"
    scheduled = run(
        plan, ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=SCHOOL)
    )
    held = run(scheduled, HoldReviewMeeting(on=date(2026, 2, 20), by=SCHOOL))
    assert (
        refusal(held, DecideReview(outcome=ReviewOutcome.MAINTAIN, on=date(2026, 3, 1), by=SCHOOL)).field
        == "by"
    )


def test_a_meeting_cannot_be_held_before_it_is_arranged_nor_twice():
    assert (
        "no review meeting has been arranged"
        in refusal(new_plan(), HoldReviewMeeting(on=START, by=OFFICER)).reason
    )
    plan = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 2, 20), by=OFFICER),
    )
    assert (
        "already held on 20 February 2026"
        in refusal(plan, HoldReviewMeeting(on=date(2026, 2, 21), by=OFFICER)).reason
    )


def test_a_meeting_cannot_be_recorded_as_held_in_the_future():
    plan = run(
        new_plan(), ScheduleReviewMeeting(meeting_on=date(2026, 2, 20), on=date(2026, 1, 20), by=OFFICER)
    )
    refused = refusal(plan, HoldReviewMeeting(on=date(2026, 2, 20), by=OFFICER), today=date(2026, 2, 19))
    assert refused.reason == "20 February 2026 is in the future (today is 19 February 2026)"


# -- R5 --------------------------------------------------------------------


def test_R5_a_decision_on_meeting_plus_28_days_is_in_time_the_day_after_is_late():
    held = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 2, 2), on=date(2026, 1, 5), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 2, 2), by=OFFICER),
    )
    assert status(held, PlanDuty.R5, date(2026, 3, 2)) is DeadlineStatus.AT_RISK
    assert status(held, PlanDuty.R5, date(2026, 3, 3)) is DeadlineStatus.BREACHED
    assert plan_view(held, date(2026, 3, 3)).breached
    in_time = run(held, DecideReview(outcome=ReviewOutcome.MAINTAIN, on=date(2026, 3, 2), by=OFFICER))
    assert in_time.last_review is not None and in_time.last_review.decided_on == date(2026, 3, 2)
    assert in_time.reviews_completed == 1
    assert plan_view(in_time, date(2026, 3, 2)).review_due == date(2027, 2, 2)


def test_R5_decision_needs_the_meeting_and_not_before_it():
    plan = new_plan()
    refused = refusal(plan, DecideReview(outcome=ReviewOutcome.MAINTAIN, on=date(2026, 1, 1), by=OFFICER))
    assert "the review meeting has not been held" in refused.reason


# -- R6, R7 -----------------------------------------------------------------


def amending(notice_on: date = date(2026, 3, 1)) -> Plan:
    plan = reviewed(new_plan(), date(2026, 2, 2), ReviewOutcome.AMEND)
    assert plan.amendment is not None and plan.amendment.decided_on == date(2026, 2, 9)
    return run(plan, SendAmendmentNotice(on=notice_on, by=OFFICER))


def test_R6_amended_plan_refused_before_notice_plus_15_days_naming_the_earliest_date():
    plan = amending(date(2026, 3, 1))
    refused = refusal(plan, IssueAmendedPlan(on=date(2026, 3, 15), by=OFFICER))
    assert refused.field == "on"
    assert "cannot be issued before 16 March 2026" in refused.reason
    assert "(R6, reg 22)" in refused.reason
    issued = run(plan, IssueAmendedPlan(on=date(2026, 3, 16), by=OFFICER))
    assert issued.amendment is None and issued.last_amendment is not None
    assert issued.last_amendment.issued_on == date(2026, 3, 16)


def test_R6_a_recorded_response_lets_the_amended_plan_issue_sooner_but_not_before_it():
    plan = run(amending(date(2026, 3, 1)), RecordAmendmentResponse(on=date(2026, 3, 5), by=OFFICER))
    assert (
        "before the family's response"
        in refusal(plan, IssueAmendedPlan(on=date(2026, 3, 4), by=OFFICER)).reason
    )
    assert run(plan, IssueAmendedPlan(on=date(2026, 3, 6), by=OFFICER)).last_amendment is not None


def test_R7_amended_plan_within_8_weeks_of_the_notice():
    plan = amending(date(2026, 3, 1))
    assert status(plan, PlanDuty.R7, date(2026, 4, 26)) is DeadlineStatus.AT_RISK
    assert status(plan, PlanDuty.R7, date(2026, 4, 27)) is DeadlineStatus.BREACHED
    on_time = run(plan, IssueAmendedPlan(on=date(2026, 4, 26), by=OFFICER))
    assert on_time.last_amendment is not None and on_time.last_amendment.issued_on == amended_plan_due(
        date(2026, 3, 1)
    )


def test_R7_an_amended_plan_needs_its_notice():
    plan = reviewed(new_plan(), date(2026, 2, 2), ReviewOutcome.AMEND)
    assert (
        "no amendment notice has been sent"
        in refusal(plan, IssueAmendedPlan(on=date(2026, 5, 1), by=OFFICER)).reason
    )


# -- R8 --------------------------------------------------------------------


def test_R8_the_binding_transfers_are_reception_year_7_and_year_12_by_15_february_or_31_march():
    owed = transfers_owed(reception_year=2020, start=date(2019, 1, 1))
    assert [(t.year_group, t.due) for t in owed] == [
        (0, date(2020, 2, 15)),
        (7, date(2027, 2, 15)),
        (12, date(2032, 3, 31)),
    ]
    # a plan made after a transfer's date does not owe it; a junior school transfer only when the plan says so
    later = transfers_owed(reception_year=2020, start=date(2027, 2, 16), extra_years=(3,))
    assert [t.year_group for t in later] == [12]
    assert [t.year_group for t in transfers_owed(2020, date(2022, 9, 1), (3,))] == [3, 7, 12]


def test_R8_phase_transfer_finalised_by_the_amended_plan_naming_the_setting():
    # in year 5 in March 2025: year 6 to year 7 in September 2026, R8 date 15 February 2026
    plan = new_plan(year_group=5)
    assert [t.due for t in plan.transfers] == [date(2026, 2, 15), date(2031, 3, 31)]
    plan = reviewed(plan, date(2025, 11, 3), ReviewOutcome.AMEND)
    refused = refusal(plan, NameSetting(setting="123456", on=date(2025, 11, 20), by=OFFICER))
    assert "no amendment notice" in refused.reason
    plan = run(
        plan,
        SendAmendmentNotice(on=date(2025, 11, 20), by=OFFICER),
        NameSetting(setting="123456", on=date(2025, 12, 1), by=OFFICER),
    )
    assert status(plan, PlanDuty.R8, date(2026, 2, 1)) is DeadlineStatus.AT_RISK
    plan = run(plan, IssueAmendedPlan(on=date(2026, 1, 10), by=OFFICER))
    assert plan.transfers[0].finalised_on == date(2026, 1, 10) and plan.transfers[0].setting == "123456"
    r8 = [d for d in plan_deadlines(plan, date(2026, 1, 10)) if d.duty is PlanDuty.R8]
    assert [d.due for d in r8] == [date(2031, 3, 31)]  # the next transfer (year 11 to 12) is now the one due


def test_R8_the_setting_named_with_its_team_convenes_the_reviews_once_the_amended_plan_is_issued():
    plan = reviewed(new_plan(year_group=5), date(2025, 11, 3), ReviewOutcome.AMEND)
    before = plan.setting_team
    plan = run(
        plan,
        SendAmendmentNotice(on=date(2025, 11, 20), by=OFFICER),
        NameSetting(setting="123456", setting_team="elm-academy", on=date(2025, 12, 1), by=OFFICER),
    )
    assert plan.setting_team == before  # named, not yet in the amended plan: the old setting still convenes
    plan = run(plan, IssueAmendedPlan(on=date(2026, 1, 10), by=OFFICER))
    assert plan.setting_team == "elm-academy" and plan.transfers[0].setting == "123456"
    # a setting named by its URN alone leaves the convening team as it was
    other = reviewed(new_plan(year_group=5), date(2025, 11, 3), ReviewOutcome.AMEND)
    other = run(
        other,
        SendAmendmentNotice(on=date(2025, 11, 20), by=OFFICER),
        NameSetting(setting="123456", on=date(2025, 12, 1), by=OFFICER),
        IssueAmendedPlan(on=date(2026, 1, 10), by=OFFICER),
    )
    assert other.setting_team == before


def test_R8_missed_breaches_after_15_february_and_is_missed_for_good_in_september():
    plan = new_plan(year_group=5)
    assert status(plan, PlanDuty.R8, date(2026, 2, 15)) is DeadlineStatus.AT_RISK
    assert status(plan, PlanDuty.R8, date(2026, 2, 16)) is DeadlineStatus.BREACHED
    r8 = [d.due for d in plan_deadlines(plan, date(2026, 9, 1)) if d.duty is PlanDuty.R8]
    assert r8 == [date(2031, 3, 31)]
    assert plan.transfers[0].finalised_on is None


def test_R8_post_16_transfer_is_due_31_march():
    plan = new_plan(year_group=10, start=date(2025, 3, 10))
    assert [(t.year_group, t.due) for t in plan.transfers] == [(12, date(2026, 3, 31))]


def test_R8_a_setting_is_named_only_when_a_transfer_is_due():
    plan = new_plan(year_group=8)  # year 11 to 12 in 2029: due, so a setting may be named
    plan = run(plan, SendAmendmentNotice(on=date(2025, 6, 1), by=OFFICER))
    assert run(plan, NameSetting(setting="12345678", on=date(2025, 6, 2), by=OFFICER)).amendment is not None
    none_due = new_plan(year_group=13)
    none_due = run(none_due, SendAmendmentNotice(on=date(2025, 6, 1), by=OFFICER))
    assert (
        "no phase transfer is due"
        in refusal(none_due, NameSetting(setting="123456", on=date(2025, 6, 2), by=OFFICER)).reason
    )


# -- R9, R10 -----------------------------------------------------------------


def transferred_in(old_last_review: date | None = date(2025, 1, 15)) -> Plan:
    return new_plan(
        start=date(2023, 6, 1), transferred_on=date(2025, 5, 1), old_last_review_on=old_last_review
    )


def test_R9_family_told_within_6_weeks_of_the_transfer_whether_it_will_reassess():
    plan = transferred_in()
    assert status(plan, PlanDuty.R9, date(2025, 6, 12)) is DeadlineStatus.AT_RISK
    assert status(plan, PlanDuty.R9, date(2025, 6, 13)) is DeadlineStatus.BREACHED
    told = run(plan, TellFamilyOfTransferIn(reassess=False, on=date(2025, 6, 12), by=OFFICER))
    assert status(told, PlanDuty.R9) is DeadlineStatus.MET
    assert (
        "was not transferred in"
        in refusal(new_plan(), TellFamilyOfTransferIn(reassess=False, on=START, by=OFFICER)).reason
    )


def test_R10_review_by_the_later_of_12_months_from_the_last_review_and_3_months_from_the_transfer():
    assert transfer_in_review_due(date(2025, 5, 1), date(2025, 1, 15)) == date(2026, 1, 15)
    assert transfer_in_review_due(date(2025, 5, 1), date(2024, 3, 1)) == date(2025, 8, 1)
    assert transfer_in_review_due(date(2025, 11, 30), date(2024, 1, 1)) == date(2026, 2, 28)
    plan = transferred_in(date(2024, 3, 1))
    view = plan_view(plan, date(2025, 5, 1))
    assert (view.review_due_rule, view.review_due) == (PlanDuty.R10, date(2025, 8, 1))
    after = reviewed(plan, date(2025, 7, 20))
    assert (
        plan_view(after, date(2025, 8, 1)).review_due_rule,
        plan_view(after, date(2025, 8, 1)).review_due,
    ) == (
        PlanDuty.R1,
        date(2026, 7, 20),
    )


def test_R10_with_no_earlier_review_counts_from_the_plans_start():
    plan = transferred_in(old_last_review=None)
    assert plan_view(plan, date(2025, 5, 1)).review_due == date(2025, 8, 1)  # 1 June 2024 is earlier


# -- R11 and the ends of a plan -----------------------------------------------


def test_R11_a_decision_to_cease_tells_the_family_of_their_right_of_appeal():
    held = run(
        new_plan(),
        ScheduleReviewMeeting(meeting_on=date(2026, 2, 2), on=date(2026, 1, 5), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 2, 2), by=OFFICER),
    )
    no_info = DecideReview(
        outcome=ReviewOutcome.CEASE,
        cease_reason=CeaseReason.NEEDS_MET_WITHOUT_PLAN,
        on=date(2026, 2, 9),
        by=OFFICER,
    )
    assert refusal(held, no_info).field == "appeal_information_given"
    no_reason = DecideReview(
        outcome=ReviewOutcome.CEASE, on=date(2026, 2, 9), appeal_information_given=True, by=OFFICER
    )
    assert refusal(held, no_reason).field == "cease_reason"


def test_R11_the_plan_is_kept_while_an_appeal_is_pending_and_ceases_once_it_is_dismissed():
    plan = reviewed(
        new_plan(),
        date(2026, 2, 2),
        ReviewOutcome.CEASE,
        cease_reason=CeaseReason.NEEDS_MET_WITHOUT_PLAN,
        appeal_information_given=True,
    )
    assert plan.status is PlanStatus.CEASING and plan.reviews_completed == 1
    assert plan_view(plan, date(2026, 3, 1)).review_due is None  # no next review once the decision stands
    plan = run(plan, RecordCeaseAppeal(on=date(2026, 3, 20), by=OFFICER))
    refused = refusal(plan, CeasePlan(on=date(2026, 4, 1), by=OFFICER))
    assert "while the appeal lodged on 20 March 2026 is pending (R11" in refused.reason
    assert (
        "the decision to cease"
        in refusal(
            plan, ScheduleReviewMeeting(meeting_on=date(2026, 5, 1), on=date(2026, 4, 1), by=OFFICER)
        ).reason
    )
    plan = run(
        plan,
        RecordCeaseAppealOutcome(outcome=AppealOutcome.DISMISSED, on=date(2026, 7, 1), by=OFFICER),
        CeasePlan(on=date(2026, 7, 2), by=OFFICER),
    )
    assert plan.status is PlanStatus.CEASED
    assert (plan.ended_on, plan.end_reason) == (date(2026, 7, 2), CeaseReason.NEEDS_MET_WITHOUT_PLAN)
    assert plan_deadlines(plan, date(2026, 7, 2)) == []
    assert "ended on 2 July 2026" in refusal(plan, TransferPlanOut(on=date(2026, 8, 1), by=OFFICER)).reason


def test_R11_an_appeal_that_keeps_the_plan_sets_the_decision_aside():
    plan = run(
        new_plan(),
        DecideToCease(
            reason=CeaseReason.OTHER, on=date(2025, 6, 1), appeal_information_given=True, by=OFFICER
        ),
        RecordCeaseAppeal(on=date(2025, 6, 10), by=OFFICER),
        RecordCeaseAppealOutcome(outcome=AppealOutcome.PLAN_KEPT, on=date(2025, 9, 1), by=OFFICER),
    )
    assert plan.status is PlanStatus.IN_FORCE and plan.cease is None
    assert "no decision to cease" in refusal(plan, CeasePlan(on=date(2025, 9, 2), by=OFFICER)).reason


def test_R11_ceasing_needs_a_decision_and_a_transfer_is_not_a_cease():
    assert "no decision to cease" in refusal(new_plan(), CeasePlan(on=date(2025, 6, 1), by=OFFICER)).reason
    transfer = DecideToCease(reason=CeaseReason.TRANSFERRED_TO_ANOTHER_LA, on=date(2025, 6, 1), by=OFFICER)
    assert "transferred out" in refusal(new_plan(), transfer).reason
    # a young person who has died: no appeal notice to give
    deceased = run(new_plan(), DecideToCease(reason=CeaseReason.DECEASED, on=date(2025, 6, 1), by=OFFICER))
    assert run(deceased, CeasePlan(on=date(2025, 6, 1), by=OFFICER)).status is PlanStatus.CEASED


def test_transfer_out_ends_the_plan_with_sen2_reason_5():
    plan = run(new_plan(), TransferPlanOut(on=date(2025, 9, 1), by=OFFICER))
    assert plan.status is PlanStatus.TRANSFERRED_OUT
    assert plan.end_reason is CeaseReason.TRANSFERRED_TO_ANOTHER_LA and plan.end_reason.value == "5"


# -- starting, and the alarms ------------------------------------------------


def test_a_plan_cannot_start_in_the_future_and_keeps_no_date_of_birth():
    with pytest.raises(RuleViolation, match="cannot be in the future"):
        start_plan(
            StartPlan(ref="P-1", team="north", start_on=date(2026, 1, 2), year_group=3),
            today=date(2026, 1, 1),
        )
    plan = new_plan(year_group=3)  # year 3 in the school year from September 2024
    assert plan.reception_year == 2021
    assert "birth" not in str(plan.model_dump())


def test_a_plan_imported_with_its_last_review_counts_its_next_from_that_meeting():
    plan = new_plan(start=date(2022, 1, 10), last_review_on=date(2024, 11, 5))
    assert plan_view(plan, date(2025, 1, 1)).review_due == date(2025, 11, 5)


def test_plan_alarms_carry_their_due_date_in_their_keys_and_stop_once_met():
    plan = new_plan()
    alarms = plan_alarms(plan, datetime_at(date(2025, 4, 1)), PlanAlarmTiming())
    r1 = [a for a in alarms if a.duty is PlanDuty.R1]
    assert {a.key for a in r1} == {
        "R1:2026-03-10:reminder:56",
        "R1:2026-03-10:reminder:28",
        "R1:2026-03-10:reminder:14",
        "R1:2026-03-10:breach:0",
        "R1:2026-03-10:escalation:7",
        "R1:2026-03-10:escalation:28",
    }
    assert next(a for a in r1 if a.level is AlarmLevel.BREACH).at == datetime_at(date(2026, 3, 11), hour=0)
    held = run(
        plan,
        ScheduleReviewMeeting(meeting_on=date(2026, 2, 2), on=date(2026, 1, 5), by=OFFICER),
        HoldReviewMeeting(on=date(2026, 2, 2), by=OFFICER),
    )
    duties = {a.duty for a in plan_alarms(held, datetime_at(date(2026, 2, 2)), PlanAlarmTiming())}
    assert PlanDuty.R1 not in duties and PlanDuty.R5 in duties
    assert PlanDuty.R4 not in duties  # the setting's steps warn, never alert


def datetime_at(day: date, hour: int = 9):
    from domain.clock import at_london_time

    return at_london_time(day, hour)


def test_a_changeable_copy_is_a_deep_copy_every_part_apart_from_the_original():
    """The rules change a copy's parts in place, and a recorded event keeps the plan it was given."""
    plan = reviewed(new_plan(year_group=5), date(2025, 11, 3), ReviewOutcome.AMEND)
    plan = run(
        plan,
        SendAmendmentNotice(on=date(2025, 11, 20), by=OFFICER),
        NameSetting(setting="123456", on=date(2025, 12, 1), by=OFFICER),
        ScheduleReviewMeeting(meeting_on=date(2026, 10, 1), on=date(2026, 9, 1), by=OFFICER),
    )
    copy = plan.changeable_copy()
    assert copy == plan == plan.model_copy(deep=True)
    for name in (*CHANGEABLE_PARTS, "transfers", "extra_transfer_years"):
        part = getattr(plan, name)
        assert part is None or getattr(copy, name) is not part, name
    assert all(a is not b for a, b in zip(copy.transfers, plan.transfers, strict=True))
    # each part holds only values (no list, dict or model of its own), so copying the part copies it all
    for name in CHANGEABLE_PARTS:
        (part_model,) = [t for t in get_args(Plan.model_fields[name].annotation) if t is not type(None)] or [
            Plan.model_fields[name].annotation
        ]
        assert _holds_only_values(part_model), name
    assert _holds_only_values(PhaseTransfer)
    copy.review.held_on = date(2026, 10, 1)
    copy.transfers[0].setting = "999999"
    copy.amendment.setting = "654321"  # type: ignore[union-attr]
    assert plan.review.held_on is None and plan.transfers[0].setting is None
    assert plan.amendment is not None and plan.amendment.setting == "123456"


def _holds_only_values(model: type[BaseModel]) -> bool:
    def value(t: object) -> bool:
        args = get_args(t)
        if args:  # X | None
            return all(value(a) for a in args)
        return t in (type(None), date, int, str, bool) or (isinstance(t, type) and issubclass(t, Enum))

    return all(value(f.annotation) for f in model.model_fields.values())
