"""The plan in force is started once however the worker dies (v9, workflow.patched "plan-in-force").

The product's real processes: the worker is killed (SIGKILL) the moment the final plan is issued, while
the case is starting its plan, and started again. The case finishes, its history holds one start of the
plan, Temporal holds one plan workflow, and the store one plan recorded from its first event.
"""

import signal
from uuid import uuid4

import sqlalchemy as sa
from temporalio.api.enums.v1 import EventType

from domain.commands import DecideToAssess, RecordFamilyResponse
from ehcna.gateway.client import connect
from ehcna.gateway.plans import PlanGateway
from ehcna.settings import Settings
from ehcna.store.plans import PlanRow
from tests.ops.processes import free_port, start_temporal, start_worker, stop
from tests.ops.test_restarts import RealClockEnv, eventually, mail
from tests.workflows.case_driver import OFFICER, REQUIRED_ADVICE, CaseDriver
from workflows.assessment import AssessmentWorkflow
from workflows.ids import plan_workflow_id

__all__ = ["mail"]  # the fixture


async def test_plan_in_force_started_once_when_the_worker_is_killed_as_the_final_plan_is_issued(
    db, tmp_path, mail
):
    port = free_port()
    address = f"127.0.0.1:{port}"
    temporal = await start_temporal(tmp_path / "temporal.db", port)
    queue = f"plan-kill9-{uuid4().hex[:6]}"
    ref = f"PK9-{uuid4().hex[:6]}"
    try:
        worker = await start_worker(address, queue, db.url, mail.port)
        client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
        case = await CaseDriver.start(RealClockEnv(client), queue, ref, days_ago=70, year_group=4)
        await case.handle.execute_update(
            AssessmentWorkflow.decide_to_assess, DecideToAssess(yes=True, on=case.day(5), by=OFFICER)
        )
        await case.request_advice(10)
        for kind in REQUIRED_ADVICE:
            await case.submit_advice(50, kind)
        await case.decide_to_issue(55)
        await case.serve_draft(57)
        await case.handle.execute_update(
            AssessmentWorkflow.record_family_response, RecordFamilyResponse(on=case.day(58), by=OFFICER)
        )
        await case.issue_final_plan(70)
        await stop(worker, signal.SIGKILL)  # as the case goes on to start its plan
        worker = await start_worker(address, queue, db.url, mail.port)
        result = await case.handle.result()
        assert result.case.outcome == "PLAN_ISSUED"

        history = await case.handle.fetch_history()
        initiated = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
        assert sum(e.event_type == initiated for e in history.events) == 1
        runs = [wf async for wf in client.list_workflows(f"WorkflowId = '{plan_workflow_id(ref)}'")]
        assert len(runs) == 1
        view = await PlanGateway(client, queue).read(ref)
        assert view.plan.start_on == case.day(70)

        def recorded() -> list[tuple[str, int]]:
            with db.sessions() as s:
                return [
                    tuple(r) for r in s.execute(sa.select(PlanRow.ref, PlanRow.seq).where(PlanRow.ref == ref))
                ]

        async def stored() -> bool:
            return recorded() == [(ref, 1)]

        await eventually(stored)
    finally:
        if "worker" in locals():
            await stop(worker)
        await stop(temporal)
