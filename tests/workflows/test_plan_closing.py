"""A plan whose review has just been completed goes on taking actions while an alert is still being
sent (its mail server slow or down): each is answered and recorded, and the plan continues as new
with it once the alert is out. Before the fix such an action was never answered and the plan never
went on, so the next review's R1 would never have alerted."""

import asyncio
from datetime import timedelta
from uuid import uuid4

from temporalio.client import WorkflowExecutionStatus

from domain.events import AdviceNotice, AlarmEvent, ExceptionNotice
from domain.plan_commands import ScheduleReviewMeeting
from tests.temporal_servers import running_worker
from tests.workflows.plan_driver import SCHOOL, PlanDriver


class HeldAlarms:
    """A notification port whose alerts are delivered only once ``release`` is set, as a mail
    server that is down would hold them (the activity stays running until then)."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.sent: list[str] = []

    async def alarm(self, event: AlarmEvent) -> None:
        self.started.set()
        await self.release.wait()
        self.sent.append(event.alarm.key)

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        pass

    async def advice_received(self, notice: AdviceNotice) -> None:
        pass


async def test_an_action_taken_while_a_completed_reviews_alert_is_still_being_sent_is_recorded(dev_server):
    held = HeldAlarms()
    env = dev_server.env
    async with running_worker(env.client, notifications=held) as (_, queue):
        today = await PlanDriver.today_of(env)
        # started 400 days ago: its first review (R1) is overdue, so its breach alert goes at once
        plan = await PlanDriver.start(
            env, queue, f"PL-CLOSING-{uuid4().hex[:6]}", year_group=3, start_on=today - timedelta(400)
        )
        await asyncio.wait_for(held.started.wait(), 30)
        first_run = await plan.run_id()
        # held and decided (a week after, yesterday): the review is completed
        await plan.review(today - timedelta(days=8))
        next_meeting = today + timedelta(days=300)

        view = await plan.act(
            ScheduleReviewMeeting(meeting_on=next_meeting, on=today - timedelta(days=1), by=SCHOOL)
        )

        assert view.plan.review.meeting_on == next_meeting
        assert await plan.run_id() == first_run  # the alert is still held: the run has not ended
        held.release.set()
        old = env.client.get_workflow_handle(plan.handle.id, run_id=first_run)
        for _ in range(100):
            if (await old.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
                break
            await asyncio.sleep(0.1)
        assert (await old.describe()).status is WorkflowExecutionStatus.CONTINUED_AS_NEW
        now = await plan.state()
        assert now.plan.review.meeting_on == next_meeting
        assert any(key.startswith("R1:") for key in held.sent)
        await plan.save_history("action_while_closing_first_run", first_run)
