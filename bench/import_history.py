"""Ten years of a large council's closed cases through ``ehcna import``, and the SEN2 return over them.

    .venv/bin/python -m bench.import_history                        # 200,000 cases, SQLite and PostgreSQL
    .venv/bin/python -m bench.import_history --cases 20000 --databases sqlite

For each database, in the same run:

* the import command as documented (its own process: ``python -m ehcna import cases.csv --advice
  advice.csv --database-url URL``), every case closed with five advice rows and a child: rows per
  second (case rows + advice rows) and the process's peak resident memory (``/usr/bin/time``), at
  a quarter of the cases and at all of them, so a memory that grew with the file would show;
* its baseline: the same CSV rows written by a bare ``executemany`` into tables of the same
  columns (what any import must at least do);
* ``ehcna sen2 --year`` for the busiest collection year, against a bare ``SELECT`` of the same
  columns (the cases joined to their children), each timed as its own process or query.

PostgreSQL: a database ``ehcna_bench`` is made on 127.0.0.1:5432 (trust auth) and dropped after.
"""

import argparse
import csv
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from domain.person import CHECK_LETTERS

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("PARENT", "EDUCATION", "HEALTH", "EP", "SOCIAL_CARE")
FIRST = date(2015, 1, 5)


def upn(n: int) -> str:
    body = f"801{n:09d}"
    total = sum(w * int(c) for w, c in enumerate(body, start=2))
    return CHECK_LETTERS[total % 23] + body


def _days_from(day0: date):
    return lambda n: (day0 + timedelta(days=n)).isoformat()


def write_history(folder: Path, cases: int, seed: int = 7) -> tuple[Path, Path, int]:
    """Closed cases over ten years: most with a plan, some refused, some not issued; five advice each."""
    rnd = random.Random(seed)
    cases_csv, advice_csv = folder / "cases.csv", folder / "advice.csv"
    rows = 0
    with cases_csv.open("w", newline="") as cf, advice_csv.open("w", newline="") as af:
        c, a = csv.writer(cf), csv.writer(af)
        c.writerow(
            [
                "ref",
                "received_date",
                "request_source",
                "team",
                "year_group",
                "decision_to_assess",
                "decision_to_assess_date",
                "decision_to_issue",
                "decision_to_issue_date",
                "appeal_information_given",
                "draft_served_date",
                "final_plan_date",
                "outcome",
                "outcome_date",
                "forename",
                "surname",
                "birth_date",
                "sex",
                "upn",
            ]
        )
        a.writerow(
            ["ref", "kind", "provider_team", "requested_date", "status", "returned_date", "document_ref"]
        )
        for i in range(cases):
            day0 = FIRST + timedelta(days=rnd.randrange(0, 3650 - 200))
            year_group = rnd.randrange(0, 9)  # below year 9: no preparing-for-adulthood advice needed
            born = date(
                day0.year - 5 - year_group - (1 if day0.month < 9 else 0),
                rnd.randrange(9, 13),
                rnd.randrange(1, 28),
            )
            d = _days_from(day0)
            fate = rnd.random()
            assess = rnd.randrange(20, 60)
            person = [f"Child{i}", f"Surname{i % 5000}", born.isoformat(), rnd.choice("MF"), upn(i)]
            common = [
                f"H{i:07d}",
                day0.isoformat(),
                rnd.choice(("PARENT", "SCHOOL", "HEALTH")),
                f"team-{i % 8}",
                year_group,
            ]
            if fate < 0.15:  # refused
                c.writerow(
                    [*common, "no", d(assess), "", "", "yes", "", "", "NOT_ASSESSED", d(assess), *person]
                )
                rows += 1
                continue
            issue = rnd.randrange(assess + 45, assess + 90)
            if fate < 0.25:  # assessed, no plan
                c.writerow(
                    [
                        *common,
                        "yes",
                        d(assess),
                        "no",
                        d(issue),
                        "yes",
                        "",
                        "",
                        "PLAN_NOT_ISSUED",
                        d(issue),
                        *person,
                    ]
                )
            else:
                plan = issue + rnd.randrange(20, 80)
                c.writerow(
                    [
                        *common,
                        "yes",
                        d(assess),
                        "yes",
                        d(issue),
                        "",
                        d(issue + 5),
                        d(plan),
                        "PLAN_ISSUED",
                        d(plan),
                        *person,
                    ]
                )
            for kind in KINDS:
                back = rnd.randrange(assess + 10, issue)
                a.writerow(
                    [
                        f"H{i:07d}",
                        kind,
                        f"{kind.lower()}-team",
                        d(assess + 1),
                        "RECEIVED",
                        d(back),
                        f"DOC-{i}-{kind}",
                    ]
                )
                rows += 1
            rows += 1
    return cases_csv, advice_csv, rows


