"""The plans API on the real plan workflows and store: a review walked from its invitations to an
amendment, refusals naming the rule and the date (409), bad input (422), and access by team and setting
(403, audited)."""

import asyncio
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import httpx
import sqlalchemy as sa
from fastapi.routing import APIRoute

from domain.commands import SYSTEM
from domain.plan_calendar import review_due
from domain.plan_commands import StartPlan
from domain.words import day_in_words
from ehcna.gateway.plans import PlanGateway
from ehcna.store.models import AuditRow
from ehcna.store.plans import PlanRow
from ehcna.web import plans_api
from ehcna.web.app import create_app
from ehcna.web.plan_actions import PLAN_STEPS
from tests.web.test_api import today


def new_plan_ref() -> str:
    return f"PLAN-{uuid4().hex[:6]}"


async def start_plan(api, ref: str, days_ago: int = 300, year_group: int = 3, **more) -> None:
    """A plan in force held by the north team whose reviews Oak School convenes (started through the
    gateway: starting plans is the assessment's and the import's, not this API's)."""
    cmd = StartPlan(
        ref=ref,
        team="north",
        setting_team="oak-school",
        start_on=today() - timedelta(days=days_ago),
        year_group=year_group,
        by=SYSTEM,
        **more,
    )
    await api.app.state.services.plans.start(cmd, today())


def forbidden(api, ref: str) -> int:
    with api.db.sessions() as s:
        return s.scalar(
            sa.select(sa.func.count()).where(AuditRow.case_ref == ref, AuditRow.action == "forbidden")
        )


async def step(api, who: str, ref: str, name: str, **body):
    body = {k: str(v) if hasattr(v, "isoformat") else v for k, v in body.items()}
    return await api.http.post(f"/api/plans/{ref}/{name}", json=body, headers=api.auth(who))


async def test_a_review_walked_from_invitations_to_an_amendment(api):
    ref = new_plan_ref()
    await start_plan(api, ref)
    r = await api.http.get(f"/api/plans/{ref}", headers=api.auth("officer"))
    assert r.status_code == 200, r.text
    got = r.json()
    r1 = next(s for s in got["timeline"] if s["duty"] == "R1")
    due = review_due(today() - timedelta(days=300))  # 12 months from the start
    assert r1["due"] == str(due) and r1["due_in_words"] == day_in_words(due)
    assert r1["status_in_words"] == "Due" and r1["done_on"] is None
    assert got["plan"]["status"] == "in_force" and got["warnings"] == []

    # a meeting a week ahead: under 2 weeks' notice is kept, and warned of (R2)
    meeting = today() + timedelta(days=7)
    r = await step(api, "officer", ref, "schedule-review-meeting", meeting_on=meeting, on=today())
    assert r.status_code == 200, r.text
    warned = r.json()["warnings"]
    assert any(w.startswith("Invitations to the review meeting at least 2 weeks") for w in warned)
    assert r.json()["plan"]["plan"]["review"]["meeting_on"] == str(meeting)

    # the school records the meeting and its report from its inbox; it may not decide
    assert (await step(api, "school", ref, "hold-review-meeting", on=today())).status_code == 200
    assert (await step(api, "school", ref, "receive-review-report", on=today())).status_code == 200
    before = forbidden(api, ref)
    r = await step(api, "school", ref, "decide-review", outcome="AMEND", on=today())
    assert r.status_code == 403 and "council" in r.json()["detail"]
    assert forbidden(api, ref) == before + 1

    r = await step(api, "officer", ref, "decide-review", outcome="AMEND", on=today())
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["plan"]["reviews_completed"] == 1
    # the completed review stays on the timeline, each time limit as it was met
    last = {step["duty"]: step for step in r.json()["last_review"]}
    assert (
        last["R1"]["done_in_words"] == day_in_words(today())
        and last["R1"]["status_in_words"] == "Done in time"
    )
    assert last["R5"]["status_in_words"] == "Done in time"
    assert (await step(api, "officer", ref, "send-amendment-notice", on=today())).status_code == 200

    # the amended plan, before the family's 15 days are out and with no response: refused, naming the date
    r = await step(api, "officer", ref, "issue-amended-plan", on=today())
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert detail["field"] == "on"
    assert f"cannot be issued before {day_in_words(today() + timedelta(days=15))}" in detail["reason"]
    assert "R6" in detail["reason"]
    # once the response is recorded, it may issue
    assert (await step(api, "officer", ref, "record-amendment-response", on=today())).status_code == 200
    r = await step(api, "officer", ref, "issue-amended-plan", on=today())
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["plan"]["last_amendment"]["issued_on"] == str(today())

    # the store has the plan as it now stands (its review completed)
    with api.db.sessions() as s:
        row = s.get(PlanRow, ref)
        assert row is not None and row.reviews_completed == 1 and row.team == "north"


