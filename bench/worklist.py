"""Time the worklist and the search for a child on 5,000 open and 100,000 closed cases (issue 12).

    .venv/bin/python -m bench.worklist                          # PostgreSQL and SQLite
    .venv/bin/python -m bench.worklist --backends postgresql --repeat 500

For each database: a fresh store at the latest migration (a schema of its own on PostgreSQL, dropped
afterwards; a SQLite file in a temporary folder), bulk-loaded (COPY on PostgreSQL, executemany on
SQLite) with seeded cases, their children (``people``, linked by ``case_people``), named officers
(``case_officers``) and the advice of open cases at the advice stage, then ANALYZE. Then each query
is run once to warm up and ``--repeat`` times measured, each time in a new session as a web request
would, against a plain primary-key read (``session.get(CaseRow, ref)`` of a random case) measured the
same way in the same run. Prints p50 and p95 in ms, and each p95 as a ratio to the baseline's p95.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bench.import_history import upn
from domain.statutory_calendar import decision_deadline, final_plan_deadline, no_plan_notice_deadline
from ehcna.store.children import search_children
from ehcna.store.db import make_engine, normalise_url
from ehcna.store.migrate import upgrade
from ehcna.store.models import CaseRow
from ehcna.store.worklist import Filters, worklist

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 11, 28)
UPDATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TEAMS = ("north", "south", "east", "west")
OFFICERS = tuple(f"officer-{n:02d}" for n in range(30))  # officer-00 (north) holds BUSY open cases
FORMER = tuple(f"former-{n:02d}" for n in range(10))  # officers who have left: closed cases only
BUSY = 200
# the commonest surnames in England and Wales, weighted roughly by their frequency (per 10,000 people)
COMMON = {
    "Smith": 126, "Jones": 100, "Williams": 70, "Taylor": 60, "Brown": 60, "Davies": 55, "Evans": 45,
    "Wilson": 40, "Thomas": 40, "Johnson": 38, "Roberts": 37, "Robinson": 30, "Thompson": 30,
    "Wright": 30, "Walker": 29, "White": 28, "Edwards": 27, "Hughes": 27, "Green": 27, "Hall": 26,
    "Lewis": 26, "Harris": 25, "Clarke": 25, "Patel": 25, "Jackson": 24, "Wood": 23, "Turner": 22,
    "Martin": 22, "Cooper": 22, "Hill": 22, "Ward": 21, "Morris": 21, "Moore": 21, "Clark": 20,
    "Lee": 20, "King": 20, "Baker": 20, "Harrison": 19, "Morgan": 19, "Allen": 18, "James": 18,
    "Scott": 18, "Phillips": 17, "Watson": 17, "Davis": 17, "Parker": 17, "Price": 16, "Bennett": 16,
    "Young": 16, "Griffiths": 16, "Mitchell": 16, "Kelly": 16, "Cook": 16, "Carter": 15,
    "Richardson": 15, "Bailey": 15, "Collins": 15, "Bell": 15, "Shaw": 15, "Murphy": 15,
    "Miller": 14, "Cox": 14, "Richards": 14, "Khan": 14, "Marshall": 13, "Anderson": 13,
    "Simpson": 13, "Ellis": 13, "Adams": 13, "Singh": 13, "Begum": 13, "Wilkinson": 12, "Foster": 12,
    "Smithson": 2, "Smithers": 1, "Smillie": 1, "Smyth": 3,
}  # fmt: skip
SYLLABLES = "ab al an ar ba be bo ca ce da de el en fa fi ga ha he ho ka la le lo ma me mi mo na ne no ol or pa pe ra re ro sa se si so ta te to va ve wa we wi".split()  # noqa: E501
FORENAMES = "Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Lily Arthur Freya Muhammad".split()
STAGES = ("request", "advice", "advice", "drafting", "draft_served")
OUTCOMES = ("PLAN_ISSUED", "PLAN_ISSUED", "PLAN_ISSUED", "NOT_ASSESSED", "PLAN_NOT_ISSUED")
KINDS = ("EDUCATION", "HEALTH", "EP", "SOCIAL_CARE")

CASE_COLUMNS = (
    "ref workflow_id team request_source year_group day0 t1_due t3_due t6_due stage decided_to_assess "
    "decision_to_assess_on decided_to_issue decision_to_issue_on draft_served_on family_response_on "
    "final_plan_on plan_days outcome outcome_on week20_exception week20_legacy transferred_in "
    "recorded_elsewhere version updated_at next_key next_due"
).split()
PERSON_COLUMNS = (
    "id forename surname surname_key birth_date sex ethnicity postcode upn updated_at setting_type"
).split()
ADVICE_COLUMNS = (
    "case_ref advice_id kind provider_team requested_on due_on status returned_on excepted"
).split()
TABLES = {
    "cases": CASE_COLUMNS,
    "people": PERSON_COLUMNS,
    "case_people": ["case_ref", "person_id"],
    "case_officers": ["case_ref", "officer", "assigned_on", "assigned_by"],
    "advice_requests": ADVICE_COLUMNS,
}


@dataclass(frozen=True)
class Data:
    rows: dict[str, list[tuple[Any, ...]]]
    refs: list[str]
    upns: list[str]
    busy_team: str
    open_cases: int


def _surname(rng: random.Random) -> str:
    if rng.random() < 0.5:  # the long tail: made-up names, none starting "smi"
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return rng.choices(list(COMMON), weights=list(COMMON.values()))[0]


def generate(open_cases: int, closed_cases: int, seed: int = 12) -> Data:
    """Seeded rows: open cases received 1-150 days ago, each at a stage with its next step's due date;
    closed cases over ten years; one child per case; every case with a named officer."""
    rng = random.Random(seed)
    rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
    refs, upns = [], []
    others = [o for o in OFFICERS if o != OFFICERS[0]]
    for n in range(open_cases + closed_cases):
        ref = f"W{n:08d}"
        is_open = n < open_cases
        if is_open:
            officer = OFFICERS[0] if n < BUSY else others[n % len(others)]
            day0 = TODAY - timedelta(days=rng.randint(1, 150))
        else:
            officer = rng.choice(OFFICERS + FORMER)
            day0 = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        team = TEAMS[OFFICERS.index(officer) % len(TEAMS)] if officer in OFFICERS else rng.choice(TEAMS)
        v: dict[str, Any] = dict.fromkeys(CASE_COLUMNS)
        v.update(
            ref=ref,
            workflow_id=f"ehcna-{ref}",
            team=team,
            request_source="PARENT",
            year_group=rng.randrange(0, 12),
            day0=day0,
            t1_due=decision_deadline(day0),
            t3_due=no_plan_notice_deadline(day0),
            t6_due=final_plan_deadline(day0),
            week20_exception=rng.random() < 0.1,
            week20_legacy=False,
            transferred_in=False,
            recorded_elsewhere=False,
            version=8,
            updated_at=UPDATED_AT,
        )
        if is_open:
            stage = rng.choice(STAGES)
            v["stage"] = stage
            if stage == "request":
                v.update(next_key="T1", next_due=v["t1_due"])
            else:
                decided = day0 + timedelta(days=rng.randint(20, 42))
                v.update(decided_to_assess=True, decision_to_assess_on=decided)
            if stage == "advice":
                requested = v["decision_to_assess_on"]
                for kind in KINDS:
                    returned = requested + timedelta(days=rng.randint(10, 60))
                    status = "RECEIVED" if returned <= TODAY and rng.random() < 0.6 else "REQUESTED"
                    back = returned if status == "RECEIVED" else None
                    due = requested + timedelta(days=42)
                    team_of = f"{kind.lower()}-team"
                    row = (ref, f"{kind}-1", kind, team_of, requested, due, status, back, False)
                    rows["advice_requests"].append(row)
                waiting = [(r[5], f"T2:{r[1]}") for r in rows["advice_requests"][-4:] if r[6] == "REQUESTED"]
                due, key = min(waiting) if waiting else (v["t3_due"], "T3")
                v.update(next_key=key, next_due=due)
            elif stage in ("drafting", "draft_served"):
                v.update(decided_to_issue=True, decision_to_issue_on=v["t3_due"], next_key="T6")
                v["next_due"] = v["t6_due"]
                if stage == "draft_served":
                    v["draft_served_on"] = v["t3_due"] + timedelta(days=3)
        else:
            outcome = rng.choice(OUTCOMES)
            v.update(stage="closed", outcome=outcome, outcome_on=day0 + timedelta(days=rng.randint(40, 200)))
        rows["cases"].append(tuple(v[c] for c in CASE_COLUMNS))
        person = str(UUID(int=rng.getrandbits(128)))
        surname = _surname(rng)
        number = upn(n)
        birth = day0 - timedelta(days=rng.randint(3 * 365, 18 * 365))
        rows["people"].append(
            (person, rng.choice(FORENAMES), surname, surname.lower(), birth, rng.choice("MF"), "WBRI",
             "AB1 2CD", number, UPDATED_AT, None)
        )  # fmt: skip
        rows["case_people"].append((ref, person))
        rows["case_officers"].append((ref, officer, day0, "bench"))
        refs.append(ref)
        upns.append(number)
    busy_team = TEAMS[0]
    return Data(rows, refs, upns, busy_team, open_cases)


@contextmanager
def database(backend: str, base: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="worklist-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    base = normalise_url(base)
    schema = f"worklist_bench_{uuid4().hex[:10]}"
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
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def load(engine: Engine, data: Data) -> None:
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        for table, columns in TABLES.items():
            names = ", ".join(f'"{c}"' for c in columns)
            if engine.dialect.name == "sqlite":
                marks = ", ".join("?" * len(columns))
                driver.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in data.rows[table]],
                )
            else:
                with driver.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in data.rows[table]:
                        copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


@dataclass(frozen=True)
class Timing:
    name: str
    p50_ms: float
    p95_ms: float
    rows: int  # rows (or the total, for the worklist) the last call returned


def measure(engine: Engine, name: str, run: Callable[[Session, int], int], repeat: int) -> Timing:
    """One warm-up call, then ``repeat`` calls, each in a new session (as a web request)."""
    with Session(engine) as session:
        run(session, 0)
    times = []
    found = 0
    for i in range(repeat):
        start = time.perf_counter()
        with Session(engine) as session:
            found = run(session, i)
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return Timing(name, cuts[49], cuts[94], found)


def bench(backend: str, url: str, data: Data, repeat: int) -> list[Timing]:
    upgrade(url)
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        load(engine, data)
        print(f"{backend}: loaded and analysed in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        rng = random.Random(1)
        refs = [rng.choice(data.refs) for _ in range(repeat + 1)]
        upns = [rng.choice(data.upns) for _ in range(repeat + 1)]  # any child
        open_upns = [rng.choice(data.upns[: data.open_cases]) for _ in range(repeat + 1)]  # one on the list

        def page(filters: Filters) -> Callable[[Session, int], int]:
            return lambda s, _: worklist(s, filters, TODAY).total

        def by_key(s: Session, i: int) -> int:
            return 1 if s.get(CaseRow, refs[i]) is not None else 0

        cases = [
            ("baseline: session.get(CaseRow, ref)", by_key),
            ("(a) officer's worklist", page(Filters(officer=OFFICERS[0], teams=(data.busy_team,)))),
            ("(b) manager: late at advice", page(Filters(teams=None, late=True, stage="advice"))),
            ("(b) manager: advice due within 14 days", page(Filters(stage="advice", due_within_days=14))),
            ("(c) worklist search 'smi'", page(Filters(search="smi", teams=None))),
            ("(c) search_children 'smi'", lambda s, _: len(search_children(s, "smi", None).found)),
            ("(c) worklist search by UPN", lambda s, i: page(Filters(search=open_upns[i]))(s, i)),
            ("(c) search_children by UPN", lambda s, i: len(search_children(s, upns[i], None).found)),
        ]  # fmt: skip
        return [measure(engine, name, run, repeat) for name, run in cases]
    finally:
        engine.dispose()


GOALS = {"(a)": 300.0, "(b)": 300.0, "(c)": 200.0}


def report(backend: str, timings: list[Timing]) -> None:
    base = timings[0].p95_ms
    print(f"\n{backend}")
    print("| query | rows / total | p50 (ms) | p95 (ms) | p95 / baseline p95 | goal (p95) |")
    print("|---|---:|---:|---:|---:|---|")
    for t in timings:
        goal = GOALS.get(t.name[:3])
        verdict = f"< {goal:.0f} ms: {'met' if t.p95_ms < goal else 'MISSED'}" if goal else ""
        figures = f"{t.p50_ms:.2f} | {t.p95_ms:.2f} | {t.p95_ms / base:.1f}"
        print(f"| {t.name} | {t.rows:,} | {figures} | {verdict} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worklist", description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=5000)
    parser.add_argument("--closed", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--backends", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"]
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    data = generate(args.open, args.closed)
    counts = ", ".join(f"{t} {len(r):,}" for t, r in data.rows.items())
    print(f"{args.open:,} open and {args.closed:,} closed cases: {counts}", file=sys.stderr)
    for backend in args.backends:
        with database(backend, args.postgres_url) as url:
            report(backend, bench(backend, url, data, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
