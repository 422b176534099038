"""Recorded histories of plans in force must replay against the current workflow code.

Record them with ``EHCNA_RECORD_HISTORIES=1 pytest tests/workflows/test_plan_cases.py`` (writes
tests/histories/plans/v1/). A later change to workflows/plan.py goes behind ``workflow.patched``, and the
histories of the version before it move to a folder of their own (v2/ ...) so they keep being replayed.
Each file is one run: a plan continues as new at each completed review.
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

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories" / "plans").glob("v*/*.json"))


def test_plan_histories_are_recorded():
    names = {p.stem for p in HISTORIES if p.parent.name == "v1"}
    assert {
        "maintained_first_run",
        "amended_in_time_second_run_open",
        "amended_late_second_run_open",
        "ceased_after_appeal_second_run",
        "phase_transfer_in_time_second_run_open",
        "phase_transfer_missed_open",
        "transferred_in_first_run",
        "five_years_first_review",
    } <= names
    # recorded after plan-records-while-closing: the same plans, and an action while an alert is held
    v2 = {p.stem for p in HISTORIES if p.parent.name == "v2"}
    assert names | {"action_while_closing_first_run"} <= v2
    # recorded after plan-record-in-one-go: an imported plan's start and history in one local activity
    v3 = {p.stem for p in HISTORIES if p.parent.name == "v3"}
    assert v2 | {"imported_with_a_review_first_run"} <= v3


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
async def test_recorded_plan_history_replays(record: dict, runner: str):
    history = WorkflowHistory.from_json(record["workflow_id"], record["history"])
    replayer = Replayer(workflows=WORKFLOWS, data_converter=converter(), workflow_runner=RUNNERS[runner]())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
