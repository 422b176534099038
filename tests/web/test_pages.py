"""The web pages over HTTP, on the real workflows and store: sign-in, CSRF, error summaries, roles.

Browser-driven tests are in test_browser.py; these read the HTML the server sends.
"""

import asyncio
import dataclasses
import inspect
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Annotated
from uuid import uuid4

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, StringConstraints

from dev.build_assets import without_gds_transport
from domain.case import AdviceKind, AdviceStatus, Outcome, RequestSource, Stage
from domain.clock import london_date
from domain.commands import REF_PATTERN, Role
from domain.escalation import Channel
from domain.kpis import Figure, Unit, months_ending
from domain.statutory_exceptions import ExceptionCode
from domain.words import day_in_words
from ehcna.reports.overview import ChartPoint, OverviewRow
from ehcna.store.models import AdviceRow, AuditRow, CaseRow
from ehcna.web.app import create_app
from ehcna.web.case_actions import ACTIONS
from ehcna.web.pages import manager, names, officer, provider, register, signin
from ehcna.web.pages.action_forms import ACTION_FORMS, ADVICE_EXCEPTION, START, SUBMIT_ADVICE
from ehcna.web.pages.charts import k1_chart
from ehcna.web.pages.forms import Field, FormState, parse, submit_form
from tests.importer.rows import load_closed_case

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# what a person must never read on a page: an ISO date, an advice request or an exception by its code
CODES = re.compile(
    r"\d{4}-\d{2}-\d{2}|(?<![\w-])(PARENT|EDUCATION|HEALTH|EP|SOCIAL_CARE|PFA|OTHER)-\d+\b"
    r"|\b[EA]-(SCH|EY|PERS|ABS|APPT)\b"
)


