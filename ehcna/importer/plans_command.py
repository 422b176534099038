"""``import-plans`` and ``start-plan``: plans in force brought onto the engine (docs/plan-import-format.md).

    ehcna import-plans plans.csv --reviews plan_reviews.csv --dry-run
    ehcna import-plans plans.csv --reviews plan_reviews.csv [--skip-bad]
    ehcna start-plan --ref P-1 --team north --start-date 2024-03-01 --year-group 4 \\
        --transferred-in-date 2026-10-01 --old-last-review-date 2026-02-10

As for the case import: every row of both files is checked first, through the same rules as live plans
and against the directory's teams; any bad row refuses the whole import, listing each bad row's line,
column and reason, unless ``--skip-bad`` imports the good plans. Each plan starts its workflow with its
real dates and its history; running the same import again changes nothing. ``start-plan`` starts one
plan the same way (a plan transferred in from another council: R9, R10).

Exit status: 0 done; 2 the files or options were refused or cannot be read; 3 Temporal cannot be
reached; 1 the database failed, or a plan was refused while starting.
"""

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from domain.clock import london_date
from domain.plan_deadlines import open_review_due
from ehcna.gateway.client import connect
from ehcna.gateway.plans import PlanGateway
from ehcna.importer.command import EXIT_FAILED, EXIT_REFUSED, EXIT_UNAVAILABLE, _at_least_one, _settings
from ehcna.importer.csv_format import ParsedFile, parse_record
from ehcna.importer.plans_csv import PlanLine, read_plans, read_reviews
from ehcna.importer.plans_in_force import (
    PlanImport,
    PlanLoadReport,
    Teams,
    plan_plans,
    start_plans,
    stored_plan_refs,
)
from ehcna.notifications.policy import Policy, PolicyError, load_policy
from ehcna.settings import Settings
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade


def _connection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", help="the store (default: EHCNA_DATABASE_URL)")
    p.add_argument("--temporal-address", help="host:port (default: TEMPORAL_ADDRESS)")
    p.add_argument("--namespace", help="Temporal namespace (default: TEMPORAL_NAMESPACE)")
    p.add_argument("--task-queue", help="the workers' task queue (default: EHCNA_TASK_QUEUE)")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-plans",
        help="import plans in force and their review history from CSV",
        description="Import EHC plans in force from CSV (format: docs/plan-import-format.md). Every row "
        "is validated first; a bad row refuses the import unless --skip-bad. Each plan starts its "
        "workflow with its real dates and its reviews; re-running changes nothing.",
    )
    p.add_argument("plans", type=Path, help="plans.csv: one row per plan in force")
    p.add_argument("--reviews", type=Path, help="plan_reviews.csv: one row per completed review")
    p.add_argument("--skip-bad", action="store_true", help="import the good rows, report the bad ones")
    p.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    _connection_options(p)
    p.add_argument("--concurrency", type=_at_least_one, default=4, help="plans started at once (default 4)")
    p.set_defaults(handler=run_import, parser=p)

    s = subparsers.add_parser(
        "start-plan",
        help="start one plan in force (one transferred in from another council: R9, R10)",
        description="Start the workflow of one EHC plan in force, checked as a row of plans.csv is "
        "(docs/plan-import-format.md); a plan transferred in gives --transferred-in-date.",
    )
    s.add_argument("--ref", required=True, help="the plan's reference (no names: it is in the workflow id)")
    s.add_argument("--team", required=True, help="the directory's team of case officers that holds it")
    s.add_argument("--start-date", required=True, help="the date the final plan was issued (YYYY-MM-DD)")
    s.add_argument("--year-group", required=True, help="the year group on the plan: N1, N2, R or 1 to 14")
    s.add_argument("--setting-team", help="the directory's team of the setting that convenes its reviews")
    s.add_argument("--extra-transfer-years", help="further phase transfers the plan names, e.g. '3'")
    s.add_argument("--transferred-in-date", help="reg 15: the day this council became responsible")
    s.add_argument("--old-last-review-date", help="the old council's last review meeting, if any")
    s.add_argument("--family-told-date", help="R9: the family told whether the plan will be reassessed")
    s.add_argument("--reassess", help="yes or no, with --family-told-date")
    _connection_options(s)
    s.set_defaults(handler=run_start, parser=s)


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(import_plans(args, settings))


