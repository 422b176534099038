"""K10 for imported history: the breaches a closed case's dates imply are those the engine raises live.

One cohort, described once as steps on days from day 0, goes in twice: as closed history through
the importer (its breaches derived from its dates), and live, step by step on the day each was
taken, through the workflows on the time-skipping server with the store recording every breach.
The two sets of breaches must be the same, deadline by deadline, on the same day from day 0.
"""

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from activities.ports import LoggingNotifications
from domain.case import AdviceKind
from domain.commands import DecideToAssess, RecordAdviceNotReceived, Withdraw
from ehcna.importer.command import read_and_plan
from ehcna.importer.load import LoadReport, load_closed
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.models import BreachRow
from tests.importer.rows import REQUIRED_ADVICE, case_row, write_csv
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import OFFICER, PROVIDER_TEAMS, CaseDriver
from workflows.assessment import AssessmentWorkflow

IMPORT_DAY0 = date(2025, 1, 6)
BODIES = [k for k in REQUIRED_ADVICE if k != "PARENT"]

# ref -> (decide to assess: (day, yes), advice asked on day, {kind: returned day | ("not", day)},
#         decision to issue (day, yes) | None, draft day | None, final plan day | None, withdrawn day | None)
COHORT = {
    # every step in time: no breach
    "ON-TIME": ((30, True), 31, dict.fromkeys(REQUIRED_ADVICE, 60), (70, True), 80, 96, None),
    # decided on day 43 (T1 due 42); health advice on day 89 (due 85); plan on day 141 (due 140);
    # education on its due day (84): in time
    "LATE": (
        (43, True),
        43,
        {"PARENT": 60, "EDUCATION": 85, "HEALTH": 86, "EP": 60, "SOCIAL_CARE": 60},
        (100, True),
        110,
        141,
        None,
    ),
    # social care never came (recorded on day 70; due 63); no plan decided on day 113 (T3 due 112)
    "NO-PLAN": (
        (20, True),
        21,
        {"PARENT": 50, "EDUCATION": 50, "HEALTH": 63, "EP": 50, "SOCIAL_CARE": ("not", 70)},
        (113, False),
        None,
        None,
        None,
    ),
    # withdrawn on day 70 while health advice (due 63) was still awaited
    "WITHDRAWN": (
        (20, True),
        21,
        {"PARENT": 50, "EDUCATION": 50, "EP": 50, "SOCIAL_CARE": 50},
        None,
        None,
        None,
        70,
    ),
    # refused on day 44 (T1 due 42)
    "NOT-ASSESSED": ((44, False), None, {}, None, None, None, None),
}


def import_rows(ref: str, spec) -> tuple[dict, list[dict]]:
    (assess_day, assess), asked, returns, issue, draft, final, withdrawn = spec

    def day(n: int | None) -> date | None:
        return None if n is None else IMPORT_DAY0 + timedelta(days=n)

    cells: dict = {
        "decision_to_assess": "yes" if assess else "no",
        "decision_to_assess_date": day(assess_day),
        "appeal_information_given": "yes",
    }
    if issue is not None:
        cells |= {"decision_to_issue": "yes" if issue[1] else "no", "decision_to_issue_date": day(issue[0])}
    cells |= {"draft_served_date": day(draft), "final_plan_date": day(final)}
    if not assess:
        cells |= {"outcome": "NOT_ASSESSED", "outcome_date": day(assess_day)}
    elif withdrawn is not None:
        cells |= {"outcome": "WITHDRAWN", "outcome_date": day(withdrawn)}
    elif final is not None:
        cells |= {"outcome": "PLAN_ISSUED", "outcome_date": day(final)}
    else:
        cells |= {"outcome": "PLAN_NOT_ISSUED", "outcome_date": day(issue[0])}
    advice = []
    for kind in REQUIRED_ADVICE if asked is not None else ():
        back = returns.get(kind)
        row = {
            "ref": ref,
            "kind": kind,
            "provider_team": PROVIDER_TEAMS[AdviceKind(kind)],
            "requested_date": day(asked),
        }
        if isinstance(back, tuple):
            row |= {"status": "NOT_RECEIVED", "not_received_date": day(back[1])}
        elif back is not None:
            row |= {"status": "RECEIVED", "returned_date": day(back), "document_ref": f"DOC-{kind}"}
        else:
            row |= {"status": "REQUESTED"}
        advice.append(row)
    return case_row(ref, IMPORT_DAY0, **cells), advice


