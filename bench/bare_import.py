"""The import benchmark's bare baseline: start workflows that each record one no-op local activity.

    python -m bench.bare_import ADDRESS TASK_QUEUE      # the baseline's worker, as its own process

A ``BareImport`` workflow does what an imported case does at the least: it
records itself once (one no-op local activity, as the engine records a case's
start and its steps in one go) and ends. ``start_all`` starts ``count`` of
them with ``concurrency`` starts in flight, as the import command starts cases;
``wait_completed`` waits until the server counts them all completed.
"""

import asyncio
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


async def run_worker(address: str, queue: str) -> None:
    client = await Client.connect(address)
    print("bare worker ready", flush=True)
    await Worker(client, task_queue=queue, workflows=[BareImport], activities=[record]).run()


if __name__ == "__main__":
    asyncio.run(run_worker(sys.argv[1], sys.argv[2]))
