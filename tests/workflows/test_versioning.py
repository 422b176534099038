"""Changing workflow code while cases are open: guard the change with workflow.patched.

Cases live 20 weeks or more. The recorded histories in tests/histories/ were
made by an earlier version of the code; a change that is not patched breaks
them, a patched one replays them unchanged.
"""

import json
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.temporal_servers import converter
from tests.workflows.patched_versions import PatchedAssessment, UnpatchedAssessment
from workflows.advice import AdviceWorkflow

HISTORY = Path(__file__).resolve().parent.parent / "histories" / "v1" / "plan_issued_within_20_weeks.json"


def old_history() -> WorkflowHistory:
    record = json.loads(HISTORY.read_text())
    return WorkflowHistory.from_json(record["workflow_id"], record["history"])


async def replay_with(workflow_class: type) -> None:
    replayer = Replayer(workflows=[workflow_class, AdviceWorkflow], data_converter=converter())
    await replayer.replay_workflow(old_history())


async def test_an_old_history_still_replays_after_a_patched_change():
    await replay_with(PatchedAssessment)


async def test_the_same_change_unpatched_breaks_open_cases():
    with pytest.raises(workflow.NondeterminismError):
        await replay_with(UnpatchedAssessment)
