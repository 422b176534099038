"""The final plan issued starts the plan in force (v9, workflow.patched "plan-in-force").

On the time-skipping server: the case's last step starts ``ehcplan-<ref>`` as a child it abandons, so the
plan lives on for years after the case ends; a plan already started under that reference (imported, or
started by hand) is kept, and the case still ends well. Its recorded history replays in
tests/workflows/test_replay.py (v9).
"""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from domain.case import Outcome
from domain.plan import PlanStatus
from domain.plan_commands import StartPlan
from ehcna.gateway.plans import PlanGateway
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import REQUIRED_ADVICE, CaseDriver
from workflows import search_attributes as sa
from workflows.ids import plan_workflow_id


@pytest.fixture
async def env_queue() -> AsyncIterator[tuple]:
    async with time_skipping_env() as env, running_worker(env.client) as (_, queue):
        yield env, queue


async def issue_plan(case: CaseDriver, name: str) -> None:
    await case.decide_to_assess(30)
    await case.request_advice(31)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(60, kind)
    await case.decide_to_issue(70)
    await case.serve_draft(80)
    await case.issue_final_plan(96)
    result = await case.finish(name)
    assert result.case.outcome is Outcome.PLAN_ISSUED


async def child_starts(case: CaseDriver) -> int:
    history = await case.handle.fetch_history()
    started = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    return sum(1 for e in history.events if e.event_type == started)


async def test_plan_in_force_starts_when_the_final_plan_is_issued(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-PLAN-IN-FORCE", year_group=5)
    await issue_plan(case, "plan_in_force_started")

    plans = PlanGateway(env.client, queue)
    view = await plans.read("TS-PLAN-IN-FORCE")
    assert view.status is PlanStatus.IN_FORCE
    plan = view.plan
    assert plan.start_on == case.day(96)  # SEN2 StartDate: the day the final plan was issued
    assert plan.team == "north"
    assert plan.setting_team == "oak-school"  # the team asked for the educational advice convenes reviews
    # R1: the first review within 12 months of the start (same day of the month, a year on)
    assert view.review_due == case.day(96).replace(year=case.day(96).year + 1)
    # the year cohort, never a date of birth: year 5 on day 0 and on the plan's start (same school year)
    assert plan.reception_year == case.day(0).year - (0 if case.day(0).month >= 9 else 1) - 5

    # its own id space; the case that started it has ended, the plan runs on (abandoned child)
    description = await plans.handle("TS-PLAN-IN-FORCE").describe()
    assert description.id == plan_workflow_id("TS-PLAN-IN-FORCE") == "ehcplan-TS-PLAN-IN-FORCE"
    assert description.status is WorkflowExecutionStatus.RUNNING
    # (the case's result was read by issue_plan: it has completed)
    assert await child_starts(case) == 1
    # no personal data in what Temporal lists: stage, team, dates only
    attributes = description.typed_search_attributes
    assert attributes.get(sa.PLAN_STAGE) == str(PlanStatus.IN_FORCE)
    assert attributes.get(sa.TEAM) == "north"

    # a year on, its review is overdue and the plan says so, long after the case closed
    await env.sleep(timedelta(days=370))
    assert (await plans.read("TS-PLAN-IN-FORCE")).review_overdue


async def test_plan_in_force_already_started_is_kept_and_the_case_still_ends(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-PLAN-KEPT", year_group=8)
    plans = PlanGateway(env.client, queue)
    # the plan was started first by other means (imported with its year group and setting)
    await plans.start(
        StartPlan(
            ref="TS-PLAN-KEPT", team="north", setting_team="oak-high", start_on=case.day(0), year_group=8
        ),
        case.day(0),
    )
    await issue_plan(case, "plan_in_force_already_started")

    view = await plans.read("TS-PLAN-KEPT")
    assert view.plan.start_on == case.day(0)  # the plan first started, not a second one
    assert view.plan.setting_team == "oak-high"
    assert await child_starts(case) == 1  # tried once; refused by the id, never retried


async def test_no_plan_in_force_without_a_final_plan(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-NO-PLAN-IN-FORCE")
    await case.decide_to_assess(30)
    await case.request_advice(30)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(65, kind)
    await case.decide_to_issue(100, yes=False)
    result = await case.finish("no_plan_in_force")
    assert result.case.outcome is Outcome.PLAN_NOT_ISSUED
    assert await child_starts(case) == 0


async def test_no_plan_in_force_without_a_year_group_and_the_case_still_ends(env_queue):
    # the plan's phase transfers cannot be timed without the year cohort: the worker logs why (no names)
    # and the plan is started by hand with its year group (ehcna start-plan)
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-PLAN-NO-YEAR", year_group=None)
    await issue_plan(case, "plan_in_force_without_year_group")
    assert await child_starts(case) == 0
