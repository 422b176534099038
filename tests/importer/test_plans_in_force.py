"""Plans in force imported on the real dev server, recorded in SQLite and PostgreSQL.

Each plan starts its workflow (``ehcplan-<ref>``) with its real dates and its history: a review already
overdue alerts at once, the completed reviews and amendments reach the store through the workflow's own
records (L2-L6 history), an amendment under way keeps its R7 clock, and a second run changes nothing.
``start-plan`` starts one plan transferred in from another council (R9, R10).
"""

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from domain.clock import london_date
from domain.plan_calendar import PlanDuty, add_months, amended_plan_due
from ehcna.gateway.plans import PlanGateway
from ehcna.store.plans import PlanAmendmentRow, PlanReviewRow, PlanRow, StorePlanRecords
from tests.importer.cli import count
from tests.importer.plans_cli import run_import_plans, run_start_plan
from tests.importer.rows import unique, write_csv
from tests.importer.test_open_cases import wait_for
from tests.temporal_servers import running_worker
from workflows.ids import plan_workflow_id
from workflows.plan import PlanWorkflow


def iso(day: date) -> str:
    return day.isoformat()


def store_counts(db, refs: list[str]) -> dict[str, int]:
    with db.sessions() as s:
        return {
            "plans": s.scalar(sa.select(sa.func.count()).where(PlanRow.ref.in_(refs))) or 0,
            "reviews": s.scalar(sa.select(sa.func.count()).where(PlanReviewRow.plan_ref.in_(refs))) or 0,
            "amendments": s.scalar(sa.select(sa.func.count()).where(PlanAmendmentRow.plan_ref.in_(refs)))
            or 0,
        }


