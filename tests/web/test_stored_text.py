"""The child's and contacts' details are checked against what the store can keep before the case
starts: a value too long for its column, or a NUL byte (which PostgreSQL refuses in any text), is a
422 naming the field and the reason, and no workflow starts (none would be left without its child)."""

import pytest
import sqlalchemy as sa

from ehcna.store.models import ContactRow, PersonRow
from tests.web.test_casework import a_upn, body
from tests.web.test_pages import new_ref

CONTACT = {"name": "Ben Quill", "relationship": "Father", "phone": "01234 567890", "preferred": "phone"}

REFUSED = {
    "phone": ({}, {"phone": "+" + "1" * 20}, "at most 20"),
    "surname": ({"surname": "İ" * 60}, {}, "counted in lower case"),  # 60 letters, 120 in lower case
    "forename": ({"forename": "Ada\x00"}, {}, "NUL byte"),
    "name": ({}, {"name": "Ben\x00Quill"}, "NUL byte"),
    "relationship": ({}, {"relationship": "Father\x07"}, "U+0007"),
    "email": ({}, {"email": "ben\x00@example.org", "preferred": "email"}, "NUL byte"),
    "address": ({}, {"address": "1 High Street\x00\nTown", "preferred": "post"}, "NUL byte"),
    "interpreter_language": ({}, {"interpreter_language": "Polish\x1b"}, "U+001B"),
}


@pytest.mark.parametrize("field", list(REFUSED))
async def test_a_child_or_contact_the_store_cannot_keep_is_refused_before_the_case_starts(api, field):
    child_change, contact_change, reason = REFUSED[field]
    ref = new_ref()
    start = body(ref)
    start["child"] = {**start["child"], **child_change}
    start["contacts"] = [{**CONTACT, **contact_change}]
    r = await api.http.post("/api/cases", json=start, headers=api.auth("officer"))
    assert r.status_code == 422, r.text
    [error] = r.json()["detail"]
    assert error["loc"][-1] == field and reason in error["msg"], error
    assert (await api.http.get(f"/api/cases/{ref}", headers=api.auth("officer"))).status_code == 404
    with api.db.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).where(PersonRow.upn == start["child"]["upn"])) == 0


async def test_values_at_each_columns_length_are_kept_whole(api):
    ref = new_ref()
    longest = {
        "name": "N" * 100,
        "relationship": "R" * 60,
        "email": "e" * 240 + "@example.org",  # 252 of 254
        "phone": "+" + "1" * 19,
        "address": "1 High Street\r\nTown" + "a" * 481,
        "preferred": "post",
        "interpreter_language": "L" * 60,
    }
    start = body(ref, child={**body(ref)["child"], "surname": "İ" * 50, "upn": a_upn()}, contacts=[longest])
    r = await api.http.post("/api/cases", json=start, headers=api.auth("officer"))
    assert r.status_code == 201, r.text
    got = (await api.http.get(f"/api/cases/{ref}/child", headers=api.auth("officer"))).json()
    assert got["child"]["surname"] == "İ" * 50 and got["contacts"] == [{**longest}]
    with api.db.sessions() as s:
        assert s.scalar(
            sa.select(sa.func.count()).select_from(ContactRow).where(ContactRow.name == "N" * 100)
        )
