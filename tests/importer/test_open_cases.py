"""Open cases start their workflows from their real day 0, so their deadlines are right."""

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from temporalio.service import RPCError

from domain.clock import london_date
from domain.deadlines import DeadlineStatus
from domain.statutory_calendar import Duty
from domain.views import CaseView
from ehcna.importer.load import START_CONCURRENCY
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.models import AuditRow, CaseRow
from tests.importer.cli import count, parse, run_import
from tests.importer.rows import advice_rows, case_row, plan_issued, plan_issued_advice, unique, write_csv
from tests.temporal_servers import running_worker
from workflows.assessment import AssessmentWorkflow
from workflows.ids import assessment_id


async def wait_for(check: Callable[[], bool], seconds: float = 20) -> None:
    """The worker records each case's events asynchronously; wait until it has."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not check():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.2)


def deadline(view: CaseView, duty: Duty):
    return next(d for d in view.deadlines if d.duty is duty)


def store_rows(db, refs: list[str]) -> dict[str, int]:
    with db.sessions() as s:
        cases = s.scalar(sa.select(sa.func.count()).where(CaseRow.ref.in_(refs)))
        audit = s.scalar(sa.select(sa.func.count()).where(AuditRow.case_ref.in_(refs)))
        versions = sum(s.scalars(sa.select(CaseRow.version).where(CaseRow.ref.in_(refs))))
    return {"cases": cases, "audit": audit, "versions": versions}


def drafted(ref: str, day0: date, served: bool) -> dict[str, object]:
    """A case decided in time (day 35), advice back by day 70, decided to issue on day 90."""

    def day(n: int) -> date:
        return day0 + timedelta(days=n)

    return case_row(
        ref,
        day0,
        decision_to_assess="yes",
        decision_to_assess_date=day(35),
        decision_to_issue="yes",
        decision_to_issue_date=day(90),
        draft_served_date=day(100) if served else None,
    )


async def test_open_cases_start_with_back_dated_deadlines_and_a_rerun_changes_nothing(
    dev_server, db, tmp_path
):
    client = dev_server.env.client
    today = london_date(datetime.now(UTC))
    day0 = {"AT-RISK": today - timedelta(days=130), "BREACHED": today - timedelta(days=150)}
    day0["ADVICE"] = today - timedelta(days=60)
    day0["CLOSED"] = today - timedelta(days=400)
    refs = {k: unique(f"IMP-{k}") for k in day0}
    cases = [
        drafted(refs["AT-RISK"], day0["AT-RISK"], served=True),
        drafted(refs["BREACHED"], day0["BREACHED"], served=False),
        case_row(
            refs["ADVICE"],
            day0["ADVICE"],
            decision_to_assess="yes",
            decision_to_assess_date=day0["ADVICE"] + timedelta(days=5),
        ),
        plan_issued(refs["CLOSED"], day0["CLOSED"]),
    ]
    advice = [
        *advice_rows(
            refs["AT-RISK"], day0["AT-RISK"] + timedelta(days=36), day0["AT-RISK"] + timedelta(days=70)
        ),
        *advice_rows(
            refs["BREACHED"], day0["BREACHED"] + timedelta(days=36), day0["BREACHED"] + timedelta(days=70)
        ),
        # asked 50 days ago: due 8 days ago, never returned
        *advice_rows(refs["ADVICE"], today - timedelta(days=50), None, ["HEALTH"]),
        *plan_issued_advice(refs["CLOSED"], day0["CLOSED"]),
    ]
    cases_csv, advice_csv = (
        write_csv(tmp_path / "cases.csv", cases),
        write_csv(tmp_path / "advice.csv", advice),
    )

    async with running_worker(client, records=StoreCaseRecords(db.sessions)) as (_, queue):
        address = client.service_client.config.target_host
        argv = [cases_csv, "--advice", advice_csv, "--database-url", db.url]
        argv += ["--temporal-address", address, "--task-queue", queue]

        first = await run_import(*argv)
        assert first.status == 0, first.err
        assert (count(first.out, "closed cases loaded"), count(first.out, "open cases started")) == (1, 3)

        handle = client.get_workflow_handle(assessment_id(refs["AT-RISK"]))
        at_risk = await handle.query(AssessmentWorkflow.state)
        t6 = deadline(at_risk, Duty.T6)
        assert (at_risk.stage, t6.due, t6.status) == (
            "draft_served",
            day0["AT-RISK"] + timedelta(days=140),
            DeadlineStatus.AT_RISK,
        )
        assert deadline(at_risk, Duty.T1).status is DeadlineStatus.MET
        assert not at_risk.breached

        breached = await client.get_workflow_handle(assessment_id(refs["BREACHED"])).query(
            AssessmentWorkflow.state
        )
        t6 = deadline(breached, Duty.T6)
        assert (breached.stage, t6.due, t6.status, breached.breached) == (
            "drafting",
            day0["BREACHED"] + timedelta(days=140),
            DeadlineStatus.BREACHED,
            True,
        )

        awaiting = await client.get_workflow_handle(assessment_id(refs["ADVICE"])).query(
            AssessmentWorkflow.state
        )
        (t2,) = [d for d in awaiting.deadlines if d.duty is Duty.T2]
        assert (t2.subject, t2.due, t2.status) == (
            "HEALTH-1",
            today - timedelta(days=8),
            DeadlineStatus.BREACHED,
        )

        # history went in with the start: a deadline met in time raised no alarm
        await wait_for(lambda: store_rows(db, list(refs.values()))["cases"] == 4)
        assert not [k for k in await handle.query(AssessmentWorkflow.alarms_sent) if k.startswith("T1")]

        # start + 1 decision + 5 requests + 5 returns + 1 decision + 1 draft, all by the importer
        await wait_for(lambda: store_rows(db, [refs["AT-RISK"]])["versions"] == 14)
        with db.sessions() as s:
            row = s.get(CaseRow, refs["AT-RISK"])
            assert (row.stage, row.day0, row.t6_due) == (
                "draft_served",
                day0["AT-RISK"],
                day0["AT-RISK"] + timedelta(days=140),
            )
            users = set(s.scalars(sa.select(AuditRow.actor_user).where(AuditRow.case_ref == refs["AT-RISK"])))
            assert users == {"import"}
        before = store_rows(db, list(refs.values()))

        again = await run_import(*argv)

        assert again.status == 0, again.err
        assert (count(again.out, "open cases started"), count(again.out, "skipped, already imported")) == (
            0,
            4,
        )
        await asyncio.sleep(1)  # anything a second start had set off would have been recorded by now
        assert store_rows(db, list(refs.values())) == before


async def test_an_open_case_the_store_already_holds_is_not_started_again(dev_server, db, tmp_path):
    """Once closed past Temporal's retention a case's workflow is gone; the store still knows it."""
    client = dev_server.env.client
    ref = unique("IMP-KNOWN")
    day0 = london_date(datetime.now(UTC)) - timedelta(days=200)
    closed = write_csv(tmp_path / "closed.csv", [plan_issued(ref, day0)])
    advice = write_csv(tmp_path / "advice.csv", plan_issued_advice(ref, day0))
    assert (await run_import(closed, "--advice", advice, "--database-url", db.url)).status == 0
    reopened = write_csv(tmp_path / "open.csv", [case_row(ref, day0)])
    address = client.service_client.config.target_host

    run = await run_import(reopened, "--database-url", db.url, "--temporal-address", address)

    assert run.status == 0, run.err
    assert (count(run.out, "open cases started"), count(run.out, "skipped, already imported")) == (0, 1)
    with pytest.raises(RPCError):
        await client.get_workflow_handle(assessment_id(ref)).describe()


def test_open_cases_are_started_sixteen_at_once_unless_told(tmp_path):
    cases = tmp_path / "cases.csv"
    assert parse([str(cases)]).concurrency == START_CONCURRENCY == 16
    assert parse([str(cases), "--concurrency", "4"]).concurrency == 4
