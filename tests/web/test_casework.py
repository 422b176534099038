"""Casework: the child and family captured at the start, the named officer, and the worklist."""

import asyncio
import csv
import io
import random
import re
from datetime import date, timedelta

import sqlalchemy as sa

from domain.commands import Role
from domain.person import CHECK_LETTERS
from ehcna.store.models import AuditRow, PersonRow
from ehcna.web.accounts import save_account
from tests.web.test_pages import (  # noqa: F401 - the site fixture
    child_form,
    date_fields,
    error_links,
    eventually,
    new_ref,
    post_form,
    site,
    today,
)


def a_upn() -> str:
    """A valid UPN: its check letter computed as DfE's rule says (domain.person.upn_problem)."""
    rest = "".join(random.choice("0123456789") for _ in range(12))
    total = sum(w * int(ch) for w, ch in enumerate(rest, start=2))
    return CHECK_LETTERS[total % 23] + rest


def body(ref: str, days_ago: int = 10, **changes: object) -> dict:
    on = today() - timedelta(days=days_ago)
    return {
        "ref": ref,
        "day0": str(on),
        "request_source": "PARENT",
        "team": "north",
        "year_group": 3,
        "child": {
            "forename": "Ada",
            "surname": "Quill",
            "birth_date": str(date(on.year - 8 if on.month >= 9 else on.year - 9, 1, 15)),
            "sex": "F",
            "upn": a_upn(),
            "setting_urn": "100000",
        },
        "contacts": [
            {"name": "Ben Quill", "relationship": "Father", "phone": "01234 567890", "preferred": "phone"}
        ],
        **changes,
    }


async def test_a_case_starts_with_its_child_a_parent_and_a_named_officer(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    start = body(ref)
    r = await api.http.post("/api/cases", json=start, headers=api.auth("officer"))
    assert r.status_code == 201, r.text
    assert "Quill" not in r.text  # the workflow's view carries no personal data
    got = (await api.http.get(f"/api/cases/{ref}/child", headers=api.auth("officer"))).json()
    assert got["child"]["surname"] == "Quill" and got["child"]["upn"] == start["child"]["upn"]
    assert got["contacts"][0]["name"] == "Ben Quill" and got["officer"] == "officer"
    history = await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))
    assert "Quill" not in history.text and start["child"]["upn"] not in history.text


async def test_a_second_record_of_one_child_is_refused_and_leads_to_the_first(site):  # noqa: F811
    api = site.api
    first = body(new_ref())
    assert (await api.http.post("/api/cases", json=first, headers=api.auth("officer"))).status_code == 201
    again = body(new_ref(), child={**first["child"], "forename": "Another"})
    r = await api.http.post("/api/cases", json=again, headers=api.auth("officer"))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["field"] == "upn" and "already recorded" in detail["reason"] and detail["existing_child"]
    assert (await api.http.get(f"/api/cases/{again['ref']}", headers=api.auth("officer"))).status_code == 404
    with api.db.sessions() as s:  # nothing stored
        assert s.scalar(sa.select(sa.func.count()).where(PersonRow.forename == "Another")) == 0
    # the same child by its record: a new case for them
    by_record = {k: v for k, v in again.items() if k not in ("child", "contacts")}
    by_record["child_id"] = detail["existing_child"]
    assert (await api.http.post("/api/cases", json=by_record, headers=api.auth("officer"))).status_code == 201


async def test_bad_child_details_are_refused_with_the_field_and_nothing_starts(site):  # noqa: F811
    api = site.api
    good = body(new_ref())
    bad_upn = good["child"]["upn"]
    bad_upn = ("A" if bad_upn[0] != "A" else "B") + bad_upn[1:]
    cases = {
        "upn": {"child": {**good["child"], "upn": bad_upn}},
        "nhs_number": {"child": {**good["child"], "nhs_number": "9434765918"}},
        "birth_date": {"year_group": 10},  # born for year 3: year 10 is refused with the reason
        "officer": {"officer": "south-officer"},  # an officer of another team
    }
    for field, change in cases.items():
        ref = new_ref()
        r = await api.http.post(
            "/api/cases", json={**good, **change, "ref": ref}, headers=api.auth("officer")
        )
        assert r.status_code == 422, (field, r.text)
        assert field in r.text, (field, r.text)
        assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).status_code == 404
    officer = (
        await api.http.post(
            "/api/cases", json={**good, "officer": "south-officer"}, headers=api.auth("officer")
        )
    ).json()["detail"]
    assert "choose one of: manager, officer" in officer["reason"]


