"""A child's record is reached through their cases: an officer of another team can neither find,
start a case on, nor learn the record id of a child on a team's cases; a manager can. Every
refusal is audited; a start never replaces a recorded child's parents and carers."""

import sqlalchemy as sa

from ehcna.store.models import AuditRow, ContactRow, PersonRow
from tests.web.test_casework import body
from tests.web.test_pages import (  # noqa: F401 - the site fixture
    error_links,
    eventually,
    new_ref,
    post_form,
    site,
)


def _audited(api, user: str, action: str, field: str | None = None) -> int:
    with api.db.sessions() as s:
        rows = s.scalars(sa.select(AuditRow).where(AuditRow.actor_user == user, AuditRow.action == action))
        return sum(1 for row in rows if field is None or row.detail.get("field") == field)


async def _north_child(api) -> tuple[dict, str]:
    """A case of team north with its child; the child's record id once the case row is written."""
    start = body(new_ref())
    r = await api.http.post("/api/cases", json=start, headers=api.auth("officer"))
    assert r.status_code == 201, r.text
    with api.db.sessions() as s:
        person_id = s.scalar(sa.select(PersonRow.id).where(PersonRow.upn == start["child"]["upn"]))
    assert person_id

    def case_row_written() -> bool:
        with api.db.sessions() as s:
            return bool(s.execute(sa.text("SELECT 1 FROM cases WHERE ref = :r"), {"r": start["ref"]}).first())

    assert await eventually(case_row_written)
    return start, person_id


def _contacts(api, person_id: str) -> list[str]:
    with api.db.sessions() as s:
        return sorted(s.scalars(sa.select(ContactRow.name).where(ContactRow.person_id == person_id)))


async def test_an_officer_cannot_start_a_case_on_another_teams_child_by_its_record(site):  # noqa: F811
    api = site.api
    _, person_id = await _north_child(api)
    ref = new_ref()
    start = {k: v for k, v in body(ref, team="south").items() if k not in ("child", "contacts")}
    r = await api.http.post(
        "/api/cases", json={**start, "child_id": person_id}, headers=api.auth("south-officer")
    )
    assert r.status_code == 403, r.text
    assert "another team" in r.json()["detail"]["reason"]
    assert _audited(api, "south-officer", "forbidden", "child_id") == 1
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("head"))).status_code == 404
    # nor through the page that starts an assessment for an existing child
    http = await site.signed_in("south-officer")
    page = await http.get("/start-assessment", params={"child": person_id})
    assert page.status_code == 403 and "Ada" not in page.text
    # a manager reads every case, so every child: south's manager starts south's case for the child
    r = await api.http.post(
        "/api/cases", json={**start, "child_id": person_id}, headers=api.auth("south-manager")
    )
    assert r.status_code == 201, r.text
    got = (await api.http.get(f"/api/cases/{ref}/child", headers=api.auth("south-officer"))).json()
    assert got["child"]["surname"] == "Quill"  # now on a south case, so south's officers see the child


