"""K10 for imported history: the breaches a closed case's dates imply are those the engine raises live.

One cohort, described once as steps on days from day 0, goes in twice: live, step by step on the
day each was taken, through the workflows on the time-skipping server with a store recording every
breach; then as closed history through the importer into a second store, each case with the day 0
it had live (its breaches derived from its dates). The two sets of breaches must be the same,
deadline by deadline, on the same day, with the same excepted flag; and so must K10's figures
(``k10_breaches``) for every month and for the whole span, save that the imported ones are derived.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from activities.ports import LoggingNotifications
from domain.case import AdviceKind
from domain.commands import DecideToAssess, RecordAdviceNotReceived, RecordException, Withdraw
from domain.kpis import Period
from domain.statutory_exceptions import ExceptionCode
from ehcna.importer.command import read_and_plan
from ehcna.importer.load import LoadReport, load_closed
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.db import make_engine, session_factory
from ehcna.store.kpi_queries import k10_breaches
from ehcna.store.models import BreachRow
from tests.databases import fresh_database
from tests.importer.rows import REQUIRED_ADVICE, case_row, write_csv
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import OFFICER, PROVIDER_TEAMS, CaseDriver
from workflows.assessment import AssessmentWorkflow

BODIES = [k for k in REQUIRED_ADVICE if k != "PARENT"]

# ref -> (decide to assess: (day, yes), advice asked on day, {kind: returned day | ("not", day)},
#         decision to issue (day, yes) | None, draft day | None, final plan day | None, withdrawn day | None,
#         an E-PERS exception: (day recorded, day its circumstances began) | None)
COHORT = {
    # every step in time: no breach
    "ON-TIME": ((30, True), 31, dict.fromkeys(REQUIRED_ADVICE, 60), (70, True), 80, 96, None, None),
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
        None,
    ),
    # refused on day 44 (T1 due 42)
    "NOT-ASSESSED": ((44, False), None, {}, None, None, None, None, None),
    # a parent's illness from day 45, recorded on day 50; plan on day 141 (due 140): breached, excepted
    "EXCEPTED": (
        (30, True),
        31,
        dict.fromkeys(REQUIRED_ADVICE, 60),
        (100, True),
        110,
        141,
        None,
        (50, 45),
    ),
}
ILLNESS = "Parent in hospital"


def import_rows(ref: str, spec, day0: date) -> tuple[dict, list[dict]]:
    (assess_day, assess), asked, returns, issue, draft, final, withdrawn, exception = spec

    def day(n: int | None) -> date | None:
        return None if n is None else day0 + timedelta(days=n)

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
    if exception is not None:
        cells |= {
            "week20_exception_code": "E-PERS",
            "exception_recorded_date": day(exception[0]),
            "exception_start": day(exception[1]),
            "exception_description": ILLNESS,
        }
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
    return case_row(ref, day0, **cells), advice


async def run_live(case: CaseDriver, spec) -> None:
    (assess_day, assess), asked, returns, issue, draft, final, withdrawn, exception = spec
    steps: list[tuple[int, str, object]] = [(assess_day, "assess", assess)]
    if exception is not None:
        steps.append((exception[0], "exception", exception[1]))
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
        "exception": 2,
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
        elif what == "exception":
            assert isinstance(arg, int)  # the day its circumstances began
            exc = RecordException(
                code=ExceptionCode.E_PERS,
                on=case.day(n),
                start=case.day(arg),
                description=ILLNESS,
                by=OFFICER,
            )
            await case.handle.execute_update(AssessmentWorkflow.record_exception, exc)
        elif what == "withdraw":
            await case.handle.execute_update(
                AssessmentWorkflow.withdraw, Withdraw(on=case.day(n), by=OFFICER)
            )
    await case.handle.result()


def breaches_by_day(sessions, day0s: dict[str, date]) -> set[tuple]:
    """(case, deadline, day raised counted from day 0, team that had to act, excepted, derived)."""
    with sessions() as s:
        return {
            (
                r.case_ref,
                r.deadline_key,
                (r.raised_on - day0s[r.case_ref]).days,
                r.holder,
                r.excepted,
                r.derived,
            )
            for r in s.execute(sa.select(BreachRow)).scalars()
        }


def k10_by_period(engine, periods: list[Period]) -> dict[str, tuple]:
    """K10's figures for each period: (total, by deadline, by team, of which derived)."""
    with engine.connect() as conn:
        figures = {p.label: k10_breaches(conn, p) for p in periods}
    return {label: (b.total, b.by_deadline, b.by_team, b.derived) for label, b in figures.items()}


async def test_K10_for_a_migrated_cohort_equals_the_same_cohort_run_live(db, tmp_path: Path):
    day0s: dict[str, date] = {}
    notifications = BreachRecordingNotifications(db.sessions, LoggingNotifications())
    async with (
        time_skipping_env() as env,
        running_worker(env.client, StoreCaseRecords(db.sessions), notifications) as (_, queue),
    ):
        for ref, spec in COHORT.items():
            case = await CaseDriver.start(env, queue, ref)
            day0s[ref] = case.day0
            await run_live(case, spec)
    live = breaches_by_day(db.sessions, day0s)

    # the same cohort as closed history, each case on the day 0 it had live, into a store of its own
    cases, advice = [], []
    for ref, spec in COHORT.items():
        row, rows = import_rows(ref, spec, day0s[ref])
        cases.append(row)
        advice += rows
    first, last = min(day0s.values()), max(day0s.values()) + timedelta(days=200)
    plan = read_and_plan(
        write_csv(tmp_path / "cases.csv", cases), write_csv(tmp_path / "advice.csv", advice), last
    )
    assert plan.errors == [] and len(plan.closed) == len(COHORT)
    (tmp_path / "imported").mkdir()
    with fresh_database(db.backend, tmp_path / "imported") as url:
        engine = make_engine(url)
        try:
            load_closed(session_factory(engine), plan.closed, datetime.now(UTC), LoadReport())
            derived = breaches_by_day(session_factory(engine), day0s)
            days = (first + timedelta(days=n) for n in range((last - first).days))
            months = sorted({Period.month_of(d) for d in days}, key=lambda p: p.start)
            span = Period.between(first, last)
            imported_k10 = k10_by_period(engine, [*months, span])
        finally:
            engine.dispose()
    live_k10 = k10_by_period(db.engine, [*months, span])

    assert {b[:5] for b in derived} == {b[:5] for b in live}
    assert all(b[5] for b in derived) and not any(b[5] for b in live)  # derived ones are marked
    # K10 month by month and over the whole span: the same figures, the imported ones all derived
    assert {k: v[:3] for k, v in imported_k10.items()} == {k: v[:3] for k, v in live_k10.items()}
    assert all(total == from_history for total, *_, from_history in imported_k10.values())
    assert all(from_history == 0 for *_, from_history in live_k10.values())
    assert imported_k10[span.label][0] == len(derived) == 8
    # and the expected ones, worked out by hand from the cohort above
    assert {(ref, key, n, excepted) for ref, key, n, _, excepted, _ in derived} == {
        ("LATE", "T1", 43, False),
        ("LATE", "T2:HEALTH-1", 86, False),  # asked day 43, due day 85
        ("LATE", "T6", 141, False),
        ("NO-PLAN", "T2:SOCIAL_CARE-1", 64, False),
        ("NO-PLAN", "T3", 113, False),
        ("WITHDRAWN", "T2:HEALTH-1", 64, False),
        ("NOT-ASSESSED", "T1", 43, False),
        ("EXCEPTED", "T6", 141, True),  # the exception was recorded on day 50
    }
