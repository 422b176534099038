"""An open case survives the upgrade to the one-package layout: started, advanced and holding an advice
clock under the worker of the last release before the move (run from its own source, taken from git),
then finished by the current worker on the same task queue, which replays what the old one recorded."""

import asyncio
import os
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from uuid import uuid4

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.case import AdviceKind, RequestSource
from domain.clock import london_date
from domain.commands import Actor, DecideToAssess, RequestAdvice, Role, StartAssessment, Withdraw
from ehcna.gateway.cases import CaseGateway
from tests.temporal_servers import build_worker_on
from workflows.assessment import AssessmentWorkflow

ROOT = Path(__file__).resolve().parents[2]
# main before everything moved under ehcna/ (workflow and activity names registered then)
BEFORE_THE_MOVE = "907aedf"
OFFICER = Actor(user="officer", role=Role.CASE_OFFICER, team="north")


def old_source(into: Path) -> Path:
    """The old release's tree, from this repository's own history."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE_THE_MOVE], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"this clone has no commit {BEFORE_THE_MOVE} (a shallow clone?): {done.stderr.decode()}")
    with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into


def _read(log: Path) -> str:
    return log.read_text()


async def wait_for(log: Path, text: str, process: asyncio.subprocess.Process) -> None:
    for _ in range(300):
        if text in _read(log) or process.returncode is not None:
            break
        await asyncio.sleep(0.1)
    assert text in _read(log), _read(log)


async def test_a_case_started_by_the_old_worker_is_completed_by_the_new_one(dev_server, tmp_path):
    old = old_source(tmp_path / "old")
    queue = f"upgrade-{uuid4().hex[:8]}"
    client = dev_server.env.client
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EHCNA_", "TEMPORAL_", "PYTHON"))},
        "PYTHONPATH": str(
            old
        ),  # the old top-level modules (store, gateway...), and its domain/workflows first
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "EHCNA_TASK_QUEUE": queue,
        "EHCNA_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }
    log = tmp_path / "old-worker.log"
    today = london_date(datetime.now(UTC))
    ref = f"UP-{uuid4().hex[:8]}"
    # the old release's client: it did not encrypt payloads, so its worker could read them
    old_client = Client(
        client.service_client, namespace=client.namespace, data_converter=pydantic_data_converter
    )
    cases = CaseGateway(old_client, queue, action_timeout=60)
    with log.open("w") as out:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "worker.py", cwd=old, env=env, stdout=out, stderr=out
        )
        try:
            await wait_for(log, "worker_started", worker)
            start = StartAssessment(
                ref=ref, day0=today, request_source=RequestSource.PARENT, team="north", by=OFFICER
            )
            await cases.start(start, today)
            await cases.act(ref, DecideToAssess(yes=True, on=today, by=OFFICER))
            view = await cases.act(
                ref,
                RequestAdvice(
                    advice_kind=AdviceKind.HEALTH, provider_team="health", requested_on=today, by=OFFICER
                ),
            )
            assert [a.kind for a in view.case.advice] == [AdviceKind.HEALTH]  # its clock runs on the old code
        finally:
            worker.terminate()
            await asyncio.wait_for(worker.wait(), 30)
    cases = CaseGateway(client, queue, action_timeout=60)  # this release's: it encrypts what it sends
    async with build_worker_on(client, queue):
        closed = await cases.act(ref, Withdraw(on=today, by=OFFICER))
        assert closed.case.is_closed
        handle = client.get_workflow_handle_for(AssessmentWorkflow.run, f"ehcna-{ref}")
        final = await asyncio.wait_for(handle.result(), 60)
    assert final.case.is_closed and final.case.decision_to_assess is not None
    history = await handle.fetch_history()
    assert not [e for e in history.events if e.HasField("workflow_task_failed_event_attributes")]
