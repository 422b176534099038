"""Writing import files for tests: rows as dicts, dates relative to a day 0."""

import csv
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

# the family's views and the advice reg 6(1) requires before a decision to issue
REQUIRED_ADVICE = ["PARENT", "EDUCATION", "HEALTH", "EP", "SOCIAL_CARE"]


def unique(prefix: str) -> str:
    """A case reference no other test uses (the dev server is shared by the session)."""
    return f"{prefix}-{uuid4().hex[:6]}"


def write_csv(path: Path, rows: list[dict[str, object]], header: list[str] | None = None) -> Path:
    columns = header or list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else str(v) for k, v in row.items()})
    return path


def case_row(ref: str, day0: date | str, **cells: object) -> dict[str, object]:
    return {"ref": ref, "received_date": day0, "request_source": "PARENT", "team": "north", **cells}


def advice_rows(
    ref: str, requested: date, returned: date | None, kinds: list[str] = REQUIRED_ADVICE
) -> list[dict[str, object]]:
    """The same request to each kind, each returned on ``returned`` (or still awaited)."""
    return [
        {
            "ref": ref,
            "kind": kind,
            "provider_team": f"{kind.lower()}-team",
            "requested_date": requested,
            "status": "RECEIVED" if returned else "REQUESTED",
            "returned_date": returned,
            "document_ref": f"DOC-{kind}" if returned else None,
        }
        for kind in kinds
    ]


def plan_issued(ref: str, day0: date, plan_day: int = 120, **cells: object) -> dict[str, object]:
    """A case whose plan was issued ``plan_day`` days after day 0, every step in between;
    ``cells`` override any column."""

    def day(n: int) -> date:
        return day0 + timedelta(days=n)

    steps = {
        "decision_to_assess": "yes",
        "decision_to_assess_date": day(30),
        "decision_to_issue": "yes",
        "decision_to_issue_date": day(80),
        "draft_served_date": day(90),
        "family_response_date": day(100),
        "final_plan_date": day(plan_day),
        "outcome": "PLAN_ISSUED",
        "outcome_date": day(plan_day),
    }
    return case_row(ref, day0, **{**steps, **cells})


def plan_issued_advice(ref: str, day0: date) -> list[dict[str, object]]:
    return advice_rows(ref, day0 + timedelta(days=31), day0 + timedelta(days=60))


def load_closed_case(sessions, folder: Path, ref: str, day0: date, team: str = "north") -> None:
    """Import one closed case (a refusal to assess) into the store alone, as ``ehcna import`` does:
    it has no workflow, so only the store knows its reference."""
    from datetime import UTC, datetime

    from ehcna.importer.command import read_and_plan
    from ehcna.importer.load import LoadReport, load_closed

    decided = day0 + timedelta(days=40)
    row = case_row(
        ref,
        day0,
        team=team,
        decision_to_assess="no",
        decision_to_assess_date=decided,
        appeal_information_given="yes",
        outcome="NOT_ASSESSED",
        outcome_date=decided,
    )
    plan = read_and_plan(write_csv(folder / f"closed-{ref}.csv", [row]), None, date.today())
    report = LoadReport()
    load_closed(sessions, plan.closed, datetime.now(UTC), report)
    assert report.closed_loaded == 1, report
