"""The web app killed (SIGKILL) with an action in flight, then started again.

Real processes: the Temporal dev server, the product's worker (python
worker.py) writing a real store, and the web app as its own process
(python -m ehcna.web.app). The client sends an action over a raw socket and the
web process is killed before it answers. After the restart the action is
exactly one of: applied (the workflow shows it, the store has its row and one
audit row) or not applied (neither); never half-applied. The client then
retries with the same Idempotency-Key: the action ends applied once, a second
retry is answered with the same result, and a retry without the key is
refused with 409 and the rule's reason; never a second record.
"""

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from uuid import uuid4

import httpx
import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from domain.case import AdviceStatus
from domain.clock import london_date
from domain.commands import Actor, DecideToAssess, Role, SubmitAdvice
from domain.views import CaseView
from ehcna.gateway.cases import update_id
from ehcna.store.models import AdviceRow, AuditRow, DecisionRow
from ehcna.web.accounts import issue_token, save_account
from tests.notifications.sinks import smtp_sink
from tests.ops.processes import ROOT, free_port, start_worker, stop
from workflows.assessment import AssessmentWorkflow
from workflows.ids import assessment_id

PEOPLE = {
    "officer": Actor(user="officer", role=Role.CASE_OFFICER, team="north"),
    "health": Actor(user="health", role=Role.PROVIDER, team="icb-community-paeds"),
}


def today() -> date:
    return london_date(datetime.now(UTC))


@dataclass(frozen=True)
class Scenario:
    """One action sent through the API, and how to see it in the workflow and in the store."""

    name: str
    who: str
    path: Callable[[str], str]
    body: Callable[[], dict[str, Any]]  # the request body, dated today
    command: Callable[[], BaseModel]  # what the web app sends for it (to name its update)
    audit_action: str
    in_workflow: Callable[[CaseView], bool]
    in_store: Callable[[Any, str], bool]  # (session, ref) -> its row is there
    refusal: str  # in the reason given when the action is sent again without its key


SUBMIT_ADVICE = Scenario(
    name="provider-submits-advice",
    who="health",
    path=lambda ref: f"/api/tasks/{ref}/HEALTH-1/submit",
    body=lambda: {"returned_on": str(today()), "document_ref": "EHC-HEALTH-K9"},
    command=lambda: SubmitAdvice(
        advice_id="HEALTH-1", returned_on=today(), document_ref="EHC-HEALTH-K9", by=PEOPLE["health"]
    ),
    audit_action="submit_advice",
    in_workflow=lambda view: (
        next(a for a in view.case.advice if a.id == "HEALTH-1").status is AdviceStatus.RECEIVED
    ),
    in_store=lambda s, ref: s.get(AdviceRow, (ref, "HEALTH-1")).status == AdviceStatus.RECEIVED,
    refusal="already submitted",
)
DECIDE_TO_ASSESS = Scenario(
    name="officer-decides-to-assess",
    who="officer",
    path=lambda ref: f"/api/cases/{ref}/decide-to-assess",
    body=lambda: {"yes": True, "on": str(today())},
    command=lambda: DecideToAssess(yes=True, on=today(), by=PEOPLE["officer"]),
    audit_action="decide_to_assess",
    in_workflow=lambda view: view.case.decision_to_assess is not None,
    in_store=lambda s, ref: s.get(DecisionRow, (ref, "TO_ASSESS")) is not None,
    refusal="already recorded",
)


@pytest.fixture
def mail():
    with smtp_sink() as sink:
        yield sink


@pytest.fixture
def tokens(db) -> dict[str, str]:
    with db.sessions.begin() as s:
        out = {}
        for name, actor in PEOPLE.items():
            save_account(s, actor.user, actor.role, actor.team, f"{name}-password")
            out[name] = issue_token(s, actor.user, "restart tests")
    return out


def _log_file(path: Path) -> BinaryIO:
    return path.open("wb")


