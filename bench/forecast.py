"""Time the outlook on a council's caseload: about 500 open cases, two years of history, 26 weeks ahead,
500 runs; with the runs on 1, 2 and 4 processes; against bare SimPy runs of a trivial model.

    .venv/bin/python -m bench.forecast
    .venv/bin/python -m bench.forecast --runs 500 --processes 1 2 4 --repeat 3

The history is the known process of ``ehcna.forecast.synthetic`` (38 requests a week, the EP service
cut from 32 to 26 a week four months before the date), written to a SQLite file in a temporary folder.
The forecast timed is ``make_outlook``: reading the store as it stood, learning from it and the runs,
for the six calendar months after the date (26 weeks and a few days). The baseline is the same number
of runs of the most trivial SimPy model of the same caseload: one process per case that waits once.
Each time is the median of ``--repeat`` runs after one warm-up run; memory is the peak resident size
of this process (and of the worker processes, when the runs are spread).
"""

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import simpy

from bench.harness import print_header
from ehcna.forecast.outlook import make_outlook
from ehcna.forecast.synthetic import Process, simulate_history, write_history
from ehcna.store.db import make_engine
from ehcna.store.migrate import upgrade

AS_OF = date(2026, 6, 30)
PROCESS = Process(
    start=date(2024, 6, 1),
    end=AS_OF,
    requests_per_week=38.0,
    ep_capacity=((date(2024, 6, 1), 32.0), (date(2026, 3, 1), 26.0)),
    seed=500,
    prefix="BENCH",
)


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    work()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def bare_simpy(runs: int, cases: int) -> None:
    """The least a SimPy replay of ``cases`` cases can cost: each case a process that waits once."""
    for _ in range(runs):
        env = simpy.Environment()

        def case(env: simpy.Environment, wait: float):
            yield env.timeout(wait)

        for i in range(cases):
            env.process(case(env, 1 + i % 140))
        env.run()


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    print_header("Outlook forecast")
    with tempfile.TemporaryDirectory(prefix="forecast-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        cases = simulate_history(PROCESS)
        with engine.begin() as conn:
            written = write_history(conn, cases, PROCESS.end)
        print(f"history: {written} cases written in {time.perf_counter() - started:.1f} s")
        with engine.connect() as conn:
            probe = make_outlook(conn, AS_OF, AS_OF, runs=10)
        open_cases = len(probe.baseline.cases)
        new_cases = round(probe.calibration.arrivals_per_week.value * 26)
        horizon = (probe.baseline.months[-1].month.end - AS_OF).days
        print(
            f"open cases at {AS_OF}: {open_cases}; about {new_cases} new requests in 26 weeks; "
            f"horizon {horizon} days ({horizon / 7:.1f} weeks); runs {args.runs}"
        )
        rows = []
        baseline = timed(lambda: bare_simpy(args.runs, open_cases + new_cases), args.repeat)
        base_s = statistics.median(baseline)
        for processes in args.processes:
            before_self = peak_mib()

            def forecast(processes: int = processes) -> None:
                with engine.connect() as conn:
                    make_outlook(conn, AS_OF, AS_OF, runs=args.runs, processes=processes)

            times = timed(forecast, args.repeat)
            median = statistics.median(times)
            rows.append(
                (
                    processes,
                    median,
                    min(times),
                    max(times),
                    median / args.runs * 1000,
                    peak_mib(),
                    before_self,
                    peak_mib(resource.RUSAGE_CHILDREN),
                )
            )
        engine.dispose()

    print()
    print(
        f"baseline: {args.runs} bare SimPy runs of {open_cases + new_cases} one-wait cases: "
        f"{base_s:.2f} s (median of {args.repeat}: {', '.join(f'{t:.2f}' for t in baseline)})"
    )
    print()
    print(
        "| processes | forecast (s) | min–max (s) | per run (ms) | forecast / baseline "
        "| peak RSS, this process (MiB) | peak RSS, a worker process (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for processes, median, low, high, per_run, peak, _, children in rows:
        child = f"{children:.0f}" if processes > 1 else "–"
        print(
            f"| {processes} | {median:.2f} | {low:.2f}–{high:.2f} | {per_run:.1f} | {median / base_s:.2f} | "
            f"{peak:.0f} | {child} |"
        )
    goal = rows[0][1] < 10
    print()
    print(f"goal: under 10 s for {args.runs} runs on one process: {'met' if goal else 'NOT met'}")
    return 0 if goal else 1


if __name__ == "__main__":
    sys.exit(main())
