"""Response time of an advice submission through the HTTP API, under concurrent users.

    .venv/bin/python -m bench.latency                            # 20 users, 5 cases each
    .venv/bin/python -m bench.latency --users 20 --cases-per-user 5
    .venv/bin/python -m bench.latency --think 2    # each user pauses 0-4 s between requests

Four processes besides this one, as deployed: a fresh Temporal dev server,
the worker (``python worker.py``, writing a SQLite file in a temporary
folder, its email alerts to a local SMTP sink, the fourth) and the web app
(``python -m web.app`` on that file). Each user is a provider team with an
API token; each has its own cases, started before the measurement with the
decision to assess and the five requests for advice already taken (four of
them asked of that user's team), and waited for until their advice rows are
in the store.

Each user is one asyncio task with its own HTTP client, sending one request
at a time: first ``GET /healthz`` (the baseline: the same web process, no
sign-in, no store, no Temporal), then
``POST /api/tasks/{ref}/{advice_id}/submit`` for each advice request of each
of its cases. A response time runs from sending the request to receiving the
whole response; the submission's response comes once the workflow's update
has completed, that is once the (local) record activity has written the row. At the
end the store must hold every submission as a RECEIVED advice row and a
``submit_advice`` audit row. One warm-up case per user (and one health check)
goes first and is not counted.

By default a user sends its next request as soon as the last is answered
(no think time): 20 users then keep the machine saturated, and a response
time measures the queue as much as the work. ``--think T`` makes each user
pause a random time, uniform between 0 and 2T seconds (seeded), before each
request, as people do between actions; the baselines pause the same way.

A second baseline, after the submissions: the same users each sending as
many updates to a bare Temporal workflow (``bench.baseline``: the handler
awaits one no-op local activity, as the engine's awaits its record activity;
worker in this process, no HTTP, no store), for the cost of Temporal alone.
"""

import argparse
import asyncio
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle

from bench.baseline import BaselineCase, Step, baseline_worker
from bench.harness import (
    PYTHON,
    ROOT,
    CpuMeter,
    Latencies,
    dev_server,
    free_port,
    idle,
    load_average,
    mail_sink,
    percentile,
    print_header,
    service,
    today,
    wait_for,
)
from domain.case import AdviceKind, RequestSource
from domain.commands import DecideToAssess, RequestAdvice, Role, StartAssessment
from ehcna.gateway.cases import CaseGateway
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.store.models import AdviceRow, AuditRow
from ehcna.web.accounts import issue_token, save_account
from tests.workflows.case_driver import OFFICER, REQUIRED_ADVICE

BODIES = [k for k in REQUIRED_ADVICE if k is not AdviceKind.PARENT]  # asked of the user's team
DAY0_DAYS_AGO = 10


@dataclass(frozen=True)
class User:
    name: str
    team: str
    token: str
    cases: list[str]  # the first is the warm-up case


def make_users(sessions: sessionmaker[Session], count: int, cases: int, run: str) -> list[User]:
    users = []
    with sessions.begin() as session:
        for n in range(count):
            name, team = f"provider-{n:02d}", f"team-{n:02d}"
            save_account(session, name, Role.PROVIDER, team, secrets.token_urlsafe(12))
            refs = [f"LAT-{run}-{n:02d}-{c:02d}" for c in range(cases + 1)]
            users.append(User(name, team, issue_token(session, name, "latency benchmark"), refs))
    return users


async def create_cases(client: Client, queue: str, users: list[User], concurrency: int = 8) -> None:
    """Start each user's cases at the advice stage, their advice asked of the user's team."""
    now = today()
    day0 = now - timedelta(days=DAY0_DAYS_AGO)
    gate = asyncio.Semaphore(concurrency)

    async def start(user: User, ref: str) -> None:
        steps = [DecideToAssess(yes=True, on=day0 + timedelta(days=1), by=OFFICER)]
        for kind in REQUIRED_ADVICE:
            team = "family" if kind is AdviceKind.PARENT else user.team
            steps.append(
                RequestAdvice(
                    advice_kind=kind, provider_team=team, requested_on=day0 + timedelta(days=2), by=OFFICER
                )
            )
        cmd = StartAssessment(
            ref=ref, day0=day0, request_source=RequestSource.PARENT, team="north", year_group=5
        )
        async with gate:
            await CaseGateway(client, queue).start(cmd, now, prior_actions=steps)

    await asyncio.gather(*(start(u, ref) for u in users for ref in u.cases))


def count_advice(sessions: sessionmaker[Session], status: str, teams: list[str]) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count()).where(AdviceRow.status == status, AdviceRow.provider_team.in_(teams))
        )


async def timed(http: httpx.AsyncClient, method: str, url: str, **kwargs) -> tuple[float, bool]:
    start = time.perf_counter()
    response = await http.request(method, url, **kwargs)
    await response.aread()
    return time.perf_counter() - start, response.status_code == 200


