"""Crash and restart safety with the product's real processes."""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest
import sqlalchemy as sa
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from domain.commands import DecideToAssess, RecordFamilyResponse
from ehcna.gateway.client import connect
from ehcna.settings import Settings
from ehcna.store.alerts import AlertRow, AlertState
from ehcna.store.models import AdviceRow, AuditRow, BreachRow, CaseRow, DecisionRow
from tests.notifications.sinks import smtp_sink
from tests.ops.processes import free_port, start_temporal, start_worker, stop
from tests.workflows.case_driver import OFFICER, REQUIRED_ADVICE, CaseDriver
from workflows.assessment import AssessmentWorkflow


class RealClockEnv:
    """Just enough of a WorkflowEnvironment for the CaseDriver on a real-clock server."""

    supports_time_skipping = False

    def __init__(self, client) -> None:
        self.client = client

    async def get_current_time(self):

        return datetime.now(UTC)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    for _ in range(int(seconds * 5)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def has_pending_timer(handle) -> bool:
    history = await handle.fetch_history()
    started = sum(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in history.events)
    done = sum(
        e.event_type in (EventType.EVENT_TYPE_TIMER_FIRED, EventType.EVENT_TYPE_TIMER_CANCELED)
        for e in history.events
    )
    return started > done


@pytest.fixture
def mail():
    with smtp_sink() as sink:
        yield sink


def counts(db, ref: str) -> dict[str, int]:
    with db.sessions() as s:
        return {
            name: s.scalar(sa.select(sa.func.count()).where(col == ref))
            for name, col in (
                ("cases", CaseRow.ref),
                ("advice", AdviceRow.case_ref),
                ("decisions", DecisionRow.case_ref),
                ("audit", AuditRow.case_ref),
                ("breaches", BreachRow.case_ref),
            )
        }


async def test_worker_killed_mid_advice_then_restarted_finishes_the_case_once(db, tmp_path, mail):
    port = free_port()
    address = f"127.0.0.1:{port}"
    temporal = await start_temporal(tmp_path / "temporal.db", port)
    queue = f"kill9-{uuid4().hex[:6]}"
    try:
        worker = await start_worker(address, queue, db.url, mail.port)
        client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
        env = RealClockEnv(client)
        ref = f"K9-{uuid4().hex[:6]}"
        # day 0 sixty days ago: the advice requested on day 10 is overdue (a breach to record once)
        case = await CaseDriver.start(env, queue, ref, days_ago=60)
        await case.handle.execute_update(
            AssessmentWorkflow.decide_to_assess, DecideToAssess(yes=True, on=case.day(5), by=OFFICER)
        )
        await case.request_advice(10)
        await stop(worker, signal.SIGKILL)  # mid-advice, whatever it was doing
        worker = await start_worker(address, queue, db.url, mail.port)
        for kind in REQUIRED_ADVICE:
            await case.submit_advice(55, kind)
        await case.decide_to_issue(56)
        await case.serve_draft(57)
        await case.handle.execute_update(
            AssessmentWorkflow.record_family_response, RecordFamilyResponse(on=case.day(58), by=OFFICER)
        )
        await case.issue_final_plan(60)
        result = await case.handle.result()
        assert result.case.outcome == "PLAN_ISSUED"
    finally:
        if "worker" in locals():
            await stop(worker)
        await stop(temporal)
    # 1 start + 1 decision + 5 requests + 5 returns + decision + draft + response + plan = 16
    assert counts(db, ref) == {"cases": 1, "advice": 5, "decisions": 2, "audit": 16, "breaches": 4}
    with db.sessions() as s:
        keys = sorted(s.scalars(sa.select(BreachRow.deadline_key).where(BreachRow.case_ref == ref)))
        alerts = s.scalars(sa.select(AlertRow).where(AlertRow.case_ref == ref)).all()
    assert keys == ["T2:EDUCATION-1", "T2:EP-1", "T2:HEALTH-1", "T2:SOCIAL_CARE-1"]
    # every alert once: one row per (alarm, recipient, channel), all sent, one message each
    assert alerts and all(a.state == AlertState.SENT for a in alerts)
    emailed = [a for a in alerts if a.channel == "email"]
    message_ids = {m.message["Message-ID"] for m in mail.received() if ref in m.subject}
    assert len(message_ids) == len(emailed)


async def test_embedded_temporal_restart_keeps_open_cases_and_their_timers(db, tmp_path, mail):
    port = free_port()
    address = f"127.0.0.1:{port}"
    db_file = tmp_path / "temporal.db"
    queue = f"restart-{uuid4().hex[:6]}"
    temporal = await start_temporal(db_file, port)
    worker = await start_worker(address, queue, db.url, mail.port)
    try:
        client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
        env = RealClockEnv(client)
        waiting = await CaseDriver.start(env, queue, f"RS-WAIT-{uuid4().hex[:4]}", days_ago=20)
        await eventually(lambda: has_pending_timer(waiting.handle))
        await stop(worker)
        # a case started while no worker runs: its overdue breach must still fire after the restart
        overdue = await CaseDriver.start(env, queue, f"RS-LATE-{uuid4().hex[:4]}", days_ago=50)
    finally:
        await stop(worker)
        await stop(temporal)

    temporal = await start_temporal(db_file, port)
    worker = await start_worker(address, queue, db.url, mail.port)
    try:
        client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
        waiting_handle = client.get_workflow_handle(waiting.handle.id)
        assert (await waiting_handle.describe()).status == WorkflowExecutionStatus.RUNNING
        assert await has_pending_timer(waiting_handle)  # its deadline timer is still pending, not lost
        view = await waiting_handle.execute_update(
            AssessmentWorkflow.decide_to_assess,
            DecideToAssess(yes=True, on=waiting.day(20), by=OFFICER),
        )
        assert view.stage == "advice"
        late_handle = client.get_workflow_handle(overdue.handle.id)

        async def late_alarm_sent() -> bool:
            return "T1:escalation:7" in await late_handle.query(AssessmentWorkflow.alarms_sent)

        await eventually(late_alarm_sent)
    finally:
        await stop(worker)
        await stop(temporal)
    with db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).where(BreachRow.case_ref == overdue.ref)) == 1