async def test_refusals_name_the_rule_and_bad_input_names_the_field(api):
    ref = new_plan_ref()
    await start_plan(api, ref)
    # a step before its time: no meeting arranged
    r = await step(api, "officer", ref, "hold-review-meeting", on=today())
    assert r.status_code == 409
    assert r.json()["detail"] == {
        "field": "on",
        "reason": "cannot record the review meeting: no review meeting has been arranged (R2)",
    }
    # a date ahead of today
    r = await step(api, "officer", ref, "decide-to-cease", reason="2", on=today() + timedelta(days=3))
    assert r.status_code == 409 and day_in_words(today() + timedelta(days=3)) in r.json()["detail"]["reason"]
    # a cease without the right of appeal told (R11)
    r = await step(api, "officer", ref, "decide-to-cease", reason="2", on=today())
    assert r.status_code == 409 and r.json()["detail"]["field"] == "appeal_information_given"
    # not a step's shape: 422 with the field
    r = await step(api, "officer", ref, "decide-to-cease", reason="42", on="yesterday")
    assert r.status_code == 422
    fields = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert ("body", "reason") in fields and ("body", "on") in fields
    r = await step(api, "officer", ref, "name-setting", setting="Oak School", on=today())
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "setting"]
    # a cease with its SEN2 reason, then the plan ends
    told = {"appeal_information_given": True}
    r = await step(api, "officer", ref, "decide-to-cease", reason="2", on=today(), **told)
    assert r.status_code == 200 and r.json()["plan"]["status"] == "ceasing"
    r = await step(api, "officer", ref, "cease", on=today())
    assert r.status_code == 200 and r.json()["plan"]["status"] == "ceased"
    # an ended plan is still read, and refuses every step, saying it ended
    r = await api.http.get(f"/api/plans/{ref}", headers=api.auth("officer"))
    assert r.status_code == 200 and r.json()["plan"]["plan"]["end_reason"] == "2"
    r = await step(api, "officer", ref, "transfer-out", on=today())
    assert r.status_code == 409 and "ended" in r.json()["detail"]["reason"]


async def test_transfer_out_ends_the_plan(api):
    ref = new_plan_ref()
    await start_plan(api, ref)
    r = await step(api, "manager", ref, "transfer-out", on=today())
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["status"] == "transferred_out" and r.json()["timeline"] == []


async def test_unknown_plan_is_not_found(api):
    r = await api.http.get("/api/plans/NO-SUCH-PLAN", headers=api.auth("officer"))
    assert r.status_code == 404 and r.json()["detail"] == "no plan NO-SUCH-PLAN"
    r = await api.http.get("/api/plans/bad%20ref", headers=api.auth("officer"))
    assert r.status_code == 404


def plan_routes() -> list[tuple[str, str]]:
    return [
        (method, route.path)
        for route in plans_api.router.routes
        if isinstance(route, APIRoute) and "{ref}" in route.path
        for method in sorted(route.methods - {"HEAD"})
    ]


async def test_every_plan_route_refuses_another_team_and_another_setting(api):
    ref = new_plan_ref()
    await start_plan(api, ref)
    walked = plan_routes()
    assert len(walked) == len(PLAN_STEPS) + 1
    for who in ("south-officer", "health"):
        for method, path in walked:
            r = await api.http.request(method, path.replace("{ref}", ref), json={}, headers=api.auth(who))
            assert r.status_code == 403, (who, method, path, r.status_code, r.text)
    assert forbidden(api, ref) == 2 * len(walked)  # each refusal audited, with the plan it concerned
    # the north manager and the head of service read it; the south manager reads but may not act
    for who in ("manager", "head", "south-manager", "school"):
        assert (await api.http.get(f"/api/plans/{ref}", headers=api.auth(who))).status_code == 200, who
    r = await step(api, "south-manager", ref, "transfer-out", on=today())
    assert r.status_code == 403
    # the setting may not take the council's steps
    r = await step(api, "school", ref, "transfer-out", on=today())
    assert r.status_code == 403
    mine = await api.http.get(f"/api/plans/{ref}", headers=api.auth("officer"))
    assert mine.json()["plan"]["status"] == "in_force"


async def test_a_step_retried_with_its_idempotency_key_is_applied_once(api):
    ref = new_plan_ref()
    await start_plan(api, ref)
    meeting = {"meeting_on": str(today()), "on": str(today() - timedelta(days=20))}
    r = await api.http.post(
        f"/api/plans/{ref}/schedule-review-meeting", json=meeting, headers=api.auth("officer")
    )
    assert r.status_code == 200, r.text
    keyed = {**api.auth("officer"), "Idempotency-Key": "hold-1"}
    body = {"on": str(today())}
    first = await api.http.post(f"/api/plans/{ref}/hold-review-meeting", json=body, headers=keyed)
    again = await api.http.post(f"/api/plans/{ref}/hold-review-meeting", json=body, headers=keyed)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()  # the first one's result
    # without the key, the same step again is asked of the rules: the meeting was held once
    r = await step(api, "officer", ref, "hold-review-meeting", on=today())
    assert r.status_code == 409
    assert r.json()["detail"]["reason"] == f"the review meeting was already held on {day_in_words(today())}"


