"""Access by team, everywhere: every case route of the API and the pages, walked as a case officer of
another team, is refused with 403 and audited; lists and inboxes show them nothing of the other team;
managers read every case and act on their own teams'; the head of service reads and acts on all."""

import asyncio

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from temporalio.service import RPCError

from ehcna.store.models import AuditRow
from ehcna.web import api as api_routes
from ehcna.web.case_actions import ACTIONS
from ehcna.web.pages import officer, provider
from tests.web.test_api import new_ref, start, today
from tests.web.test_pages import csrf_token, date_fields, site  # noqa: F401  (site: the pages' fixture)
from workflows.assessment import AssessmentWorkflow

ADVICE_ID = "HEALTH-1"


async def north_case_with_advice(api) -> str:
    ref = new_ref()
    await start(api, ref)
    officer = api.auth("officer")
    decided = await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    assert decided.status_code == 200, decided.text
    asked = await api.http.post(
        f"/api/cases/{ref}/request-advice",
        json={"advice_kind": "HEALTH", "provider_team": "icb-community-paeds", "requested_on": str(today())},
        headers=officer,
    )
    assert asked.status_code == 200, asked.text
    return ref


def refusals(api, ref: str) -> int:
    with api.db.sessions() as s:
        return s.scalar(
            sa.select(sa.func.count()).where(AuditRow.case_ref == ref, AuditRow.action == "forbidden")
        )


def case_paths(routes: list[APIRoute], prefix: str) -> list[tuple[str, str]]:
    """Every (method, path) with a case ``{ref}`` in it, under ``prefix``."""
    out = []
    for route in routes:
        if "{ref}" in route.path and route.path.startswith(prefix):
            out += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return out


def all_routes() -> list[APIRoute]:
    """The API's and the pages' routes, from their routers (the app nests included routers)."""
    return [r for router in (api_routes.router, officer.router, provider.router) for r in router.routes]


def concrete(path: str, ref: str, action: str) -> str:
    return path.replace("{ref}", ref).replace("{advice_id}", ADVICE_ID).replace("{action}", action)


async def test_every_case_route_of_the_api_refuses_an_officer_of_another_team(api):
    ref = await north_case_with_advice(api)
    walked = case_paths(all_routes(), "/api/")
    assert len(walked) >= len(ACTIONS) + 3  # the case, each action, the provider's two task actions
    for method, path in walked:
        r = await api.http.request(
            method, concrete(path, ref, ""), json={}, headers=api.auth("south-officer")
        )
        assert r.status_code == 403, (method, path, r.status_code, r.text)
    assert refusals(api, ref) == len(walked)  # each refusal audited, with the case it concerned
    # the case is as the north officer left it
    mine = await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))
    assert mine.status_code == 200 and mine.json()["case"]["stage"] == "advice"


async def test_every_case_page_refuses_an_officer_of_another_team(site):  # noqa: F811
    ref = await north_case_with_advice(site.api)
    walked = [(m, p) for m, p in case_paths(all_routes(), "/") if not p.startswith("/api/")]
    assert {p for _, p in walked} >= {"/cases/{ref}", "/cases/{ref}/{action}", "/tasks/{ref}/{advice_id}"}
    south = await site.signed_in("south-officer")
    token = await csrf_token(south, "/start-assessment")
    before = refusals(site.api, ref)
    for method, path in walked:
        actions = ACTIONS if "{action}" in path else [""]
        for action in actions:
            url = concrete(path, ref, action)
            r = await south.request(method, url, data={"csrf_token": token} if method == "POST" else None)
            assert r.status_code == 403, (method, url, r.status_code)
            assert "You cannot see this page" in r.text
    assert refusals(site.api, ref) > before


async def test_lists_and_inboxes_show_an_officer_only_their_own_team(api):
    ref = await north_case_with_advice(api)
    south = api.auth("south-officer")
    assert (await api.http.get("/api/cases?team=north", headers=south)).status_code == 403
    listed = await api.http.get("/api/cases", headers=south)
    assert listed.status_code == 200 and ref not in {c["ref"] for c in listed.json()}

    async def north_lists_it() -> bool:
        r = await api.http.get("/api/cases", headers=api.auth("officer"))
        return ref in {c["ref"] for c in r.json()}

    assert await eventually_async(north_lists_it)
    inbox = await api.http.get("/api/inbox", headers=south)
    assert ref not in {t["case_ref"] for t in inbox.json()}
    mine = await api.http.get("/api/inbox", headers=api.auth("officer"))
    assert ref in {t["case_ref"] for t in mine.json()}


async def test_an_officer_cannot_start_a_case_for_another_team(site):  # noqa: F811
    body = {"ref": new_ref(), "day0": str(today()), "request_source": "PARENT", "team": "north"}
    r = await site.api.http.post("/api/cases", json=body, headers=site.api.auth("south-officer"))
    assert r.status_code == 403 and "own team" in r.json()["detail"]
    south = await site.signed_in("south-officer")
    data = {"ref": new_ref(), "request_source": "PARENT", "team": "north", **date_fields("day0", today())}
    page = await south.post(
        "/start-assessment", data={"csrf_token": await csrf_token(south, "/start-assessment"), **data}
    )
    assert page.status_code == 403
    missing = await site.api.http.get(f"/api/cases/{data['ref']}", headers=site.api.auth("head"))
    assert missing.status_code == 404  # nothing was started


async def test_managers_read_every_case_and_act_on_their_teams_and_the_head_of_service_on_all(api):
    ref = await north_case_with_advice(api)
    south_manager = api.auth("south-manager")
    assert (await api.http.get(f"/api/cases/{ref}", headers=south_manager)).status_code == 200
    withdraw = {"on": str(today())}
    refused = await api.http.post(f"/api/cases/{ref}/withdraw", json=withdraw, headers=south_manager)
    assert refused.status_code == 403 and "do not manage" in refused.json()["detail"]
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("manager"))).status_code == 200
    done = await api.http.post(f"/api/cases/{ref}/withdraw", json=withdraw, headers=api.auth("head"))
    assert done.status_code == 200 and done.json()["stage"] == "closed"


async def eventually_async(check, seconds: float = 15.0) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def test_a_case_moves_between_teams_only_by_a_recorded_reassignment(api):
    ref = await north_case_with_advice(api)
    move = {"team": "south", "on": str(today())}
    refused = await api.http.post(f"/api/cases/{ref}/reassign-team", json=move, headers=api.auth("officer"))
    assert refused.status_code == 409 and refused.json()["detail"]["field"] == "by"
    moved = await api.http.post(f"/api/cases/{ref}/reassign-team", json=move, headers=api.auth("manager"))
    assert moved.status_code == 200 and moved.json()["case"]["team"] == "south"
    assert moved.json()["stage"] == "advice"  # the clock runs on
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("south-officer"))).status_code == 200
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).status_code == 403
    with api.db.sessions() as s:
        steps = s.scalars(
            sa.select(AuditRow.action).where(AuditRow.case_ref == ref, AuditRow.seq.is_not(None))
        )
        assert "reassign_team" in list(steps)
    # the advice clock runs inside the case (v7): its reminders and breaches are raised with the case's
    # team as it stands when they fall due, so south's; no advice workflow of its own is left to tell
    client = api.app.state.services.cases.client
    case = client.get_workflow_handle(f"ehcna-{ref}")
    assert await case.query(AssessmentWorkflow.advice_alarms_sent, ADVICE_ID) == []
    with pytest.raises(RPCError):
        await client.get_workflow_handle(f"ehcna-{ref}/advice/{ADVICE_ID}").describe()
