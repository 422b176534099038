"""Complete assessments per second on the dev server, against a bare Temporal baseline of the same shape.

    .venv/bin/python -m bench.throughput                          # 100 cases of each, 16 in flight
    .venv/bin/python -m bench.throughput --cases 100 --concurrency 10 --rounds 1

One run, one fresh dev server (its own process), two workers in this
process: the engine's (``worker.build_worker`` with the store ports of
``store_ports`` below on a SQLite file in a temporary folder) and the
baseline's (``bench.baseline``). Each case is driven as people drive it, one
action after another through the workflow updates the web app sends: day 0
twenty days ago; the decision to assess; advice requested from the family
(PARENT, no clock, no child) and from EDUCATION, HEALTH, EP and SOCIAL_CARE
(a child workflow each); the five returned; the decision to issue, the draft,
the family's response and the final plan (15 updates); then its result is
awaited. The baseline case takes the same 15 updates, starting and
signalling its 4 children at the same steps, each update awaiting one no-op
local activity. ``--concurrency`` cases are in flight at any time, for both.

After a warm-up of each, ``--rounds`` rounds each run the baseline then the
engine on ``cases / rounds`` cases, so a change of load on a shared machine
falls on both. Rates are cases completed per second of wall time; CPU time
per case (the dev server's; this process's: driver plus worker) is given as
well, since it depends less on the other work on the machine.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

from pydantic import BaseModel
from sqlalchemy import func, select
from temporalio.client import Client

from activities.ports import LoggingNotifications
from bench.baseline import BaselineCase, Step, baseline_worker
from bench.harness import CpuMeter, dev_server, load_average, print_header, today
from domain.case import AdviceKind, Outcome, RequestSource
from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordFamilyResponse,
    RequestAdvice,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
)
from ehcna.bootstrap import build_worker, sessions_for
from ehcna.gateway.cases import CaseGateway
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.db import make_engine
from ehcna.store.migrate import upgrade
from ehcna.store.models import AuditRow, CaseRow
from tests.workflows.case_driver import OFFICER, PROVIDER_TEAMS, REQUIRED_ADVICE, provider
from workflows.assessment import AssessmentWorkflow as Wf

DAY0_DAYS_AGO = 20  # every step dated in the past, and no reminder falls due before the case closes


@dataclass(frozen=True)
class CaseStep:
    """One action of a case: the engine's update and command, and what it does to a child."""

    name: str
    update: Any
    command: Callable[[date], BaseModel]  # from day 0
    start_child: str | None = None
    signal_child: str | None = None
    closes: bool = False

    def baseline(self) -> Step:
        return Step(self.name, self.start_child, self.signal_child, self.closes)


def _on(day: int, model: Any, day0: date, **fields: Any) -> BaseModel:
    return model(on=day0 + timedelta(days=day), by=OFFICER, **fields)


def _request(kind: AdviceKind, day0: date) -> BaseModel:
    return RequestAdvice(
        advice_kind=kind,
        provider_team=PROVIDER_TEAMS[kind],
        requested_on=day0 + timedelta(days=2),
        by=OFFICER,
    )


def _submit(kind: AdviceKind, day: int, day0: date) -> BaseModel:
    return SubmitAdvice(
        advice_id=f"{kind}-1",
        returned_on=day0 + timedelta(days=day),
        document_ref=f"DOC-{kind}",
        by=provider(kind),
    )


def case_steps() -> list[CaseStep]:
    """The 15 actions of a complete case, in the order people take them."""
    steps = [CaseStep("decide_to_assess", Wf.decide_to_assess, partial(_on, 1, DecideToAssess, yes=True))]
    clocks = {kind: None if kind is AdviceKind.PARENT else f"{kind}-1" for kind in REQUIRED_ADVICE}
    for kind in REQUIRED_ADVICE:
        steps.append(
            CaseStep(f"request_advice {kind}", Wf.request_advice, partial(_request, kind), clocks[kind])
        )
    for n, kind in enumerate(REQUIRED_ADVICE):
        steps.append(
            CaseStep(
                f"submit_advice {kind}",
                Wf.submit_advice,
                partial(_submit, kind, 5 + n),
                signal_child=clocks[kind],
            )
        )
    steps += [
        CaseStep("decide_to_issue", Wf.decide_to_issue, partial(_on, 15, DecideToIssue, yes=True)),
        CaseStep("serve_draft", Wf.serve_draft, partial(_on, 16, ServeDraft)),
        CaseStep("record_family_response", Wf.record_family_response, partial(_on, 18, RecordFamilyResponse)),
        CaseStep("issue_final_plan", Wf.issue_final_plan, partial(_on, 20, IssueFinalPlan), closes=True),
    ]
    return steps


def store_ports(database_url: str) -> tuple[StoreCaseRecords, BreachRecordingNotifications]:
    """Migrate the read model and return the ports that write it (alerts only logged)."""
    upgrade(database_url)
    sessions = sessions_for(database_url)
    return StoreCaseRecords(sessions), BreachRecordingNotifications(sessions, LoggingNotifications())


async def engine_case(client: Client, queue: str, steps: list[CaseStep], ref: str) -> None:
    now = today()
    day0 = now - timedelta(days=DAY0_DAYS_AGO)
    cmd = StartAssessment(ref=ref, day0=day0, request_source=RequestSource.PARENT, team="north", year_group=5)
    started = await CaseGateway(client, queue).start(cmd, now)
    handle = client.get_workflow_handle_for(Wf.run, started.workflow_id)
    for step in steps:
        await handle.execute_update(step.update, step.command(day0))
    view = await handle.result()
    if view.case.outcome is not Outcome.PLAN_ISSUED:
        raise RuntimeError(f"case {ref} ended as {view.case.outcome}, not with a plan issued")


