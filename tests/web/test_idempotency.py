"""The Idempotency-Key header: a retried action joins the first and is applied once.

On the real workflows and store (the ``api`` fixture). The web app killed
mid-request is in tests/ops/test_web_restart.py.
"""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import httpx
import sqlalchemy as sa

from domain.clock import london_date
from domain.commands import Role
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.models import AuditRow
from ehcna.web.accounts import issue_token, save_account
from ehcna.web.app import create_app
from ehcna.web.case_actions import ACTIONS
from ehcna.web.services import Services
from tests.temporal_servers import build_worker_on
from tests.web.apps import web_services


def today():
    return london_date(datetime.now(UTC))


def new_ref() -> str:
    return f"IDEM-{uuid4().hex[:6]}"


def keyed(api, who: str, key: str) -> dict[str, str]:
    return {**api.auth(who), "Idempotency-Key": key}


def audit(api, ref: str, action: str) -> int:
    with api.db.sessions() as s:
        return s.scalar(sa.select(sa.func.count()).where(AuditRow.case_ref == ref, AuditRow.action == action))


async def start_with_health_advice(api, ref: str) -> None:
    officer = api.auth("officer")
    body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
    assert (await api.http.post("/api/cases", json=body, headers=officer)).status_code == 201
    for path, body in (
        ("decide-to-assess", {"yes": True, "on": str(today())}),
        (
            "request-advice",
            {"advice_kind": "HEALTH", "provider_team": "icb-community-paeds", "requested_on": str(today())},
        ),
    ):
        r = await api.http.post(f"/api/cases/{ref}/{path}", json=body, headers=officer)
        assert r.status_code == 200, r.text


async def test_a_retried_submission_with_its_key_answers_the_first_result_and_records_once(api):
    ref = new_ref()
    await start_with_health_advice(api, ref)
    url = f"/api/tasks/{ref}/HEALTH-1/submit"
    body = {"returned_on": str(today()), "document_ref": "EHC-HEALTH-1"}
    key = str(uuid4())
    first = await api.http.post(url, json=body, headers=keyed(api, "health", key))
    assert first.status_code == 200, first.text
    again = await api.http.post(url, json=body, headers=keyed(api, "health", key))
    assert again.status_code == 200, again.text
    assert again.json() == first.json()  # the first action's own result, not a second application
    assert audit(api, ref, "submit_advice") == 1
    # without the key (or with a new one) the same submission is a new request: the rule refuses it
    for headers in (api.auth("health"), keyed(api, "health", str(uuid4()))):
        r = await api.http.post(url, json=body, headers=headers)
        assert r.status_code == 409, r.text
        assert r.json()["detail"]["field"] == "advice_id"
        assert "already submitted" in r.json()["detail"]["reason"]
    # the same key with a different body is not answered from the first request either
    changed = await api.http.post(
        url, json={**body, "document_ref": "EHC-HEALTH-2"}, headers=keyed(api, "health", key)
    )
    assert changed.status_code == 409 and "already submitted" in changed.json()["detail"]["reason"]
    assert audit(api, ref, "submit_advice") == 1


async def test_concurrent_requests_with_one_key_are_one_action(api):
    ref = new_ref()
    body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
    assert (await api.http.post("/api/cases", json=body, headers=api.auth("officer"))).status_code == 201
    key = str(uuid4())
    decision = {"yes": True, "on": str(today())}
    answers = await asyncio.gather(
        *(
            api.http.post(
                f"/api/cases/{ref}/decide-to-assess", json=decision, headers=keyed(api, "officer", key)
            )
            for _ in range(4)
        )
    )
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["stage"] == "advice"
    assert audit(api, ref, "decide_to_assess") == 1