@dataclass(frozen=True)
class Pace:
    """Each user's pause before a request: uniform in [0, 2 * think] seconds, seeded per user."""

    think: float
    seed: int = 20261123

    def for_user(self, n: int) -> "UserPace":
        return UserPace(self.think, random.Random(self.seed + n))


@dataclass
class UserPace:
    think: float
    rng: random.Random

    async def pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(self.rng.uniform(0, 2 * self.think))


NO_PAUSE = Pace(0).for_user(0)


async def user_health(
    http: httpx.AsyncClient, count: int, pace: UserPace = NO_PAUSE
) -> tuple[list[float], int]:
    times, errors = [], 0
    for _ in range(count):
        await pace.pause()
        t, ok = await timed(http, "GET", "/healthz")
        times.append(t)
        errors += not ok
    return times, errors


async def user_submits(
    http: httpx.AsyncClient, refs: list[str], on: date, pace: UserPace = NO_PAUSE
) -> tuple[list[float], int]:
    times, errors = [], 0
    for ref in refs:
        for kind in BODIES:
            await pace.pause()
            body = {"returned_on": on.isoformat(), "document_ref": f"DOC-{ref}-{kind}"}
            t, ok = await timed(http, "POST", f"/api/tasks/{ref}/{kind}-1/submit", json=body)
            times.append(t)
            errors += not ok
    return times, errors


async def all_users(name: str, clients: list[httpx.AsyncClient], work) -> Latencies:
    start = time.perf_counter()
    results = await asyncio.gather(*(work(n, http) for n, http in enumerate(clients)))
    wall = time.perf_counter() - start
    times = tuple(t for ts, _ in results for t in ts)
    return Latencies(name, times, wall, sum(e for _, e in results))


async def bare_updates(client: Client, users: int, per_user: int, run: str, pace: Pace) -> Latencies:
    """The same users each sending ``per_user`` updates of the bench's bare Temporal case
    (``bench.baseline``: one no-op local activity each, a worker in this process), for comparison."""
    queue = f"bench-bare-{run}"
    async with baseline_worker(client, queue):
        handles = [
            await client.start_workflow(
                BaselineCase.run, f"{run}-{n}", id=f"bare-{run}-{n}", task_queue=queue
            )
            for n in range(users)
        ]
        for handle in handles:
            await handle.execute_update(BaselineCase.act, Step("warm-up"))

        async def user(n: int, handle: WorkflowHandle) -> list[float]:
            times = []
            user_pace = pace.for_user(n)
            for i in range(per_user):
                await user_pace.pause()
                start = time.perf_counter()
                await handle.execute_update(BaselineCase.act, Step(f"step {i}"))
                times.append(time.perf_counter() - start)
            return times

        start = time.perf_counter()
        results = await asyncio.gather(*(user(n, h) for n, h in enumerate(handles)))
        wall = time.perf_counter() - start
        for handle in handles:
            await handle.execute_update(BaselineCase.act, Step("close", closes=True))
    return Latencies("bare Temporal update", tuple(t for ts in results for t in ts), wall)


