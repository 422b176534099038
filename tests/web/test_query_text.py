"""A NUL byte or another control character in a text query parameter (the worklist's search, officer
and team) is refused before it reaches the store, where PostgreSQL would fail the query (a 500): the
API answers 422 with the parameter and the reason, the page names it in its error summary."""

import pytest

from ehcna.web.query_text import query_text_error, query_text_problems
from tests.web.test_pages import error_links, site  # noqa: F401 - the site fixture

BAD = {"q": "Quill\x00", "officer": "officer\x00", "team": "north\x01"}


@pytest.mark.parametrize("param", list(BAD))
async def test_the_worklist_api_refuses_a_control_character_in_a_text_parameter(site, param):  # noqa: F811
    api = site.api
    r = await api.http.get("/api/worklist", params={param: BAD[param]}, headers=api.auth("manager"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail["field"] == param and "must not contain control characters" in detail["reason"]
    good = await api.http.get("/api/worklist", params={"q": "Quill"}, headers=api.auth("manager"))
    assert good.status_code == 200


async def test_the_worklist_page_names_the_search_in_its_error_summary(site):  # noqa: F811
    http = await site.signed_in("manager")
    page = await http.get("/cases", params={"q": "Quill\x00", "officer": "officer"})
    assert page.status_code == 422
    assert error_links(page.text) == [("#q", "Search must not contain control characters: remove a NUL byte")]
    assert 'id="q-error"' in page.text and "Open cases" in page.text  # the list, without the search
    csv = await http.get("/cases.csv", params={"q": "Quill\x00"})
    assert csv.status_code == 422


def test_the_shared_helper_gives_the_reason_and_the_pages_message():
    assert query_text_problems(q="Smi", child="7d0c", none=None) == {}
    assert query_text_problems(q="Smi\x00") == {"q": "must not contain control characters: remove a NUL byte"}
    assert query_text_error("Search", "a\tb") == "Search must not contain control characters: remove a tab"
    assert query_text_error("Search", "Åberg") is None and query_text_error("Search", None) is None
