"""Fuzz the API from its own OpenAPI document: no input may produce a 5xx.

The app runs as its own process against the real Temporal dev server and a
real store, as in production; schemathesis drives it over HTTP.
"""

import asyncio
import os
import re
import socket
import sys
from pathlib import Path
from uuid import uuid4

import pytest

from domain.commands import Role
from store.adapters import StoreCaseRecords
from tests.temporal_servers import build_worker_on
from web.accounts import issue_token, save_account

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port: int, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"web app did not listen on {port}")


# Run with `make fuzz`: inside the whole suite it was seen to hang (cause not yet found),
# so it is kept out of `make test` until that is understood.
@pytest.mark.fuzz
async def test_no_generated_request_gets_a_server_error(dev_server, db, tmp_path):
    if db.backend != "sqlite":
        pytest.skip("fuzzed once, on SQLite: the API code is the same on both databases")
    with db.sessions.begin() as s:
        save_account(s, "fuzz-manager", Role.MANAGER, "north", "fuzz-password")
        token = issue_token(s, "fuzz-manager", "fuzzing")
    queue = f"fuzz-{uuid4().hex[:6]}"
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.env.client.service_client.config.target_host,
        "EHCNA_DATABASE_URL": db.url,
        "EHCNA_TASK_QUEUE": queue,
        "EHCNA_WEB_PORT": str(port),
        "EHCNA_SECRET_KEY": "fuzz-secret",
    }
    web = await asyncio.create_subprocess_exec(sys.executable, "-m", "web.app", cwd=ROOT, env=env)
    try:
        await wait_for_port(port)
        async with build_worker_on(dev_server.env.client, queue, StoreCaseRecords(db.sessions)):
            fuzz = await asyncio.create_subprocess_exec(
                str(BIN / "schemathesis"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--header",
                f"Authorization: Bearer {token}",
                "--max-examples",
                "12",
                "--seed",
                "20261123",
                "--request-timeout",
                "30",
                "--report-dir",
                str(tmp_path),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await asyncio.wait_for(fuzz.communicate(), 600)
        report = out.decode(errors="replace")
        assert fuzz.returncode == 0, report[-6000:]
        selected = re.search(r"Operations:\s+(\d+) selected", report)
        assert selected and int(selected.group(1)) >= 15, report[-3000:]  # every route was fuzzed
    finally:
        web.terminate()
        await web.wait()
