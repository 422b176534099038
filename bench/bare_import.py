"""The import benchmark's bare baseline: start workflows that each record one no-op local activity.

    python -m bench.bare_import ADDRESS TASK_QUEUE      # the baseline's worker, as its own process
    python -m bench.bare_import ADDRESS TASK_QUEUE COUNT_FILE   # and BarePlan, counting its records


A ``BareImport`` workflow does what an imported case does at the least: it
records itself once (one no-op local activity, as the engine records a case's
start and its steps in one go) and ends. ``start_all`` starts ``count`` of
them with ``concurrency`` starts in flight, as the import command starts cases;
``wait_completed`` waits until the server counts them all completed.

A ``BarePlan`` workflow (the plan import's baseline, ``bench/import_plans.py``) records its start with
one no-op local activity and then sleeps, as a plan in force stays open. Given a ``COUNT_FILE``, the
worker also runs these and writes there, every 0.2 s, how many distinct workflows have had their local
activity run, so the bench can tell when every one is recorded.
"""

import asyncio
import os
import sys
import time
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

TIMEOUT = timedelta(seconds=10)


@activity.defn(name="bare_import_record")
async def record(ref: str) -> None:
    """Nothing: stands for the engine's record of a case's start and steps."""


@workflow.defn(name="BareImport")
class BareImport:
    @workflow.run
    async def run(self, ref: str) -> None:
        await workflow.execute_local_activity(record, ref, start_to_close_timeout=TIMEOUT)


PLAN_SLEEP = timedelta(days=365)
RECORDED: set[str] = set()  # the BarePlan workflows whose local activity has run, in this worker


@activity.defn(name="bare_plan_record")
async def record_plan(ref: str) -> None:
    """Nothing but a count: stands for the engine's record of a plan's start and its history."""
    RECORDED.add(ref)


@workflow.defn(name="BarePlan")
class BarePlan:
    @workflow.run
    async def run(self, ref: str) -> None:
        await workflow.execute_local_activity(record_plan, ref, start_to_close_timeout=TIMEOUT)
        await workflow.sleep(PLAN_SLEEP)


async def write_count(path: str, every: float = 0.2) -> None:
    """Keep ``path`` holding how many BarePlan workflows have been recorded (written whole, replaced)."""
    while True:
        _write_count(path, len(RECORDED))
        await asyncio.sleep(every)


def _write_count(path: str, count: int) -> None:
    temporary = f"{path}.tmp"
    with open(temporary, "w") as f:
        f.write(str(count))
    os.replace(temporary, path)


async def start_all(client: Client, queue: str, prefix: str, count: int, concurrency: int) -> float:
    """Start ``count`` workflows, ``concurrency`` starts in flight; the seconds it took."""
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            ref = f"{prefix}-{n:05d}"
            await client.start_workflow(BareImport.run, ref, id=f"bare-import-{ref}", task_queue=queue)

    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return time.perf_counter() - start


async def wait_completed(client: Client, queue: str, count: int, within: float) -> int:
    """Wait until ``count`` BareImport workflows of ``queue`` have completed (or ``within`` seconds)."""
    query = f"WorkflowType = 'BareImport' AND ExecutionStatus = 'Completed' AND TaskQueue = '{queue}'"
    start = time.perf_counter()
    done = 0
    while time.perf_counter() - start < within:
        done = (await client.count_workflows(query)).count
        if done >= count:
            break
        await asyncio.sleep(0.5)
    return done


async def run_worker(address: str, queue: str, count_file: str | None = None) -> None:
    client = await Client.connect(address)
    if count_file is None:
        print("bare worker ready", flush=True)
        await Worker(client, task_queue=queue, workflows=[BareImport], activities=[record]).run()
        return
    counting = asyncio.create_task(write_count(count_file))
    print("bare worker ready", flush=True)
    try:
        await Worker(client, task_queue=queue, workflows=[BarePlan], activities=[record_plan]).run()
    finally:
        counting.cancel()


if __name__ == "__main__":
    asyncio.run(run_worker(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
