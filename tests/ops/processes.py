"""Real processes for restart tests: the embedded Temporal server and the worker."""

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from tests.temporal_servers import binary
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for_port(port: int, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


async def start_temporal(db_file: Path, port: int) -> asyncio.subprocess.Process:
    """``temporal server start-dev`` keeping its state in ``db_file`` (as `make run` does)."""
    proc = await asyncio.create_subprocess_exec(
        binary("temporal"),
        "server",
        "start-dev",
        "--headless",
        "--db-filename",
        str(db_file),
        "--port",
        str(port),
        "--ui-port",
        str(free_port()),
        "--http-port",
        str(free_port()),
        "--metrics-port",
        str(free_port()),
        "--log-level",
        "error",
        *dev_server_flags(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await wait_for_port(port)
    return proc


async def start_worker(
    address: str, queue: str, database_url: str, smtp_port: int
) -> asyncio.subprocess.Process:
    """The product's own worker process (python worker.py), mailing a local SMTP sink."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "EHCNA_TASK_QUEUE": queue,
        "EHCNA_DATABASE_URL": database_url,
        "EHCNA_SMTP_HOST": "127.0.0.1",
        "EHCNA_SMTP_PORT": str(smtp_port),
        "EHCNA_SMTP_TLS": "none",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "worker.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    while True:  # the worker logs worker_started once it polls
        line = await asyncio.wait_for(proc.stderr.readline(), 60)
        assert line, "worker exited before it started"
        if b"worker_started" in line:
            break
    asyncio.get_running_loop().create_task(_drain(proc.stderr))
    return proc


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def stop(proc: asyncio.subprocess.Process, sig: int = signal.SIGINT) -> None:
    if proc.returncode is None:
        proc.send_signal(sig)
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()
            await proc.wait()
