"""A plan brought onto the engine with its history (PlanInput.prior_actions), on the time-skipping server.

Its completed review goes in with the start and is recorded as the step it was; the alarms are worked out
once the history is in, so the review now overdue (R1) alerts at once and the one held in time never did.
Its start and history are recorded in one go (one local activity, one transaction: plan-record-in-one-go);
its history is recorded (tests/histories/plans/v3/imported_with_a_review_first_run.json) and replayed.
"""

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from domain.plan import ReviewOutcome
from domain.plan_calendar import PlanDuty, add_months
from domain.plan_commands import DecideReview, HoldReviewMeeting, ScheduleReviewMeeting, StartPlan
from ehcna.gateway.errors import InvalidStart
from ehcna.gateway.plans import PlanGateway
from ehcna.importer.plan import IMPORT_ACTOR
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.plan_driver import PlanDriver
from workflows.plan import PlanWorkflow


async def local_activities(handle: WorkflowHandle) -> list[str]:
    """The local activities a run recorded, by type, in order (from their markers in the history)."""
    kinds = []
    async for event in handle.fetch_history_events():
        marker = event.marker_recorded_event_attributes
        if event.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_local_activity":
            data = marker.details["data"].payloads[0].data
            kinds.append(json.loads(data)["activity_type"])
    return kinds


@pytest.fixture
async def env_queue() -> AsyncIterator[tuple]:
    async with time_skipping_env() as env, running_worker(env.client) as (_, queue):
        yield env, queue


async def test_plan_imported_with_a_review_R1_overdue_alerts_at_once(env_queue):
    env, queue = env_queue
    today = await PlanDriver.today_of(env)
    start = add_months(today, -26)
    meeting = add_months(start, 12) - timedelta(days=5)  # held in time; the next R1 passed 19 days ago
    history = [
        ScheduleReviewMeeting(meeting_on=meeting, on=meeting - timedelta(days=21), by=IMPORT_ACTOR),
        HoldReviewMeeting(on=meeting, by=IMPORT_ACTOR),
        DecideReview(outcome=ReviewOutcome.MAINTAIN, on=meeting + timedelta(days=10), by=IMPORT_ACTOR),
    ]
    gateway = PlanGateway(env.client, queue)
    ref = "TS-IMPORTED"
    view = await gateway.start(
        StartPlan(ref=ref, team="north", start_on=start, year_group=3, by=IMPORT_ACTOR), today, history
    )
    due = add_months(meeting, 12)
    assert (view.review_due_rule, view.review_due, view.review_overdue) == (PlanDuty.R1, due, True)
    plan = PlanDriver(env, gateway, ref)
    assert (await plan.state()).plan.reviews_completed == 1
    sent = await plan.alarms_sent()
    # the review now overdue alerts at once; the one held in time raised nothing
    assert sent and all(k.startswith(f"R1:{due}:") for k in sent)
    first_run = await plan.run_id()
    # the start and its three steps: recorded by one local activity, not four
    assert await local_activities(plan.handle) == ["record_plan_events"]

    # the plan goes on as a live one: its next review completes the run, which continues as new
    meeting_now = await plan.today()
    await plan.act(ScheduleReviewMeeting(meeting_on=meeting_now, on=meeting_now, by=IMPORT_ACTOR))
    await plan.act(HoldReviewMeeting(on=meeting_now, by=IMPORT_ACTOR))
    after = await plan.act(DecideReview(outcome=ReviewOutcome.MAINTAIN, on=meeting_now, by=IMPORT_ACTOR))
    assert after.plan.reviews_completed == 2
    assert await plan.run_id() != first_run
    old = await env.client.get_workflow_handle(plan.handle.id, run_id=first_run).describe()
    assert old.status is WorkflowExecutionStatus.CONTINUED_AS_NEW
    await plan.save_history("imported_with_a_review_first_run", first_run)
    assert not (await plan.state()).review_overdue
    assert await plan.handle.query(PlanWorkflow.alarms_sent) == []  # the new run: nothing owed


async def test_plan_imported_with_a_step_the_rules_refuse_is_not_started(env_queue):
    env, queue = env_queue
    today = await PlanDriver.today_of(env)
    start = today - timedelta(days=200)
    gateway = PlanGateway(env.client, queue)
    bad = [HoldReviewMeeting(on=start + timedelta(days=100), by=IMPORT_ACTOR)]  # never arranged (R2)
    with pytest.raises(InvalidStart) as refused:
        await gateway.start(
            StartPlan(ref="TS-IMPORTED-BAD", team="north", start_on=start, year_group=3), today, bad
        )
    assert refused.value.field == "on" and "no review meeting has been arranged" in refused.value.reason
    with pytest.raises(RPCError) as missing:
        await gateway.handle("TS-IMPORTED-BAD").describe()
    assert missing.value.status is RPCStatusCode.NOT_FOUND
