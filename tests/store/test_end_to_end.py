"""Cases driven through the real workflows leave exactly the rows expected,
even when the worker dies between writing a record and reporting it."""

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa

from activities.ports import LoggingNotifications
from domain.case import AdviceKind
from domain.commands import DecideToAssess, RecordAdviceNotReceived
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.models import AdviceRow, AuditRow, BreachRow, CaseRow, DecisionRow
from tests.temporal_servers import running_worker
from tests.workflows.case_driver import OFFICER, CaseDriver
from workflows.assessment import AssessmentWorkflow

ROOT = Path(__file__).resolve().parents[2]


def table_counts(db, ref: str) -> dict[str, int]:
    with db.sessions() as s:
        return {
            "cases": s.scalar(sa.select(sa.func.count()).where(CaseRow.ref == ref)),
            "advice": s.scalar(sa.select(sa.func.count()).where(AdviceRow.case_ref == ref)),
            "decisions": s.scalar(sa.select(sa.func.count()).where(DecisionRow.case_ref == ref)),
            "audit": s.scalar(sa.select(sa.func.count()).where(AuditRow.case_ref == ref)),
            "breaches": s.scalar(sa.select(sa.func.count()).where(BreachRow.case_ref == ref)),
        }


async def wait_for(check, seconds: float = 20) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not check():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.2)


async def test_a_case_through_the_workflow_leaves_exactly_its_rows(dev_server, db):
    client = dev_server.env.client
    ref = f"E2E-{uuid4().hex[:6]}"
    notifications = BreachRecordingNotifications(db.sessions, LoggingNotifications())
    async with running_worker(client, records=StoreCaseRecords(db.sessions), notifications=notifications) as (
        _,
        queue,
    ):
        # day 0 was 100 days ago: T1 (day 42) passed before the decision on day 45, entered with
        # the case (as a migrated case is), so no T1 alarm is ever due: it counts as late in K3 only
        case = await CaseDriver.start(
            dev_server.env,
            queue,
            ref,
            days_ago=100,
            prior=lambda day0: [DecideToAssess(yes=True, on=day0 + timedelta(days=45), by=OFFICER)],
        )
        await case.request_advice(50, [AdviceKind.HEALTH])  # due day 92: passed, never returned
        await case.request_advice(
            60, [AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.EP, AdviceKind.SOCIAL_CARE]
        )
        for kind in (AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.EP, AdviceKind.SOCIAL_CARE):
            await case.submit_advice(99, kind)
        await case.handle.execute_update(
            AssessmentWorkflow.record_advice_not_received,
            RecordAdviceNotReceived(advice_id="HEALTH-1", on=case.day(99), by=OFFICER),
        )
        await case.decide_to_issue(100)
        await case.serve_draft(100)
        # the breach the HEALTH advice child raised
        await wait_for(lambda: table_counts(db, ref)["breaches"] == 1)

    # 1 start + 1 decision + 5 requests + 4 returns + 1 not received + 1 decision + 1 draft
    assert table_counts(db, ref) == {"cases": 1, "advice": 5, "decisions": 2, "audit": 14, "breaches": 1}
    with db.sessions() as s:
        row = s.get(CaseRow, ref)
        assert (row.stage, row.decision_to_assess_on, row.draft_served_on) == (
            "draft_served",
            case.day(45),
            case.day(100),
        )
        health = s.get(AdviceRow, (ref, "HEALTH-1"))
        assert (health.status, health.not_received_on, health.due_on) == (
            "NOT_RECEIVED",
            case.day(99),
            case.day(92),
        )
        keys = set(s.scalars(sa.select(BreachRow.deadline_key).where(BreachRow.case_ref == ref)))
        assert keys == {"T2:HEALTH-1"}
        t1 = s.get(DecisionRow, (ref, "TO_ASSESS"))
        assert t1.decided_on > t1.due_on == case.day(42)
        actions = list(
            s.scalars(sa.select(AuditRow.action).where(AuditRow.case_ref == ref).order_by(AuditRow.seq))
        )
        assert actions[:3] == ["start", "decide_to_assess", "request_advice"]
        assert actions[-1] == "serve_draft"


async def start_crash_worker(address: str, queue: str, url: str, crash_key: str, marker: Path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash_worker",
        address,
        queue,
        url,
        crash_key,
        str(marker),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert (await proc.stdout.readline()).strip() == b"worker ready"
    return proc


async def test_worker_killed_between_write_and_reply_writes_nothing_twice(dev_server, db, tmp_path):
    env = dev_server.env
    address = env.client.service_client.config.target_host
    ref = f"CRASH-{uuid4().hex[:6]}"
    queue = f"crash-{uuid4().hex[:6]}"
    marker = tmp_path / "crashed"
    # dies right after committing event 2 (the decision to assess), before replying
    first = await start_crash_worker(address, queue, db.url, f"ehcna-{ref}#2", marker)
    try:
        case = await CaseDriver.start(env, queue, ref, days_ago=10)
        decision = asyncio.create_task(
            case.handle.execute_update(
                AssessmentWorkflow.decide_to_assess, DecideToAssess(yes=True, on=case.day(5), by=OFFICER)
            )
        )
        assert await asyncio.wait_for(first.wait(), 30) == 137 and marker.exists()
        assert table_counts(db, ref)["audit"] == 2  # the write happened; Temporal never heard
        second = await start_crash_worker(address, queue, db.url, f"ehcna-{ref}#2", marker)
        try:
            view = await asyncio.wait_for(decision, 60)  # the retried record completes the update
            assert view.stage == "advice"
            await case.request_advice(10, [AdviceKind.EP])
        finally:
            second.kill()
            await second.wait()
    finally:
        if first.returncode is None:
            first.kill()
    assert table_counts(db, ref) == {"cases": 1, "advice": 1, "decisions": 1, "audit": 3, "breaches": 0}
    with db.sessions() as s:
        assert s.get(CaseRow, ref).version == 3
