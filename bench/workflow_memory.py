"""Worker memory per cached workflow: an imported open case against a bare workflow, in one worker.

    .venv/bin/python -m bench.workflow_memory                   # 500 of each
    .venv/bin/python -m bench.workflow_memory --workflows 1000 --top 15

A fresh dev server (its own process); in this process one worker as ``build_worker`` makes it (the
engine's workflows, its sandbox and cache) whose ports do nothing (no store, no mail: what is measured
is the workflows the worker holds, not the store's or the mail's buffers), and on a queue of its own a
worker of ``BarePlan`` (``bench/bare_import.py``: one no-op local activity, then a sleep, so it stays
cached) with the same sandbox. After a warm-up of 20 of each, ``N`` bare workflows are started and
left idle, then ``N`` open back-dated cases from the import bench's generator (``bench/import_open_cases``,
seed 1), started as the import command starts them (``CaseGateway.start(..., prior_actions=...,
migrating=True)``) and left idle once every case has recorded its start and steps and every alert has
been raised. ``N`` is at most the cache (1,000), so every workflow stays cached.

Figures, each the growth over the ``N`` workflows divided by ``N``: Python's own allocations still
held (``tracemalloc``, traced from after the warm-up, after ``gc.collect()``) and the process's
``VmRSS`` (``/proc/self/status``), which adds what the SDK's Rust core holds per workflow. Tracing
slows the worker; the figures are of memory, not of speed. ``--top`` lists where the case's Python
memory was allocated, by file.
"""

import argparse
import asyncio
import ctypes
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any
from uuid import uuid4

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from bench.bare_import import RECORDED, BarePlan, record_plan
from bench.harness import dev_server, print_header, proc_status, today
from bench.import_open_cases import write_files
from domain.events import AdviceNotice, AlarmEvent, CaseEvent, ExceptionNotice
from ehcna.bootstrap import build_worker, workflow_runner
from ehcna.gateway.cases import CaseGateway
from ehcna.importer.command import read_and_plan
from ehcna.notifications.policy import load_policy


class CountingRecords:
    """A case record port that only counts the events recorded (``CaseRecordPort``)."""

    def __init__(self) -> None:
        self.events = 0

    async def record_case_event(self, event: CaseEvent) -> None:
        self.events += 1

    async def record_case_events(self, events: list[CaseEvent]) -> None:
        self.events += len(events)


class CountingNotifications:
    """A notification port that only counts (``NotificationPort``)."""

    def __init__(self) -> None:
        self.sent = 0

    async def alarm(self, event: AlarmEvent) -> None:
        self.sent += 1

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        self.sent += 1

    async def advice_received(self, notice: AdviceNotice) -> None:
        self.sent += 1


def rss_kib() -> int:
    return proc_status(os.getpid())["VmRSS"]


async def settle(check: Any, what: str, within: float = 900) -> None:
    """Wait until ``check()`` holds, then until the worker has been quiet for a second."""
    deadline = time.perf_counter() + within
    while not check():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{what}: not done within {within:.0f} s")
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)


