"""Starting open back-dated cases through the import command, with a real worker process.

    .venv/bin/python -m bench.import_open_cases                     # 10,000 open cases
    .venv/bin/python -m bench.import_open_cases --cases 2000 --import-concurrency 4

In a temporary folder: ``cases.csv`` and ``advice.csv`` of open cases
received 1 to 130 days ago (deterministic for ``--seed``) at every open
stage: request (no decision yet), advice (some advice returned, some still
awaited), drafting, draft served, and family response recorded; a fresh dev
server (its own process); the worker as deployed (``python worker.py``,
writing a SQLite file, its email alerts going to a local SMTP server that
drops them, aiosmtpd's Sink); then the import command as documented, as its
own process::

    python cli.py import cases.csv --advice advice.csv --database-url URL \\
        --temporal-address HOST:PORT --task-queue QUEUE --concurrency C

Figures: the command's wall time (every workflow started), the time until
the worker has recorded every case (the start and each imported step as an
audit row, as the workflows record them), and the worker's resident memory
(``VmRSS`` in ``/proc/<pid>/status``) once started and idle, then once the
import is recorded and the worker idle again. Memory per open case is the
difference divided by the number of cases. The worker keeps at most
``max_cached_workflows`` (the SDK's default, 1,000) workflows in memory and
replays the others from history when they next wake, so beyond that many
workflows the difference measures the cache, not the cases.
"""

import argparse
import asyncio
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from temporalio.client import Client

from bench.bare_import import start_all, wait_completed
from bench.harness import (
    PYTHON,
    ROOT,
    Service,
    cpu_seconds,
    dev_server,
    idle,
    load_average,
    mail_sink,
    print_header,
    proc_status,
    service,
    today,
    wait_for,
)
from ehcna.importer.command import read_and_plan
from ehcna.importer.load import START_CONCURRENCY
from ehcna.store.db import make_engine
from ehcna.store.migrate import upgrade
from ehcna.store.models import AuditRow, BreachRow, CaseRow

CASE_COLUMNS = [
    "ref",
    "received_date",
    "request_source",
    "team",
    "year_group",
    "decision_to_assess",
    "decision_to_assess_date",
    "decision_to_issue",
    "decision_to_issue_date",
    "draft_served_date",
    "family_response_date",
]
ADVICE_COLUMNS = ["ref", "kind", "provider_team", "requested_date", "status", "returned_date", "document_ref"]
BODIES = {"EDUCATION": "schools", "HEALTH": "icb-health", "EP": "ep-service", "SOCIAL_CARE": "social-care"}
# open stages and their shares: no decision yet, advice, drafting, draft served, family response in
STAGES = {"request": 20, "advice": 40, "drafting": 15, "draft_served": 15, "family_response": 10}
WORKER_CACHE = 1000  # temporalio.worker.Worker's default max_cached_workflows