async def test_keys_belong_to_one_user_and_one_case(api):
    refs = [new_ref(), new_ref()]
    for ref in refs:
        body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
        assert (await api.http.post("/api/cases", json=body, headers=api.auth("officer"))).status_code == 201
    key = "shared-key-1"
    decision = {"yes": True, "on": str(today())}
    # the same key on two cases: two actions, each applied to its own case
    for ref in refs:
        r = await api.http.post(
            f"/api/cases/{ref}/decide-to-assess", json=decision, headers=keyed(api, "officer", key)
        )
        assert r.status_code == 200 and r.json()["case"]["ref"] == ref
        assert audit(api, ref, "decide_to_assess") == 1
    # another user's request with the same key is not answered from the officer's
    r = await api.http.post(
        f"/api/cases/{refs[0]}/decide-to-assess", json=decision, headers=keyed(api, "manager", key)
    )
    assert r.status_code == 409 and "already recorded" in r.json()["detail"]["reason"]
    assert audit(api, refs[0], "decide_to_assess") == 1


async def test_a_retry_of_the_action_that_closed_the_case_still_gets_its_result(api):
    ref = new_ref()
    body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
    assert (await api.http.post("/api/cases", json=body, headers=api.auth("officer"))).status_code == 201
    key = str(uuid4())
    url = f"/api/cases/{ref}/withdraw"
    first = await api.http.post(url, json={"on": str(today())}, headers=keyed(api, "officer", key))
    assert first.status_code == 200, first.text
    again = await api.http.post(url, json={"on": str(today())}, headers=keyed(api, "officer", key))
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    other = await api.http.post(url, json={"on": str(today())}, headers=keyed(api, "officer", str(uuid4())))
    assert other.status_code == 409 and "closed" in other.json()["detail"]["reason"]
    assert audit(api, ref, "withdraw") == 1


async def test_a_malformed_key_is_refused_before_anything_is_sent(api):
    ref = new_ref()
    body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
    assert (await api.http.post("/api/cases", json=body, headers=api.auth("officer"))).status_code == 201
    for bad in ("", "has space", "x" * 256):
        r = await api.http.post(
            f"/api/cases/{ref}/decide-to-assess",
            json={"yes": True, "on": str(today())},
            headers=keyed(api, "officer", bad),
        )
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert audit(api, ref, "decide_to_assess") == 0


def test_every_action_route_documents_the_key():
    paths = create_app(session_secret="doc").openapi()["paths"]
    action_routes = [f"/api/cases/{{ref}}/{name}" for name in ACTIONS] + [
        "/api/tasks/{ref}/{advice_id}/submit",
        "/api/tasks/{ref}/{advice_id}/exception",
    ]
    for path in action_routes:
        op = paths[path]["post"]
        headers = [p for p in op["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
        assert not headers[0]["required"]
        assert "Idempotency-Key" in op["description"] and "409" in op["description"], path
        assert "409" in op["responses"], path


def app_client(services: Services) -> httpx.AsyncClient:
    app = create_app(services, session_secret="test-secret")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_an_action_no_worker_takes_answers_503_and_its_keyed_retry_applies_it_once(dev_server, db):
    """A stopped (or swamped) worker: the request is answered in bounded time, not held for ever."""
    with db.sessions.begin() as s:
        save_account(s, "busy-officer", Role.CASE_OFFICER, "north", "busy-officer-password")
        token = issue_token(s, "busy-officer", "tests")
    queue = f"no-worker-{uuid4().hex[:6]}"
    client = dev_server.env.client
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid4())}
    ref = new_ref()
    decide = {"yes": True, "on": str(today())}
    async with app_client(web_services(client, db.sessions, queue, action_timeout=1.0)) as http:
        body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
        assert (await http.post("/api/cases", json=body, headers=headers)).status_code == 201
        late = await http.post(f"/api/cases/{ref}/decide-to-assess", json=decide, headers=headers)
        assert late.status_code == 503, late.text
        assert late.headers["Retry-After"] == "5"
        assert "may still be applied" in late.json()["detail"]["reason"]

    async with (
        build_worker_on(client, queue, StoreCaseRecords(db.sessions)),
        app_client(web_services(client, db.sessions, queue)) as http,
    ):
        retried = await http.post(f"/api/cases/{ref}/decide-to-assess", json=decide, headers=headers)
        assert retried.status_code == 200, retried.text
        assert retried.json()["case"]["decision_to_assess"]["yes"] is True
    with db.sessions() as s:
        assert (
            s.scalar(
                sa.select(sa.func.count()).where(
                    AuditRow.case_ref == ref, AuditRow.action == "decide_to_assess"
                )
            )
            == 1
        )
