"""Store and Temporal never silently disagree: the reconciliation job (a Temporal Schedule every 15
minutes) finds a case whose workflow was terminated behind the engine's back, marks it in the store,
alerts the team's manager and the head of service once, and shows it on the managers' pages."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import sqlalchemy as sa

from activities.reconcile import ReconcileActivities
from domain.case import RequestSource
from domain.clock import london_date
from domain.commands import Actor, Role, StartAssessment
from ehcna.bootstrap import build_notifications, build_worker, reconciler
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.schedules import RECONCILE_SCHEDULE_ID, ensure_reconcile_schedule
from ehcna.settings import Settings
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.faults import WorkflowFaultRow
from ehcna.store.models import CaseRow
from ehcna.web.accounts import save_account
from ehcna.web.app import create_app
from tests.notifications.policies import PEOPLE, make_policy
from tests.notifications.sinks import smtp_sink
from tests.web.apps import web_services
from workflows.reconcile import ReconcileWorkflow

OFFICER = Actor(user="north-1", role=Role.CASE_OFFICER, team="north")


async def stored(db, ref: str) -> None:
    for _ in range(100):
        with db.sessions() as s:
            if s.get(CaseRow, ref) is not None:
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{ref} never reached the store")


async def test_a_terminated_case_is_marked_alerted_once_and_shown_to_managers(dev_server, db):
    client = dev_server.env.client
    queue = f"reconcile-{uuid4().hex[:8]}"
    today = london_date(datetime.now(UTC))
    with smtp_sink() as smtp:
        alerts = build_notifications(make_policy(smtp.port), db.sessions, Settings())
        job = ReconcileActivities(reconciler(client, Settings(task_queue=queue), db.sessions, alerts))
        worker = build_worker(
            client, queue, records=StoreCaseRecords(db.sessions), notifications=alerts.port, reconcile=job
        )
        async with worker:
            cases = CaseGateway(client, queue)
            refs = [f"REC-{uuid4().hex[:6]}" for _ in range(2)]
            for ref in refs:
                start = StartAssessment(
                    ref=ref, day0=today, request_source=RequestSource.PARENT, team="north", by=OFFICER
                )
                await cases.start(start, today)
                await stored(db, ref)
            stopped, fine = refs
            await client.get_workflow_handle(f"ehcna-{stopped}").terminate("an operator, by mistake")

            run = dict(id=f"reconcile-{uuid4().hex[:6]}", task_queue=queue)
            assert await client.execute_workflow(ReconcileWorkflow.run, **run) == 1
            mails = smtp.wait_for(2)
            assert sorted(m.to for m in mails) == sorted([PEOPLE["north-lead"], PEOPLE["hos"]])
            assert {m.subject for m in mails} == {f"Case {stopped} is no longer being tracked"}
            assert "was terminated" in mails[0].text
            # again: nothing new is found and nobody is told twice
            run["id"] = f"reconcile-{uuid4().hex[:6]}"
            assert await client.execute_workflow(ReconcileWorkflow.run, **run) == 0
            await asyncio.sleep(0.5)
            assert len(smtp.received()) == 2

    with db.sessions() as s:
        rows = s.scalars(sa.select(WorkflowFaultRow)).all()
    assert [(r.case_ref, r.status) for r in rows] == [(stopped, "TERMINATED")]

    with db.sessions.begin() as s:
        save_account(s, "lead", Role.MANAGER, "north", "lead-password")
    app = create_app(web_services(client, db.sessions, queue), session_secret="s")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        form = (await http.get("/sign-in")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        await http.post(
            "/sign-in", data={"csrf_token": token, "username": "lead", "password": "lead-password"}
        )
        page = await http.get("/performance/alerts")
    assert page.status_code == 200
    table = page.text.split('id="stopped-cases"')[1].split("</table>")[0]
    assert stopped in table and "was terminated" in table and fine not in table


async def test_the_worker_keeps_a_schedule_that_reconciles_every_15_minutes(dev_server):
    client = dev_server.env.client
    await ensure_reconcile_schedule(client, "nobody-polls-this")
    handle = client.get_schedule_handle(RECONCILE_SCHEDULE_ID)
    try:
        described = await handle.describe()
        (interval,) = described.schedule.spec.intervals
        assert interval.every == timedelta(minutes=15)
        assert described.schedule.action.workflow == "Reconcile"  # type: ignore[union-attr]
        await ensure_reconcile_schedule(client, "nobody-polls-this")  # at every worker start: no error
    finally:
        await handle.delete()
