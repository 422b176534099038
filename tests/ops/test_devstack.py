"""`make run`'s stack heals: a process that dies is started again with a line saying so, not the
signal for everything to stop; Ctrl-C stops everything cleanly with exit status 0; var/ is private."""

import asyncio
import os
import re
import signal
import stat
import sys
from pathlib import Path

from tests.ops.processes import ROOT, free_port


async def read_until(stream: asyncio.StreamReader, pattern: str, seen: list[str], seconds: float = 60) -> str:
    """Lines from ``stream`` until one matches ``pattern`` (kept in ``seen`` for the failure message)."""
    async with asyncio.timeout(seconds):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError("the stack ended early:\n" + "".join(seen))
            seen.append(line)
            if re.search(pattern, line):
                return line


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_make_run_restarts_a_dead_process_and_stops_cleanly_on_ctrl_c(tmp_path):
    var = tmp_path / "var"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EHCNA_", "TEMPORAL_"))},
        "EHCNA_VAR_DIR": str(var),
        "EHCNA_TEMPORAL_PORT": str(free_port()),
        "EHCNA_TEMPORAL_UI_PORT": str(free_port()),
        "EHCNA_WEB_PORT": str(free_port()),
        "EHCNA_DEV_MAIL_PORT": str(free_port()),
    }
    stack = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dev.devstack", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    seen: list[str] = []
    try:
        assert stack.stdout is not None
        worker = await read_until(stack.stdout, r"started worker \(pid \d+\)", seen)
        await read_until(stack.stdout, "Ctrl-C stops everything", seen)
        pid = int(re.search(r"pid (\d+)", worker).group(1))  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
        await read_until(stack.stdout, r"worker stopped \(exit -9\); starting it again in 1 s", seen)
        again = await read_until(stack.stdout, r"started worker \(pid \d+\)", seen)
        assert int(re.search(r"pid (\d+)", again).group(1)) != pid  # type: ignore[union-attr]
        assert stack.returncode is None  # the others went on

        # everything the stack made is its owner's only
        assert mode(var) == 0o700
        made_here = ("ehcna.db", "temporal.db", "worker.log", "web.log", "secret_key", "demo-accounts.txt")
        for made in (*made_here, "payload-keys"):  # make run makes its own payload key
            assert mode(var / made) == 0o600, made

        stack.send_signal(signal.SIGINT)
        await read_until(stack.stdout, "stopped: every process has ended", seen)
        assert await asyncio.wait_for(stack.wait(), 30) == 0
    finally:
        if stack.returncode is None:
            stack.kill()
            await stack.wait()