def measure() -> tuple[tracemalloc.Snapshot | None, int, int]:
    """Python's allocations held (if traced), VmRSS, and VmRSS once glibc has given its free pages back."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None
    rss = rss_kib()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return snapshot, rss, rss_kib()


async def bare(client: Client, queue: str, prefix: str, n: int) -> None:
    target = len(RECORDED) + n
    for k in range(n):
        ref = f"{prefix}-{k:05d}"
        await client.start_workflow(BarePlan.run, ref, id=f"bare-memory-{ref}", task_queue=queue)
    await settle(lambda: len(RECORDED) >= target, "bare workflows")


async def cases(
    gateway: CaseGateway, plans: list[Any], records: CountingRecords, alerts: CountingNotifications
) -> None:
    target = records.events + sum(1 + len(p.steps) for p in plans)
    now = today()
    for p in plans:
        await gateway.start(p.start, now, prior_actions=p.steps, migrating=True)
    await settle(lambda: records.events >= target, "cases")
    sent = -1
    while sent != alerts.sent:  # the back-dated alerts go on after the records
        sent = alerts.sent
        await asyncio.sleep(2)


async def bench(n: int, top: int, strict: bool, trace: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        folder = Path(tmp)
        now = today()
        cases_csv, advice_csv, _ = write_files(folder, n + 20, 1, now)
        plan = read_and_plan(cases_csv, advice_csv, now)
        warm, measured = plan.open[:20], plan.open[20:]
        async with dev_server(folder) as dev:
            client = dev.client
            queue, bare_queue = f"memory-{uuid4().hex[:6]}", f"memory-bare-{uuid4().hex[:6]}"
            records, alerts = CountingRecords(), CountingNotifications()
            # the SDK's default sandbox (--strict), as the worker had it before issue 16, else the worker's
            runner = SandboxedWorkflowRunner() if strict else workflow_runner()
            engine = build_worker(client, queue, records=records, notifications=alerts, runner=runner)
            bare_client = await Client.connect(dev.address)  # the SDK's plain converter, as the bare bench's
            bare_worker = Worker(
                bare_client,
                task_queue=bare_queue,
                workflows=[BarePlan],
                activities=[record_plan],
                workflow_runner=runner,
            )
            gateway = CaseGateway(client, queue, timing=load_policy(None).timing())  # as the import command
            async with engine, bare_worker:
                await bare(bare_client, bare_queue, "warm", 20)
                await cases(gateway, warm, records, alerts)
                if trace:
                    tracemalloc.start(1)
                start = measure()
                await bare(bare_client, bare_queue, "bare", n)
                after_bare = measure()
                await cases(gateway, measured, records, alerts)
                after_cases = measure()
                if trace:
                    tracemalloc.stop()
    sandbox = "the SDK's default sandbox" if strict else "the worker's sandbox (workflow_runner())"
    print(f"{n} bare workflows, then {n} imported open cases, all cached, in {sandbox}; {alerts.sent} alerts")
    print(
        f"{'per workflow, KiB':18} {'Python (tracemalloc)':>21} {'VmRSS':>8} {'VmRSS after malloc_trim':>24}"
    )
    for name, (a, b) in {"bare": (start, after_bare), "case": (after_bare, after_cases)}.items():
        python = f"{_total(b[0], a[0]) / 1024 / n:21.1f}" if b[0] and a[0] else f"{'not traced':>21}"
        print(f"{name:18} {python} {(b[1] - a[2]) / n:8.1f} {(b[2] - a[2]) / n:24.1f}")
    if not (after_cases[0] and after_bare[0]):
        return
    print(f"where the cases' Python memory was allocated (top {top} files, KiB per case):")
    for stat in after_cases[0].compare_to(after_bare[0], "filename")[:top]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 1024 / n:8.1f}  {_short(frame.filename)}")


def _total(after: tracemalloc.Snapshot, before: tracemalloc.Snapshot) -> float:
    return float(sum(s.size_diff for s in after.compare_to(before, "filename")))


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.workflow_memory", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--workflows", type=int, default=500, help="of each kind, at most 1,000 (default 500)"
    )
    parser.add_argument("--top", type=int, default=12, help="files listed (default 12)")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="trace Python's allocations (tracemalloc: its own records of each block add to VmRSS)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="the SDK's default sandbox (nothing of ours passed through)"
    )
    args = parser.parse_args(argv)
    if not 0 < args.workflows <= 1000:
        parser.error("--workflows: 1 to 1,000 (the worker's cache)")
    print_header(f"Worker memory per cached workflow: {args.workflows} imported cases against as many bare")
    asyncio.run(bench(args.workflows, args.top, args.strict, args.trace))
    return 0


if __name__ == "__main__":
    sys.exit(main())
