"""Plans in force started through ``ehcna import-plans``, a real worker process, against a bare baseline.

    .venv/bin/python -m bench.import_plans                          # 20,000 plans in force
    .venv/bin/python -m bench.import_plans --plans 500 --time-limit 300

In a temporary folder: ``plans.csv`` and ``plan_reviews.csv`` (deterministic for ``--seed``) of plans
started 1 to 6 years ago, year groups 0-13 on the plan at its start, each with the annual reviews a
council would have held since (most in time, some late, about 30% decided to amend, with the amended
plan issued, some late; a setting named at a phase transfer), some with a review open now (invited,
held, decision awaited), some in amendment, some overdue (the council's backlog: the last one or more
reviews never held), a few transferred in from another council (reg 15).

Then, in the same run, each on a fresh dev server of its own (its own process, so its memory is that
of one part alone):

1. **The bare baseline**: as many ``BarePlan`` workflows (``bench/bare_import.py``: one no-op local
   activity recording the start, then a year's sleep), started from this process with the import's
   concurrency, their worker a process of its own, timed until every local activity has run.
2. **The engine**: the worker as deployed (``python worker.py``, a SQLite file, its email alerts to a
   local SMTP server that drops them), then the import command as documented, as its own process::

       python -m ehcna import-plans plans.csv --reviews plan_reviews.csv --database-url URL \\
           --temporal-address HOST:PORT --task-queue QUEUE --concurrency C

   timed until the worker has recorded every plan whole: the ``plans`` row of each plan at the seq of
   its last imported step (its start and each step of its history is one plan event, each written by
   the workflow's local record activity; reviews and amendments go to ``plan_reviews`` and
   ``plan_amendments`` from them).

Figures, for both: the starts per second (the command's wall time, its check of every row included;
for the baseline the starts alone), the plans recorded per second (from the first start until the last
is recorded), the worker's ``VmRSS`` idle before and idle after, per open plan, and the dev server's
``VmRSS`` fresh and at the end. The worker keeps at most ``max_cached_workflows`` (the SDK's default,
1,000) workflows in memory, so beyond that the growth measures the cache, not the plans.
"""

import argparse
import asyncio
import csv
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select
from temporalio.client import Client

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
from bench.import_open_cases import keep_logs, log_levels
from domain.phase_transfer import school_year_start, transfer_due
from domain.plan_calendar import add_months
from domain.plan_deadlines import review_overdue
from ehcna.importer.plans_command import directory_teams
from ehcna.importer.plans_csv import read_plans, read_reviews
from ehcna.importer.plans_in_force import PlanImport, plan_plans
from ehcna.notifications.policy import load_policy
from ehcna.settings import Settings
from ehcna.store.alerts import AlertRow
from ehcna.store.db import make_engine
from ehcna.store.migrate import upgrade
from ehcna.store.plans import PlanAmendmentRow, PlanReviewRow, PlanRow

PLAN_COLUMNS = [
    "ref",
    "team",
    "start_date",
    "year_group",
    "setting_team",
    "extra_transfer_years",
    "transferred_in_date",
    "old_last_review_date",
    "family_told_date",
    "reassess",
    "review_invited_date",
    "review_meeting_date",
    "review_advice_date",
    "review_held_date",
    "review_report_date",
]
REVIEW_COLUMNS = [
    "ref",
    "meeting_date",
    "decision",
    "decision_date",
    "invited_date",
    "advice_circulated_date",
    "report_date",
    "amendment_notice_date",
    "amendment_response_date",
    "named_setting",
    "amended_plan_date",
]
TEAMS = ["north", "south"]
WORKER_CACHE = 1000  # temporalio.worker.Worker's default max_cached_workflows
BACKLOG = 0.12  # plans whose latest review or reviews were never held (with late ones: about 1 in 4 overdue)
STUCK_AMENDMENT = 0.04  # a decision to amend whose amended plan was never issued
TRANSFERRED_IN = 0.03
PRE_TRANSFER_YEARS = (-1, 6, 11)  # the school year before entry to reception, year 7 and year 12


def setting_team(year_group: int) -> str:
    """The directory's setting that convenes a child's reviews, by the year group now."""
    if year_group <= 2:
        return "willow-infants"
    if year_group <= 6:
        return "oak-primary"
    if year_group <= 11:
        return "elm-secondary"
    return "riverside-college"


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, high))