class WebApp:
    """``python -m ehcna.web.app`` as its own process, as production runs it."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env = env
        self.port = port
        self.logs = logs
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        log = _log_file(self.logs / f"web-{self.starts}.log")
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "ehcna", "web", cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        finally:
            log.close()  # the child has its own descriptor
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                assert self.proc.returncode is None, "the web app exited at start-up"
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the web app did not answer /healthz")

    async def kill(self) -> None:
        assert self.proc is not None
        await stop(self.proc, signal.SIGKILL)
        assert self.proc.returncode == -signal.SIGKILL

    async def stop(self) -> None:
        if self.proc is not None:
            await stop(self.proc)

    def client(self) -> httpx.AsyncClient:
        """A fresh client per process: no pooled connection survives a kill."""
        return httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=120)


async def send_without_waiting(
    port: int, path: str, headers: dict[str, str], body: dict
) -> asyncio.StreamReader:
    """Write a whole POST to the web app and return at once, before any answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    return reader


async def no_answer(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), 10) == b""
    except ConnectionResetError:
        return True


async def update_in_flight(client: Client, workflow_id: str, uid: str) -> bool:
    """The server holds the update (admitted, not completed): polling it times out."""
    handle = client.get_workflow_handle(workflow_id).get_update_handle(uid, result_type=CaseView)
    try:
        await handle.result(rpc_timeout=timedelta(seconds=1))
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        return True
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    raise AssertionError("the update completed while the worker was stopped")


async def settled_outcome(client: Client, workflow_id: str, uid: str) -> bool:
    """Wait until the server is done with the update: True if it completed, False if it has none.

    An update that reached Temporal but was not yet accepted lives only in the
    server's memory and may be dropped (Temporal does not persist admitted
    updates): then it is not found, twice a second apart, and was never applied.
    """
    handle = client.get_workflow_handle(workflow_id).get_update_handle(uid, result_type=CaseView)
    for attempt in range(2):
        try:
            await asyncio.wait_for(handle.result(), 60)
            return True
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        if attempt == 0:
            await asyncio.sleep(1)
    return False


def audit_rows(db, ref: str, action: str) -> int:
    with db.sessions() as s:
        return s.scalar(sa.select(sa.func.count()).where(AuditRow.case_ref == ref, AuditRow.action == action))


async def applied_everywhere_or_nowhere(client: Client, db, ref: str, scenario: Scenario) -> bool:
    """True if applied in the workflow and recorded in the store (once); False if neither."""
    view = await client.get_workflow_handle(assessment_id(ref)).query(AssessmentWorkflow.state)
    in_workflow = scenario.in_workflow(view)
    with db.sessions() as s:
        in_store = scenario.in_store(s, ref)
    audited = audit_rows(db, ref, scenario.audit_action)
    assert (in_workflow, in_store, audited) in ((True, True, 1), (False, False, 0)), (
        f"half-applied: workflow={in_workflow} store row={in_store} audit rows={audited}"
    )
    return in_workflow


async def open_case(http: httpx.AsyncClient, tokens: dict[str, str], scenario: Scenario) -> str:
    """A case at the step before the scenario's action."""
    officer = {"Authorization": f"Bearer {tokens['officer']}"}
    ref = f"WK-{uuid4().hex[:8]}"
    body = {
        "ref": ref,
        "day0": str(today() - timedelta(days=10)),
        "request_source": "PARENT",
        "team": "north",
    }
    r = await http.post("/api/cases", json=body, headers=officer)
    assert r.status_code == 201, r.text
    if scenario is SUBMIT_ADVICE:
        for path, body in (
            ("decide-to-assess", {"yes": True, "on": str(today())}),
            (
                "request-advice",
                {
                    "advice_kind": "HEALTH",
                    "provider_team": "icb-community-paeds",
                    "requested_on": str(today()),
                },
            ),
        ):
            r = await http.post(f"/api/cases/{ref}/{path}", json=body, headers=officer)
            assert r.status_code == 200, r.text
    return ref


