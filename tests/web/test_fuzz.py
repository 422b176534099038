"""Fuzz the API from its own OpenAPI document: no input may produce a 5xx.

The app runs as its own process against the real Temporal dev server and a
real store, as in production; schemathesis drives it over HTTP.

App and worker use a Temporal namespace of their own. Schemathesis feeds values
it reads in responses back into later requests (the refs that GET /api/cases
lists become the {ref} of the actions); in the session's shared namespace those
refs include other tests' cases, still running but with their workers gone, and
an action on such a case waits for a worker for ever. That is how this test
once hung for more than 25 minutes inside the suite while passing alone.
"""

import asyncio
import os
import re
import socket
import sys
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.commands import Role
from ehcna.store.adapters import StoreCaseRecords
from ehcna.web.accounts import issue_token, save_account
from tests.temporal_servers import build_worker_on, register_search_attributes

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

TEST_SECONDS = 300  # the whole test, start to finish; it takes about 15 s
REQUEST_SECONDS = 10  # one request of schemathesis; each takes well under a second
STOP_SECONDS = 10  # for a process to go once told to
NAMESPACE_TRIES = 4
TRANSIENT = {RPCStatusCode.CANCELLED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port: int, app: asyncio.subprocess.Process, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        if app.returncode is not None:
            raise AssertionError(f"the web app exited with status {app.returncode} before listening")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"web app did not listen on {port}")


async def own_namespace(client: Client) -> Client:
    """A new namespace on the same dev server, with the case search attributes; a client on it."""
    name = f"fuzz-{uuid4().hex[:8]}"
    retention = Duration(seconds=86400)
    request = RegisterNamespaceRequest(namespace=name, workflow_execution_retention_period=retention)
    # A dev server busy with the rest of the suite has cancelled this call (CI, once); the call
    # is idempotent by name, so it is tried again, and a namespace that the lost try made is kept.
    for attempt in range(NAMESPACE_TRIES):
        try:
            await client.workflow_service.register_namespace(request, timeout=timedelta(seconds=20))
            break
        except RPCError as error:
            if error.status == RPCStatusCode.ALREADY_EXISTS:
                break
            if error.status not in TRANSIENT or attempt == NAMESPACE_TRIES - 1:
                raise
            await asyncio.sleep(1 + attempt)
    scoped = Client(**{**client.config(), "namespace": name})
    await register_search_attributes(scoped)
    return scoped


async def stop(process: asyncio.subprocess.Process) -> None:
    """Terminate, and kill if still there after STOP_SECONDS: never wait for ever."""
    if process.returncode is not None:
        return
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await asyncio.wait_for(process.wait(), STOP_SECONDS)


def tail(output: bytes | bytearray, chars: int = 3000) -> str:
    return bytes(output).decode(errors="replace")[-chars:]


async def run_schemathesis(
    port: int, token: str, tmp_path: Path, processes: list[asyncio.subprocess.Process], report: bytearray
) -> asyncio.subprocess.Process:
    """Schemathesis over every operation as the token's account; its output added to ``report``."""
    fuzz = await asyncio.create_subprocess_exec(
        str(BIN / "schemathesis"),
        "run",
        f"http://127.0.0.1:{port}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--header",  # on every request, the schema's fetch included (it needs sign-in too)
        f"Authorization: Bearer {token}",
        "--max-examples",
        "12",
        "--seed",
        "20261123",
        "--request-timeout",
        str(REQUEST_SECONDS),
        "--report-dir",
        str(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    processes.append(fuzz)
    assert fuzz.stdout is not None
    while chunk := await fuzz.stdout.read(1 << 16):
        report += chunk
    await fuzz.wait()
    return fuzz


@pytest.mark.fuzz  # part of `make test`; `make fuzz` runs it alone
async def test_no_generated_request_gets_a_server_error(dev_server, db, tmp_path):
    if db.backend != "sqlite":
        pytest.skip("fuzzed once, on SQLite: the API code is the same on both databases")
    with db.sessions.begin() as s:
        save_account(s, "fuzz-manager", Role.MANAGER, "north", "fuzz-password")
        # and an officer of another team, whose every case request must be a clean refusal
        save_account(s, "fuzz-south", Role.CASE_OFFICER, "south", "fuzz-password")
        tokens = [issue_token(s, "fuzz-manager", "fuzzing"), issue_token(s, "fuzz-south", "fuzzing")]
    queue = f"fuzz-{uuid4().hex[:6]}"
    port = free_port()
    web_log = tmp_path / "web.log"  # a file, not a pipe: nothing has to read it for the app to go on
    report = bytearray()  # what schemathesis has written so far
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with asyncio.timeout(TEST_SECONDS) as budget:
            client = await own_namespace(dev_server.env.client)
            env = {
                **os.environ,
                "TEMPORAL_ADDRESS": client.service_client.config.target_host,
                "TEMPORAL_NAMESPACE": client.namespace,
                "EHCNA_DATABASE_URL": db.url,
                "EHCNA_TASK_QUEUE": queue,
                "EHCNA_WEB_PORT": str(port),
                "EHCNA_SECRET_KEY": "fuzz-secret",
                "PYTHONUNBUFFERED": "1",  # its log up to date if this test has to show it
            }
            with web_log.open("wb") as log:
                web = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "ehcna", "web", cwd=ROOT, env=env, stdout=log, stderr=log
                )
            processes.append(web)
            await wait_for_port(port, web)
            async with build_worker_on(client, queue, StoreCaseRecords(db.sessions)):
                for token in tokens:
                    fuzz = await run_schemathesis(port, token, tmp_path, processes, report)
                    if fuzz.returncode != 0:
                        break
    except TimeoutError:
        if not budget.expired():
            raise
        pytest.fail(
            f"the fuzz test did not finish within {TEST_SECONDS} s: a request the app never answered?\n"
            f"--- schemathesis so far:\n{tail(report)}\n--- web app log:\n{tail(web_log.read_bytes())}",
            pytrace=False,
        )
    finally:
        for process in reversed(processes):
            await stop(process)
    text = report.decode(errors="replace")
    assert fuzz.returncode == 0, text[-6000:]
    selected = re.search(r"Operations:\s+(\d+) selected", text)
    assert selected and int(selected.group(1)) >= 15, text[-3000:]  # every route was fuzzed
