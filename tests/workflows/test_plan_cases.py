"""Whole plans in force on the time-skipping server, one plan per environment.

Each test walks a plan through the updates people use, across the continue-as-new at each completed
review, and checks the statutory state, the alarms and the history's length.
"""

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from domain.deadlines import DeadlineStatus
from domain.phase_transfer import school_year_start
from domain.plan import AppealOutcome, CeaseReason, PlanStatus, ReviewOutcome
from domain.plan_calendar import PlanDuty, add_months
from domain.plan_commands import (
    CeasePlan,
    DecideReview,
    IssueAmendedPlan,
    NameSetting,
    RecordCeaseAppeal,
    RecordCeaseAppealOutcome,
    SendAmendmentNotice,
    TellFamilyOfTransferIn,
)
from domain.plan_views import PlanView
from ehcna.gateway.errors import RuleRefused
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.plan_driver import OFFICER, PlanDriver
from workflows.plan import PlanWorkflow

# one review cycle's run: its start, five steps, a few alarms and search attribute changes; a plan's
# history never grows past this however many years it lives (it continues as new at each review)
MAX_EVENTS_PER_RUN = 250


@pytest.fixture
async def env_queue() -> AsyncIterator[tuple]:
    async with time_skipping_env() as env, running_worker(env.client) as (_, queue):
        yield env, queue


def status_of(view: PlanView, duty: PlanDuty) -> DeadlineStatus:
    return next(d.status for d in view.deadlines if d.duty is duty)


def amend(on: date) -> DecideReview:
    return DecideReview(outcome=ReviewOutcome.AMEND, on=on, by=OFFICER)


