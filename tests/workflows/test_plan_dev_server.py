"""Plans in force on the real Temporal dev server: a back-dated plan whose review is overdue alerts
within seconds, and the list query (the UI's, the CLI's) finds it by its ReviewDue search attribute."""

from datetime import UTC, datetime, timedelta

from domain.clock import london_date
from domain.plan_calendar import add_months
from domain.plan_commands import StartPlan
from ehcna.gateway.plans import PlanGateway
from tests.workflows.test_dev_server import dev_env, eventually, queue, temporal_cli, unique
from workflows.plan import PlanWorkflow

__all__ = ["dev_env", "queue"]  # the fixtures, shared with the assessment's dev server tests


async def test_backdated_plan_with_an_overdue_review_alerts_and_is_listed(dev_env, queue):
    today = london_date(datetime.now(UTC))
    start = add_months(today, -14)  # its R1 date passed two months ago without a meeting
    ref = unique("DEV-PLAN-OVERDUE")
    gateway = PlanGateway(dev_env.client, queue)
    view = await gateway.start(StartPlan(ref=ref, team="north", start_on=start, year_group=4), today)
    assert view.review_overdue
    due = add_months(start, 12)
    on_time = unique("DEV-PLAN-ON-TIME")
    await gateway.start(
        StartPlan(ref=on_time, team="north", start_on=today - timedelta(days=30), year_group=4), today
    )

    async def escalated() -> bool:
        sent = await gateway.handle(ref).query(PlanWorkflow.alarms_sent)
        # entered late: only the most severe alarm due is sent (domain.alarms.due_alarms)
        return sent == [f"R1:{due}:escalation:28"]

    await eventually(escalated)
    overdue_query = f"WorkflowType = 'Plan' AND ReviewDue < '{datetime.now(UTC).isoformat()}'"

    async def listed() -> bool:
        ids = {wf.id async for wf in dev_env.client.list_workflows(overdue_query)}
        return gateway.handle(ref).id in ids and gateway.handle(on_time).id not in ids

    await eventually(listed)
    address = dev_env.client.service_client.config.target_host
    found_by_cli = await temporal_cli("workflow", "list", "--address", address, "--query", overdue_query)
    assert gateway.handle(ref).id in found_by_cli
    assert gateway.handle(on_time).id not in found_by_cli