def run_start(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(start_one(args, settings))


def directory_teams(policy: Policy) -> Teams:
    teams = policy.directory.teams
    return Teams(
        casework=frozenset(t for t, team in teams.items() if team.casework),
        settings=frozenset(t for t, team in teams.items() if not team.casework),
    )


async def import_plans(
    args: argparse.Namespace, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    for path in (args.plans, args.reviews):
        if path is not None and not path.is_file():
            print(f"error: {path}: no such file", file=err)
            return EXIT_REFUSED
    settings = _settings(args, settings)
    try:
        policy = load_policy(settings.escalation_policy)  # its directory checks the teams; its offsets
    except PolicyError as bad:
        print(f"error: {bad}", file=err)
        return EXIT_REFUSED
    today = london_date(datetime.now(UTC))
    plans = read_plans(args.plans)
    reviews = read_reviews(args.reviews) if args.reviews else None
    with tqdm(total=len(plans.rows), desc="check", unit="plan", file=err, disable=None) as bar:
        planned = plan_plans(plans, reviews, today, directory_teams(policy), lambda: bar.update())
    for e in planned.errors:
        print(e, file=err)
    if planned.errors and not args.skip_bad:
        print(
            f"refused: {planned.bad_rows} bad row(s); nothing was imported. Fix them and run again, "
            f"or use --skip-bad to import the {len(planned.plans)} good plan(s).",
            file=err,
        )
        return EXIT_REFUSED
    if args.dry_run:
        _summary(out, "dry run, nothing written", planned, None)
        return 0
    return await _start(planned, policy, settings, today, args.concurrency, out, err)


async def _start(
    planned: PlanImport,
    policy: Policy,
    settings: Settings,
    today: date,
    concurrency: int,
    out: TextIO,
    err: TextIO,
) -> int:
    report = PlanLoadReport()
    if planned.plans:
        try:
            client = await connect(settings)
        except RuntimeError as e:
            print(f"error: cannot reach Temporal at {settings.temporal_address}: {e}", file=err)
            return EXIT_UNAVAILABLE
        gateway = PlanGateway(client, settings.task_queue, timing=policy.deadlines.plan_timing())
        engine = None
        try:
            upgrade(settings.database_url)  # before the bar is drawn, so its log lines do not break it
            engine = make_engine(settings.database_url)
            stored = stored_plan_refs(session_factory(engine), [p.ref for p in planned.plans])
        except SQLAlchemyError as e:
            print(f"error: the store at {settings.database_url} failed: {e}", file=err)
            return EXIT_FAILED
        finally:
            if engine is not None:
                engine.dispose()
        with tqdm(total=len(planned.plans), desc="import", unit="plan", file=err, disable=None) as bar:
            await start_plans(gateway, planned.plans, today, report, bar.update, concurrency, stored)
    for failure in report.failed:
        print(failure, file=err)
    _summary(out, "imported", planned, report)
    return EXIT_FAILED if report.failed else 0


def _summary(out: TextIO, title: str, planned: PlanImport, report: PlanLoadReport | None) -> None:
    if report is None:
        counts = [("plans to start", len(planned.plans))]
    else:
        counts = [
            ("plans started", report.started),
            ("skipped, already imported", len(report.skipped_existing)),
            ("failed while starting", len(report.failed)),
        ]
    counts.append(("bad rows skipped" if planned.errors else "bad rows", planned.bad_rows))
    print(f"{title}:", file=out)
    for label, n in counts:
        print(f"  {label:<28}{n:>7}", file=out)


START_OPTIONS = (
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
)


async def start_one(
    args: argparse.Namespace, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """One plan, checked as a row of plans.csv; each problem named by its option."""
    out, err = out or sys.stdout, err or sys.stderr
    settings = _settings(args, settings)
    try:
        policy = load_policy(settings.escalation_policy)
    except PolicyError as e:
        print(f"error: {e}", file=err)
        return EXIT_REFUSED
    record: dict[str, Any] = {
        k: (str(getattr(args, k)).strip() or None) for k in START_OPTIONS if getattr(args, k)
    }
    row: ParsedFile[PlanLine] = ParsedFile("the command line")
    row.refs[1] = record.get("ref") or ""
    parse_record(PlanLine, record, 1, row)
    today = london_date(datetime.now(UTC))
    planned = plan_plans(row, None, today, directory_teams(policy))
    if planned.errors:
        for problem in planned.errors:
            option = f"--{problem.column.replace('_', '-')}" if problem.column else "the plan"
            print(f"error: {option}: {problem.reason}", file=err)
        return EXIT_REFUSED
    code = await _start(planned, policy, settings, today, 1, out, err)
    if code == 0 and planned.plans:
        plan = planned.plans[0].plan
        rule, due = open_review_due(plan)
        print(f"plan {plan.ref}: its review is due by {due} ({rule})", file=out)
    return code
