"""The worker process killed between claiming an alert and sending it: restarted, one mail arrives."""

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import select

from domain.case import RequestSource
from domain.clock import london_date
from domain.commands import StartAssessment
from ehcna.gateway.cases import CaseGateway
from ehcna.notifications.policy import load_policy
from ehcna.store.alerts import AlertRow
from tests.notifications.policies import PEOPLE, write_policy
from tests.notifications.sinks import smtp_sink
from workflows.assessment import AssessmentWorkflow

T1 = "Decision whether to assess within 6 weeks"  # the deadline in words (domain/words.py)

ROOT = Path(__file__).resolve().parents[2]


async def start_worker(address: str, queue: str, url: str, policy: Path, marker: Path):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.notifications.crash_alert_worker",
        address,
        queue,
        url,
        str(policy),
        str(marker),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"worker ready"
    return proc


def alert_rows(db, ref: str) -> list[tuple[str, str, int]]:
    with db.sessions() as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.case_ref == ref))
        return [(r.recipient, r.state, r.attempts) for r in rows]


async def test_killed_between_claim_and_send_the_restarted_worker_sends_exactly_one_mail(
    dev_server, db, tmp_path
):
    env = dev_server.env
    address = env.client.service_client.config.target_host
    ref = f"CRASH-MAIL-{uuid4().hex[:6]}"
    queue = f"crash-mail-{uuid4().hex[:6]}"
    marker = tmp_path / "crashed"
    with smtp_sink() as smtp:
        policy_path = write_policy(tmp_path / "escalation.toml", smtp.port)
        first = await start_worker(address, queue, db.url, policy_path, marker)
        second = None
        try:
            # day 0 was 43 days ago: T1 (day 42) was breached at the end of yesterday
            today = london_date(await env.get_current_time())
            day0 = today - timedelta(days=43)
            start = StartAssessment(ref=ref, day0=day0, request_source=RequestSource.PARENT, team="north")
            timing = load_policy(policy_path).timing()
            started = await CaseGateway(env.client, queue, timing=timing).start(start, today)
            handle = env.client.get_workflow_handle_for(AssessmentWorkflow.run, started.workflow_id)
            assert await asyncio.wait_for(first.wait(), 60) == 137 and marker.exists()
            assert "T1:breach:0#north-lead#email" in marker.read_text()
            assert alert_rows(db, ref) == [("north-lead", "claimed", 1)]  # claimed, never sent
            assert smtp.received() == []

            second = await start_worker(address, queue, db.url, policy_path, marker)
            # the activity is retried once Temporal gives up on the dead worker (its 10 s timeout)
            await asyncio.to_thread(smtp.wait_for, 1, 60)
            await asyncio.sleep(2)  # anything more would have come by now
            mails = smtp.received()
            assert [(m.to, m.subject) for m in mails] == [
                (
                    PEOPLE["north-lead"],
                    f"Deadline breached: {T1}, 1 day late - case {ref}",
                )
            ]
            assert alert_rows(db, ref) == [("north-lead", "sent", 2)]
            await handle.terminate("test over")
        finally:
            for proc in (first, second):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()