async def test_the_start_form_takes_the_child_and_shows_each_error_on_its_box(site):  # noqa: F811
    http = await site.signed_in("officer")
    ref = new_ref()
    data = {"ref": ref, "request_source": "PARENT", "team": "north", **date_fields("day0", today())}
    wrong = child_form(upn="B123456789012", upn_unknown="", contact_preferred="post")
    bad = await post_form(http, "/start-assessment", {**data, **wrong})
    assert bad.status_code == 422
    links = dict(error_links(bad.text))
    assert "#upn" in links and "#contact_preferred" in links, links
    assert "give their address" in links["#contact_preferred"]
    ok = await post_form(http, "/start-assessment", {**data, **child_form(forename="Grace")})
    assert ok.status_code == 303, ok.text
    page = await http.get(f"/cases/{ref}")
    assert "Grace Child" in page.text and "govuk-task-list" in page.text and "Case officer" in page.text


async def test_the_worklist_puts_the_latest_case_first_and_names_the_next_step(site):  # noqa: F811
    api = site.api
    with api.db.sessions.begin() as s:
        save_account(s, "officer-two", Role.CASE_OFFICER, "north", "officer-two-password")
    surname = f"Zed{random.randint(10000, 99999)}"
    refs = {}
    for days_ago in (50, 10, 30):  # T1 (6 weeks): 8 days late; due in 32 days; due in 12 days
        ref = new_ref()
        child = {**body(ref)["child"], "surname": surname, "upn": a_upn()}
        start = body(ref, days_ago=days_ago, child=child, year_group=None)
        assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
        refs[days_ago] = ref
    other = body(new_ref(), officer="officer-two", year_group=None)
    assert (await api.http.post("/api/cases", json=other, headers=api.auth("officer"))).status_code == 201
    http = await site.signed_in("officer")

    async def listed() -> str:
        return (await http.get(f"/cases?q={surname.lower()[:5]}")).text

    for _ in range(75):
        text = await listed()
        if all(r in text for r in refs.values()):
            break
        await asyncio.sleep(0.2)
    order = sorted(refs.values(), key=text.index)
    assert order == [refs[50], refs[30], refs[10]]  # latest first, then due soonest
    assert "Decide whether to assess: 8 days late" in text
    late = await http.get(f"/cases?q={surname}&late=true")
    assert refs[50] in late.text and refs[30] not in late.text
    mine = await http.get("/cases")
    assert "My cases" in mine.text and other["ref"] not in mine.text
    team = await http.get("/cases?view=team")
    assert other["ref"] in team.text and "officer-two" in team.text

    listed = await api.http.get(
        "/api/worklist", params={"q": surname, "view": "team"}, headers=api.auth("officer")
    )
    assert [i["ref"] for i in listed.json()["items"]] == [refs[50], refs[30], refs[10]]
    assert listed.json()["items"][0]["days_late"] == 8 and listed.json()["items"][0]["next_deadline"] == "T1"
    bad = await api.http.get("/api/worklist", params={"stage": "nonsense"}, headers=api.auth("officer"))
    assert bad.status_code == 422

    download = await http.get(f"/cases.csv?q={surname}")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["case_ref"] for r in rows] == [refs[50], refs[30], refs[10]]
    assert rows[0]["days_late"] == "8" and rows[0]["next_deadline_code"] == "T1"
    with api.db.sessions() as s:
        audited = s.scalars(sa.select(AuditRow).where(AuditRow.action == "worklist_download")).all()
    assert audited and all(surname not in str(a.detail) for a in audited)  # the search text is not kept