def shown(html: str) -> str:
    """The words a page shows: its text, without tags, attributes, styles or scripts."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def today() -> date:
    return london_date(datetime.now(UTC))


def new_ref() -> str:
    return f"WEB-{uuid4().hex[:6]}"


def date_fields(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


@dataclass
class Site:
    app: FastAPI
    api: object  # the conftest Api: its store is api.db

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def signed_in(self, who: str) -> httpx.AsyncClient:
        http = self.client()
        r = await sign_in(http, who, f"{who}-password")
        assert r.status_code == 303, r.text
        return http


@pytest.fixture
async def site(api) -> AsyncIterator[Site]:
    app = api.app  # the api fixture's app, on its dev server and store
    register(app)  # a no-op once web/app.py registers the pages itself
    yield Site(app, api)


async def csrf_token(http: httpx.AsyncClient, path: str) -> str:
    page = await http.get(path)
    assert page.status_code == 200, (path, page.status_code)
    found = TOKEN.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str, next_path: str = ""
) -> httpx.Response:
    token = await csrf_token(http, "/sign-in")
    form = {"csrf_token": token, "username": username, "password": password, "next": next_path}
    return await http.post("/sign-in", data=form)


async def post_form(http: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    return await http.post(path, data={"csrf_token": await csrf_token(http, path), **data})


def error_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of each error in the GOV.UK error summary."""
    summary = html.split('class="govuk-error-summary"', 1)
    assert len(summary) == 2, "no error summary on the page"
    body = summary[1].split("</ul>", 1)[0]
    return [(h, unescape(t).strip()) for h, t in re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', body)]


def child_form(year_group: int | None = None, on: date | None = None, **changes: str) -> dict[str, str]:
    """The start form's child and parent: a fictional child with no UPN yet (so never a duplicate),
    born to be in ``year_group`` on ``on`` when one is given."""
    on = on or today()
    school_year = on.year if on.month >= 9 else on.year - 1
    born = date(school_year - (8 if year_group is None else year_group) - 4, 1, 15)
    return {
        "forename": "Test",
        "surname": "Child",
        **date_fields("birth_date", born),
        "sex": "F",
        "upn_unknown": "UN8",
        "contact_name": "Test Parent",
        "contact_relationship": "Mother",
        "contact_email": "parent@example.org",
        "contact_preferred": "email",
        **changes,
    }


async def start_case(http: httpx.AsyncClient, ref: str, days_ago: int = 30) -> None:
    data = {
        "ref": ref,
        "request_source": "PARENT",
        "team": "north",
        **date_fields("day0", today() - timedelta(days_ago)),
        **child_form(on=today() - timedelta(days_ago)),
    }
    r = await post_form(http, "/start-assessment", data)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{ref}", r.text


async def eventually(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Poll ``check`` (the read model is written by the workflow's activity, a moment later)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------- sign-in and CSRF


async def test_every_page_needs_sign_in_except_sign_in_and_static(site):
    anonymous = site.client()
    for router in (signin.router, officer.router, provider.router, manager.router):
        for route in router.routes:
            if route.path in ("/sign-in",):
                continue
            url = (
                route.path.replace("{ref}", "X-1")
                .replace("{advice_id}", "HEALTH-1")
                .replace("{action}", "withdraw")
            )
            for method in route.methods:
                r = await anonymous.request(method, url, data={"csrf_token": "x"})
                assert r.status_code == 303, (method, url, r.status_code)
                assert r.headers["location"].startswith("/sign-in"), (method, url)
    assert (await anonymous.get("/cases/ABC?x=1")).headers["location"] == "/sign-in?next=/cases/ABC%3Fx%3D1"
    assert (await anonymous.get("/sign-in")).status_code == 200
    css = await anonymous.get("/static/app.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    gov = await anonymous.get("/static/govuk/govuk-frontend.min.css")
    assert gov.status_code == 200, "run scripts/build_assets.py (after npm ci) to build web/static/govuk"
    assert (await anonymous.get("/api/me")).status_code == 401  # the API keeps its JSON 401


async def test_signing_in_and_out(site):
    http = site.client()
    blank = await sign_in(http, "", "")
    assert blank.status_code == 422
    assert error_links(blank.text) == [
        ("#username", "Enter your username"),
        ("#password", "Enter your password"),
    ]
    assert "<title>Error: Sign in" in blank.text
    wrong = await sign_in(http, "officer", "not-the-password")
    assert wrong.status_code == 401
    assert error_links(wrong.text) == [("#username", "The username or password is not right")]
    assert 'id="username-error"' in wrong.text and 'value="officer"' in wrong.text
    assert "not-the-password" not in wrong.text  # a password is never sent back

    ok = await sign_in(http, "officer", "officer-password", next_path="/start-assessment")
    assert ok.status_code == 303 and ok.headers["location"] == "/start-assessment"
    page = await http.get("/cases")
    assert page.status_code == 200 and '<h1 class="govuk-heading-l">My cases</h1>' in page.text
    assert "Skip to main content" in page.text and "govuk-phase-banner" in page.text

    elsewhere = site.client()
    bounced = await sign_in(elsewhere, "health", "health-password", next_path="//evil.example/")
    assert bounced.headers["location"] == "/inbox"  # never an open redirect
    assert (await elsewhere.get("/")).headers["location"] == "/inbox"

    token = TOKEN.search(page.text).group(1)
    signed_out = await http.post("/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/sign-in"
    assert (await http.get("/cases")).status_code == 303


async def test_a_form_without_the_sessions_csrf_token_is_refused(site):
    http = await site.signed_in("officer")
    ref = new_ref()
    data = {"ref": ref, "request_source": "PARENT", "team": "north", **date_fields("day0", today())}
    for token in (None, "", "forged-token"):
        form = data if token is None else {**data, "csrf_token": token}
        r = await http.post("/start-assessment", data=form)
        assert r.status_code == 403, token
        assert "This form could not be checked" in r.text and "<html" in r.text
    other = await site.signed_in("manager")  # another session's token is no good either
    foreign = await csrf_token(other, "/start-assessment")
    assert (await http.post("/start-assessment", data={**data, "csrf_token": foreign})).status_code == 403
    assert (
        await site.client().post("/sign-in", data={"username": "officer", "password": "x"})
    ).status_code == 403
    assert "no case" in (await http.get(f"/cases/{ref}")).text.lower()  # nothing was started


# ---------------------------------------------------------------- the officer's forms


async def test_the_start_form_shows_the_govuk_error_summary_keyed_to_fields(site):
    http = await site.signed_in("officer")
    empty = await post_form(http, "/start-assessment", {"team": ""})
    assert empty.status_code == 422
    assert error_links(empty.text)[:4] == [
        ("#ref", "Enter a case reference"),
        ("#day0-day", "Enter the date the request was received"),
        ("#request_source", "Select who made the request"),
        ("#team", "Select case officer team"),
    ]
    assert ("#forename", "Enter first name") in error_links(empty.text)
    assert 'class="govuk-form-group govuk-form-group--error"' in empty.text
    assert '<p id="day0-error" class="govuk-error-message">' in empty.text
    assert 'aria-describedby="day0-hint day0-error"' in empty.text  # the fieldset names its error

    bad = await post_form(
        http,
        "/start-assessment",
        {
            "ref": "has spaces",
            "request_source": "PARENT",
            "team": "north",
            "day0-day": "31",
            "day0-month": "2",
            "day0-year": "2026",
            "year_group": "twelve",
        },
    )
    links = dict(error_links(bad.text))
    assert links["#ref"].startswith("A case reference is 1-64 letters")
    assert links["#day0-day"] == "The date the request was received must be a real date"
    assert links["#year_group"] == "The year must be a whole number"
    assert 'value="has spaces"' in bad.text and 'value="31"' in bad.text  # answers are kept

    partial = await post_form(http, "/start-assessment", {"ref": new_ref(), "day0-day": "3", "team": "north"})
    assert dict(error_links(partial.text))["#day0-day"] == (
        "The date the request was received must include a month and a year"
    )

    future = await post_form(
        http,
        "/start-assessment",
        {
            "ref": new_ref(),
            "request_source": "SCHOOL",
            "team": "north",
            **date_fields("day0", today() + timedelta(1)),
            **child_form(),
        },
    )
    assert future.status_code == 422
    [(href, text)] = error_links(future.text)
    assert href == "#day0-day" and "cannot be in the future" in text

    ref = new_ref()
    await start_case(http, ref)
    again = await post_form(
        http,
        "/start-assessment",
        {
            "ref": ref,
            "request_source": "PARENT",
            "team": "north",
            **date_fields("day0", today()),
            **child_form(),
        },
    )
    assert again.status_code == 409
    assert error_links(again.text) == [
        ("#ref", f"Case reference {ref} already exists; each case has one reference")
    ]


async def test_the_start_form_refuses_a_reference_only_the_store_holds(site, tmp_path):
    """A case imported as closed history has no workflow; its reference is taken all the same."""
    ref = new_ref()
    load_closed_case(site.api.db.sessions, tmp_path, ref, today() - timedelta(days=400))
    http = await site.signed_in("officer")
    again = await post_form(
        http,
        "/start-assessment",
        {
            "ref": ref,
            "request_source": "PARENT",
            "team": "north",
            **date_fields("day0", today()),
            **child_form(),
        },
    )
    assert again.status_code == 409
    assert error_links(again.text) == [
        ("#ref", f"Case reference {ref} already exists; each case has one reference")
    ]
    assert f'value="{ref}"' in again.text  # the answers are kept


async def test_the_case_page_shows_the_statutory_timeline_and_actions_apply_or_show_the_refusal(site):
    http = await site.signed_in("officer")
    ref = new_ref()
    await start_case(http, ref, days_ago=35)
    page = await http.get(f"/cases/{ref}")
    assert page.status_code == 200
    assert f"<title>Case {ref} – EHC needs assessments</title>" in page.text
    assert "Assessment " + ref + " started" in page.text  # the flash banner, once
    assert "Statutory timeline" in page.text
    assert (
        "Decision whether to assess (reg 5(1))" in page.text
        and "Final EHC plan issued (reg 13(2))" in page.text
    )
    assert '<strong class="govuk-tag govuk-tag--orange">At risk</strong>' in page.text  # T1 due in 7 days
    assert "<strong>North SEN team</strong>: Decision whether to assess" in page.text  # who holds the case
    assert f'href="/cases/{ref}/decide-to-assess"' in page.text
    assert f'href="/cases/{ref}/issue-final-plan"' not in page.text  # not offered at this stage
    assert f"Assessment {ref} started" not in (await http.get(f"/cases/{ref}")).text  # a flash shows once

    refused = await post_form(http, f"/cases/{ref}/issue-final-plan", date_fields("on", today()))
    assert refused.status_code == 409
    assert error_links(refused.text) == [
        ("#on-day", "Cannot issue the final plan while the case is awaiting the decision whether to assess")
    ]
    no_appeal = await post_form(
        http, f"/cases/{ref}/decide-to-assess", {"yes": "false", **date_fields("on", today())}
    )
    assert no_appeal.status_code == 409
    [(href, text)] = error_links(no_appeal.text)
    assert href == "#appeal_information_given" and "right of appeal" in text

    decided = await post_form(
        http, f"/cases/{ref}/decide-to-assess", {"yes": "true", **date_fields("on", today())}
    )
    assert decided.status_code == 303 and decided.headers["location"] == f"/cases/{ref}"
    page = await http.get(f"/cases/{ref}")
    assert "Decision whether to assess recorded" in page.text
    assert '<strong class="govuk-tag govuk-tag--green">Done</strong>' in page.text
    assert f'href="/cases/{ref}/advice-set"' in page.text  # the standard set in one form
    assert (await http.get(f"/cases/{ref}/no-such-action")).status_code == 404
    missing = await http.get("/cases/NOPE-404")
    assert missing.status_code == 404 and "Page not found" in missing.text

    withdrawn = await post_form(http, f"/cases/{ref}/withdraw", date_fields("on", today()))
    assert withdrawn.status_code == 303
    for _ in range(75):  # the history is written by the workflow's activity, a moment later
        page = await http.get(f"/cases/{ref}")
        if "Request withdrawn</td>" in page.text:
            break
        await asyncio.sleep(0.2)
    # codes in words: the outcome, each step of the history, who took it
    assert f"Request withdrawn on {today().day} " in page.text and "WITHDRAWN" not in page.text
    for step in ("Assessment started", "Decision whether to assess recorded", "Request withdrawn"):
        assert f'<td class="govuk-table__cell">{step}</td>' in page.text, step
    assert "officer (case officer)" in page.text and "case_officer" not in page.text


async def test_a_case_whose_reference_is_new_has_its_page_at_cases_new(site):
    """Any reference a case may have has its page at /cases/<ref>: the start form lives elsewhere."""
    if site.api.db.backend != "sqlite":
        # "new" is one workflow id on the session's Temporal server: once, or its page would be
        # read after the worker of the first run has gone
        pytest.skip("run once, on SQLite")
    assert REF_PATTERN.match("new")  # "new" is a reference like any other (API, starter, import)
    http = await site.signed_in("officer")
    form = await http.get("/start-assessment")
    assert form.status_code == 200 and 'action="/start-assessment"' in form.text
    assert '<h1 class="govuk-heading-l">Start an EHC needs assessment</h1>' in form.text
    assert '<a class="govuk-service-navigation__link" href="/start-assessment" aria-current="page">' in (
        form.text
    )
    assert 'href="/start-assessment" role="button"' in (await http.get("/cases")).text

    data = {
        "ref": "new",
        "request_source": "PARENT",
        "team": "north",
        **date_fields("day0", today()),
        **child_form(),
    }
    started = await post_form(http, "/start-assessment", data)
    if started.status_code == 409:  # an earlier test of this session's Temporal server started it
        assert error_links(started.text) == [
            ("#ref", "Case reference new already exists; each case has one reference")
        ]
    else:
        assert started.status_code == 303 and started.headers["location"] == "/cases/new"
    page = await http.get("/cases/new")
    assert page.status_code == 200 and '<h1 class="govuk-heading-l">Case new</h1>' in page.text
    assert "Start an EHC needs assessment" not in page.text
    assert (await http.get("/cases/new/decide-to-assess")).status_code == 200


# ---------------------------------------------------------------- providers


async def request_advice(http: httpx.AsyncClient, ref: str, kind: str, team: str) -> None:
    data = {"advice_kind": kind, "provider_team": team, **date_fields("requested_on", today())}
    r = await post_form(http, f"/cases/{ref}/request-advice", data)
    assert r.status_code == 303, r.text


async def test_a_provider_sees_its_inbox_and_only_its_own_teams_task_pages(site):
    officer_http = await site.signed_in("officer")
    ref = new_ref()
    await start_case(officer_http, ref)
    await post_form(
        officer_http, f"/cases/{ref}/decide-to-assess", {"yes": "true", **date_fields("on", today())}
    )
    await request_advice(officer_http, ref, "HEALTH", "icb-community-paeds")
    await request_advice(officer_http, ref, "EDUCATION", "oak-school")

    def written() -> bool:
        with site.api.db.sessions() as s:
            return s.scalar(sa.select(sa.func.count()).where(AdviceRow.case_ref == ref)) == 2

    assert await eventually(written)
    health = await site.signed_in("health")
    inbox = await health.get("/inbox")
    assert inbox.status_code == 200 and '<h1 class="govuk-heading-l">Advice requests</h1>' in inbox.text
    assert f'href="/tasks/{ref}/HEALTH-1"' in inbox.text and f"/tasks/{ref}/EDUCATION-1" not in inbox.text
    assert "Due in 42 days" in inbox.text
    for path in ("/inbox", f"/tasks/{ref}/HEALTH-1", f"/tasks/{ref}/HEALTH-1/exception"):
        page = await health.get(path)
        assert page.status_code == 200 and not CODES.search(shown(page.text)), CODES.findall(shown(page.text))
    assert "Medical advice" in shown(inbox.text)

    for method, url in (("GET", f"/tasks/{ref}/EDUCATION-1"), ("GET", f"/tasks/{ref}/EDUCATION-1/exception")):
        r = await health.request(method, url)
        assert r.status_code == 403 and "You cannot see this page" in r.text
    stolen = await health.post(
        f"/tasks/{ref}/EDUCATION-1",
        data={
            "csrf_token": await csrf_token(health, f"/tasks/{ref}/HEALTH-1"),
            "document_ref": "X",
            **date_fields("returned_on", today()),
        },
    )
    assert stolen.status_code == 403
    assert (await health.get("/tasks/NOPE-1/HEALTH-1")).status_code == 403  # existence is not revealed
    assert (await health.get(f"/cases/{ref}")).status_code == 403
    with site.api.db.sessions() as s:
        audited = s.scalars(
            sa.select(AuditRow).where(AuditRow.action == "forbidden", AuditRow.case_ref == ref)
        ).all()
        assert {a.actor_user for a in audited} == {"health"} and len(audited) >= 3

    task = f"/tasks/{ref}/HEALTH-1"
    page = await health.get(task)
    assert page.status_code == 200 and "Provide medical advice" in page.text
    blank = await post_form(health, task, {})
    assert blank.status_code == 422
    assert error_links(blank.text) == [
        ("#returned_on-day", "Enter the date"),
        ("#document_ref", "Enter a document reference"),
    ]
    too_early = await post_form(
        health, task, {"document_ref": "DOC-1", **date_fields("returned_on", today() - timedelta(3))}
    )
    assert too_early.status_code == 409
    assert error_links(too_early.text)[0][0] == "#returned_on-day"

    exc = await post_form(health, f"{task}/exception", {"code": "A-APPT", **date_fields("on", today())})
    assert exc.status_code == 409  # A-APPT needs the appointment's date
    assert error_links(exc.text) == [
        (
            "#appointment_on-day",
            "Missed an appointment for an examination or test: "
            "the date of the missed appointment is required",
        )
    ]

    done = await post_form(
        health,
        task,
        {
            "document_ref": "EHC-HEALTH-77",
            "summary": "Seen in clinic.",
            **date_fields("returned_on", today()),
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    after = await health.get("/inbox")
    assert f"Medical advice submitted for case {ref}" in after.text
    closed = await health.get(task)
    assert "This advice was provided on" in closed.text and "Submit advice" not in closed.text


TEAM_NAMES = {"north": "North SEN team", "icb-community-paeds": "ICB community paediatrics"}


async def test_pages_name_teams_as_the_directory_does(site):
    services = dataclasses.replace(site.app.state.services, team_names=TEAM_NAMES)
    named = Site(create_app(services, session_secret="test-secret"), site.api)
    officer_http = await named.signed_in("officer")
    ref = new_ref()
    await start_case(officer_http, ref)
    at_risk = new_ref()
    await start_case(officer_http, at_risk, days_ago=35)  # T1 due in 7 days: in the at-risk list
    await post_form(
        officer_http, f"/cases/{ref}/decide-to-assess", {"yes": "true", **date_fields("on", today())}
    )
    await request_advice(officer_http, ref, "HEALTH", "icb-community-paeds")
    await request_advice(officer_http, ref, "EDUCATION", "oak-school")  # named by the directory only

    def written() -> bool:
        with site.api.db.sessions() as s:
            return s.scalar(sa.select(sa.func.count()).where(AdviceRow.case_ref == ref)) == 2

    assert await eventually(written)
    case = (await officer_http.get(f"/cases/{ref}")).text
    # the advice table, the timeline's "held by", who holds the case and the signed-in line
    assert '<td class="govuk-table__cell app-nowrap">ICB community paediatrics</td>' in case
    assert '<td class="govuk-table__cell app-nowrap">Oak School</td>' in case
    assert '<td class="govuk-table__cell">North SEN team</td>' in case
    assert "<strong>ICB community paediatrics</strong>: " in case
    assert '<td class="govuk-table__cell">icb-community-paeds</td>' not in case
    assert ">north<" not in case and "(case officer, North SEN team)" in case

    inbox = (await (await named.signed_in("health")).get("/inbox")).text
    assert '<span class="govuk-caption-l">ICB community paediatrics</span>' in inbox
    assert "icb-community-paeds" not in inbox

    boss = await named.signed_in("manager")
    kpis = (await boss.get("/performance")).text  # the advice awaited counts today, in any month
    assert '<th scope="row" class="govuk-table__header">ICB community paediatrics</th>' in kpis
    assert '<th scope="row" class="govuk-table__header">Oak School</th>' in kpis
    assert '<th scope="row" class="govuk-table__header">icb-community-paeds</th>' not in kpis

    for _ in range(75):  # the lists come from Temporal's visibility, a moment behind
        stuck = (await boss.get("/performance/open-cases")).text
        if f'href="/cases/{at_risk}"' in stuck:
            break
        await asyncio.sleep(0.2)
    row = stuck.split(f'href="/cases/{at_risk}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="govuk-table__cell">North SEN team</td>' in row


# ---------------------------------------------------------------- managers


async def test_the_dashboards_are_for_managers(site):
    for who in ("officer", "health"):
        http = await site.signed_in(who)
        for path in ("/performance", "/performance/open-cases", "/performance/alerts"):
            r = await http.get(path)
            assert r.status_code == 403 and "You cannot see this page" in r.text, (who, path)
    boss = await site.signed_in("manager")
    page = await boss.get("/performance?month=2026-10")
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">KPI overview for October 2026</h1>' in page.text
    assert "EHC plans issued within 20 weeks, excluding exceptions" in page.text
    assert "n/a (0/0)" in page.text  # figures come with numerator and denominator
    assert '<svg class="app-chart"' in page.text and 'role="img"' in page.text
    assert "Show the chart&#39;s figures as a table" in page.text or "Show the chart's figures" in page.text
    assert "46.4% (39,407/84,866)" in page.text  # the national figure of 2024, in the table alternative
    # the overview's rows split by advice kind and by stage name them in words, not by their codes
    assert "Social care advice returned within 6 weeks, excluding exceptions" in page.text
    assert "Medical advice returned within 6 weeks, excluding exceptions" in page.text
    assert "Draft plan with the family" in page.text
    for code in ("SOCIAL_CARE", "HEALTH", ": EP", "draft_served", "At stage"):
        assert code not in page.text, code
    bad = await boss.get("/performance?month=2026-13")
    assert bad.status_code == 200
    [(href, text)] = error_links(bad.text)
    assert href == "#month" and "13 is not between 1 and 12" in text
    stuck = await boss.get("/performance/open-cases")
    assert stuck.status_code == 200 and "Open cases by stage and weeks since day 0 (K8)" in stuck.text
    alerts = await boss.get("/performance/alerts")
    assert alerts.status_code == 200 and "Alerts and their delivery" in alerts.text
    sen2 = await boss.get("/performance/sen2?year=2027")
    assert sen2.status_code == 200 and "SEN2 return 2027" in sen2.text
    assert "For the census on 21 January 2027" in sen2.text and 'id="sen2-check"' in sen2.text
    module = await boss.get("/performance/sen2/2027/2_requests.csv")
    assert module.status_code == 200 and module.text.startswith("PersonID,RequestID,ReceivedDate,")
    with site.api.db.sessions() as s:  # taking a file of every child's details is audited
        taken = s.scalars(sa.select(AuditRow.detail).where(AuditRow.action == "sen2_download")).all()
    assert {"year": 2027, "module": "2_requests"} in taken
    bad = await boss.get("/performance/sen2?year=1999")
    assert bad.status_code == 200 and "govuk-error-summary" in bad.text and "--reference-date" not in bad.text
    assert (await boss.get("/cases")).status_code == 200  # managers can do case work


# ---------------------------------------------------------------- pieces, without a server


def test_every_code_a_page_shows_has_a_name_in_words():
    for codes, named in (
        (AdviceKind, names.ADVICE_NAMES),
        (RequestSource, names.SOURCE_NAMES),
        (ExceptionCode, names.EXCEPTION_NAMES),
        (Stage, names.STAGE_NAMES),
        (Outcome, names.OUTCOME_NAMES),
        (AdviceStatus, names.ADVICE_STATUS_NAMES),
        (Channel, names.CHANNEL_NAMES),
        (Role, names.ROLE_NAMES),
    ):
        assert set(codes) <= set(named), codes
    kinds = {model.model_fields["kind"].default for model in ACTIONS.values()}
    assert kinds | {"start"} <= set(names.STEP_NAMES)

    def row(row_id: str, title: str) -> OverviewRow:
        return OverviewRow(row_id, title, Unit.COUNT, False, 1, 2, 3, detail="." in row_id)

    rows = [
        row("K5.SOCIAL_CARE", "Advice returned within 6 weeks, excluding exceptions: SOCIAL_CARE"),
        row("K5.PFA", "Advice returned within 6 weeks, excluding exceptions: PFA"),
        row("K8.stage.draft_served", "at stage draft_served"),
        row("K8.weeks.0-6", "open 0-6 weeks"),
        row("K10.T1", "deadline T1"),
        row("K10.T2.EDUCATION", "deadline T2 EDUCATION"),
        row("K10.T6", "deadline T6"),
        row("K10.team.north", "team north"),
    ]
    assert [manager.table_row(r).title for r in rows] == [
        "Social care advice returned within 6 weeks, excluding exceptions",
        "Preparing for adulthood advice returned within 6 weeks, excluding exceptions",
        "Draft plan with the family",
        "open 0-6 weeks",
        "Decision whether to assess (reg 5(1))",
        "Educational advice provided (reg 8(1))",
        "Final EHC plan issued (reg 13(2))",
        "team north",
    ]
    # K10's split by team names each team as the directory does; a team not named keeps its id
    named = {"north": "North SEN team"}.get
    assert manager.table_row(rows[-1], lambda t: named(t) or t).title == "North SEN team"
    assert manager.table_row(row("K10.team.oak", "team oak"), lambda t: named(t) or t).title == "team oak"


class Named(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    by: str


async def test_every_form_page_goes_through_the_one_submit_run():
    """Parse, validate, send; the form again with its errors (422, or the refusal's status) or a
    success message and a 303. The officer's and the provider's pages have no run of their own."""
    fields = (Field("name", "Name", noun="a name"),)
    sent: list[Named] = []
    shown: list[tuple[int, list[tuple[str, str]]]] = []

    def show(form: FormState, code: int) -> Response:
        shown.append((code, [(e.href, e.text) for e in form.errors]))
        return Response(status_code=code)

    async def send(command: Named) -> None:
        if command.name == "taken":
            raise HTTPException(409, {"field": "name", "reason": "that name is taken"})
        if command.name == "gone":
            raise HTTPException(404, "no such thing")
        sent.append(command)

    async def run(name: str) -> Response:
        request = Request({"type": "http", "method": "POST", "path": "/x", "headers": [], "session": {}})
        response = await submit_form(
            request,
            fields,
            {"name": name},
            Named,
            given={"by": "officer"},
            send=send,
            show=show,
            done=lambda c: f"{c.name} saved",
            then="/done",
        )
        if response.status_code == 303:
            assert request.session["flash"] == f"{name.strip()} saved"
        return response

    assert (await run(" ")).status_code == 422 and shown[-1] == (422, [("#name", "Enter a name")])
    assert (await run("taken")).status_code == 409 and shown[-1] == (409, [("#name", "That name is taken")])
    with pytest.raises(HTTPException):  # anything but a refusal is not the form's business
        await run("gone")
    ok = await run(" Ada ")
    assert ok.status_code == 303 and ok.headers["location"] == "/done"
    assert sent == [Named(name="Ada", by="officer")] and len(shown) == 2
    for module in (officer, provider):
        source = inspect.getsource(module)
        assert "submit_form(" in source and "refusal(" not in source and "validate(" not in source


def test_every_action_form_asks_for_fields_its_command_has():
    assert set(ACTION_FORMS) == set(ACTIONS)
    for name, form in ACTION_FORMS.items():
        command = ACTIONS[name]
        assert {f.name for f in form.fields} <= set(command.model_fields), name
    for fields, command in (
        (SUBMIT_ADVICE, ACTIONS["submit-advice"]),
        (ADVICE_EXCEPTION, ACTIONS["record-exception"]),
    ):
        assert {f.name for f in fields} <= set(command.model_fields)
    form, answers = parse(START, {"day0-day": "29", "day0-month": "2", "day0-year": "2028", "ref": " R-1 "})
    assert answers == {"day0": date(2028, 2, 29), "ref": "R-1"} and not form.errors


def test_the_chart_has_a_text_alternative_and_the_national_line():
    months = months_ending(date(2026, 10, 31), 24)
    points = [
        ChartPoint(m, Figure(i % 5, 5), Figure(39_407, 84_866) if m.start.year == 2024 else None)
        for i, m in enumerate(months)
    ]
    chart = k1_chart(points)
    assert (
        chart.svg.startswith('<svg class="app-chart"')
        and 'aria-labelledby="k1-chart-title k1-chart-desc"' in chart.svg
    )
    assert chart.svg.count('stroke-dasharray="10 6"') == 1 and chart.svg.count('stroke-dasharray="2 6"') == 1
    assert "November 2024 to October 2026" in chart.description and "46.4% for 2024" in chart.description
    assert chart.rows[-1].national.startswith("not yet published")


def test_the_stylesheet_is_rewritten_without_the_gov_uk_font():
    css = (
        '@font-face{font-family:"GDS Transport";font-style:normal;src:url(/assets/fonts/x.woff2)}'
        ".govuk-body{font-family:GDS Transport,arial,sans-serif}"
    )
    assert without_gds_transport(css) == ".govuk-body{font-family:arial,sans-serif}"


async def test_mediation_is_recorded_on_a_closed_case_after_the_refusal_it_disputes(site):
    http = await site.signed_in("officer")
    ref = new_ref()
    await start_case(http, ref, days_ago=35)
    refused_on = today() - timedelta(days=5)
    decided = await post_form(
        http,
        f"/cases/{ref}/decide-to-assess",
        {"yes": "false", "appeal_information_given": "true", **date_fields("on", refused_on)},
    )
    assert decided.status_code == 303, decided.text

    def stored() -> bool:  # the decision reaches the store a moment after the workflow applies it
        with site.api.db.sessions() as s:
            row = s.get(CaseRow, ref)
            return row is not None and row.decided_to_assess is False

    assert await eventually(stored)
    path = f"/cases/{ref}/appeals/new"
    early = await post_form(
        http,
        path,
        {
            "route": "MEDIATION",
            "disputes": "REQUEST",
            **date_fields("started_on", refused_on - timedelta(days=1)),
        },
    )
    assert early.status_code == 409
    assert error_links(early.text) == [
        (
            "#started_on-day",
            f"{day_in_words(refused_on - timedelta(days=1))} is before the decision it disputes "
            f"({day_in_words(refused_on)})",
        )
    ]
    wrong = await post_form(
        http, path, {"route": "TRIBUNAL", "disputes": "PLAN", **date_fields("started_on", refused_on)}
    )
    assert wrong.status_code == 409 and error_links(wrong.text)[0][0] == "#disputes"
    ok = await post_form(
        http, path, {"route": "MEDIATION", "disputes": "REQUEST", **date_fields("started_on", refused_on)}
    )
    assert ok.status_code == 303 and ok.headers["location"] == f"/cases/{ref}"
    page = await http.get(f"/cases/{ref}")
    assert "Mediation and appeals" in page.text and "Decision not to assess" in page.text
    assert "Mediation recorded" in page.text  # the success message