async def baseline_case(client: Client, queue: str, steps: list[CaseStep], ref: str) -> None:
    handle = await client.start_workflow(BaselineCase.run, ref, id=f"baseline-{ref}", task_queue=queue)
    for step in steps:
        await handle.execute_update(BaselineCase.act, step.baseline())
    if await handle.result() != len(steps):
        raise RuntimeError(f"baseline case {ref} did not take its {len(steps)} steps")


@dataclass
class Tally:
    kind: str
    cases: int = 0
    wall_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)
    rounds: list[float] = field(default_factory=list)  # cases/s of each round

    @property
    def rate(self) -> float:
        return self.cases / self.wall_s

    def add(self, cases: int, wall_s: float, cpu_s: dict[str, float]) -> None:
        self.cases += cases
        self.wall_s += wall_s
        self.rounds.append(cases / wall_s)
        for name, seconds in cpu_s.items():
            self.cpu_s[name] = self.cpu_s.get(name, 0.0) + seconds

    def cpu_ms_per_case(self, name: str) -> float:
        return 1000 * self.cpu_s[name] / self.cases


async def batch(
    run_one: Callable[[str], Awaitable[None]], prefix: str, count: int, concurrency: int, cpu: CpuMeter
) -> tuple[float, dict[str, float]]:
    """Run ``count`` cases with ``concurrency`` in flight; the wall seconds and CPU seconds."""
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            await run_one(f"{prefix}-{n:05d}")

    cpu.start()
    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - start, cpu.read()


async def bench(cases: int, concurrency: int, rounds: int, warmup: int) -> tuple[Tally, Tally]:
    steps = case_steps()
    run = uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="throughput-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'store.db'}"
        records, notifications = store_ports(url)
        async with dev_server(Path(folder)) as dev:
            client = dev.client
            engine_q, baseline_q = f"bench-engine-{run}", f"bench-baseline-{run}"
            cpu = CpuMeter({"server": dev.process.pid, "bench": os.getpid()})
            runners = {
                "baseline": partial(baseline_case, client, baseline_q, steps),
                "engine": partial(engine_case, client, engine_q, steps),
            }
            tallies = {kind: Tally(kind) for kind in runners}
            async with (
                build_worker(client, engine_q, records=records, notifications=notifications),
                baseline_worker(client, baseline_q),
            ):
                for kind, run_one in runners.items():
                    await batch(run_one, f"W{run}-{kind}", warmup, concurrency, cpu)
                per_round = cases // rounds
                for r in range(rounds):
                    for kind, run_one in runners.items():
                        wall, cpu_s = await batch(run_one, f"R{run}-{r}-{kind}", per_round, concurrency, cpu)
                        tallies[kind].add(per_round, wall, cpu_s)
                        print(f"  round {r + 1} {kind:<8} {per_round / wall:6.2f} cases/s", flush=True)
        verify_store(url, tallies["engine"].cases + warmup, len(steps))
    return tallies["baseline"], tallies["engine"]


def verify_store(url: str, cases: int, steps: int) -> None:
    """Every engine case is in the store with its plan issued and its start and steps audited."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            issued = conn.scalar(select(func.count()).where(CaseRow.outcome == "PLAN_ISSUED"))
            audited = conn.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.seq.is_not(None)))
    finally:
        engine.dispose()
    if issued != cases or audited != cases * (steps + 1):
        raise RuntimeError(
            f"store: {issued} plans issued, {audited} audit rows; expected {cases}, {cases * (steps + 1)}"
        )
    print(
        f"store checked: {issued} cases with a plan issued, {audited} audit rows (start + {steps} steps each)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="measured cases of each kind (default 100)")
    parser.add_argument("--concurrency", type=int, default=16, help="cases in flight (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/engine alternations (default 2)")
    parser.add_argument("--warmup", type=int, default=16, help="unmeasured cases of each kind first")
    args = parser.parse_args(argv)
    if args.cases % args.rounds:
        parser.error("--cases must be a multiple of --rounds")

    print_header("Case throughput: complete assessments (15 updates, 4 advice children) on the dev server")
    baseline, engine = asyncio.run(bench(args.cases, args.concurrency, args.rounds, args.warmup))
    print(f"load average at end: {load_average()} (1/5/15 min)")
    print(f"{args.cases} cases of each, {args.concurrency} in flight, {args.rounds} rounds")
    header = ("", "cases", "wall s", "cases/s", "server CPU ms/case", "bench CPU ms/case")
    print("{:<10} {:>6} {:>8} {:>8} {:>19} {:>18}".format(*header))
    for t in (baseline, engine):
        print(
            f"{t.kind:<10} {t.cases:>6} {t.wall_s:>8.1f} {t.rate:>8.2f} "
            f"{t.cpu_ms_per_case('server'):>19.0f} {t.cpu_ms_per_case('bench'):>18.0f}"
            f"   (rounds: {', '.join(f'{r:.2f}' for r in t.rounds)})"
        )
    ratio = engine.rate / baseline.rate
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(f"engine / baseline: {ratio:.2f} (goal 0.5 or more: {verdict})")
    cpu = {t.kind: t.cpu_ms_per_case("server") + t.cpu_ms_per_case("bench") for t in (baseline, engine)}
    print(
        f"by CPU time per case (server + bench): baseline {cpu['baseline']:.0f} ms, "
        f"engine {cpu['engine']:.0f} ms, ratio {cpu['baseline'] / cpu['engine']:.2f}"
        " (the rates' ratio on a machine of their own, if CPU-bound)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
