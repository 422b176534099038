"""``make demo``: the Outlook on a council-sized history, with a what-if beside it.

The example caseload ``make run`` imports is too small to learn from, and history written into the
running store would be open cases without a workflow (the reconciliation would report them). So the
demo writes two years of history from the known process of ``ehcna.forecast.synthetic`` (44 requests
a week; the educational psychology service cut from 38 to 27 a week four months ago), with the
directory's own teams, to a store of its own, ``var/outlook-demo.db``, and prints its outlook with a
scenario: ten more educational psychology assessments a week. Serve it with
``EHCNA_DATABASE_URL=sqlite:///var/outlook-demo.db .venv/bin/ehcna web`` to see the Outlook page, signed in
as ``outlook-manager`` with the password printed (a new one each run, kept in that store only).
"""

import secrets
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.case import AdviceKind
from domain.clock import london_date
from domain.commands import Role
from ehcna import cli
from ehcna.forecast.synthetic import Process, simulate_history, write_history
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.web.accounts import save_account

DEMO_DB = Path("var/outlook-demo.db")
DIRECTORY_TEAMS = {  # teams of the shipped directory (ehcna/config/escalation.toml)
    AdviceKind.EDUCATION: "oak-primary",
    AdviceKind.HEALTH: "icb-community-paeds",
    AdviceKind.EP: "ep-service",
    AdviceKind.SOCIAL_CARE: "childrens-social-care",
}


def main() -> int:
    today = london_date(datetime.now(UTC))
    DEMO_DB.parent.mkdir(parents=True, exist_ok=True)
    DEMO_DB.unlink(missing_ok=True)
    url = f"sqlite:///{DEMO_DB}"
    upgrade(url)
    start = today - timedelta(days=730)
    process = replace(
        Process(),
        start=start,
        end=today - timedelta(days=1),
        ep_capacity=((start, 38.0), (today - timedelta(days=120), 27.0)),
        prefix="DEMO",
    )
    engine = make_engine(url)
    with engine.begin() as conn:
        written = write_history(conn, simulate_history(process), process.end, DIRECTORY_TEAMS)
    password = secrets.token_urlsafe(12)
    with session_factory(engine).begin() as session:
        save_account(session, "outlook-manager", Role.MANAGER, "north", password)
    engine.dispose()
    print(f"outlook demo: {written} fictional cases over two years in {DEMO_DB}", file=sys.stderr)
    print(
        f"to see the Outlook page: EHCNA_DATABASE_URL=sqlite:///{DEMO_DB} .venv/bin/ehcna web, then sign in "
        f"as outlook-manager with the password {password}",
        file=sys.stderr,
    )
    return cli.main(["forecast", "--database-url", url, "--months", "6", "--scenario", "ep-service=+10/week"])


if __name__ == "__main__":
    sys.exit(main())