def _meeting_after(rng: random.Random, due: date) -> date:
    """The review meeting of a review due on ``due``: about two in three held in time."""
    return due - _days(rng, 0, 42) if rng.random() < 0.65 else due + _days(rng, 1, 150)


def one_plan(rng: random.Random, ref: str, now: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One plan in force started 1-6 years ago, with the reviews held since and where it stands now."""
    start = now - _days(rng, 365, 6 * 365)
    year_group = rng.randint(0, 13)
    reception_year = school_year_start(start) - year_group
    plan: dict[str, Any] = {"ref": ref, "team": rng.choice(TEAMS), "start_date": start}
    plan["year_group"] = year_group
    plan["setting_team"] = setting_team(school_year_start(now) - reception_year)
    last = start  # the R1 (R10) date counts from the last meeting, or the start
    due = add_months(start, 12)
    moved = start + (now - start) * rng.uniform(0.3, 0.9)
    if rng.random() < TRANSFERRED_IN and school_year_start(moved) - reception_year <= 14:
        # taken on from another council (reg 15): R9, then R10
        old = max(start, moved - _days(rng, 30, 330))
        plan.update(transferred_in_date=moved, old_last_review_date=old)
        plan.update(family_told_date=min(now, moved + _days(rng, 5, 50)), reassess="no")
        plan["year_group"] = school_year_start(moved) - reception_year
        last, due = moved, max(add_months(old, 12), add_months(moved, 3))
    owed_from = plan.get("transferred_in_date", start)  # the transfers a plan owes (transfers_owed)
    named: set[int] = set()  # the transfers whose setting is named (each once)
    backlog = rng.random() < BACKLOG
    stuck = rng.random() < STUCK_AMENDMENT
    reviews: list[dict[str, Any]] = []
    while True:
        meeting = _meeting_after(rng, due)
        if backlog and due <= now and add_months(due, 12) > now:
            break  # the review due now has not been held: overdue (and the missed ones before it)
        if backlog and due <= now and rng.random() < 0.25:
            break  # overdue by more than a year
        invited = meeting - (_days(rng, 14, 42) if rng.random() < 0.9 else _days(rng, 3, 13))
        invited = max(invited, last + timedelta(days=1))
        if invited > now:
            break  # the next review is not yet arranged
        meeting = max(meeting, invited)
        advice = meeting - _days(rng, 0, (meeting - invited).days) if rng.random() < 0.7 else None
        if meeting > now:  # arranged, the meeting ahead
            plan.update(review_invited_date=invited, review_meeting_date=meeting)
            plan["review_advice_date"] = advice if advice is not None and advice <= now else None
            break
        decided = meeting + (_days(rng, 3, 28) if rng.random() < 0.8 else _days(rng, 29, 70))
        report = meeting + _days(rng, 0, 14) if rng.random() < 0.75 else None
        if report is not None and report > decided:
            report = decided
        if decided > now:  # held, the decision awaited
            plan.update(review_invited_date=invited, review_meeting_date=meeting, review_held_date=meeting)
            plan["review_advice_date"] = advice
            plan["review_report_date"] = report if report is not None and report <= now else None
            break
        recorded = rng.random() < 0.85  # else the invitations (and the advice) were not recorded
        review: dict[str, Any] = {
            "ref": ref,
            "meeting_date": meeting,
            "decision": "MAINTAIN",
            "decision_date": decided,
            "invited_date": invited if recorded else None,
            "advice_circulated_date": advice if recorded else None,
            "report_date": report,
        }
        child_year = school_year_start(meeting) - reception_year
        transfer = child_year in PRE_TRANSFER_YEARS  # a phase transfer next September: name the setting
        if rng.random() < (0.9 if transfer else 0.25):
            review["decision"] = "AMEND"
            notice = decided + _days(rng, 0, 14)
            if notice <= now:
                review["amendment_notice_date"] = notice
                response = notice + _days(rng, 3, 20) if rng.random() < 0.8 else None
                late = rng.random() >= 0.8  # R7: 8 weeks
                issued = None if stuck else notice + (_days(rng, 57, 110) if late else _days(rng, 16, 56))
                if response is not None and issued is not None and response > issued:
                    response = issued
                if response is not None and response <= now:
                    review["amendment_response_date"] = response
                if issued is not None and issued <= now:
                    review["amended_plan_date"] = issued
                # the setting named for a transfer still ahead: before its September (transfer_missed)
                deadline = date(school_year_start(meeting) + 1, 9, 1)
                named_on = review.get("amended_plan_date") or notice
                owed = transfer_due(child_year + 1, deadline.year) >= owed_from
                if transfer and named_on < deadline and owed and deadline.year not in named:
                    review["named_setting"] = f"{rng.randint(100000, 149999)}"
                    named.add(deadline.year)
            if "amended_plan_date" not in review:
                reviews.append(review)
                break  # in amendment: nothing more this plan has done
        reviews.append(review)
        last, due = meeting, add_months(meeting, 12)
    return plan, reviews


def write_files(folder: Path, count: int, seed: int, now: date) -> tuple[Path, Path, int]:
    rng = random.Random(seed)
    prefix = f"PLB{uuid4().hex[:4].upper()}"
    plans_path, reviews_path = folder / "plans.csv", folder / "plan_reviews.csv"
    review_rows = 0
    with (
        plans_path.open("w", newline="", encoding="utf-8") as pf,
        reviews_path.open("w", newline="", encoding="utf-8") as rf,
    ):
        plans, reviews = csv.DictWriter(pf, PLAN_COLUMNS), csv.DictWriter(rf, REVIEW_COLUMNS)
        plans.writeheader()
        reviews.writeheader()
        for n in range(count):
            plan, rows = one_plan(rng, f"{prefix}-{n:05d}", now)
            plans.writerow({k: "" if v is None else v for k, v in plan.items()})
            for row in rows:
                reviews.writerow({k: "" if v is None else v for k, v in row.items()})
            review_rows += len(rows)
    return plans_path, reviews_path, review_rows


def check(plans_csv: Path, reviews_csv: Path, now: date) -> tuple[PlanImport, float]:
    """The import's own check of both files (this process), and the seconds it took."""
    start = time.perf_counter()
    teams = directory_teams(load_policy(Settings.from_env().escalation_policy))
    planned = plan_plans(read_plans(plans_csv), read_reviews(reviews_csv), now, teams)
    return planned, time.perf_counter() - start


def describe(planned: PlanImport, review_rows: int, now: date) -> None:
    plans = [p.plan for p in planned.plans]
    n = len(plans)
    events = sum(1 + len(p.actions) for p in planned.plans)
    shares = Counter()
    for p in plans:
        shares["review overdue now"] += review_overdue(p, now)
        shares["in amendment"] += p.amendment is not None
        shares["review open (meeting arranged)"] += p.review.meeting_on is not None
        shares["meeting held, decision awaited"] += p.review.held_on is not None
        shares["transferred in"] += p.transfer_in is not None
        shares["no completed review"] += p.reviews_completed == 0
    years = sorted(p.start_on.year for p in plans)
    print(
        f"{n} plans in force, started {years[0]}-{years[-1]}; {review_rows} completed reviews "
        f"({review_rows / n:.2f} a plan); {events} plan events to record ({events / n:.1f} a plan)"
    )
    print("  " + ", ".join(f"{k} {v} ({100 * v / n:.0f}%)" for k, v in shares.items()))


# -- the bare baseline ---------------------------------------------------------


@dataclass
class Part:
    """What one part of the run measured."""

    started_s: float
    recorded_s: float
    recorded: int
    worker_before: dict[str, int]
    worker_after: dict[str, int]
    server_fresh: int
    server_after: int
    worker_cpu: float
    server_cpu: float


def read_count(path: Path) -> int:
    try:
        return int(path.read_text() or 0)
    except (OSError, ValueError):
        return 0


async def bare_baseline(folder: Path, n: int, concurrency: int, time_limit: float) -> Part:
    """``n`` BarePlan workflows on a dev server of their own, started ``concurrency`` at a time."""
    queue = f"bench-bare-plans-{uuid4().hex[:6]}"
    counter = folder / "bare-recorded"
    async with dev_server(folder) as dev:
        server_fresh = proc_status(dev.process.pid)["VmRSS"]
        argv = [PYTHON, "-m", "bench.bare_import", dev.address, queue, str(counter)]
        with service("bare worker", argv, folder / "bare-worker.log") as worker:

            async def ready() -> bool:
                worker.check_alive()
                return "bare worker ready" in worker.log.read_text(errors="replace") and counter.exists()

            await wait_for(ready, 60, "the bare worker")
            await idle(worker.pid)
            before = proc_status(worker.pid)
            cpu = cpu_seconds(worker.pid), cpu_seconds(dev.process.pid)
            client = await Client.connect(dev.address)  # the SDK's plain converter, as the bare worker's
            prefix = uuid4().hex[:6]
            gate = asyncio.Semaphore(concurrency)

            async def one(i: int) -> None:
                async with gate:
                    ref = f"{prefix}-{i:05d}"
                    await client.start_workflow("BarePlan", ref, id=f"bare-plan-{ref}", task_queue=queue)

            start = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(n)))
            started_s = time.perf_counter() - start
            while (done := read_count(counter)) < n and time.perf_counter() - start < time_limit:
                worker.check_alive()
                await asyncio.sleep(0.2)
            recorded_s = time.perf_counter() - start
            await idle(worker.pid)
            after = proc_status(worker.pid)
            part = Part(
                started_s,
                recorded_s,
                done,
                before,
                after,
                server_fresh,
                proc_status(dev.process.pid)["VmRSS"],
                cpu_seconds(worker.pid) - cpu[0],
                cpu_seconds(dev.process.pid) - cpu[1],
            )
    print(
        f"bare baseline: {n} workflows started in {started_s:.1f} s ({n / started_s:.1f}/s), "
        f"{done} recorded after {recorded_s:.1f} s ({done / recorded_s:.1f}/s)",
        flush=True,
    )
    return part