def timed_process(argv: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident KiB (GNU time), and the output of one process."""
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak = int(done.stderr.strip().splitlines()[-1])
    if done.returncode not in (0, 4):
        raise RuntimeError(f"{argv[3:5]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, peak, done.stdout


def bare_insert(url: str, cases_csv: Path, advice_csv: Path) -> float:
    """The baseline: the same CSV rows into tables of the same columns by executemany, in batches."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    tables = {}
    for name, path in (("bare_cases", cases_csv), ("bare_advice", advice_csv)):
        with path.open() as f:
            header = next(csv.reader(f))
        tables[name] = sa.Table(name, meta, *(sa.Column(h, sa.Text) for h in header))
    meta.drop_all(engine)
    meta.create_all(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for name, path in (("bare_cases", cases_csv), ("bare_advice", advice_csv)):
            with path.open() as f:
                reader = csv.DictReader(f)
                batch = []
                for row in reader:
                    batch.append(row)
                    if len(batch) == 5000:
                        conn.execute(tables[name].insert(), batch)
                        batch = []
                if batch:
                    conn.execute(tables[name].insert(), batch)
    wall = time.perf_counter() - t0
    meta.drop_all(engine)
    engine.dispose()
    return wall


def bare_select(url: str, year: int) -> tuple[float, int]:
    """The baseline of the return: the same columns, cases joined to their children, every row fetched."""
    engine = sa.create_engine(url)
    sql = sa.text(
        "SELECT c.ref, c.day0, c.request_source, c.decided_to_assess, c.decision_to_assess_on, "
        "c.decided_to_issue, c.decision_to_issue_on, c.final_plan_on, c.outcome, c.outcome_on, "
        "c.week20_exception, p.id, p.surname, p.forename, p.birth_date, p.sex, p.upn "
        "FROM cases c LEFT JOIN case_people l ON l.case_ref = c.ref "
        "LEFT JOIN people p ON p.id = l.person_id WHERE c.day0 <= :end"
    )
    t0 = time.perf_counter()
    with engine.connect() as conn:
        n = len(conn.execute(sql, {"end": date(year - 1, 12, 31)}).fetchall())
    wall = time.perf_counter() - t0
    engine.dispose()
    return wall, n


def postgres(action: str) -> str:
    admin = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS ehcna_bench"))
        if action == "create":
            conn.execute(sa.text("CREATE DATABASE ehcna_bench"))
    admin.dispose()
    return "postgresql+psycopg://postgres@127.0.0.1:5432/ehcna_bench"


def run(cases: int, databases: list[str]) -> None:
    py = [sys.executable, "-m", "ehcna"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        quarter = folder / "quarter"
        quarter.mkdir()
        q_cases, q_advice, q_rows = write_history(quarter, cases // 4)
        all_cases, all_advice, rows = write_history(folder, cases)
        print(f"history: {cases:,} closed cases, {rows:,} rows (cases + advice); a quarter: {q_rows:,} rows")
        for db in databases:

            def fresh(db: str = db) -> str:
                if db == "postgresql":
                    return postgres("create")
                path = folder / f"store-{time.monotonic_ns()}.db"
                return f"sqlite:///{path}"

            url = fresh()
            q_wall, q_peak, _ = timed_process(
                [*py, "import", str(q_cases), "--advice", str(q_advice), "--database-url", url]
            )
            url = fresh()
            wall, peak, out = timed_process(
                [*py, "import", str(all_cases), "--advice", str(all_advice), "--database-url", url]
            )
            loaded = int(re.search(r"closed cases loaded\s+(\d+)", out).group(1))
            assert loaded == cases, out
            base_url = fresh() if db == "sqlite" else url
            base = bare_insert(base_url, all_cases, all_advice)
            busiest = 2025  # covers 2024: its requests, and every plan issued since 2015
            s_wall, s_peak, s_out = timed_process(
                [
                    *py,
                    "sen2",
                    "--year",
                    str(busiest),
                    "--out",
                    str(folder / f"sen2-{db}"),
                    "--database-url",
                    url,
                ]
            )
            sel, selected = bare_select(url, busiest)
            print(f"\n[{db}]")
            print(
                f"  import: {rows / wall:,.0f} rows/s ({wall:,.1f} s); "
                f"bare executemany: {rows / base:,.0f} rows/s ({base:,.1f} s); ratio {base / wall:.3f}"
            )
            print(
                f"  import peak memory: {q_peak / 1024:,.0f} MiB at {cases // 4:,} cases, "
                f"{peak / 1024:,.0f} MiB at {cases:,} (x{peak / q_peak:.2f} for x4 the file)"
            )
            print(f"  import of a quarter: {q_rows / q_wall:,.0f} rows/s")
            written = sum(int(n) for n in re.findall(r"(\d+) rows", s_out))
            print(
                f"  SEN2 {busiest}: {s_wall:,.1f} s as a process ({written:,} rows in five files, "
                f"peak {s_peak / 1024:,.0f} MiB); bare SELECT of {selected:,} rows: {sel:,.2f} s; "
                f"ratio {sel / s_wall:.3f}"
            )
            if db == "postgresql":
                postgres("drop")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    args = parser.parse_args()
    run(args.cases, args.databases)


if __name__ == "__main__":
    main()
