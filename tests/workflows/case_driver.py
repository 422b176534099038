"""Walk one case through its workflow, day by day, as people would."""

import json
import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.case import AdviceKind, RequestSource
from domain.clock import at_london_time, london_date
from domain.commands import (
    Actor,
    CaseCommand,
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RequestAdvice,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
)
from domain.views import CaseView
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.codec import EncryptionCodec, key_ring, remote_decode
from ehcna.settings import Settings
from workflows.advice import AdviceWorkflow
from workflows.assessment import AssessmentWorkflow
from workflows.ids import advice_workflow_id

OFFICER = Actor(user="officer-1", role=Role.CASE_OFFICER, team="north")
PROVIDER_TEAMS = {
    AdviceKind.PARENT: "family",
    AdviceKind.EDUCATION: "oak-school",
    AdviceKind.HEALTH: "icb-community-paeds",
    AdviceKind.EP: "ep-service",
    AdviceKind.SOCIAL_CARE: "childrens-social-care",
    AdviceKind.PFA: "pfa-team",
}
# histories recorded by the current code; earlier versions' stay in their own folders
HISTORIES = Path(__file__).resolve().parent.parent / "histories" / "v10"


# reg 6(1): the family's views (recorded by the officer, no clock) and four bodies' advice
REQUIRED_ADVICE = [
    AdviceKind.PARENT,
    AdviceKind.EDUCATION,
    AdviceKind.HEALTH,
    AdviceKind.EP,
    AdviceKind.SOCIAL_CARE,
]


def provider(kind: AdviceKind) -> Actor:
    """Who submits: the provider team's user, or the case officer for the family's views."""
    if kind is AdviceKind.PARENT:
        return OFFICER
    return Actor(user=f"{kind.lower()}-user", role=Role.PROVIDER, team=PROVIDER_TEAMS[kind])


class CaseDriver:
    def __init__(self, env: WorkflowEnvironment, handle: WorkflowHandle, day0: date, ref: str) -> None:
        self.env = env
        self.ref = ref
        self.handle = handle
        self.day0 = day0

    @classmethod
    async def start(
        cls,
        env: WorkflowEnvironment,
        task_queue: str,
        ref: str,
        days_ago: int = 0,
        year_group: int | None = 5,
        prior: Callable[[date], Sequence[CaseCommand]] | None = None,
    ) -> "CaseDriver":
        """``prior``: steps taken before the case came to the engine, given day 0 (a migrated case)."""
        today = london_date(await env.get_current_time())
        day0 = today - timedelta(days=days_ago)
        cmd = StartAssessment(
            ref=ref, day0=day0, request_source=RequestSource.PARENT, team="north", year_group=year_group
        )
        steps = prior(day0) if prior else ()
        started = await CaseGateway(env.client, task_queue).start(cmd, today, prior_actions=steps)
        handle = env.client.get_workflow_handle_for(AssessmentWorkflow.run, started.workflow_id)
        return cls(env, handle, day0, ref)

    @property
    def client(self) -> Client:
        return self.env.client

    def day(self, n: int) -> date:
        return self.day0 + timedelta(days=n)

    async def go_to_day(self, n: int, hour: int = 10) -> None:
        """Move the time-skipping clock to ``hour``:00 in England on day ``n``.

        On the dev server time cannot move: day ``n`` must not be after today.
        """
        if not self.env.supports_time_skipping:
            today = london_date(await self.env.get_current_time())
            assert self.day(n) <= today, f"day {n} is in the future on a real clock"
            return
        target = at_london_time(self.day(n), hour)
        now = await self.env.get_current_time()
        if target > now:
            await self.env.sleep(target - now)

    async def state(self) -> CaseView:
        return await self.handle.query(AssessmentWorkflow.state)

    async def decide_to_assess(self, n: int) -> CaseView:
        await self.go_to_day(n)
        return await self.handle.execute_update(
            AssessmentWorkflow.decide_to_assess, DecideToAssess(yes=True, on=self.day(n), by=OFFICER)
        )

    async def request_advice(self, n: int, kinds: list[AdviceKind] | None = None) -> CaseView:
        await self.go_to_day(n)
        view: CaseView | None = None
        for kind in kinds or REQUIRED_ADVICE:
            view = await self.handle.execute_update(
                AssessmentWorkflow.request_advice,
                RequestAdvice(
                    advice_kind=kind, provider_team=PROVIDER_TEAMS[kind], requested_on=self.day(n), by=OFFICER
                ),
            )
        assert view is not None
        return view

    async def submit_advice(self, n: int, kind: AdviceKind) -> CaseView:
        await self.go_to_day(n)
        return await self.handle.execute_update(
            AssessmentWorkflow.submit_advice,
            SubmitAdvice(
                advice_id=f"{kind}-1", returned_on=self.day(n), document_ref=f"DOC-{kind}", by=provider(kind)
            ),
        )

    async def decide_to_issue(self, n: int, yes: bool = True) -> CaseView:
        await self.go_to_day(n)
        return await self.handle.execute_update(
            AssessmentWorkflow.decide_to_issue,
            DecideToIssue(yes=yes, on=self.day(n), appeal_information_given=not yes, by=OFFICER),
        )

    async def serve_draft(self, n: int) -> CaseView:
        await self.go_to_day(n)
        return await self.handle.execute_update(
            AssessmentWorkflow.serve_draft, ServeDraft(on=self.day(n), by=OFFICER)
        )

    async def issue_final_plan(self, n: int) -> CaseView:
        await self.go_to_day(n)
        return await self.handle.execute_update(
            AssessmentWorkflow.issue_final_plan, IssueFinalPlan(on=self.day(n), by=OFFICER)
        )

    def advice_handle(self, advice_id: str) -> WorkflowHandle:
        return self.client.get_workflow_handle(advice_workflow_id(self.ref, advice_id))

    async def advice_alarms(self, advice_id: str) -> list[str]:
        """The alarms of an advice request's clock sent so far: the case's own (v7), else its child's."""
        sent = await self.handle.query(AssessmentWorkflow.advice_alarms_sent, advice_id)
        if sent is not None:
            return sent
        return await self.advice_handle(advice_id).query(AdviceWorkflow.alarms_sent)

    async def finish(self, name: str) -> CaseView:
        """Wait for the workflow's result; record its history for the replay tests."""
        result: CaseView = await self.handle.result()
        await save_history(self.handle, name)
        return result


async def _decrypted(node: Any, codec: EncryptionCodec) -> Any:
    """The history's JSON with every payload opened: the run's key is made for the run only, so a
    recorded history keeps its payloads in the clear (the codec reads clear payloads as they are)."""
    if isinstance(node, list):
        return [await _decrypted(x, codec) for x in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("metadata"), dict) and "data" in node:
        opened = await remote_decode(codec, {"payloads": [node]})
        return opened["payloads"][0]  # type: ignore[index]
    return {k: await _decrypted(v, codec) for k, v in node.items()}


async def save_history(handle: WorkflowHandle, name: str) -> None:
    """With EHCNA_RECORD_HISTORIES=1, write the history to tests/histories/v10/<name>.json."""
    if os.environ.get("EHCNA_RECORD_HISTORIES") != "1":
        return
    history = await handle.fetch_history()
    codec = EncryptionCodec(key_ring(Settings.from_env()))
    data: dict[str, Any] = await _decrypted(json.loads(history.to_json()), codec)
    HISTORIES.mkdir(exist_ok=True)
    record = {"workflow_id": handle.id, "history": data}
    (HISTORIES / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