# just-sent: the web app is killed the moment the request is written (the worker runs);
# worker-paused: the worker is stopped, the update reaches Temporal and waits there, then the kill
# (Temporal keeps a not-yet-accepted update in memory only: it is applied later, or dropped);
# retry-while-paused: as worker-paused, and the client retries before the worker is back
MOMENTS = ["just-sent", "worker-paused", "retry-while-paused"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("scenario", [SUBMIT_ADVICE, DECIDE_TO_ASSESS], ids=lambda s: s.name)
async def test_web_app_killed_mid_action_then_restarted_applies_it_once(
    dev_server, db, tokens, mail, tmp_path, scenario: Scenario, moment: str
):
    client = dev_server.env.client
    address = client.service_client.config.target_host
    queue = f"webkill-{uuid4().hex[:6]}"
    port = free_port()
    web = WebApp(
        {
            **os.environ,
            "TEMPORAL_ADDRESS": address,
            "EHCNA_DATABASE_URL": db.url,
            "EHCNA_TASK_QUEUE": queue,
            "EHCNA_WEB_PORT": str(port),
            "EHCNA_SECRET_KEY": "restart-test-secret",
        },
        port,
        tmp_path,
    )
    worker = await start_worker(address, queue, db.url, mail.port)
    try:
        await web.start()
        async with web.client() as http:
            ref = await open_case(http, tokens, scenario)
        key = str(uuid4())
        body = scenario.body()
        headers = {"Authorization": f"Bearer {tokens[scenario.who]}", "Idempotency-Key": key}
        wid = assessment_id(ref)
        uid = update_id(ref, scenario.command(), key)  # the update the web app names for this request

        paused = moment != "just-sent"
        if paused:
            await stop(worker)  # the update can reach Temporal but cannot be applied yet
        in_flight = await send_without_waiting(port, scenario.path(ref), headers, body)
        if paused:
            for _ in range(100):
                if await update_in_flight(client, wid, uid):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the update never reached Temporal")
        await web.kill()
        assert await no_answer(in_flight), "the client must not have had an answer"
        await web.start()

        first_retry: asyncio.Task | None = None
        if moment == "retry-while-paused":
            # the retry joins the update if Temporal still holds it (else it is the first to reach
            # Temporal); either way it waits for a worker
            retry_http = web.client()
            first_retry = asyncio.create_task(retry_http.post(scenario.path(ref), json=body, headers=headers))
            await asyncio.sleep(1)
            assert not first_retry.done()
        if paused:
            worker = await start_worker(address, queue, db.url, mail.port)

        if first_retry is None:
            # after the restart: exactly one of applied-and-recorded or not applied at all
            settled = await settled_outcome(client, wid, uid)
            applied = await applied_everywhere_or_nowhere(client, db, ref, scenario)
            assert applied == settled
            print(f"{scenario.name}/{moment}: {'applied' if applied else 'not applied'} after the restart")
            async with web.client() as http:
                retry = await http.post(scenario.path(ref), json=body, headers=headers)
        else:
            try:
                retry = await asyncio.wait_for(first_retry, 60)
            finally:
                await retry_http.aclose()
        assert retry.status_code == 200, retry.text
        assert await applied_everywhere_or_nowhere(client, db, ref, scenario)

        async with web.client() as http:
            again = await http.post(scenario.path(ref), json=body, headers=headers)
            assert again.status_code == 200, again.text
            assert again.json() == retry.json()  # the same answer, not a second application
            unkeyed = await http.post(
                scenario.path(ref),
                json=body,
                headers={"Authorization": headers["Authorization"]},
            )
            assert unkeyed.status_code == 409, unkeyed.text
            assert scenario.refusal in unkeyed.json()["detail"]["reason"]  # refused with the rule's reason
        assert audit_rows(db, ref, scenario.audit_action) == 1
        assert await applied_everywhere_or_nowhere(client, db, ref, scenario)
    finally:
        await web.stop()
        await stop(worker)