# -- the engine ------------------------------------------------------------------


def progress(url: str, expected: dict[str, int]) -> tuple[int, int]:
    """Plan events recorded so far (the plans rows' seq), and plans recorded whole."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(PlanRow.ref, PlanRow.seq)).all()
    finally:
        engine.dispose()
    return sum(seq for _, seq in rows), sum(1 for ref, seq in rows if seq >= expected.get(ref, 1))


async def follow(worker: Service, url: str, expected: dict[str, int], start: float, limit: float) -> int:
    """Wait for the worker to record every plan whole, up to ``limit`` seconds after ``start``."""
    total, shown = sum(expected.values()), 0.0
    while True:
        worker.check_alive()
        events, plans = await asyncio.to_thread(progress, url, expected)
        elapsed = time.perf_counter() - start
        if plans >= len(expected) or elapsed > limit:
            return plans
        if elapsed - shown >= 30:
            shown = elapsed
            line = f"  {elapsed:6.0f} s: {events:>7} of {total} plan events, {plans:>6} plans whole"
            print(line, flush=True)
        await asyncio.sleep(1)


def count(url: str, table: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        engine.dispose()


async def engine_part(
    folder: Path, plans_csv: Path, reviews_csv: Path, expected: dict[str, int], concurrency: int, limit: float
) -> tuple[Part, float, subprocess.CompletedProcess[str], dict[str, int]]:
    queue = f"bench-plans-{uuid4().hex[:6]}"
    url = f"sqlite:///{folder / 'store.db'}"
    upgrade(url)
    n = len(expected)
    async with dev_server(folder) as dev:
        server_fresh = proc_status(dev.process.pid)["VmRSS"]
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
            cpu = cpu_seconds(worker.pid), cpu_seconds(dev.process.pid)
            argv = [
                *(PYTHON, "-m", "ehcna", "import-plans", str(plans_csv), "--reviews", str(reviews_csv)),
                *("--database-url", url, "--temporal-address", dev.address, "--task-queue", queue),
                *("--concurrency", str(concurrency)),
            ]
            start = time.perf_counter()
            command = await asyncio.to_thread(
                subprocess.run, argv, cwd=ROOT, capture_output=True, text=True, check=False
            )
            command_s = time.perf_counter() - start
            if command.returncode != 0:
                raise RuntimeError(f"import-plans failed ({command.returncode}):\n{command.stderr[-3000:]}")
            print(f"import command done in {command_s:.1f} s ({n / command_s:.1f} plans/s)", flush=True)
            done = await follow(worker, url, expected, start, limit)
            recorded_s = time.perf_counter() - start
            if done >= n:
                await idle(worker.pid)
            after = proc_status(worker.pid)
            part = Part(
                command_s,
                recorded_s,
                done,
                before,
                after,
                server_fresh,
                proc_status(dev.process.pid)["VmRSS"],
                cpu_seconds(worker.pid) - cpu[0],
                cpu_seconds(dev.process.pid) - cpu[1],
            )
            levels = log_levels(worker.log)
    tables = {
        "plans": count(url, PlanRow),
        "plan_reviews": count(url, PlanReviewRow),
        "plan_amendments": count(url, PlanAmendmentRow),
        "alerts (reminders, breach alerts, escalations: one row per recipient)": count(url, AlertRow),
    }
    print("worker log lines by level: " + ", ".join(f"{k} {v}" for k, v in sorted(levels.items())))
    return part, command_s, command, tables


def report(name: str, n: int, part: Part, unit: str) -> None:
    grown = part.worker_after["VmRSS"] - part.worker_before["VmRSS"]
    rate = part.recorded / part.recorded_s
    print(
        f"{name}: started {part.started_s:7.1f} s ({n / part.started_s:6.1f}/s); "
        f"{part.recorded} of {n} recorded after {part.recorded_s:7.1f} s ({rate:6.1f}/s)"
    )
    before, after = part.worker_before["VmRSS"] / 1024, part.worker_after["VmRSS"] / 1024
    print(
        f"  worker RSS {before:.0f} -> {after:.0f} MiB "
        f"(peak {part.worker_after['VmHWM'] / 1024:.0f}): {grown / n:.1f} KiB per open {unit} "
        f"({grown / min(n, WORKER_CACHE):.1f} KiB per cached workflow); dev server RSS "
        f"{part.server_fresh / 1024:.0f} -> {part.server_after / 1024:.0f} MiB "
        f"({(part.server_after - part.server_fresh) / n:.1f} KiB per {unit})"
    )
    print(
        f"  CPU: worker {part.worker_cpu:.0f} s ({1000 * part.worker_cpu / n:.1f} ms per {unit}), "
        f"dev server {part.server_cpu:.0f} s ({1000 * part.server_cpu / n:.1f} ms per {unit})"
    )


async def bench(
    n: int, seed: int, concurrency: int, limit: float, logs: Path | None, with_bare: bool
) -> None:
    with tempfile.TemporaryDirectory(prefix="plan-import-bench-") as tmp:
        folder = Path(tmp)
        now = today()
        plans_csv, reviews_csv, review_rows = write_files(folder, n, seed, now)
        planned, check_s = check(plans_csv, reviews_csv, now)
        if planned.errors or len(planned.plans) != n:
            raise RuntimeError(f"generated files refused: {[str(e) for e in planned.errors[:5]]}")
        describe(planned, review_rows, now)
        print(f"the import's check of both files took {check_s:.1f} s in this process", flush=True)
        expected = {p.ref: 1 + len(p.actions) for p in planned.plans}
        bare = await bare_baseline(folder, n, concurrency, limit) if with_bare else None
        print(f"load average after the baseline: {load_average()} (1/5/15 min)", flush=True)
        engine, _, command, tables = await engine_part(
            folder, plans_csv, reviews_csv, expected, concurrency, limit
        )
        if logs is not None:
            keep_logs(folder, logs)

    print(f"load average at end: {load_average()} (1/5/15 min)")
    print("import command output:")
    print("  " + command.stdout.strip().replace("\n", "\n  "))
    print("store: " + ", ".join(f"{k} {v}" for k, v in tables.items()))
    if bare is not None:
        report("bare baseline", n, bare, "workflow")
    report("engine", n, engine, "plan")
    if engine.recorded < n:
        print(f"NOT all recorded within the {limit:.0f} s limit: {engine.recorded} of {n}")
        return
    if bare is not None and bare.recorded >= n:
        ratio = (n / engine.recorded_s) / (n / bare.recorded_s)
        started = (n / engine.started_s) / (n / bare.started_s)
        print(
            f"engine / bare baseline, recorded per second: {ratio:.2f} (goal 0.5 or more: "
            f"{'met' if ratio >= 0.5 else 'NOT met'}); started per second: {started:.2f}"
        )
    within = "yes" if engine.recorded_s <= 600 else "NO"
    print(f"all recorded within 10 minutes: {within} ({engine.recorded_s:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_plans", description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=20_000, help="plans in force to import (default 20,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--import-concurrency", type=int, default=4, help="the command's --concurrency (its default: 4)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=1800,
        help="seconds from the first start to wait for every plan recorded, in each part (default 1800)",
    )
    parser.add_argument("--logs", type=Path, help="copy the worker's and dev server's logs to this folder")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare baseline")
    args = parser.parse_args(argv)

    print_header(f"Import: {args.plans:,} plans in force through `ehcna import-plans`, against a baseline")
    concurrency, limit = args.import_concurrency, args.time_limit
    asyncio.run(bench(args.plans, args.seed, concurrency, limit, args.logs, not args.no_bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
