"""The advice clock's breach does not depend on when its first workflow task runs."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from domain.alarms import AlarmLevel
from domain.case import AdviceKind, AdviceRequest, AdviceStatus
from domain.clock import london_date
from domain.events import AdviceNotice, AlarmEvent, ExceptionNotice
from ehcna.bootstrap import build_worker
from workflows.advice import AdviceWorkflow
from workflows.inputs import AdviceInput, AdviceUpdate


class Alarms:
    """A notification port that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[AlarmEvent] = []

    async def alarm(self, event: AlarmEvent) -> None:
        self.sent.append(event)

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        pass

    async def advice_received(self, notice: AdviceNotice) -> None:
        pass


async def test_advice_overdue_when_asked_is_breached_even_if_closed_before_its_clock_first_ran(dev_server):
    # reg 8(1): advice asked 60 days ago was due 18 days ago. The case closes the request (not
    # received) before the clock's first task has run: as on a busy worker, where the start and
    # the close arrive in one activation. The breach must still be raised, as it is when the
    # first task runs at once.
    client = dev_server.env.client
    queue = f"advice-clock-{uuid4().hex[:6]}"
    today = london_date(datetime.now(UTC))
    asked = AdviceRequest(
        id="HEALTH-1", kind=AdviceKind.HEALTH, provider_team="icb", requested_on=today - timedelta(days=60)
    )
    ref = f"CLOCK-{uuid4().hex[:6]}"
    handle = await client.start_workflow(
        AdviceWorkflow.run,
        AdviceInput(case_workflow_id=f"ehcna-{ref}", case_ref=ref, team="north", advice=asked),
        id=f"ehcna-{ref}-advice-HEALTH-1",
        task_queue=queue,  # no worker yet: the close below is there before the first task
    )
    closed = asked.model_copy(update={"status": AdviceStatus.NOT_RECEIVED, "not_received_on": today})
    await handle.signal(AdviceWorkflow.advice_updated, AdviceUpdate(advice=closed, excepted=False))

    alarms = Alarms()
    async with build_worker(client, queue, notifications=alarms):
        assert (await handle.result()).status is AdviceStatus.NOT_RECEIVED
    breaches = [e.alarm for e in alarms.sent if e.alarm.level in (AlarmLevel.BREACH, AlarmLevel.ESCALATION)]
    assert [a.deadline_key for a in breaches] == ["T2:HEALTH-1"]
