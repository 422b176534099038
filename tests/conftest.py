from dataclasses import dataclass

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.temporal_servers import dev_server_env, running_worker


@dataclass
class DevServer:
    env: WorkflowEnvironment
    task_queue: str  # served by a worker with the default (logging) ports


@pytest.fixture(scope="session")
async def dev_server():
    """One real Temporal dev server and worker for the session; each test uses its own cases.

    The worker is started in the same fixture as the server: a worker started
    in a separate function-scoped async fixture was seen not to receive
    update tasks under pytest-asyncio.
    """
    async with dev_server_env() as env, running_worker(env.client) as (_, queue):
        yield DevServer(env, queue)
