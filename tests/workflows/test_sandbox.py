"""The worker's sandbox passes the workflow packages through, and still refuses what a workflow must not do.

Each workflow the sandbox creates used to run ``workflows/assessment.py`` (and the modules it imports
from ``workflows``) afresh: a quarter of the worker's CPU in an import of open cases and most of a
cached case's memory. ``ehcna.bootstrap.workflow_runner`` passes them through; the replayers of the
recorded histories use it too (test_replay.py, test_plan_replay.py), and replay them under the SDK's
default sandbox as well, which still checks the workflow modules themselves.
"""

import sys
from uuid import uuid4

from temporalio.worker import Worker

from ehcna.bootstrap import PASSED_THROUGH, build_worker, workflow_runner
from tests.workflows.sandbox_probe import SandboxProbe
from workflows.assessment import AssessmentWorkflow


def test_the_runner_passes_the_workflow_packages_through():
    restrictions = workflow_runner().restrictions
    assert {"workflows", "domain", "activities"} <= set(PASSED_THROUGH) <= restrictions.passthrough_modules
    assert not restrictions.passthrough_all_modules  # anything else a workflow imports is still restricted


async def test_the_worker_runs_its_workflows_with_that_runner(dev_server):
    worker = build_worker(dev_server.env.client, f"test-{uuid4().hex[:8]}")
    assert worker.config()["workflow_runner"] == workflow_runner()


async def test_a_workflow_shares_the_workers_modules_and_is_still_refused_the_clock_and_files(dev_server):
    client, queue = dev_server.env.client, f"test-{uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=[SandboxProbe], workflow_runner=workflow_runner()):
        seen = [
            await client.execute_workflow(SandboxProbe.run, id=f"probe-{uuid4().hex}", task_queue=queue)
            for _ in range(2)
        ]
    # the module passed through: the worker's own, not a fresh copy per workflow
    host = id(sys.modules[AssessmentWorkflow.__module__])
    assert seen[0].assessment_module == seen[1].assessment_module == host
    # the sandbox still checks the workflow's own module and the builtins
    assert all(s.now_refused and s.open_refused for s in seen)
