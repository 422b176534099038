"""The Outlook page and ``/api/outlook``: a fan chart with its table, the teams' queues, the cases most
at risk, a scenario beside the baseline, a backtest; managers and the head of service only.

The store holds a history from the known process (``ehcna.forecast.synthetic``) ending today, so the
page's "today" forecasts from it: two years of requests, the EP service cut from 38 to 27 a week four
months ago.
"""

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ehcna.forecast.synthetic import Process, simulate_history, write_history
from ehcna.store.models import AuditRow
from ehcna.web.pages import register
from tests.web.test_pages import CODES, Site, error_links, shown, today

RUNS = "20"


def history(db) -> None:
    end = today()
    process = replace(
        Process(),
        start=end - timedelta(days=730),
        end=end,
        ep_capacity=((end - timedelta(days=730), 38.0), (end - timedelta(days=120), 27.0)),
    )
    with db.engine.begin() as conn:
        write_history(conn, simulate_history(process), end)


@pytest.fixture
async def site(api) -> AsyncIterator[Site]:
    register(api.app)
    yield Site(api.app, api)


async def test_a_manager_sees_the_outlook_with_a_scenario_beside_it(site):
    history(site.api.db)
    http = await site.signed_in("manager")
    page = await http.get("/performance/outlook")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<a class="govuk-service-navigation__link" href="/performance/outlook"' in html
    assert '<svg class="app-chart"' in html and 'role="img"' in html and "<desc id=" in html
    assert "Show the chart&#39;s figures as a table" in html or "Show the chart's figures as a table" in html
    words = shown(html)
    assert "Advice awaited by each provider team" in words and "(limited)" in words
    assert "They kept up: at most" in words and "Cases waiting for an officer at the end of" in words
    assert "Open cases most likely to pass 20 weeks" in words
    assert "How many cases each figure rests on" in words or "rests on" in words
    assert not CODES.search(words), CODES.search(words)  # no ISO date or code for a person to read
    with_scenario = await http.get("/performance/outlook", params={"team": "ep-service", "change": "+12"})
    assert with_scenario.status_code == 200
    words = shown(with_scenario.text)
    ep = site.app.state.services.team_name("ep-service")  # the team by its name in the directory
    assert ep != "ep-service" and f"With the scenario: {ep}: capacity +12 a week." in words, words
    assert 'stroke-dasharray="10 6"' in with_scenario.text  # the scenario's dashed line
    assert re.search(r"\+\d+\.\d pts", words)  # the change beside each month
    test = await http.get(
        "/performance/outlook", params={"backtest": (today() - timedelta(days=200)).strftime("%Y-%m")}
    )
    assert test.status_code == 200
    assert "against what happened" in shown(test.text) and "Brier score" in shown(test.text)


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"change": "lots", "team": "ep-service"},
            [("#change", "Enter the change as a number of advice a week")],
        ),
        ({"change": "+3"}, [("#team", "Choose the provider team whose capacity changes")]),
        ({"team": "nobody", "change": "+3"}, [("#team", "'nobody' is not a provider team")]),
        ({"team": "ep-service", "change": "-99"}, [("#change", "Ep-service: 27.0 a week -99 would be")]),
        ({"months": "0"}, [("#months", "The forecast looks 1 to 24 months ahead")]),
        ({"months": "25"}, [("#months", "The forecast looks 1 to 24 months ahead")]),
        ({"demand": "lots"}, [("#demand", "Enter the change as a percentage")]),
    ],
)
async def test_bad_input_shows_the_error_summary(site, params, errors):
    history(site.api.db)
    http = await site.signed_in("manager")
    page = await http.get("/performance/outlook", params={"runs": RUNS, **params})
    assert page.status_code == 422
    found = error_links(page.text)
    assert [h for h, _ in found] == [h for h, _ in errors]
    for (_, text), (_, expected) in zip(found, errors, strict=True):
        assert text.startswith(expected) or expected in text, (text, expected)


async def test_too_little_history_is_said_on_the_page_and_by_the_api(site):
    http = await site.signed_in("manager")
    page = await http.get("/performance/outlook")
    assert page.status_code == 200
    assert (
        "no request received on or before" in shown(page.text)
        or "too little history" in shown(page.text).lower()
    )
    r = await site.api.http.get("/api/outlook", headers=site.api.auth("manager"))
    assert r.status_code == 422 and r.json()["detail"]["field"] in ("as_of", "history")


async def test_only_managers_and_the_head_of_service_see_the_outlook(site):
    for who in ("officer", "health"):
        http = await site.signed_in(who)
        assert (await http.get("/performance/outlook")).status_code == 403
        r = await site.api.http.get("/api/outlook", headers=site.api.auth(who))
        assert r.status_code == 403
    with site.api.db.sessions() as s:
        refused = s.scalars(sa.select(AuditRow.detail).where(AuditRow.action == "forbidden")).all()
    assert sum(1 for d in refused if d.get("path") in ("/performance/outlook", "/api/outlook")) == 4


async def test_the_api_gives_the_outlook_and_refuses_bad_input_with_field_and_reason(site):
    history(site.api.db)
    head = site.api.auth("head")
    ok = await site.api.http.get(
        "/api/outlook", params={"months": 2, "runs": RUNS, "scenario": "ep-service=+10/week"}, headers=head
    )
    assert ok.status_code == 200, ok.text
    data = ok.json()
    assert len(data["baseline"]["months"]) == 2 and data["scenario"]["changes"] == [
        "ep-service: capacity +10 a week"
    ]
    assert data["difference"][1]["k1_points"] is not None
    assert {"what", "value", "rests_on"} == set(data["learnt"][0])
    future = (today() + timedelta(days=3)).isoformat()
    for params, field in (
        ({"months": 0}, "months"),
        ({"months": 25}, "months"),
        ({"scenario": "nobody=+1/week"}, "scenario"),
        ({"scenario": "ep-service=-99/week"}, "scenario"),
        ({"as_of": future}, "as_of"),
        ({"as_of": "2001-01-01"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
    ):
        r = await site.api.http.get("/api/outlook", params={"runs": RUNS, **params}, headers=head)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["detail"]["field"] == field and r.json()["detail"]["reason"]
    back = await site.api.http.get(
        "/api/outlook/backtest",
        params={"as_of": (today() - timedelta(days=200)).isoformat(), "runs": RUNS, "months": 3},
        headers=head,
    )
    assert back.status_code == 200 and back.json()["k1_mean_absolute_error_points"] is not None


async def test_the_worklist_sorts_by_the_chance_of_passing_20_weeks(site):
    """Sort.RISK: the open cases the outlook gives the highest chance of passing 20 weeks come first."""
    history(site.api.db)
    from ehcna.web.pages.outlook import risks

    chances = dict(risks(site.app.state.services))
    assert len(chances) > 100
    http = await site.signed_in("manager")
    page = await http.get("/cases", params={"sort": "risk"})
    assert page.status_code == 200
    assert "Most likely to pass 20 weeks" in shown(page.text)
    listed = list(dict.fromkeys(re.findall(r'href="/cases/(SYN-\d+)"', page.text)))
    assert len(listed) >= 20
    shown_chances = [chances.get(ref, -1.0) for ref in listed]
    assert shown_chances == sorted(shown_chances, reverse=True)
    assert shown_chances[0] == max(chances.values())
