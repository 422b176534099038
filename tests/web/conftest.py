from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from domain.commands import Role
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.plans import StorePlanRecords
from ehcna.web.accounts import issue_token, save_account
from ehcna.web.app import create_app
from tests.temporal_servers import running_worker
from tests.web.apps import web_services

PEOPLE = {
    "officer": (Role.CASE_OFFICER, "north"),
    "manager": (Role.MANAGER, "north"),
    "health": (Role.PROVIDER, "icb-community-paeds"),
    "school": (Role.PROVIDER, "oak-school"),
    "social-care": (Role.PROVIDER, "social-care"),
    # another team's people, and the head of service: the cross-team walk (test_access.py)
    "south-officer": (Role.CASE_OFFICER, "south"),
    "south-manager": (Role.MANAGER, "south"),
    "head": (Role.ADMIN, None),
}


@dataclass
class Api:
    http: httpx.AsyncClient  # talks to ``app`` in-process
    tokens: dict[str, str]
    db: object
    app: FastAPI  # the app itself, for tests that serve it another way (uvicorn, a browser)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
async def api(dev_server, db) -> AsyncIterator[Api]:
    """The real app on the real dev server and store, with a store-writing worker."""
    tokens = {}
    with db.sessions.begin() as s:
        for name, (role, team) in PEOPLE.items():
            save_account(s, name, role, team, f"{name}-password")
            tokens[name] = issue_token(s, name, "tests")
    records, plans = StoreCaseRecords(db.sessions), StorePlanRecords(db.sessions)
    async with running_worker(dev_server.env.client, records=records, plan_records=plans) as (_, queue):
        app = create_app(
            web_services(dev_server.env.client, db.sessions, queue), session_secret="test-secret"
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http, tokens, db, app)