async def test_the_officer_is_reassigned_with_a_record_and_only_to_the_case_team(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    assert (await api.http.post("/api/cases", json=body(ref), headers=api.auth("officer"))).status_code == 201
    assert await eventually(lambda: True)
    wrong = await api.http.put(
        f"/api/cases/{ref}/officer", json={"officer": "south-officer"}, headers=api.auth("officer")
    )
    for _ in range(50):  # the case row is written by the workflow's activity, a moment after the start
        if wrong.status_code != 404:
            break
        await asyncio.sleep(0.2)
        wrong = await api.http.put(
            f"/api/cases/{ref}/officer", json={"officer": "south-officer"}, headers=api.auth("officer")
        )
    assert wrong.status_code == 422 and wrong.json()["detail"]["field"] == "officer"
    ok = await api.http.put(
        f"/api/cases/{ref}/officer", json={"officer": "manager"}, headers=api.auth("officer")
    )
    assert ok.status_code == 204
    with api.db.sessions() as s:
        rows = s.scalars(
            sa.select(AuditRow).where(AuditRow.case_ref == ref, AuditRow.action == "assign_officer")
        )
        details = [r.detail for r in rows]
    assert {"officer": "manager", "before": "officer"} in details


async def test_a_change_to_the_child_is_audited_by_field_without_its_values(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    start = body(ref)
    assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
    changed = {**start["child"], "surname": "Quillon", "postcode": "SW1A 1AA"}
    r = await api.http.put(f"/api/cases/{ref}/child", json={"child": changed}, headers=api.auth("officer"))
    assert r.status_code == 200 and r.json()["child"]["surname"] == "Quillon"
    with api.db.sessions() as s:
        audit = s.scalars(sa.select(AuditRow).where(AuditRow.action == "change_person")).all()
    mine = [a.detail for a in audit if set(a.detail["fields"]) == {"surname", "postcode"}]
    assert mine and "Quillon" not in str(mine) and "SW1A" not in str(mine)


async def test_a_provider_sees_the_childs_name_birth_date_and_setting_on_its_own_requests(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    start = body(ref, days_ago=3)
    assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
    officer = api.auth("officer")
    on = str(today())
    assert (
        await api.http.post(
            f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": on}, headers=officer
        )
    ).status_code == 200
    r = await api.http.post(
        f"/api/cases/{ref}/request-advice",
        headers=officer,
        json={"advice_kind": "HEALTH", "provider_team": "icb-community-paeds", "requested_on": on},
    )
    assert r.status_code == 200, r.text
    health = await site.signed_in("health")
    assert await eventually(lambda: True)
    for _ in range(50):
        inbox = await health.get("/inbox")
        if ref in inbox.text:
            break
        await asyncio.sleep(0.2)
    assert "Ada Quill" in inbox.text and "School URN 100000" in inbox.text
    assert start["child"]["upn"] not in inbox.text and "Ben Quill" not in inbox.text  # nothing more


async def test_a_child_is_found_by_surname_upn_or_birth_date_with_every_case_open_or_closed(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    start = body(ref, child={**body(ref)["child"], "surname": f"Findme{ref[-5:]}"})
    assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
    http = await site.signed_in("officer")
    for q in (f"findme{ref[-5:]}"[:9], start["child"]["upn"]):
        page = await http.get("/children", params={"q": q})
        assert page.status_code == 200 and f'href="/cases/{ref}"' in page.text, q
        assert "/start-assessment?child=" in page.text
    short = await http.get("/children", params={"q": "F"})
    assert short.status_code == 422 and "at least 2 letters" in short.text
    assert "no child matches" in (await http.get("/children", params={"q": "Zzzzzqx"})).text.lower()


async def test_a_team_not_in_the_directory_is_refused_with_the_valid_teams_and_nothing_stored(site):  # noqa: F811
    api = site.api
    head = api.auth("head")  # may act for every team: only the directory stops "nowhere"
    ref = new_ref()
    r = await api.http.post("/api/cases", json=body(ref, team="nowhere", officer=None), headers=head)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "team"
    assert r.json()["detail"]["valid"] == ["north", "south"]
    assert (await api.http.get(f"/api/cases/{ref}", headers=head)).status_code == 404

    officer = api.auth("officer")
    ref = new_ref()
    assert (await api.http.post("/api/cases", json=body(ref), headers=officer)).status_code == 201
    on = str(today())
    assert (
        await api.http.post(
            f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": on}, headers=officer
        )
    ).status_code == 200
    typed = {"advice_kind": "SOCIAL_CARE", "provider_team": "Children's social care", "requested_on": on}
    r = await api.http.post(f"/api/cases/{ref}/request-advice", json=typed, headers=officer)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "provider_team"
    assert "social-care" in r.json()["detail"]["valid"] and "north" not in r.json()["detail"]["valid"]
    case = (await api.http.get(f"/api/cases/{ref}", headers=officer)).json()["case"]
    assert case["case"]["advice"] == []  # nothing sent
    move = await api.http.post(
        f"/api/cases/{ref}/reassign-team", json={"team": "social-care", "on": on}, headers=officer
    )
    assert move.status_code == 422 and move.json()["detail"]["field"] == "team"
    with api.db.sessions() as s:
        reasons = [
            a.detail["reason"] for a in s.scalars(sa.select(AuditRow).where(AuditRow.action == "refused"))
        ]
    assert any("Children's social care" in r for r in reasons)  # the refusal is audited

    # the page: teams are a list of the directory's names; a forged value gets the error summary
    http = await site.signed_in("officer")
    form = await http.get(f"/cases/{ref}/request-advice")
    assert '<option value="social-care">Children&#39;s social care</option>' in form.text
    forged = await post_form(
        http,
        f"/cases/{ref}/request-advice",
        {"advice_kind": "HEALTH", "provider_team": "nowhere", **date_fields("requested_on", today())},
    )
    assert forged.status_code == 422 and error_links(forged.text) == [
        (
            "#provider_team",
            "'nowhere' is not a team that gives advice in the directory; valid teams: "
            "ep-service, family, icb-community-paeds, oak-school, pfa-service, social-care",
        )
    ]  # the forged team reaches the directory's check: refused with the valid teams, and audited


async def test_the_standard_advice_set_is_requested_in_one_step_once_whatever_the_resubmissions(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    school_year = today().year if today().month >= 9 else today().year - 1
    child = {
        **body(ref)["child"],
        "birth_date": str(date(school_year - 14, 1, 15)),
        "upn": a_upn(),
    }  # year 10
    start = body(ref, days_ago=0, year_group=10, child=child)
    assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
    on = str(today())
    assert (
        await api.http.post(
            f"/api/cases/{ref}/decide-to-assess", json={"yes": True, "on": on}, headers=api.auth("officer")
        )
    ).status_code == 200
    http = await site.signed_in("officer")
    form = await http.get(f"/cases/{ref}/advice-set")
    assert form.status_code == 200
    kinds = re.findall(r'name="ask_([A-Z_]+)"', form.text)
    assert kinds == ["PARENT", "EDUCATION", "HEALTH", "EP", "SOCIAL_CARE", "PFA"]  # year 10: PFA too
    assert '<option value="pfa-service" selected>' in form.text  # the directory's default team
    submission = re.search(r'name="submission" value="([0-9a-f]+)"', form.text).group(1)
    data = {f"ask_{k}": "true" for k in kinds} | {f"team_{k}": TEAMS_BY_KIND[k] for k in kinds}
    data |= {"submission": submission, **date_fields("requested_on", today())}
    data["team_SOCIAL_CARE"] = "nowhere"  # forged: refused, the others still sent
    first = await post_form(http, f"/cases/{ref}/advice-set", data)
    assert first.status_code == 409
    assert "Social care advice was not requested" in first.text and "Requested: " in first.text
    again = await post_form(http, f"/cases/{ref}/advice-set", data)  # the same form sent again
    assert again.status_code == 409
    case = (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).json()["case"]["case"]
    assert sorted(a["kind"] for a in case["advice"]) == sorted(k for k in kinds if k != "SOCIAL_CARE")
    empty = await post_form(http, f"/cases/{ref}/advice-set", {"submission": "x"})
    assert empty.status_code == 422 and "Select the advice to request" in empty.text


TEAMS_BY_KIND = {
    "PARENT": "family",
    "EDUCATION": "oak-school",
    "HEALTH": "icb-community-paeds",
    "EP": "ep-service",
    "SOCIAL_CARE": "social-care",
    "PFA": "pfa-service",
}
