"""The JSON API on the real workflows and store: happy paths, refusals, 401 and 403."""

import re
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import sqlalchemy as sa

from domain.clock import london_date
from domain.words import day_in_words
from ehcna.store.models import AuditRow, CaseRow
from ehcna.web.app import create_app
from tests.importer.rows import load_closed_case


def today():
    return london_date(datetime.now(UTC))


def new_ref() -> str:
    return f"API-{uuid4().hex[:6]}"


async def start(api, ref: str, days_ago: int = 30) -> dict:
    body = {
        "ref": ref,
        "day0": str(today() - timedelta(days=days_ago)),
        "request_source": "PARENT",
        "team": "north",
    }
    r = await api.http.post("/api/cases", json=body, headers=api.auth("officer"))
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_reference_only_the_store_holds_is_refused(api, tmp_path):
    """A case imported as closed history has no workflow: its reference is still taken."""
    ref = new_ref()
    load_closed_case(api.db.sessions, tmp_path, ref, today() - timedelta(days=400))
    body = {"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"}
    r = await api.http.post("/api/cases", json=body, headers=api.auth("officer"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == {
        "field": "ref",
        "reason": f"case reference {ref} already exists; each case has one reference",
    }
    with api.db.sessions() as s:  # the imported case is as it was
        assert s.get(CaseRow, ref).outcome == "NOT_ASSESSED"


async def test_every_api_route_needs_credentials(api):
    # the OpenAPI document lists every API operation (included routers too)
    paths = {p: ops for p, ops in create_app().openapi()["paths"].items() if p.startswith("/api")}
    assert len(paths) >= 15
    for path, operations in paths.items():
        for method in operations:
            url = path.replace("{ref}", "X").replace("{advice_id}", "Y").replace("{appeal_id}", "1")
            r = await api.http.request(method.upper(), url, json={})
            assert r.status_code == 401, (method, path, r.status_code)


async def test_the_api_documents_need_credentials_like_the_api(api):
    documents = ("/openapi.json", "/docs", "/redoc")
    for path in documents:
        r = await api.http.get(path)
        assert r.status_code == 401, (path, r.status_code)
        if path == "/openapi.json":  # answered as the API answers
            assert r.headers["www-authenticate"] == "Bearer" and "detail" in r.json()
        r = await api.http.get(path, headers=api.auth("health"))  # any role's token
        assert r.status_code == 200, (path, r.status_code)
    schema = (await api.http.get("/openapi.json", headers=api.auth("officer"))).json()
    assert "/api/cases" in schema["paths"] and "/docs" not in schema["paths"]
    docs = await api.http.get("/docs", headers=api.auth("officer"))
    assert "/openapi.json" in docs.text  # Swagger UI fetches it with the signed-in user's cookie
    # a signed-in user reads them with the session cookie alone
    form = (await api.http.get("/sign-in")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on /sign-in"
    signed_in = await api.http.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "username": "manager", "password": "manager-password"},
    )
    assert signed_in.status_code == 303, signed_in.text
    for path in documents:
        r = await api.http.get(path)
        assert r.status_code == 200, (path, r.status_code)


async def test_case_officer_starts_a_case_and_sees_its_deadlines(api):
    ref = new_ref()
    started = await start(api, ref)
    assert started["workflow_id"] == f"ehcna-{ref}"
    keys = [d["duty"] for d in started["case"]["deadlines"]]
    assert {"T1", "T3", "T6", "M14"} <= set(keys)
    dup = await api.http.post(
        "/api/cases",
        json={"ref": ref, "day0": str(today()), "request_source": "PARENT", "team": "north"},
        headers=api.auth("officer"),
    )
    assert dup.status_code == 409 and dup.json()["detail"]["field"] == "ref"
    future = await api.http.post(
        "/api/cases",
        json={
            "ref": new_ref(),
            "day0": str(today() + timedelta(days=1)),
            "request_source": "PARENT",
            "team": "north",
        },
        headers=api.auth("officer"),
    )
    assert future.status_code == 422 and "future" in future.json()["detail"]["reason"]
    bad = await api.http.post("/api/cases", json={"ref": "no spaces allowed"}, headers=api.auth("officer"))
    assert bad.status_code == 422
    fields = {e["loc"][-1] for e in bad.json()["detail"]}
    assert {"day0", "request_source", "team"} <= fields


async def test_actions_apply_or_are_refused_with_the_rules_reason(api):
    ref = new_ref()
    await start(api, ref)
    officer = api.auth("officer")
    r = await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    assert r.status_code == 200 and r.json()["stage"] == "advice"
    r = await api.http.post(f"/api/cases/{ref}/issue-final-plan", json={"on": str(today())}, headers=officer)
    assert r.status_code == 409
    assert r.json()["detail"] == {
        "field": "case",
        "reason": "cannot issue the final plan while the case is being assessed (advice sought)",
    }
    r = await api.http.post(f"/api/cases/{ref}/decide-to-assess", json={"yes": "maybe"}, headers=officer)
    assert r.status_code == 422
    r = await api.http.post("/api/cases/NOPE-1/withdraw", json={"on": str(today())}, headers=officer)
    assert r.status_code == 404
    detail = await api.http.get(f"/api/cases/{ref}", headers=officer)
    assert [e["action"] for e in detail.json()["timeline"]] == ["start", "decide_to_assess"]


async def test_a_provider_sees_and_completes_only_its_own_teams_tasks(api):
    ref = new_ref()
    await start(api, ref)
    officer = api.auth("officer")
    await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    for kind, team in (("HEALTH", "icb-community-paeds"), ("EDUCATION", "oak-school")):
        r = await api.http.post(
            f"/api/cases/{ref}/request-advice",
            json={"advice_kind": kind, "provider_team": team, "requested_on": str(today())},
            headers=officer,
        )
        assert r.status_code == 200, r.text
    inbox = (await api.http.get("/api/inbox", headers=api.auth("health"))).json()
    mine = [t for t in inbox if t["case_ref"] == ref]
    assert [t["advice_id"] for t in mine] == ["HEALTH-1"] and mine[0]["days_left"] == 42
    assert all(t["provider_team"] == "icb-community-paeds" for t in inbox)

    body = {"returned_on": str(today()), "document_ref": "EHC-HEALTH-77"}
    other = await api.http.post(f"/api/tasks/{ref}/EDUCATION-1/submit", json=body, headers=api.auth("health"))
    assert other.status_code == 403
    with api.db.sessions() as s:
        audited = s.scalars(
            sa.select(AuditRow).where(AuditRow.action == "forbidden", AuditRow.case_ref == ref)
        ).all()
        assert [a.actor_user for a in audited] == ["health"]
    ok = await api.http.post(f"/api/tasks/{ref}/HEALTH-1/submit", json=body, headers=api.auth("health"))
    assert ok.status_code == 200, ok.text
    again = await api.http.post(f"/api/tasks/{ref}/HEALTH-1/submit", json=body, headers=api.auth("health"))
    assert again.status_code == 409 and "already submitted" in again.json()["detail"]["reason"]
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("health"))).status_code == 403