async def run_live(case: CaseDriver, spec) -> None:
    (assess_day, assess), asked, returns, issue, draft, final, withdrawn = spec
    steps: list[tuple[int, str, object]] = [(assess_day, "assess", assess)]
    if asked is not None:
        steps.append((asked, "ask", None))
    for kind, back in returns.items():
        if isinstance(back, tuple):
            steps.append((back[1], "not_received", kind))
        else:
            steps.append((back, "submit", kind))
    if issue is not None:
        steps.append((issue[0], "issue", issue[1]))
    if draft is not None:
        steps.append((draft, "draft", None))
    if final is not None:
        steps.append((final, "final", None))
    if withdrawn is not None:
        steps.append((withdrawn, "withdraw", None))
    order = {
        "assess": 0,
        "ask": 1,
        "submit": 2,
        "not_received": 2,
        "issue": 3,
        "draft": 4,
        "final": 5,
        "withdraw": 6,
    }
    for n, what, arg in sorted(steps, key=lambda s: (s[0], order[s[1]])):
        await case.go_to_day(n)
        if what == "assess":
            cmd = DecideToAssess(yes=bool(arg), on=case.day(n), appeal_information_given=True, by=OFFICER)
            await case.handle.execute_update(AssessmentWorkflow.decide_to_assess, cmd)
        elif what == "ask":
            await case.request_advice(n)
        elif what == "submit":
            await case.submit_advice(n, AdviceKind(arg))
        elif what == "not_received":
            cmd = RecordAdviceNotReceived(advice_id=f"{arg}-1", on=case.day(n), by=OFFICER)
            await case.handle.execute_update(AssessmentWorkflow.record_advice_not_received, cmd)
        elif what == "issue":
            await case.decide_to_issue(n, yes=bool(arg))
        elif what == "draft":
            await case.serve_draft(n)
        elif what == "final":
            await case.issue_final_plan(n)
        elif what == "withdraw":
            await case.handle.execute_update(
                AssessmentWorkflow.withdraw, Withdraw(on=case.day(n), by=OFFICER)
            )
    await case.handle.result()


def breaches_by_day(db, day0s: dict[str, date], refs: str = "%") -> set[tuple]:
    """(case, deadline, day raised counted from day 0, team that had to act, excepted, derived)."""
    with db.sessions() as s:
        rows = s.execute(sa.select(BreachRow).where(BreachRow.case_ref.like(refs))).scalars().all()
        return {
            (
                r.case_ref,
                r.deadline_key,
                (r.raised_on - day0s[r.case_ref]).days,
                r.holder,
                r.excepted,
                r.derived,
            )
            for r in rows
        }


async def test_K10_for_a_migrated_cohort_equals_the_same_cohort_run_live(db, tmp_path: Path):
    cases, advice = [], []
    for ref, spec in COHORT.items():
        row, rows = import_rows(ref, spec)
        cases.append(row)
        advice += rows
    plan = read_and_plan(
        write_csv(tmp_path / "cases.csv", cases),
        write_csv(tmp_path / "advice.csv", advice),
        date(2026, 11, 28),
    )
    assert plan.errors == [] and len(plan.closed) == len(COHORT)
    report = LoadReport()
    load_closed(db.sessions, plan.closed, IMPORT_DAY0 + timedelta(days=400), report)  # type: ignore[arg-type]
    derived = breaches_by_day(db, dict.fromkeys(COHORT, IMPORT_DAY0))
    assert derived  # (the cohort has breaches: see the end)

    day0s: dict[str, date] = {}
    notifications = BreachRecordingNotifications(db.sessions, LoggingNotifications())
    async with (
        time_skipping_env() as env,
        running_worker(env.client, StoreCaseRecords(db.sessions), notifications) as (_, queue),
    ):
        for ref, spec in COHORT.items():
            case = await CaseDriver.start(env, queue, f"LIVE-{ref}")  # the imported refs are taken
            day0s[f"LIVE-{ref}"] = case.day0
            await run_live(case, spec)
    live = {(ref.removeprefix("LIVE-"), *rest) for ref, *rest in breaches_by_day(db, day0s, "LIVE-%")}

    assert {b[:5] for b in derived} == {b[:5] for b in live}
    assert all(b[5] for b in derived) and not any(b[5] for b in live)  # derived ones are marked
    # and the expected ones, worked out by hand from the cohort above
    assert {(ref, key, n) for ref, key, n, *_ in derived} == {
        ("LATE", "T1", 43),
        ("LATE", "T2:HEALTH-1", 86),  # asked day 43, due day 85
        ("LATE", "T6", 141),
        ("NO-PLAN", "T2:SOCIAL_CARE-1", 64),
        ("NO-PLAN", "T3", 113),
        ("WITHDRAWN", "T2:HEALTH-1", 64),
        ("NOT-ASSESSED", "T1", 43),
    }
