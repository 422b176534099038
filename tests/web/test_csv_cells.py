"""CSV downloads neutralise text a spreadsheet would run as a formula (OWASP CSV injection): a cell
of text starting with =, +, -, @, a tab or a carriage return starts with a single quote; numbers,
negative ones too, are written as they are."""

import csv
import io
from datetime import timedelta

from ehcna.store.models import CaseRow
from ehcna.web.pages.downloads import csv_text
from tests.web.test_casework import body
from tests.web.test_pages import eventually, new_ref, site, today  # noqa: F401 - the site fixture


def test_text_that_would_run_as_a_formula_starts_with_a_quote_and_numbers_stay_numbers():
    row = [
        '=HYPERLINK("http://x")',
        "+44 1234",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "Ada",
        "",
        None,
        -3,
        -2.5,
        0,
    ]
    text = csv_text(["a"] * len(row), [row])
    [_, got] = list(csv.reader(io.StringIO(text)))
    assert got == [
        '\'=HYPERLINK("http://x")',
        "'+44 1234",
        "'-2+3",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Ada",
        "",
        "",
        "-3",
        "-2.5",
        "0",
    ]


async def test_the_worklist_csv_neutralises_a_childs_name_typed_as_a_formula(site):  # noqa: F811
    api = site.api
    ref = new_ref()
    start = body(ref, days_ago=3)
    start["child"] = {**start["child"], "forename": '=HYPERLINK("http://evil.example","x")'}
    assert (await api.http.post("/api/cases", json=start, headers=api.auth("officer"))).status_code == 201
    with api.db.sessions() as s:  # the case row is written by the workflow's activity, a moment later
        assert await eventually(lambda: s.get(CaseRow, ref) is not None)
    http = await site.signed_in("officer")
    r = await http.get("/cases.csv", params={"q": ref})
    assert r.status_code == 200, r.text
    rows = {row["case_ref"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert rows[ref]["child"] == '\'=HYPERLINK("http://evil.example","x") Quill'
    assert rows[ref]["days_late"] == "0" and rows[ref]["request_received"] == str(today() - timedelta(days=3))