async def test_a_second_record_on_another_teams_child_is_refused_without_naming_the_record(site):  # noqa: F811
    api = site.api
    first, person_id = await _north_child(api)
    again = body(new_ref(), team="south", officer=None, child=first["child"])
    r = await api.http.post("/api/cases", json=again, headers=api.auth("south-officer"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["field"] == "upn" and "another team" in detail["reason"]
    assert "existing_child" not in detail and person_id not in r.text
    assert _audited(api, "south-officer", "refused", "upn") == 1
    # the team whose case holds the child is led to the record
    mine = await api.http.post(
        "/api/cases", json=body(new_ref(), child=first["child"]), headers=api.auth("officer")
    )
    assert mine.status_code == 422 and mine.json()["detail"]["existing_child"] == person_id


async def test_find_a_child_lists_only_children_on_the_officers_team_cases(site):  # noqa: F811
    api = site.api
    start, person_id = await _north_child(api)
    upn = start["child"]["upn"]
    south = await site.signed_in("south-officer")
    page = await south.get("/children", params={"q": upn})
    assert page.status_code == 200
    assert start["ref"] not in page.text and person_id not in page.text and "Quill" not in page.text
    assert "1 child who matches is recorded on another team" in page.text
    north = await site.signed_in("officer")
    page = await north.get("/children", params={"q": upn})
    assert f'href="/cases/{start["ref"]}"' in page.text and f"child={person_id}" in page.text
    manager = await site.signed_in("south-manager")  # a manager reads every case of the service
    assert f"child={person_id}" in (await manager.get("/children", params={"q": upn})).text


async def test_a_start_never_replaces_a_recorded_childs_parents_and_carers(site):  # noqa: F811
    api = site.api
    _, person_id = await _north_child(api)
    again = {k: v for k, v in body(new_ref()).items() if k != "child"}
    again["child_id"] = person_id
    again["contacts"] = [
        {"name": "Someone Else", "relationship": "Aunt", "preferred": "post", "address": "1 Road"}
    ]
    r = await api.http.post("/api/cases", json=again, headers=api.auth("officer"))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "contacts", r.text
    assert _contacts(api, person_id) == ["Ben Quill"]
    assert (await api.http.get(f"/api/cases/{again['ref']}", headers=api.auth("officer"))).status_code == 404


async def test_parents_and_carers_without_a_child_are_refused_not_dropped(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    alone = {k: v for k, v in body(ref).items() if k != "child"}
    r = await api.http.post("/api/cases", json=alone, headers=api.auth("officer"))
    assert r.status_code == 422 and r.json()["detail"]["field"] == "contacts", r.text
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).status_code == 404


async def test_refusals_of_an_officer_or_a_team_list_are_audited(site):  # noqa: F811
    api = site.api
    start, _ = await _north_child(api)
    r = await api.http.put(
        f"/api/cases/{start['ref']}/officer", json={"officer": "south-officer"}, headers=api.auth("officer")
    )
    assert r.status_code == 422 and r.json()["detail"]["field"] == "officer"
    assert _audited(api, "officer", "refused", "officer") >= 1
    http = await site.signed_in("officer")
    before = _audited(api, "officer", "forbidden")
    assert (await http.get("/cases", params={"team": "south"})).status_code == 403
    assert (
        await api.http.get("/api/worklist", params={"team": "south"}, headers=api.auth("officer"))
    ).status_code == 403
    assert _audited(api, "officer", "forbidden") == before + 2


async def test_a_seventh_parent_or_carer_is_refused_on_the_form_not_a_500(site):  # noqa: F811
    api = site.api
    start, person_id = await _north_child(api)
    http = await site.signed_in("officer")
    path = f"/cases/{start['ref']}/contacts/new"
    for n in range(5):  # the start recorded one: five more make six
        r = await post_form(
            http,
            path,
            {
                "contact_name": f"Carer {n}",
                "contact_relationship": "Aunt",
                "contact_preferred": "post",
                "contact_address": "1 Road",
            },
        )
        assert r.status_code == 303, r.text
    seventh = await post_form(
        http,
        path,
        {
            "contact_name": "One More",
            "contact_relationship": "Aunt",
            "contact_preferred": "post",
            "contact_address": "1 Road",
        },
    )
    assert seventh.status_code == 422
    assert "#contact_name" in dict(error_links(seventh.text))
    assert len(_contacts(api, person_id)) == 6
    assert _audited(api, "officer", "refused", "contact_name") == 1


async def test_a_control_character_in_a_child_search_or_record_id_is_no_500(site):  # noqa: F811
    http = await site.signed_in("officer")
    found = await http.get("/children", params={"q": "Qu\x00ill"})
    assert found.status_code == 422 and "control characters" in found.text
    assert (await http.get("/start-assessment", params={"child": "ab\x00cd"})).status_code == 404
