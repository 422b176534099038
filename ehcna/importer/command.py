"""``import``: bring a council's cases onto the engine from CSV (docs/import-format.md).

    ehcna import cases.csv --advice advice.csv
    ehcna import cases.csv --advice advice.csv --dry-run
    ehcna import cases.csv --advice advice.csv --skip-bad

Every row of both files is checked first, through the same rules as live
cases. Any bad row refuses the whole import, listing each bad row's line
and reason, unless ``--skip-bad`` imports the good rows. Closed cases go
into the store; open cases start their workflows from their real day 0.
Running the same import again changes nothing.

Exit status: 0 done; 2 the files were refused or cannot be read; 3 Temporal
cannot be reached; 1 the database failed, or an open case was refused while
loading.
"""

import argparse
import asyncio
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from domain.clock import london_date
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.client import connect
from ehcna.importer.csv_format import AdviceLine, ParsedFile, read_advice, read_cases, read_exceptions
from ehcna.importer.load import (
    START_CONCURRENCY,
    LoadReport,
    load_closed,
    load_open,
    save_people,
    stored_refs,
)
from ehcna.importer.plan import CasePlan, ImportPlan, plan_import
from ehcna.importer.report import HistoryReporter, scratch_store, write_csv, write_text
from ehcna.importer.stream import Index, indexed, keep, kept, plan_in_chunks
from ehcna.notifications.policy import PolicyError, load_policy
from ehcna.settings import Settings
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade

EXIT_FAILED = 1
EXIT_REFUSED = 2
EXIT_UNAVAILABLE = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="import history and open cases from CSV",
        description="Import cases from CSV (format: docs/import-format.md). Every row is validated "
        "first; a bad row refuses the import unless --skip-bad. Closed cases are written to the "
        "store; open cases start their workflows from their real day 0. Re-running changes nothing.",
    )
    p.add_argument("cases", type=Path, help="cases.csv: one row per case")
    p.add_argument("--advice", type=Path, help="advice.csv: one row per request for advice")
    p.add_argument(
        "--exceptions", type=Path, help="exceptions.csv: further exceptions, any number per case or advice"
    )
    p.add_argument("--skip-bad", action="store_true", help="import the good rows, report the bad ones")
    p.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    p.add_argument(
        "--report",
        action="store_true",
        help="print, for every month of the history, the K1, K3, K5 per kind and K11-K13 figures it "
        "would produce, and the cases by year and outcome (to set beside the council's own figures)",
    )
    p.add_argument(
        "--report-format", choices=("text", "csv"), default="text", help="the report as a table or as CSV"
    )
    p.add_argument("--database-url", help="the store (default: EHCNA_DATABASE_URL)")
    p.add_argument("--temporal-address", help="host:port, for open cases (default: TEMPORAL_ADDRESS)")
    p.add_argument("--namespace", help="Temporal namespace (default: TEMPORAL_NAMESPACE)")
    p.add_argument("--task-queue", help="the workers' task queue (default: EHCNA_TASK_QUEUE)")
    p.add_argument(
        "--concurrency",
        type=_at_least_one,
        default=START_CONCURRENCY,
        help=f"open cases started at once (default {START_CONCURRENCY})",
    )
    p.set_defaults(handler=run, parser=p)


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(import_files(args, settings))


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    given = {
        "temporal_address": args.temporal_address,
        "temporal_namespace": args.namespace,
        "task_queue": args.task_queue,
        "database_url": args.database_url,
    }
    return settings.model_copy(update={k: v for k, v in given.items() if v})


def read_and_plan(
    cases: Path, advice: Path | None, today: date, exceptions: Path | None = None
) -> ImportPlan:
    advice_rows: ParsedFile[AdviceLine] | None = read_advice(advice) if advice else None
    more = read_exceptions(exceptions) if exceptions else None
    return plan_import(read_cases(cases), advice_rows, today, more)


@dataclass
class Counted:
    """What a pass over the files found: the good cases, closed and open."""

    closed: int = 0
    open: int = 0

    def add(self, plans: list[CasePlan]) -> None:
        for p in plans:
            if p.is_closed:
                self.closed += 1
            else:
                self.open += 1