async def test_dashboards_are_for_managers(api):
    assert (await api.http.get("/api/kpis", headers=api.auth("officer"))).status_code == 403
    r = await api.http.get("/api/kpis?month=2026-10", headers=api.auth("manager"))
    assert r.status_code == 200, r.text
    assert (await api.http.get("/api/kpis?month=2026-13", headers=api.auth("manager"))).status_code == 422
    csv = await api.http.get("/api/exports/sen2.csv", headers=api.auth("manager"))
    assert (
        csv.status_code == 200 and csv.text.startswith("ReceivedDate")
    ) or "ReceivedDate" in csv.text.splitlines()[0]


async def test_mediation_and_tribunal_are_recorded_on_a_closed_case_after_the_decision_they_dispute(
    api, tmp_path
):
    ref = new_ref()
    day0 = today() - timedelta(days=400)
    load_closed_case(api.db.sessions, tmp_path, ref, day0)  # not assessed on day 40; no workflow
    decided = day0 + timedelta(days=40)
    early = {"route": "MEDIATION", "disputes": "REQUEST", "started_on": str(decided - timedelta(days=1))}
    r = await api.http.post(f"/api/cases/{ref}/appeals", json=early, headers=api.auth("officer"))
    assert r.status_code == 409, r.text
    assert r.json()["detail"] == {
        "field": "started_on",
        "reason": f"{day_in_words(decided - timedelta(days=1))} is before the decision it disputes "
        f"({day_in_words(decided)})",
    }
    wrong = {"route": "TRIBUNAL", "disputes": "PLAN", "started_on": str(decided)}
    r = await api.http.post(f"/api/cases/{ref}/appeals", json=wrong, headers=api.auth("officer"))
    assert r.status_code == 409 and r.json()["detail"]["field"] == "disputes", r.text
    body = {"route": "MEDIATION", "disputes": "REQUEST", "started_on": str(decided + timedelta(days=20))}
    r = await api.http.post(f"/api/cases/{ref}/appeals", json=body, headers=api.auth("officer"))
    assert r.status_code == 201, r.text
    appeal = r.json()
    outcome = {"outcome": "NOT_AGREED", "outcome_on": str(decided + timedelta(days=50))}
    r = await api.http.post(
        f"/api/cases/{ref}/appeals/{appeal['id']}/outcome", json=outcome, headers=api.auth("officer")
    )
    assert r.status_code == 200 and r.json()["outcome"] == "NOT_AGREED", r.text
    # a provider may not record one; a reader sees them
    r = await api.http.post(f"/api/cases/{ref}/appeals", json=body, headers=api.auth("health"))
    assert r.status_code == 403
    listed = (await api.http.get(f"/api/cases/{ref}/appeals", headers=api.auth("officer"))).json()
    assert [(a["route"], a["disputes"], a["outcome"]) for a in listed] == [
        ("MEDIATION", "REQUEST", "NOT_AGREED")
    ]
    with api.db.sessions() as s:  # audited with who recorded it
        actions = s.scalars(sa.select(AuditRow.action).where(AuditRow.case_ref == ref)).all()
    assert "record_appeal" in actions and "record_appeal_outcome" in actions
