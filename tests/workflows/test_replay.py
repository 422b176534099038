"""Recorded histories of whole cases must replay against the current workflow code.

A change that makes the workflows non-deterministic for cases already open
fails here. Re-record only for a deliberate, patched change:
``EHCNA_RECORD_HISTORIES=1 pytest tests/workflows/test_assessment_cases.py
tests/workflows/test_plan_in_force.py`` (writes v10/);
move the previous version's files to a folder of their own first, so they keep being replayed.
"""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from ehcna.bootstrap import WORKFLOWS, workflow_runner
from tests.temporal_servers import converter

# v1: before alerts were sent beside the main loop (workflow.patched "alarms-in-background");
# v2: before case events were recorded by a local activity (workflow.patched "record-locally");
# v3: before advice clocks had ids no case reference can take (workflow.patched "advice-ids-apart");
# v4: before advice requests could be withdrawn, re-sent or given a date of receipt (new updates only)
# v5: before the case officer was told of advice received (workflow.patched "advice-received-notice")
# v6: before the advice clocks ran inside the case (workflow.patched "advice-clocks-in-case"); from v7
#     on an advice clock has no workflow, hence no history, of its own
# v7: before the case events waiting together were recorded by one local activity
#     (workflow.patched "record-in-one-go"); v8 adds a migrated case, whose start and steps wait together
# v8: before the final plan started the plan in force (workflow.patched "plan-in-force", a child abandoned
#     to live on); v9 adds a plan started, one already started under its reference, one without a year group
# v9: before the advice-received notice was first tried by a local activity (workflow.patched
#     "advice-notice-tried-locally") and the main loop kept its timer while the next wake-up was unchanged
#     (workflow.patched "timer-kept-while-unchanged")
HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("v*/*.json"))


@pytest.mark.parametrize("version", ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10"])
def test_histories_are_recorded(version: str):
    names = {p.stem for p in HISTORIES if p.parent.name == version}
    number = int(version.removeprefix("v"))  # "v10" comes before "v5" as a string
    assert {
        "plan_issued_within_20_weeks",
        "one_advice_late",
        "twenty_week_breach",
        "not_assessed",
        "assessed_no_plan",
        "e_abs_exception",
        "t4_refuses_early_final_plan",
        "withdrawn_mid_advice",
    } <= names
    if number >= 5:
        assert "advice_resent_and_received" in names
    if number >= 8:
        assert "migrated_at_advice" in names
    if number >= 9:
        assert {
            "plan_in_force_started",
            "plan_in_force_already_started",
            "plan_in_force_without_year_group",
        } <= names
    if number <= 6:
        assert "one_advice_late_advice_health" in names  # the advice clock's own workflow


# the worker's sandbox (the workflow packages passed through), and the SDK's default one, which runs the
# workflow modules afresh under its restrictions: a call to the clock, randomness or I/O there fails
RUNNERS: dict[str, Callable[[], WorkflowRunner]] = {
    "worker": workflow_runner,
    "strict": SandboxedWorkflowRunner,
}


def load(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    "record", [load(p) for p in HISTORIES], ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES]
)
@pytest.mark.parametrize("runner", ["worker", "strict"])
async def test_recorded_history_replays(record: dict, runner: str):
    history = WorkflowHistory.from_json(record["workflow_id"], record["history"])
    replayer = Replayer(workflows=WORKFLOWS, data_converter=converter(), workflow_runner=RUNNERS[runner]())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
