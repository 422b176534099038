import os
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from ehcna.gateway.codec import KeyRing
from ehcna.store.db import make_engine, session_factory
from tests.databases import backends, fresh_database
from tests.temporal_servers import dev_server_env, running_worker


def pytest_configure(config: pytest.Config) -> None:
    """One payload key ring for the whole run, in the environment before any test reads it: the
    tests' clients, their workers and every process they start encrypt and decrypt alike (and no
    key file is made in var/)."""
    os.environ.setdefault("EHCNA_PAYLOAD_KEYS", KeyRing.new("tests").text())


@dataclass
class DevServer:
    env: WorkflowEnvironment
    task_queue: str  # served by a worker with the default (logging) ports


@pytest.fixture(scope="session")
async def dev_server():
    """One real Temporal dev server and worker for the session; each test uses its own cases."""
    async with dev_server_env() as env, running_worker(env.client) as (_, queue):
        yield DevServer(env, queue)


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@pytest.fixture(params=backends())
def db(request, tmp_path):
    """An empty, migrated read model: SQLite, and PostgreSQL when CI provides it."""
    with fresh_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        try:
            yield Database(request.param, url, engine, session_factory(engine))
        finally:
            engine.dispose()
