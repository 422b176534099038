"""Time the monthly KPI overview on 100,000 and 1,000,000 synthetic closed cases.

    .venv/bin/python -m bench.kpi_bench                       # both sizes, SQLite and PostgreSQL
    .venv/bin/python -m bench.kpi_bench --sizes 100000 --backends sqlite

For each database and size: a fresh schema at the latest migration (a SQLite
file in a temporary folder; a schema of its own on PostgreSQL, dropped
afterwards), a bulk load (executemany on SQLite, COPY on PostgreSQL), ANALYZE,
then the overview for one month (three periods and K1 over 24 months) timed
against a single ``SELECT count(*) FROM cases`` in the same run. Each timing
is the median of ``--repeat`` runs after one warm-up run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy import Engine

from bench.synthetic import TABLES, chunks
from domain.kpis import Period, parse_month
from ehcna.reports.overview import build_overview
from ehcna.store.db import make_engine, normalise_url
from ehcna.store.migrate import upgrade

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 11, 20)


@dataclass
class Result:
    backend: str
    cases: int
    rows: int
    load_s: float
    baseline_s: float
    overview_s: float
    late_share: float

    @property
    def ratio(self) -> float:
        return self.overview_s / self.baseline_s


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    base = normalise_url(base)
    schema = f"kpi_bench_{uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _sqlite_value(v: Any) -> Any:
    """What SQLAlchemy stores on SQLite: ISO dates, 'YYYY-MM-DD HH:MM:SS.ffffff' instants, 0/1."""
    if isinstance(v, bool):
        return int(v)
    if hasattr(v, "hour"):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def load(engine: Engine, count: int) -> tuple[int, float]:
    """Bulk-load ``count`` cases; return the rows written and the share of plans issued late."""
    raw = engine.raw_connection()
    rows = plans = late = 0
    try:
        driver = raw.driver_connection
        for chunk in chunks(count):
            plans, late = plans + chunk.plans, late + chunk.late_plans
            for table, columns in TABLES.items():
                data = chunk.rows[table]
                rows += len(data)
                if engine.dialect.name == "sqlite":
                    marks = ", ".join("?" * len(columns))
                    names = ", ".join(f'"{c}"' for c in columns)
                    driver.executemany(  # type: ignore[union-attr]
                        f"INSERT INTO {table} ({names}) VALUES ({marks})",
                        [tuple(_sqlite_value(v) for v in row) for row in data],
                    )
                else:
                    names = ", ".join(f'"{c}"' for c in columns)
                    with driver.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
                        for row in data:
                            copy.write_row(row)
            raw.commit()
    finally:
        raw.close()
    return rows, late / plans if plans else 0.0


def analyse(engine: Engine) -> None:
    """Planner statistics, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would keep them."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def timed(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up: caches and prepared plans
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_one(backend: str, url: str, count: int, month: Period, repeat: int) -> Result:
    upgrade(url)
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        rows, late_share = load(engine, count)
        analyse(engine)
        load_s = time.perf_counter() - start
        with engine.connect() as conn:
            baseline = timed(lambda: conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one(), repeat)
            overview = timed(lambda: build_overview(conn, month, TODAY), repeat)
    finally:
        engine.dispose()
    return Result(backend, count, rows, load_s, baseline, overview, late_share)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kpi_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--month", type=parse_month, default=parse_month("2026-06"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    print(f"KPI overview for {args.month.label} (24-month K1 chart), median of {args.repeat} runs")
    header = ("database", "cases", "rows", "load s", "count(*) s", "overview s", "ratio")
    print("{:<11} {:>9} {:>10} {:>8} {:>11} {:>11} {:>7}".format(*header))
    results = []
    for count in args.sizes:
        for backend in args.backends:
            database = sqlite_database() if backend == "sqlite" else postgres_database(args.postgres_url)
            with database as url:
                r = bench_one(backend, url, count, args.month, args.repeat)
            results.append(r)
            print(
                f"{r.backend:<11} {r.cases:>9,} {r.rows:>10,} {r.load_s:>8.1f} {r.baseline_s:>11.4f} "
                f"{r.overview_s:>11.3f} {r.ratio:>7.1f}   (plans late: {r.late_share:.0%})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