async def test_import_plans_R1_overdue_alerts_at_once_history_in_the_store_and_a_rerun_changes_nothing(
    dev_server, db, tmp_path
):
    client = dev_server.env.client
    today = london_date(datetime.now(UTC))
    refs = {k: unique(f"PLN-{k}") for k in ("OVERDUE", "HISTORY", "AMENDING")}
    overdue_start = add_months(today, -14)  # R1 passed two months ago without a meeting
    history_start = add_months(today, -30)
    first_meeting = add_months(history_start, 12) + timedelta(days=10)  # held 10 days late (L5)
    second_meeting = add_months(first_meeting, 11)  # in time; the next review is due in a month
    notice = second_meeting + timedelta(days=21)
    amending_meeting = today - timedelta(days=40)
    amending_notice = today - timedelta(days=14)
    plans = [
        {"ref": refs["OVERDUE"], "team": "north", "start_date": iso(overdue_start), "year_group": "3"},
        {
            "ref": refs["HISTORY"],
            "team": "north",
            "start_date": iso(history_start),
            "year_group": "2",
            "setting_team": "oak-primary",
        },
        {
            "ref": refs["AMENDING"],
            "team": "south",
            "start_date": iso(add_months(today, -13)),
            "year_group": "4",
        },
    ]
    reviews = [
        {
            "ref": refs["HISTORY"],
            "meeting_date": iso(first_meeting),
            "decision": "MAINTAIN",
            "decision_date": iso(first_meeting + timedelta(days=20)),
        },
        {
            "ref": refs["HISTORY"],
            "meeting_date": iso(second_meeting),
            "decision": "AMEND",
            "decision_date": iso(second_meeting + timedelta(days=14)),
            "amendment_notice_date": iso(notice),
            "amended_plan_date": iso(notice + timedelta(days=40)),
        },
        {
            "ref": refs["AMENDING"],
            "meeting_date": iso(amending_meeting),
            "decision": "AMEND",
            "decision_date": iso(amending_meeting + timedelta(days=20)),
            "amendment_notice_date": iso(amending_notice),
        },
    ]
    plans_csv = write_csv(tmp_path / "plans.csv", plans)
    reviews_csv = write_csv(
        tmp_path / "plan_reviews.csv",
        reviews,
        ["ref", "meeting_date", "decision", "decision_date", "amendment_notice_date", "amended_plan_date"],
    )
    async with running_worker(client, plan_records=StorePlanRecords(db.sessions)) as (_, queue):
        address = client.service_client.config.target_host
        argv = [plans_csv, "--reviews", reviews_csv, "--database-url", db.url]
        argv += ["--temporal-address", address, "--task-queue", queue]

        dry = await run_import_plans(*argv, "--dry-run")
        assert dry.status == 0, dry.err
        assert count(dry.out, "plans to start") == 3
        assert store_counts(db, list(refs.values())) == {"plans": 0, "reviews": 0, "amendments": 0}

        first = await run_import_plans(*argv)
        assert first.status == 0, first.err
        assert count(first.out, "plans started") == 3

        gateway = PlanGateway(client, queue)
        overdue = await gateway.read(refs["OVERDUE"])
        assert overdue.review_overdue and overdue.breached
        due = add_months(overdue_start, 12)

        async def alerted() -> bool:
            sent = await gateway.handle(refs["OVERDUE"]).query(PlanWorkflow.alarms_sent)
            return any(k.startswith(f"R1:{due}:") for k in sent)

        await wait_for_async(alerted)

        history = await gateway.read(refs["HISTORY"])
        assert history.plan.reviews_completed == 2
        assert history.review_due == add_months(second_meeting, 12) and not history.review_overdue
        amending = await gateway.read(refs["AMENDING"])
        assert amending.plan.amendment is not None and amending.plan.amendment.notice_on == amending_notice
        r7 = next(d for d in amending.deadlines if d.duty is PlanDuty.R7)
        assert r7.due == amended_plan_due(amending_notice)

        # the workflows recorded the history: two reviews (the first held late) and two amendments
        refs_all = list(refs.values())
        await wait_for(lambda: store_counts(db, refs_all) == {"plans": 3, "reviews": 3, "amendments": 2})
        with db.sessions() as s:
            rows = s.scalars(
                sa.select(PlanReviewRow)
                .where(PlanReviewRow.plan_ref == refs["HISTORY"])
                .order_by(PlanReviewRow.number)
            ).all()
        assert [(r.number, r.due_on, r.held_on, r.outcome) for r in rows] == [
            (1, add_months(history_start, 12), first_meeting, "MAINTAIN"),
            (2, add_months(first_meeting, 12), second_meeting, "AMEND"),
        ]
        assert rows[0].held_on > rows[0].due_on  # L5: late

        again = await run_import_plans(*argv)
        assert again.status == 0, again.err
        assert count(again.out, "plans started") == 0
        assert count(again.out, "skipped, already imported") == 3
        assert store_counts(db, refs_all) == {"plans": 3, "reviews": 3, "amendments": 2}


async def wait_for_async(check, seconds: float = 20) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not await check():
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.2)


async def test_import_plans_refuses_a_bad_row_and_writes_nothing_unless_skip_bad(dev_server, db, tmp_path):
    client = dev_server.env.client
    today = london_date(datetime.now(UTC))
    good, bad = unique("PLN-GOOD"), unique("PLN-BAD")
    plans_csv = write_csv(
        tmp_path / "plans.csv",
        [
            {"ref": good, "team": "north", "start_date": iso(today - timedelta(days=60)), "year_group": "R"},
            {"ref": bad, "team": "Children's services", "start_date": iso(today), "year_group": "5"},
        ],
    )
    argv = [plans_csv, "--database-url", db.url, "--temporal-address"]
    argv += [client.service_client.config.target_host, "--task-queue", dev_server.task_queue]
    refused = await run_import_plans(*argv)
    assert refused.status == 2
    assert "plans.csv line 3 [team]: 'Children's services' is not a team of case officers" in refused.err
    assert "refused: 1 bad row(s); nothing was imported" in refused.err
    gateway = PlanGateway(client, dev_server.task_queue)
    assert not [wf async for wf in client.list_workflows(f"WorkflowId = '{plan_workflow_id(good)}'")]

    skipped = await run_import_plans(*argv, "--skip-bad")
    assert skipped.status == 0, skipped.err
    assert count(skipped.out, "plans started") == 1
    assert count(skipped.out, "bad rows skipped") == 1
    assert (await gateway.read(good)).plan.start_on == today - timedelta(days=60)


