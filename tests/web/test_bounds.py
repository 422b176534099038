"""Errors and bounds: out-of-range input is 422 with its field, a large body 413, and no route answers
500 when Temporal is down or a case is swamped; every answer carries its security headers."""

import asyncio
from datetime import timedelta

import httpx

from domain.commands import Role
from ehcna.web.accounts import issue_token, save_account
from ehcna.web.app import create_app
from tests.temporal_servers import dev_server_env
from tests.web.apps import web_services
from tests.web.test_api import new_ref, start, today


def start_body(**changes: object) -> dict:
    return {"ref": new_ref(), "day0": str(today()), "request_source": "PARENT", "team": "north", **changes}


async def test_out_of_range_input_is_422_with_its_field(api):
    officer = api.auth("officer")
    huge = await api.http.post(
        "/api/cases",
        content=b'{"ref": "B-1", "day0": "2026-01-05", "request_source": "PARENT", "team": "north", '
        b'"year_group": 1e309}',
        headers={**officer, "content-type": "application/json"},
    )
    assert huge.status_code == 422 and huge.json()["detail"][0]["loc"][-1] == "year_group", huge.text
    too_old = await api.http.post("/api/cases", json=start_body(day0="0001-01-01"), headers=officer)
    assert too_old.status_code == 422
    assert too_old.json()["detail"]["field"] == "day0"
    assert "1 September 2014" in too_old.json()["detail"]["reason"]
    year = await api.http.post("/api/cases", json=start_body(year_group=15), headers=officer)
    assert year.status_code == 422 and year.json()["detail"][0]["loc"][-1] == "year_group"
    month = await api.http.get("/api/kpis?month=0001-01", headers=api.auth("manager"))
    assert month.status_code == 422 and month.json()["detail"]["field"] == "month"


async def test_a_body_over_the_limit_is_refused_unread_with_413(api):
    big = b'{"ref": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = await api.http.post(
        "/api/cases", content=big, headers={**api.auth("officer"), "content-type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["detail"]["field"] == "body"

    async def chunks():  # no Content-Length: counted as it arrives
        for _ in range(3):
            yield b"x" * (512 * 1024)

    streamed = await api.http.post(
        "/api/cases", content=chunks(), headers={**api.auth("officer"), "content-type": "application/json"}
    )
    assert streamed.status_code == 413


async def test_pages_and_api_carry_a_content_security_policy_and_hsts_over_tls(api):
    page = await api.http.get("/sign-in")
    policy = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )
    assert "<script>" not in page.text  # no inline script for the policy to allow
    assert "strict-transport-security" not in page.headers
    tls = create_app(api.app.state.services, session_secret="s", cookie_secure=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=tls), base_url="https://testserver"
    ) as http:
        assert "max-age=" in (await http.get("/sign-in")).headers["strict-transport-security"]


async def test_the_api_documents_are_served_from_the_app_not_a_cdn(api):
    for path, asset in (
        ("/docs", "/static/vendor/swagger-ui-bundle.js"),
        ("/redoc", "/static/vendor/redoc.standalone.js"),
    ):
        page = await api.http.get(path, headers=api.auth("officer"))
        assert page.status_code == 200 and asset in page.text and "http" not in page.text.split("<body")[1]
        assert (await api.http.get(asset)).status_code == 200


async def test_no_route_answers_500_when_temporal_is_down(db):
    async with dev_server_env() as env:
        app = create_app(web_services(env.client, db.sessions, "down", action_timeout=2), session_secret="s")
    # the server is gone: its client is left pointing at nothing

    with db.sessions.begin() as s:
        save_account(s, "down-officer", Role.CASE_OFFICER, "north", "down-officer-password")
        token = issue_token(s, "down-officer", "tests")
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        answers = [
            await http.get("/api/cases", headers=auth),
            await http.get("/api/cases/EH-1", headers=auth),
            await http.post("/api/cases", json=start_body(), headers=auth),
            await http.post("/api/cases/EH-1/withdraw", json={"on": str(today())}, headers=auth),
        ]
    for r in answers:
        assert r.status_code == 503, (r.request.url, r.status_code, r.text)
        assert r.headers["retry-after"] == "5"


async def test_a_swamped_case_answers_each_action_and_never_500(api):
    ref = new_ref()
    await start(api, ref, days_ago=1)
    officer = api.auth("officer")
    body = {"yes": True, "on": str(today() - timedelta(days=0))}

    async def decide() -> int:
        return (
            await api.http.post(f"/api/cases/{ref}/decide-to-assess", json=body, headers=officer)
        ).status_code

    codes = await asyncio.gather(*(decide() for _ in range(60)))
    assert 500 not in codes, codes
    assert codes.count(200) == 1 and set(codes) <= {200, 409, 503}, codes