async def test_a_plan_not_answering_is_a_503_naming_the_plan_never_a_500(api):
    """A plan whose workflow no worker serves: its steps time out and say the step may still apply."""
    ref = new_plan_ref()
    stalled = PlanGateway(api.app.state.services.plans.client, "no-worker-here", action_timeout=1.0)
    cmd = StartPlan(ref=ref, team="north", start_on=today(), year_group=3, by=SYSTEM)
    await stalled.start(cmd, today())
    app = create_app(replace(api.app.state.services, plans=stalled), session_secret="s")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        answers = [
            await http.get(f"/api/plans/{ref}", headers=api.auth("officer")),
            await http.post(
                f"/api/plans/{ref}/transfer-out", json={"on": str(today())}, headers=api.auth("officer")
            ),
        ]
    for r in answers:
        assert r.status_code == 503, (r.request.url, r.status_code, r.text)
        assert r.headers["retry-after"] == "5"
        assert (
            r.json()["detail"]["field"] == "plan"
            and f"plan {ref} did not answer" in r.json()["detail"]["reason"]
        )


async def test_a_keyed_decision_retried_after_the_plan_continued_as_new_is_asked_of_the_rules_again(api):
    """Temporal keeps update ids per run: the decision that completes a review starts a new run, where the
    same key meets the rules again (the documented exception to a keyed retry's first result)."""
    ref = new_plan_ref()
    await start_plan(api, ref)
    meeting = {"meeting_on": today(), "on": today() - timedelta(days=20)}
    assert (await step(api, "officer", ref, "schedule-review-meeting", **meeting)).status_code == 200
    assert (await step(api, "officer", ref, "hold-review-meeting", on=today())).status_code == 200
    handle = api.app.state.services.plans.handle(ref)
    first_run = (await handle.describe()).run_id
    keyed = {**api.auth("officer"), "Idempotency-Key": "decide-1"}
    body = {"outcome": "MAINTAIN", "on": str(today())}
    r = await api.http.post(f"/api/plans/{ref}/decide-review", json=body, headers=keyed)
    assert r.status_code == 200, r.text
    for _ in range(100):  # the run ends once the decision is recorded, and the next begins
        if (await handle.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.05)
    again = await api.http.post(f"/api/plans/{ref}/decide-review", json=body, headers=keyed)
    assert again.status_code == 409, again.text
    assert (
        again.json()["detail"]["reason"]
        == "cannot decide on the review: the review meeting has not been held"
    )


async def test_R8_the_setting_named_with_its_team_convenes_the_reviews_once_the_amended_plan_is_issued(api):
    ref = new_plan_ref()
    # in year 5 (year 6 to 7 next September: a setting is to be named), at a school that does not use
    # the service: Oak School, which the child moves to, cannot see the plan yet
    cmd = StartPlan(
        ref=ref,
        team="north",
        setting_team="willow-junior",
        start_on=today() - timedelta(days=300),
        year_group=5,
        by=SYSTEM,
    )
    await api.app.state.services.plans.start(cmd, today())
    assert (await api.http.get(f"/api/plans/{ref}", headers=api.auth("school"))).status_code == 403
    for name, body in [
        ("schedule-review-meeting", {"meeting_on": today(), "on": today()}),
        ("hold-review-meeting", {"on": today()}),
        ("decide-review", {"outcome": "AMEND", "on": today()}),
        ("send-amendment-notice", {"on": today()}),
    ]:
        assert (await step(api, "officer", ref, name, **body)).status_code == 200
    # a team that is not a setting of the directory: 422 with the field and the valid teams, audited
    with api.db.sessions() as s:
        refused_before = s.scalar(sa.select(sa.func.count()).where(AuditRow.action == "refused"))
    r = await step(api, "officer", ref, "name-setting", setting="100002", setting_team="north", on=today())
    assert r.status_code == 422, r.text
    assert r.json()["detail"]["field"] == "setting_team" and r.json()["detail"]["valid"] == ["oak-school"]
    with api.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).where(AuditRow.action == "refused")) == refused_before + 1
    got = (await api.http.get(f"/api/plans/{ref}", headers=api.auth("officer"))).json()
    assert got["plan"]["plan"]["amendment"]["setting"] is None  # nothing was sent

    r = await step(
        api, "officer", ref, "name-setting", setting="100002", setting_team="oak-school", on=today()
    )
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["plan"]["setting_team"] == "willow-junior"  # not until the amended plan
    assert (await step(api, "officer", ref, "record-amendment-response", on=today())).status_code == 200
    r = await step(api, "officer", ref, "issue-amended-plan", on=today())
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["plan"]["setting_team"] == "oak-school"
    # the new setting sees the plan and its inbox has it (the store's row names it)
    assert (await api.http.get(f"/api/plans/{ref}", headers=api.auth("school"))).status_code == 200
    with api.db.sessions() as s:
        row = s.get(PlanRow, ref)
        assert row is not None and row.setting_team == "oak-school"