async def import_files(
    args: argparse.Namespace, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    for path in (args.cases, args.advice, args.exceptions):
        if path is not None and not path.is_file():
            print(f"error: {path}: no such file", file=err)
            return EXIT_REFUSED
    if args.report and not args.dry_run:
        print("error: --report goes with --dry-run (check the figures before anything is written)", file=err)
        return EXIT_REFUSED
    today = london_date(datetime.now(UTC))
    with indexed(args.cases, args.advice, args.exceptions) as index, ExitStack() as stack:
        # first pass: every row checked, nothing written (the files may be any size: chunk by chunk)
        counted = Counted()
        reporter = HistoryReporter(stack.enter_context(scratch_store())) if args.report else None

        def check(plans: list[CasePlan]) -> None:
            counted.add(plans)
            if reporter is not None:
                reporter.add(plans)
            if not args.dry_run:
                keep(index, plans)

        with tqdm(total=index.case_rows, desc="check", unit="case", file=err, disable=None) as bar:
            plan = plan_in_chunks(index, today, check, bar.update)
        for e in plan.errors:
            print(e, file=err)
        if plan.errors and not args.skip_bad:
            print(
                f"refused: {plan.bad_rows} bad row(s); nothing was imported. Fix them and run again, "
                f"or use --skip-bad to import the {counted.closed + counted.open} good case(s).",
                file=err,
            )
            return EXIT_REFUSED
        if args.dry_run:
            _summary(out, "dry run, nothing written", plan, LoadReport(), counted)
            if reporter is not None:
                print(file=out)
                (write_csv if args.report_format == "csv" else write_text)(reporter.result(), out)
            return 0
        return await _load(index, plan, counted, _settings(args, settings), today, args.concurrency, out, err)


async def _load(
    index: Index,
    plan: ImportPlan,
    counted: Counted,
    settings: Settings,
    today: date,
    concurrency: int,
    out: TextIO,
    err: TextIO,
) -> int:
    cases = None
    if counted.open:  # Temporal is needed only for open cases; reach it before writing anything
        try:
            timing = load_policy(settings.escalation_policy).timing()  # open cases start with its offsets
        except PolicyError as e:
            print(f"error: {e}", file=err)
            return EXIT_REFUSED
        try:
            client = await connect(settings)
        except RuntimeError as e:
            print(f"error: cannot reach Temporal at {settings.temporal_address}: {e}", file=err)
            return EXIT_UNAVAILABLE
        cases = CaseGateway(client, settings.task_queue, timing=timing)
    engine = None
    report = LoadReport()
    try:
        # migrated before the bar is drawn, so its log lines do not break it
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        sessions = session_factory(engine)
        open_cases: list[CasePlan] = []
        now = datetime.now(UTC)
        with tqdm(
            total=counted.closed + counted.open, desc="import", unit="case", file=err, disable=None
        ) as bar:

            def load(plans: list[CasePlan]) -> None:
                """Second pass: each chunk's closed cases written, its open cases' children kept."""
                load_closed(sessions, [p for p in plans if p.is_closed], now, report, bar.update)
                opened = [p for p in plans if not p.is_closed]
                save_people(sessions, opened, now)
                open_cases.extend(opened)

            for plans in kept(index):  # as checked by the first pass, not planned again
                load(plans)
            if cases is not None:
                stored = stored_refs(sessions, [p.ref for p in open_cases])
                await load_open(cases, open_cases, today, report, bar.update, concurrency, stored)
    except SQLAlchemyError as e:
        print(f"error: the store at {settings.database_url} failed: {e}", file=err)
        return EXIT_FAILED
    finally:
        if engine is not None:
            engine.dispose()
    for failure in report.failed:
        print(failure, file=err)
    _summary(out, "imported", plan, report, counted, dry_run=False)
    return EXIT_FAILED if report.failed else 0


def _summary(
    out: TextIO, title: str, plan: ImportPlan, report: LoadReport, counted: "Counted", dry_run: bool = True
) -> None:
    if dry_run:
        counts = [
            ("closed cases to load", counted.closed),
            ("open cases to start", counted.open),
        ]
    else:
        counts = [
            ("closed cases loaded", report.closed_loaded),
            ("open cases started", report.open_started),
            ("skipped, already imported", len(report.skipped_existing)),
            ("failed while loading", len(report.failed)),
        ]
    counts.append(("bad rows skipped" if plan.errors else "bad rows", plan.bad_rows))
    print(f"{title}:", file=out)
    for label, n in counts:
        print(f"  {label:<28}{n:>7}", file=out)