def open_case(rng: random.Random, ref: str, now: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One open case received 1-130 days ago, at a random stage, with its advice rows."""
    age = rng.randint(1, 130)
    day0 = now - timedelta(days=age)

    def day(share: float) -> date:  # a date between day 0 (0.0) and today (1.0)
        return day0 + timedelta(days=round(age * share))

    stage = rng.choices(list(STAGES), weights=list(STAGES.values()))[0]
    case: dict[str, Any] = {
        "ref": ref,
        "received_date": day0,
        "request_source": rng.choice(["PARENT", "PARENT", "SCHOOL", "HEALTH"]),
        "team": rng.choice(["north", "south", "east", "west"]),
        "year_group": rng.randint(0, 8),  # below year 9: no preparing-for-adulthood advice
    }
    if stage == "request":
        return case, []
    assessed, issued = day(0.3), day(0.75)
    case.update(decision_to_assess="yes", decision_to_assess_date=assessed)
    if stage == "advice":  # the family's views and some of the bodies, some still awaited
        kinds = ["PARENT", *rng.sample(list(BODIES), rng.randint(1, 4))]
        awaited = {k for k in kinds if rng.random() < 0.5}
    else:
        kinds, awaited = ["PARENT", *BODIES], set()
        case.update(decision_to_issue="yes", decision_to_issue_date=issued)
        if stage in ("draft_served", "family_response"):
            case["draft_served_date"] = day(0.85)
        if stage == "family_response":
            case["family_response_date"] = now
    advice = []
    for kind in kinds:
        returned = (
            None if kind in awaited else assessed + timedelta(days=rng.randint(0, (issued - assessed).days))
        )
        advice.append(
            {
                "ref": ref,
                "kind": kind,
                "provider_team": BODIES.get(kind, "family"),
                "requested_date": assessed,
                "status": "REQUESTED" if returned is None else "RECEIVED",
                "returned_date": returned,
                "document_ref": None if returned is None else f"DOC-{ref}-{kind}",
            }
        )
    return case, advice


def write_files(folder: Path, count: int, seed: int, now: date) -> tuple[Path, Path, int]:
    rng = random.Random(seed)
    prefix = f"IMP{uuid4().hex[:4].upper()}"
    cases_path, advice_path = folder / "cases.csv", folder / "advice.csv"
    advice_rows = 0
    with (
        cases_path.open("w", newline="", encoding="utf-8") as cf,
        advice_path.open("w", newline="", encoding="utf-8") as af,
    ):
        cases, advice = csv.DictWriter(cf, CASE_COLUMNS), csv.DictWriter(af, ADVICE_COLUMNS)
        cases.writeheader()
        advice.writeheader()
        for n in range(count):
            case, rows = open_case(rng, f"{prefix}-{n:05d}", now)
            cases.writerow({k: "" if v is None else v for k, v in case.items()})
            for row in rows:
                advice.writerow({k: "" if v is None else v for k, v in row.items()})
            advice_rows += len(rows)
    return cases_path, advice_path, advice_rows


def count(url: str, query: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(query) or 0)
    finally:
        engine.dispose()


def keep_logs(folder: Path, logs: Path) -> None:
    logs.mkdir(parents=True, exist_ok=True)
    for name in ("worker.log", "temporal.log"):
        shutil.copy(folder / name, logs / name)


def log_levels(log: Path) -> dict[str, int]:
    """How many of the worker's JSON log lines are at each level."""
    levels: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            level = str(json.loads(line).get("level", "?"))
        except (ValueError, AttributeError):
            level = "not JSON"
        levels[level] = levels.get(level, 0) + 1
    return levels


async def follow(
    worker: Service, url: str, expected: dict[str, int], start: float, time_limit: float
) -> tuple[int, int, float]:
    """Wait for the worker to record every case, up to ``time_limit`` seconds after ``start``.

    Prints the progress every 30 seconds; returns the case events recorded, the
    cases recorded whole and the seconds waited.
    """
    total = sum(expected.values())
    shown = 0.0
    while True:
        worker.check_alive()
        events, cases = await asyncio.to_thread(progress, url, expected)
        elapsed = time.perf_counter() - start
        if events >= total or elapsed > time_limit:
            return events, cases, elapsed
        if elapsed - shown >= 30:
            shown = elapsed
            print(
                f"  {elapsed:6.0f} s: {events:>7} of {total} case events, {cases:>6} cases whole", flush=True
            )
        await asyncio.sleep(2)


def progress(url: str, expected: dict[str, int]) -> tuple[int, int]:
    """Case events recorded so far, and cases whose every event is recorded."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            events = conn.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.seq.is_not(None)))
            rows = conn.execute(select(CaseRow.ref, CaseRow.version)).all()
    finally:
        engine.dispose()
    return int(events or 0), sum(1 for ref, version in rows if version >= expected.get(ref, 0) > 0)


async def bare_baseline(
    dev: Any, folder: Path, n: int, concurrency: int, time_limit: float
) -> tuple[float, float, int]:
    """Start ``n`` bare workflows (one no-op local activity each) with the import's concurrency, their
    worker its own process as the engine's is; the seconds to start them all, to see them all
    completed, and how many completed."""
    queue = f"bench-bare-import-{uuid4().hex[:6]}"
    argv = [PYTHON, "-m", "bench.bare_import", dev.address, queue]
    with service("bare worker", argv, folder / "bare-worker.log") as worker:

        async def ready() -> bool:
            worker.check_alive()
            return "bare worker ready" in worker.log.read_text(errors="replace")

        await wait_for(ready, 60, "the bare worker")
        client = await Client.connect(dev.address)  # the SDK's plain converter, as the bare worker's
        start = time.perf_counter()
        started_s = await start_all(client, queue, uuid4().hex[:6], n, concurrency)
        done = await wait_completed(client, queue, n, time_limit)
        completed_s = time.perf_counter() - start
    print(
        f"bare baseline: {n} workflows started in {started_s:.1f} s ({n / started_s:.1f}/s), "
        f"{done} completed after {completed_s:.1f} s ({done / completed_s:.1f}/s)",
        flush=True,
    )
    return started_s, completed_s, done


async def bench(
    n: int, seed: int, concurrency: int, time_limit: float, logs: Path | None, with_bare: bool = True
) -> None:
    queue = f"bench-import-{uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        now = today()
        cases_csv, advice_csv, advice_rows = write_files(folder, n, seed, now)
        plan = read_and_plan(cases_csv, advice_csv, now)
        if plan.errors or len(plan.open) != n:
            raise RuntimeError(f"generated files refused: {[str(e) for e in plan.errors[:5]]}")
        events = sum(1 + len(p.steps) for p in plan.open)
        stages: dict[str, int] = {}
        for p in plan.open:
            stages[str(p.case.stage)] = stages.get(str(p.case.stage), 0) + 1
        awaited = sum(1 for p in plan.open for a in p.case.advice if a.is_open and a.has_clock)
        # since v7 (advice-clocks-in-case) an awaited advice's clock runs inside its case: no workflow
        print(f"{n} open cases, {advice_rows} advice rows ({awaited} awaited, each a clock in its case)")
        print("stages: " + ", ".join(f"{s} {c}" for s, c in sorted(stages.items())))
        print(f"the workflows will record {events} case events (the start and each imported step)")

        url = f"sqlite:///{folder / 'store.db'}"
        upgrade(url)
        async with dev_server(folder) as dev:
            bare = await bare_baseline(dev, folder, n, concurrency, time_limit) if with_bare else None
            env = {"TEMPORAL_ADDRESS": dev.address, "EHCNA_DATABASE_URL": url, "EHCNA_TASK_QUEUE": queue}
            with (
                mail_sink(folder) as smtp,
                service("worker", [PYTHON, "worker.py"], folder / "worker.log", {**env, **smtp}) as worker,
            ):

                async def started() -> bool:
                    worker.check_alive()
                    return "worker_started" in worker.log.read_text(errors="replace")

                await wait_for(started, 60, "the worker")
                await idle(worker.pid)
                before = proc_status(worker.pid)
                cpu_before = cpu_seconds(worker.pid), cpu_seconds(dev.process.pid)
                argv = [
                    *(PYTHON, "-m", "ehcna", "import", str(cases_csv), "--advice", str(advice_csv)),
                    *("--database-url", url, "--temporal-address", dev.address, "--task-queue", queue),
                    *("--concurrency", str(concurrency)),
                ]
                start = time.perf_counter()
                command = await asyncio.to_thread(
                    subprocess.run, argv, cwd=ROOT, capture_output=True, text=True, check=False
                )
                import_s = time.perf_counter() - start
                if command.returncode != 0:
                    raise RuntimeError(f"import failed ({command.returncode}):\n{command.stderr[-3000:]}")
                expected = {p.ref: 1 + len(p.steps) for p in plan.open}
                done_events, done_cases, _ = await follow(worker, url, expected, start, time_limit)
                complete = done_events >= events
                settled_s = time.perf_counter() - start
                if complete:
                    await idle(worker.pid)
                after = proc_status(worker.pid)
                cpu_s = cpu_seconds(worker.pid) - cpu_before[0], cpu_seconds(dev.process.pid) - cpu_before[1]
                server_rss = proc_status(dev.process.pid)["VmRSS"]
                levels = log_levels(worker.log)
            if logs is not None:
                keep_logs(folder, logs)
        breaches = count(url, select(func.count()).select_from(BreachRow))

    print(f"load average at end: {load_average()} (1/5/15 min)")
    print("import command output:")
    print("  " + command.stdout.strip().replace("\n", "\n  "))
    grown = after["VmRSS"] - before["VmRSS"]
    held = min(n, WORKER_CACHE)
    print(f"import command: {import_s:8.1f} s   {n / import_s:7.1f} cases/s (workflows started)")
    if complete:
        print(f"all recorded:   {settled_s:8.1f} s   {n / settled_s:7.1f} cases/s (every case in the store)")
        if bare is not None:
            ratio = (n / settled_s) / (bare[2] / bare[1])
            verdict = "met" if ratio >= 0.5 else "NOT met"
            print(
                f"engine / bare baseline (recorded / completed per second): {ratio:.2f} "
                f"(goal 0.5 or more: {verdict}); within 5 minutes: {'yes' if settled_s <= 300 else 'NO'}"
            )
    else:
        print(
            f"NOT all recorded within the {time_limit:.0f} s limit: after {settled_s:.0f} s, "
            f"{done_events} of {events} case events ({done_events / settled_s:.1f}/s), "
            f"{done_cases} of {n} cases whole ({done_cases / settled_s:.2f} cases/s); "
            "the worker was still busy when its memory was read"
        )
    print("worker log lines by level: " + ", ".join(f"{k} {v}" for k, v in sorted(levels.items())))
    print(f"breaches recorded at once (back-dated cases past a deadline): {breaches}")
    print(
        f"worker CPU {cpu_s[0]:.0f} s ({1000 * cpu_s[0] / n:.0f} ms/case), dev server CPU {cpu_s[1]:.0f} s "
        f"({1000 * cpu_s[1] / n:.0f} ms/case); dev server RSS {server_rss / 1024:.0f} MiB"
    )
    print(
        f"worker RSS: {before['VmRSS'] / 1024:.0f} MiB idle before, {after['VmRSS'] / 1024:.0f} MiB after "
        f"(peak {after['VmHWM'] / 1024:.0f} MiB): +{grown / 1024:.0f} MiB"
    )
    print(
        f"worker memory per open case: {grown / n:.1f} KiB "
        f"({n} workflows, at most {WORKER_CACHE} cached: "
        f"{grown / held:.1f} KiB per cached workflow)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.import_open_cases", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--cases", type=int, default=10_000, help="open cases to import (default 10,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--import-concurrency",
        type=int,
        default=START_CONCURRENCY,
        help=f"the command's --concurrency (its default: {START_CONCURRENCY})",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=3600,
        help="seconds from the command's start to wait for the worker to record every case (default 3600)",
    )
    parser.add_argument(
        "--logs", type=Path, help="copy the worker's and the dev server's logs to this folder"
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare baseline")
    args = parser.parse_args(argv)

    print_header(f"Import: {args.cases:,} open back-dated cases through `python cli.py import`")
    asyncio.run(
        bench(args.cases, args.seed, args.import_concurrency, args.time_limit, args.logs, not args.no_bare)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
