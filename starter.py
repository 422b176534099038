"""Start an EHC needs assessment from the command line.

    python starter.py --ref EH-2026-0042 --received 2026-09-01 --team north \
        [--source PARENT] [--year-group 10]

Prints the workflow id and the case's deadlines. Refuses a day 0 in the
future, a reference already used or malformed input, with a message and a
non-zero exit.
"""

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from domain.case import RequestSource
from domain.clock import london_date
from domain.commands import Actor, Role, StartAssessment
from domain.views import CaseView
from ehcna.bootstrap import load_settings
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.client import connect
from ehcna.gateway.errors import GatewayError, RuleRefused
from ehcna.notifications.policy import PolicyError, load_policy
from ehcna.store.db import make_engine, normalise_url, session_factory
from ehcna.store.records import case_stored

EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Start an EHC needs assessment workflow.")
    p.add_argument("--ref", required=True, help="case reference (letters, digits, - and _; no names)")
    p.add_argument(
        "--received", required=True, type=date.fromisoformat, help="day 0: date the request was received"
    )
    p.add_argument("--team", required=True, help="the case officers' team")
    p.add_argument("--source", default="PARENT", choices=[s.value for s in RequestSource])
    p.add_argument("--year-group", type=int, default=None, help="child's national curriculum year")
    p.add_argument("--by", default="starter-cli", help="user id recorded in the audit trail")
    return p.parse_args(argv)


def format_view(workflow_id: str, view: CaseView) -> str:
    lines = [f"started {workflow_id} (stage: {view.stage})", "", f"{'deadline':<60} {'due':<11} status"]
    for d in view.deadlines:
        label = f"{d.duty} {d.subject or ''}".strip() + f" - {d.title}"
        lines.append(f"{label[:60]:<60} {d.due.isoformat():<11} {d.status}")
    return "\n".join(lines)


def store_check(database_url: str) -> Callable[[str], bool] | None:
    """Whether the store holds a reference (a case imported as closed history has no workflow),
    if the store can be reached; None when it cannot: Temporal's check of the reference alone."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).exists():  # not created here: no store, nothing stored
            return None
    engine = make_engine(database_url)
    check = case_stored(session_factory(engine))
    try:
        check("")  # reachable, and migrated
    except SQLAlchemyError as err:
        engine.dispose()
        print(
            f"warning: the store cannot be read ({type(err).__name__}): only Temporal checks --ref",
            file=sys.stderr,
        )
        return None
    return check


async def run(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        cmd = StartAssessment(
            ref=args.ref,
            day0=args.received,
            request_source=RequestSource(args.source),
            team=args.team,
            year_group=args.year_group,
            by=Actor(user=args.by, role=Role.CASE_OFFICER),
        )
    except ValidationError as err:
        for e in err.errors():
            print(f"error: {'.'.join(map(str, e['loc']))}: {e['msg']}", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = load_settings()
    today = london_date(datetime.now(UTC))
    if cmd.day0 > today:  # checked before connecting, so the message is the same offline
        print(
            f"error: received: day 0 ({cmd.day0}) cannot be in the future (today is {today})", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    try:
        client = await connect(settings)
    except RuntimeError as err:
        print(f"error: cannot reach Temporal at {settings.temporal_address}: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    try:
        timing = load_policy(settings.escalation_policy).timing()
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    cases = CaseGateway(client, settings.task_queue, timing=timing, stored=store_check(settings.database_url))
    try:
        started = await cases.start(cmd, today)
    except RuleRefused as err:
        print(f"error: {err.field}: {err.reason}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except GatewayError as err:
        print(f"error: {err.field}: {err.reason}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(format_view(started.workflow_id, started.view))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(run(sys.argv[1:])))
