"""Walk one plan in force through its workflow, date by date, as people would."""

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.clock import at_london_time, london_date
from domain.commands import Actor, Role
from domain.plan import ReviewOutcome
from domain.plan_commands import (
    CirculateReviewAdvice,
    DecideReview,
    HoldReviewMeeting,
    PlanCommand,
    ReceiveReviewReport,
    ScheduleReviewMeeting,
    StartPlan,
)
from domain.plan_views import PlanView
from ehcna.gateway.codec import EncryptionCodec, key_ring
from ehcna.gateway.plans import PlanGateway
from ehcna.settings import Settings
from tests.workflows.case_driver import _decrypted
from workflows.plan import PlanWorkflow

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER, team="north")
SCHOOL = Actor(user="senco-1", role=Role.PROVIDER, team="oak-primary")
# the plan workflow's recorded histories, replayed by tests/workflows/test_plan_replay.py
# v1: recorded before plan-records-while-closing, v2 before plan-record-in-one-go, kept to be replayed
HISTORIES = Path(__file__).resolve().parent.parent / "histories" / "plans" / "v3"


class PlanDriver:
    def __init__(self, env: WorkflowEnvironment, gateway: PlanGateway, ref: str) -> None:
        self.env = env
        self.gateway = gateway
        self.ref = ref

    @classmethod
    async def start(cls, env: WorkflowEnvironment, queue: str, ref: str, **start: Any) -> "PlanDriver":
        """``start``: the fields of ``StartPlan`` beyond the reference and team (start_on: today)."""
        today = await cls.today_of(env)
        start.setdefault("start_on", today)
        cmd = StartPlan(ref=ref, team="north", setting_team="oak-primary", **start)
        gateway = PlanGateway(env.client, queue)
        await gateway.start(cmd, today)
        return cls(env, gateway, ref)

    @staticmethod
    async def today_of(env: WorkflowEnvironment) -> date:
        return london_date(await env.get_current_time())

    async def today(self) -> date:
        return await self.today_of(self.env)

    @property
    def handle(self) -> WorkflowHandle[Any, Any]:
        return self.gateway.handle(self.ref)

    async def go_to(self, day: date, hour: int = 10) -> None:
        """Move the time-skipping clock to ``hour``:00 in England on ``day``."""
        target = at_london_time(day, hour)
        now = await self.env.get_current_time()
        if target > now:
            await self.env.sleep(target - now)

    async def act(self, cmd: PlanCommand) -> PlanView:
        await self.go_to(cmd.on)
        return await self.gateway.act(self.ref, cmd)

    async def state(self) -> PlanView:
        return await self.gateway.read(self.ref)

    async def alarms_sent(self) -> list[str]:
        return await self.handle.query(PlanWorkflow.alarms_sent)

    async def run_id(self) -> str:
        described = await self.handle.describe()
        assert described.run_id is not None
        return described.run_id

    async def review(self, meeting: date, decision: DecideReview | None = None) -> PlanView:
        """A whole review convened by the school: invitations 3 weeks ahead, advice 2 weeks ahead, the
        report a week after; the LA's decision (maintain, a week after the meeting, unless given)."""
        await self.act(ScheduleReviewMeeting(meeting_on=meeting, on=meeting - timedelta(days=21), by=SCHOOL))
        await self.act(CirculateReviewAdvice(on=meeting - timedelta(days=14), by=SCHOOL))
        await self.act(HoldReviewMeeting(on=meeting, by=SCHOOL))
        await self.act(ReceiveReviewReport(on=meeting + timedelta(days=7), by=SCHOOL))
        decision = decision or DecideReview(
            outcome=ReviewOutcome.MAINTAIN, on=meeting + timedelta(days=7), by=OFFICER
        )
        return await self.act(decision)

    async def save_history(self, name: str, run_id: str | None = None) -> None:
        """With EHCNA_RECORD_HISTORIES=1, write one run's history to tests/histories/plans/v3/<name>.json."""
        if os.environ.get("EHCNA_RECORD_HISTORIES") != "1":
            return
        handle = self.env.client.get_workflow_handle(self.handle.id, run_id=run_id)
        history = await handle.fetch_history()
        codec = EncryptionCodec(key_ring(Settings.from_env()))
        data: dict[str, Any] = await _decrypted(json.loads(history.to_json()), codec)
        HISTORIES.mkdir(parents=True, exist_ok=True)
        (HISTORIES / f"{name}.json").write_text(
            json.dumps({"workflow_id": handle.id, "history": data}, indent=1) + "\n"
        )