async def test_plan_maintained_at_a_timely_review(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-MAINTAINED", year_group=3)
    start = await plan.today()
    first_run = await plan.run_id()
    due = add_months(start, 12)
    meeting = due - timedelta(days=20)
    await plan.go_to(meeting - timedelta(days=21))
    assert await plan.alarms_sent() == [f"R1:{due}:reminder:56"]  # 8 weeks before: 09:00 that day
    view = await plan.review(meeting)

    assert view.plan.reviews_completed == 1
    assert view.plan.last_review is not None and view.plan.last_review.held_on == meeting
    assert view.review_due == add_months(meeting, 12)  # R1 from the meeting
    assert view.status is PlanStatus.IN_FORCE and not view.breached
    # the completed review ended its run: the next begins afresh
    assert await plan.run_id() != first_run
    old = await env.client.get_workflow_handle(plan.handle.id, run_id=first_run).describe()
    assert old.status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    await plan.save_history("maintained_first_run", first_run)


async def test_plan_amended_within_8_weeks(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-AMENDED", year_group=3)
    meeting = (await plan.today()) + timedelta(days=300)
    await plan.review(meeting, amend(meeting + timedelta(days=10)))
    notice = meeting + timedelta(days=14)
    await plan.act(SendAmendmentNotice(on=notice, by=OFFICER))
    # the family's 15 days: refused before notice + 15, naming the date
    with pytest.raises(RuleRefused) as refused:
        await plan.act(IssueAmendedPlan(on=notice + timedelta(days=5), by=OFFICER))
    assert (notice + timedelta(days=15)).strftime("%B %Y") in refused.value.reason
    second_run = await plan.run_id()
    view = await plan.act(IssueAmendedPlan(on=notice + timedelta(days=40), by=OFFICER))

    assert view.plan.last_amendment is not None
    assert view.plan.last_amendment.issued_on == notice + timedelta(days=40)
    assert view.plan.amendment is None and not view.breached
    assert not [k for k in await plan.alarms_sent() if k.startswith("R7:")]
    await plan.save_history("amended_in_time_second_run_open", second_run)


async def test_plan_amended_late_breaches_R7(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-R7-LATE", year_group=3)
    meeting = (await plan.today()) + timedelta(days=300)
    await plan.review(meeting, amend(meeting + timedelta(days=10)))
    notice = meeting + timedelta(days=14)
    await plan.act(SendAmendmentNotice(on=notice, by=OFFICER))
    r7_due = notice + timedelta(days=56)
    await plan.go_to(r7_due + timedelta(days=1))
    view = await plan.state()
    assert status_of(view, PlanDuty.R7) is DeadlineStatus.BREACHED and view.breached
    assert f"R7:{r7_due}:breach:0" in await plan.alarms_sent()
    view = await plan.act(IssueAmendedPlan(on=r7_due + timedelta(days=4), by=OFFICER))
    sent = await plan.alarms_sent()

    assert f"R7:{r7_due}:reminder:14" in sent and f"R7:{r7_due}:reminder:7" in sent
    assert f"R7:{r7_due}:escalation:7" not in sent  # issued before it: cancelled
    assert not view.breached
    await plan.save_history("amended_late_second_run_open", await plan.run_id())


async def test_plan_ceased_with_an_appeal_pending_then_the_decision_upheld(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-CEASED", year_group=12)
    meeting = (await plan.today()) + timedelta(days=200)
    cease = DecideReview(
        outcome=ReviewOutcome.CEASE,
        cease_reason=CeaseReason.HIGHER_EDUCATION,
        appeal_information_given=True,
        on=meeting + timedelta(days=20),
        by=OFFICER,
    )
    view = await plan.review(meeting, cease)
    assert view.status is PlanStatus.CEASING and view.review_due is None
    lodged = meeting + timedelta(days=40)
    await plan.act(RecordCeaseAppeal(on=lodged, by=OFFICER))
    with pytest.raises(RuleRefused) as refused:
        await plan.act(CeasePlan(on=lodged + timedelta(days=30), by=OFFICER))
    assert "pending (R11" in refused.value.reason
    await plan.act(
        RecordCeaseAppealOutcome(outcome=AppealOutcome.DISMISSED, on=lodged + timedelta(days=90), by=OFFICER)
    )
    view = await plan.act(CeasePlan(on=lodged + timedelta(days=91), by=OFFICER))
    assert view.status is PlanStatus.CEASED
    result = await env.client.get_workflow_handle_for(PlanWorkflow.run, plan.handle.id).result()

    assert result.status is PlanStatus.CEASED
    assert result.plan.ended_on == lodged + timedelta(days=91)
    assert result.plan.end_reason is CeaseReason.HIGHER_EDUCATION
    assert result.deadlines == []
    await plan.save_history("ceased_after_appeal_second_run")


async def test_phase_transfer_finalised_by_15_february(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-Y7-IN-TIME", year_group=5)
    s = school_year_start(await plan.today())
    r8 = date(s + 2, 2, 15)  # year 6 to year 7 in September of s + 2
    assert (await plan.state()).plan.transfers[0].due == r8
    meeting = date(s + 1, 10, 1)
    await plan.review(meeting, amend(date(s + 1, 10, 8)))
    await plan.act(SendAmendmentNotice(on=date(s + 1, 10, 15), by=OFFICER))
    await plan.act(NameSetting(setting="123456", on=date(s + 1, 10, 20), by=OFFICER))
    view = await plan.act(IssueAmendedPlan(on=date(s + 1, 12, 1), by=OFFICER))

    y7 = view.plan.transfers[0]
    assert (y7.finalised_on, y7.setting) == (date(s + 1, 12, 1), "123456")
    assert [d.due for d in view.deadlines if d.duty is PlanDuty.R8] == [date(s + 7, 3, 31)]  # year 12 next
    await plan.go_to(r8 + timedelta(days=1))
    assert not [k for k in await plan.alarms_sent() if k.startswith(f"R8:{r8}")]
    await plan.save_history("phase_transfer_in_time_second_run_open")


async def test_phase_transfer_missed(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-Y7-MISSED", year_group=5)
    s = school_year_start(await plan.today())
    r8 = date(s + 2, 2, 15)
    await plan.go_to(r8 + timedelta(days=1))
    view = await plan.state()
    assert status_of(view, PlanDuty.R8) is DeadlineStatus.BREACHED and view.breached
    assert f"R8:{r8}:breach:0" in await plan.alarms_sent()
    await plan.go_to(date(s + 2, 9, 2))
    view = await plan.state()
    assert view.plan.transfers[0].finalised_on is None  # missed for good: L7 counts it late
    assert [d.due for d in view.deadlines if d.duty is PlanDuty.R8] == [date(s + 7, 3, 31)]
    await plan.save_history("phase_transfer_missed_open")


async def test_plan_transferred_in_R9_and_R10(env_queue):
    env, queue = env_queue
    today = await PlanDriver.today_of(env)
    transferred = today - timedelta(days=10)
    plan = await PlanDriver.start(
        env,
        queue,
        "PL-TRANSFER-IN",
        year_group=8,
        start_on=today - timedelta(days=400),
        transferred_on=transferred,
        old_last_review_on=today - timedelta(days=380),
    )
    view = await plan.state()
    r10 = add_months(transferred, 3)  # later than 12 months from the old review (already past)
    assert (view.review_due_rule, view.review_due) == (PlanDuty.R10, r10)
    assert status_of(view, PlanDuty.R9) is DeadlineStatus.DUE
    view = await plan.act(
        TellFamilyOfTransferIn(reassess=False, on=transferred + timedelta(days=30), by=OFFICER)
    )
    assert status_of(view, PlanDuty.R9) is DeadlineStatus.MET
    meeting = r10 - timedelta(days=5)
    first_run = await plan.run_id()
    view = await plan.review(meeting)
    await plan.save_history("transferred_in_first_run", first_run)

    assert view.plan.last_review is not None and view.plan.last_review.due == r10
    assert (view.review_due_rule, view.review_due) == (PlanDuty.R1, add_months(meeting, 12))
    assert not [k for k in await plan.alarms_sent() if ":breach:" in k]


async def test_five_years_of_reviews_continue_as_new_and_keep_each_history_bounded(env_queue):
    env, queue = env_queue
    plan = await PlanDriver.start(env, queue, "PL-FIVE-YEARS", year_group=1)
    meeting = await plan.today()
    lengths = []
    for year in range(5):
        meeting = add_months(meeting, 12) - timedelta(days=10)
        run = await plan.run_id()
        view = await plan.review(meeting)
        history = await env.client.get_workflow_handle(plan.handle.id, run_id=run).fetch_history()
        lengths.append(len(history.events))
        if year == 0:
            await plan.save_history("five_years_first_review", run)

    assert view.plan.reviews_completed == 5
    assert view.review_due == add_months(meeting, 12)
    assert max(lengths) < MAX_EVENTS_PER_RUN, lengths
    # every run holds one review cycle: the fifth is no longer than the first by more than its alarms
    assert abs(lengths[-1] - lengths[0]) < 40, lengths