async def bench(
    users_n: int, cases_per_user: int, pace: Pace, notice: bool = True
) -> tuple[list[Latencies], dict[str, float], int]:
    run = uuid4().hex[:6]
    queue = f"bench-latency-{run}"
    with tempfile.TemporaryDirectory(prefix="latency-bench-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'store.db'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = session_factory(engine)
        users = make_users(sessions, users_n, cases_per_user, run)
        teams = [u.team for u in users]
        async with dev_server(folder) as dev:
            env = {"TEMPORAL_ADDRESS": dev.address, "EHCNA_DATABASE_URL": url, "EHCNA_TASK_QUEUE": queue}
            if not notice:  # a diagnostic: the shipped policy without its advice-received notice
                env["EHCNA_ESCALATION_POLICY"] = str(policy_without_notice(folder))
            port = free_port()
            web_env = {**env, "EHCNA_WEB_PORT": str(port), "EHCNA_SECRET_KEY": secrets.token_urlsafe(32)}
            with (
                mail_sink(folder) as smtp,
                service("worker", [PYTHON, "worker.py"], folder / "worker.log", {**env, **smtp}) as worker,
                service("web app", [PYTHON, "-m", "ehcna", "web"], folder / "web.log", web_env) as web,
            ):
                await create_cases(dev.client, queue, users)
                expected = users_n * (cases_per_user + 1) * len(BODIES)

                async def advice_rows_in() -> bool:
                    worker.check_alive()
                    return count_advice(sessions, "REQUESTED", teams) == expected

                waited = await wait_for(advice_rows_in, 300, "advice rows of the new cases", every=0.5)
                print(f"{len(users) * (cases_per_user + 1)} cases ready in the store ({waited:.1f} s)")

                limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
                clients = [
                    httpx.AsyncClient(
                        base_url=f"http://127.0.0.1:{port}",
                        headers={"Authorization": f"Bearer {u.token}"},
                        timeout=60,
                        limits=limits,
                    )
                    for u in users
                ]

                async def web_up() -> bool:
                    web.check_alive()
                    try:
                        return (await clients[0].get("/healthz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await wait_for(web_up, 60, "the web app")
                on = today()
                per_user = cases_per_user * len(BODIES)
                try:
                    # warm-up: connections, the app's first requests, each user's first case
                    await all_users("warm-up", clients, lambda n, http: user_health(http, 1))
                    await all_users(
                        "warm-up", clients, lambda n, http: user_submits(http, users[n].cases[:1], on)
                    )
                    cpu = CpuMeter({"server": dev.process.pid, "worker": worker.pid, "web": web.pid})
                    health = await all_users(
                        "GET /healthz", clients, lambda n, http: user_health(http, per_user, pace.for_user(n))
                    )
                    cpu.start()
                    submit = await all_users(
                        "POST .../submit",
                        clients,
                        lambda n, http: user_submits(http, users[n].cases[1:], on, pace.for_user(n)),
                    )
                    # the work an answer leaves behind (the officer's notice, an activity beside the
                    # case) is counted, and done before the bare baseline runs, not during it
                    await idle(worker.pid)
                    cpu_s = cpu.read()
                finally:
                    for http in clients:
                        await http.aclose()
                bare_cpu = CpuMeter({"server": dev.process.pid, "bench": os.getpid()})
                bare_cpu.start()
                bare = await bare_updates(dev.client, users_n, per_user, run, pace)
                bare_s = bare_cpu.read()
        received = count_advice(sessions, "RECEIVED", teams)
        with sessions() as session:
            audited = session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.action == "submit_advice")
            )
        engine.dispose()
    submitted = users_n * (cases_per_user + 1) * len(BODIES)
    if received != submitted or audited != submitted:
        raise RuntimeError(f"store: {received} advice received, {audited} audited; {submitted} submitted")
    print(f"store checked: {received} advice rows RECEIVED, {audited} submit_advice audit rows")
    per_request = {name: 1000 * s / len(submit.times) for name, s in cpu_s.items()}
    # the bare updates' CPU (dev server; this process: their worker and the callers), per update
    per_request |= {f"bare {name}": 1000 * s / len(bare.times) for name, s in bare_s.items()}
    return [health, bare, submit], per_request, submitted


def policy_without_notice(folder: Path) -> Path:
    """The shipped escalation policy without ``[notices.advice_received]``: nobody is told of advice."""
    text = (ROOT / "ehcna" / "config" / "escalation.toml").read_text()
    kept, skipping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            skipping = line.startswith("[notices.advice_received]")
        if not skipping:
            kept.append(line)
    path = folder / "escalation-without-notice.toml"
    path.write_text("\n".join(kept) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (default 20)")
    parser.add_argument(
        "--cases-per-user",
        type=int,
        default=5,
        help="measured cases per user, 4 submissions each (default 5)",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause in seconds before each request of a user, uniform in [0, 2T] (default 0)",
    )
    parser.add_argument(
        "--without-notice",
        action="store_true",
        help="diagnostic: the worker's policy tells nobody of advice received (no notice activity's work)",
    )
    args = parser.parse_args(argv)

    print_header("Action latency: advice submitted through the HTTP API, to the recorded row")
    results, cpu_ms, _ = asyncio.run(
        bench(args.users, args.cases_per_user, Pace(args.think), notice=not args.without_notice)
    )
    print(f"load average at end: {load_average()} (1/5/15 min)")
    pause = f"a pause of 0-{2 * args.think:g} s before each" if args.think else "no pause"
    print(f"{args.users} users, one request at a time each, {pause}")
    print(Latencies.header())
    for r in results:
        print(r.line())
    sub = {k: v for k, v in cpu_ms.items() if not k.startswith("bare ")}
    bare = {k.removeprefix("bare "): v for k, v in cpu_ms.items() if k.startswith("bare ")}
    print("CPU ms per submission: " + ", ".join(f"{name} {ms:.1f}" for name, ms in sub.items()))
    print("CPU ms per bare update: " + ", ".join(f"{name} {ms:.1f}" for name, ms in bare.items()))
    rate = results[-1].rate / results[1].rate
    cost = sum(sub.values()) / sum(bare.values())
    print(
        f"submission / bare update: rate {rate:.2f} (goal 0.65 or more), "
        f"CPU {cost:.2f} bare updates (goal 1.5 or less)"
    )
    p95_ms = percentile(results[-1].times, 95) * 1000
    verdict = "met" if p95_ms < 250 else "NOT met"
    print(f"submission p95: {p95_ms:.0f} ms (goal under 250 ms: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