async def test_start_plan_R9_R10_transferred_in_from_another_council(dev_server, db):
    client = dev_server.env.client
    today = london_date(datetime.now(UTC))
    ref = unique("PLN-MOVED")
    transferred = today - timedelta(days=50)  # R9 (6 weeks) passed 8 days ago: the family not yet told
    old_review = add_months(today, -11)
    argv = ["--ref", ref, "--team", "north", "--start-date", iso(add_months(today, -40)), "--year-group", "6"]
    argv += ["--transferred-in-date", iso(transferred), "--old-last-review-date", iso(old_review)]
    argv += ["--database-url", db.url, "--temporal-address", client.service_client.config.target_host]
    argv += ["--task-queue", dev_server.task_queue]

    started = await run_start_plan(*argv)
    assert started.status == 0, started.err
    # R10: the later of 12 months from the old council's last review and 3 months from the transfer
    r10 = max(add_months(old_review, 12), add_months(transferred, 3))
    assert f"its review is due by {r10} (R10)" in started.out
    view = await PlanGateway(client, dev_server.task_queue).read(ref)
    assert (view.review_due_rule, view.review_due) == (PlanDuty.R10, r10)
    r9 = next(d for d in view.deadlines if d.duty is PlanDuty.R9)
    assert r9.due == transferred + timedelta(weeks=6) and view.breached

    twice = await run_start_plan(*argv)
    assert twice.status == 0, twice.err
    assert count(twice.out, "skipped, already imported") == 1

    bad = await run_start_plan(
        *argv[:2], "--team", "nowhere", "--start-date", "2026-02-30", "--year-group", "6"
    )
    assert bad.status == 2
    assert "error: --start-date: '2026-02-30' is not a real date" in bad.err
    unknown = await run_start_plan(*argv[:2], "--team", "nowhere", *argv[4:8])
    assert unknown.status == 2
    assert "error: --team: 'nowhere' is not a team of case officers in the directory; valid" in unknown.err


EXAMPLES = Path(__file__).resolve().parent.parent.parent / "docs" / "examples"


def renamed_examples(tmp_path: Path, suffix: str) -> list[Path]:
    """The example files with each reference given ``suffix``."""
    copies = []
    for name in ("plans.csv", "plan_reviews.csv"):
        lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
        renamed = [lines[0]]
        for line in lines[1:]:
            ref, rest = line.split(",", 1)
            renamed.append(f"{ref}-{suffix},{rest}")
        copies.append(tmp_path / name)
        copies[-1].write_text("\n".join(renamed) + "\n", encoding="utf-8")
    return copies


async def test_example_plans_of_make_demo_start_and_record_their_history(dev_server, db, tmp_path):
    """docs/examples/plans.csv and plan_reviews.csv as make demo imports them (their references made
    unique: the dev server is shared by the session)."""
    suffix = unique("x").removeprefix("x-")
    copies = renamed_examples(tmp_path, suffix)
    client = dev_server.env.client
    async with running_worker(client, plan_records=StorePlanRecords(db.sessions)) as (_, queue):
        argv = [copies[0], "--reviews", copies[1], "--database-url", db.url]
        argv += ["--temporal-address", client.service_client.config.target_host, "--task-queue", queue]
        done = await run_import_plans(*argv)
        assert done.status == 0, done.err
        assert count(done.out, "plans started") == 7
        refs = [f"{ref}-{suffix}" for ref in ("EH-2024-0001", "PL-2021-0107", "PL-2019-0042")]
        # every completed review and amendment of the history recorded by the workflows
        await wait_for(lambda: store_counts(db, refs) == {"plans": 3, "reviews": 11, "amendments": 3})
        gateway = PlanGateway(client, queue)
        assert (await gateway.read(refs[0])).review_overdue
        assert (await gateway.read(refs[1])).review_overdue
        assert (await gateway.read(refs[2])).plan.amendment is not None
