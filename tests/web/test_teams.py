"""Teams come from the directory only, on every route and form that takes one: an unknown team is
refused with 422, the field and the valid teams, the refusal audited and nothing stored."""

import sqlalchemy as sa

from ehcna.store.models import AuditRow
from tests.web.test_casework import body
from tests.web.test_pages import (  # noqa: F401 - the site fixture
    date_fields,
    error_links,
    new_ref,
    post_form,
    site,
    today,
)

PROVIDER_TEAMS = ["ep-service", "family", "icb-community-paeds", "oak-school", "pfa-service", "social-care"]


def refused_fields(api) -> list[tuple[str, str]]:
    with api.db.sessions() as s:
        rows = s.scalars(sa.select(AuditRow).where(AuditRow.action == "refused").order_by(AuditRow.id))
        return [(r.detail["field"], r.detail["reason"]) for r in rows]


async def assessing_case(api) -> str:
    ref = new_ref()
    officer = api.auth("officer")
    assert (await api.http.post("/api/cases", json=body(ref), headers=officer)).status_code == 201
    decided = await api.http.post(
        f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": str(today())}, headers=officer
    )
    assert decided.status_code == 200
    return ref


async def test_every_api_route_taking_a_team_refuses_one_not_in_the_directory(site):  # noqa: F811
    api = site.api
    officer, head = api.auth("officer"), api.auth("head")
    ref = await assessing_case(api)
    on = str(today())

    async def refused(path: str, payload: dict, field: str, valid: list[str], headers=officer) -> None:
        r = await api.http.post(f"/api/cases/{ref}/{path}", json=payload, headers=headers)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert detail["field"] == field and detail["valid"] == valid
        assert detail["reason"].endswith(", ".join(valid))
        assert any(f == field and detail["reason"] == reason for f, reason in refused_fields(api))  # audited

    # request advice: a team of case officers gives no advice; a name typed as a team is no team
    for team in ("north", "Children's social care", "nowhere"):
        asked = {"advice_kind": "HEALTH", "provider_team": team, "requested_on": on}
        await refused("request-advice", asked, "provider_team", PROVIDER_TEAMS)
    good = {"advice_kind": "HEALTH", "provider_team": "icb-community-paeds", "requested_on": on}
    assert (
        await api.http.post(f"/api/cases/{ref}/request-advice", json=good, headers=officer)
    ).status_code == 200
    # re-send to another team: the same list; the first request stays as it was
    for team in ("south", "nowhere"):
        resend = {"advice_id": "HEALTH-1", "provider_team": team, "on": on}
        await refused("resend-advice-request", resend, "provider_team", PROVIDER_TEAMS)
    # reassign the case: only a team of case officers
    for team in ("social-care", "Children's social care", "nowhere"):
        await refused("reassign-team", {"team": team, "on": on}, "team", ["north", "south"], head)

    case = (await api.http.get(f"/api/cases/{ref}", headers=officer)).json()["case"]["case"]
    assert [(a["id"], a["provider_team"], a["status"]) for a in case["advice"]] == [
        ("HEALTH-1", "icb-community-paeds", "REQUESTED")
    ]  # nothing re-sent, nothing else asked
    assert case["team"] == "north"  # not moved


async def test_page_forms_offer_the_directory_teams_and_refuse_a_forged_one_with_the_error_summary(site):  # noqa: F811
    api = site.api
    ref = await assessing_case(api)
    before = len(refused_fields(api))
    officer = await site.signed_in("officer")
    await post_form(
        officer,
        f"/cases/{ref}/request-advice",
        {
            "advice_kind": "HEALTH",
            "provider_team": "icb-community-paeds",
            **date_fields("requested_on", today()),
        },
    )

    form = (await officer.get(f"/cases/{ref}/resend-advice-request")).text
    assert '<select class="govuk-select' in form and 'id="provider_team"' in form
    assert '<option value="icb-community-paeds">ICB community paediatrics</option>' in form
    assert '<option value="north">' not in form  # a team of case officers gives no advice
    forged = await post_form(
        officer,
        f"/cases/{ref}/resend-advice-request",
        {"advice_id": "HEALTH-1", "provider_team": "nowhere", **date_fields("on", today())},
    )
    assert forged.status_code == 422
    links = error_links(forged.text)
    assert len(links) == 1 and links[0][0] == "#provider_team"
    assert "is not a team that gives advice" in links[0][1] and "social-care" in links[0][1]
    assert 'class="govuk-error-summary"' in forged.text
    empty = await post_form(
        officer,
        f"/cases/{ref}/resend-advice-request",
        {"advice_id": "HEALTH-1", "provider_team": "", **date_fields("on", today())},
    )
    assert empty.status_code == 422 and ("#provider_team", "Select the team") in error_links(empty.text)

    head = await site.signed_in("head")
    form = (await head.get(f"/cases/{ref}/reassign-team")).text
    assert '<option value="south">South SEN team</option>' in form and 'value="social-care"' not in form
    moved = await post_form(
        head, f"/cases/{ref}/reassign-team", {"team": "social-care", **date_fields("on", today())}
    )
    assert moved.status_code == 422
    assert [href for href, _ in error_links(moved.text)] == ["#team"]
    assert "is not a team of case officers" in error_links(moved.text)[0][1]

    reasons = [f for f, _ in refused_fields(api)[before:]]
    assert reasons.count("provider_team") == 1 and reasons.count("team") == 1  # each forged one audited
    case = (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).json()["case"]["case"]
    assert case["team"] == "north" and [a["status"] for a in case["advice"]] == ["REQUESTED"]
