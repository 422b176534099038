"""The pages in a real browser: Debian's chromium driven by Playwright, against uvicorn on 127.0.0.1.

The server runs on the test's own event loop with the ``api`` fixture's app
(the real Temporal dev server, store and worker). Each journey saves a full
page screenshot under docs/screenshots/ for the README.
"""

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect
from sqlalchemy import Engine

from bench.synthetic import FIRST_DAY0, SPAN_DAYS, TABLES, chunks
from domain.clock import london_date
from domain.commands import SYSTEM
from domain.plan_commands import StartPlan
from domain.words import day_in_words
from ehcna.store.models import Base
from ehcna.web.pages import register
from tests.web.axe import violations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"no browser at {CHROMIUM}")


def today() -> date:
    return london_date(datetime.now(UTC))


@pytest.fixture
async def site(api) -> AsyncIterator[str]:
    """The api fixture's app served by uvicorn on a free port of 127.0.0.1; yields its base URL."""
    app = api.app
    register(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # raise why it stopped
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def signed_in(browser: Browser, site: str, who: str) -> Page:
    page = await browser.new_page(base_url=site, viewport={"width": 1200, "height": 900})
    await page.goto("/")
    await expect(page).to_have_title("Sign in – EHC needs assessments")
    await page.get_by_label("Username").fill(who)
    await page.get_by_label("Password").fill(f"{who}-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


async def fill_date(page: Page, name: str, day: date) -> None:
    await page.locator(f"#{name}-day").fill(str(day.day))
    await page.locator(f"#{name}-month").fill(str(day.month))
    await page.locator(f"#{name}-year").fill(str(day.year))


def seed_closed_cases(engine: Engine, count: int, on: date) -> None:
    """``count`` closed cases of the KPI benchmark's synthetic set, moved in time so that they end
    a few months before ``on``; cases that would close after ``on`` are left out (no future dates)."""
    shift = (on - timedelta(days=75)) - (FIRST_DAY0 + timedelta(days=SPAN_DAYS))
    outcome = TABLES["cases"].index("outcome_on")
    with engine.begin() as conn:
        for chunk in chunks(count):
            later = {row[0] for row in chunk.rows["cases"] if row[outcome] + shift >= on}
            for table, columns in TABLES.items():
                rows = [
                    {c: v + shift if isinstance(v, date) else v for c, v in zip(columns, row, strict=True)}
                    for row in chunk.rows[table]
                    if row[0] not in later
                ]
                if rows:
                    conn.execute(Base.metadata.tables[table].insert(), rows)


async def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot as a reader sees the page: no pointer hovering over a link."""
    await page.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


async def test_a_case_officer_starts_a_case_and_a_bad_form_shows_the_error_summary(site, browser):
    page = await signed_in(browser, site, "officer")
    await expect(page.get_by_role("heading", level=1)).to_have_text("My cases")

    # by keyboard: the first Tab reaches the skip link, which leads to the page's first control
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Start an assessment")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page).to_have_title("Start an EHC needs assessment – EHC needs assessments")
    await page.get_by_label("Case reference").fill("has spaces")
    await page.locator("#day0-day").fill("31")
    await page.locator("#day0-month").fill("2")
    await page.get_by_role("button", name="Start assessment").click()

    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    await expect(page).to_have_title("Error: Start an EHC needs assessment – EHC needs assessments")
    await expect(summary.get_by_role("link").first).to_have_text(
        "A case reference is 1-64 letters, digits, '-' or '_', starting with a letter or digit "
        "(no names: it appears in the workflow id)"
    )
    await expect(
        summary.get_by_role("link", name="The date the request was received must include a year")
    ).to_be_visible()
    await expect(summary.get_by_role("link", name="Enter first name")).to_be_visible()
    await summary.get_by_role("link", name="Select who made the request").click()
    await expect(page.get_by_label("Parent", exact=True)).to_be_focused()  # the link goes to the field

    ref = f"BRW-{uuid4().hex[:6]}"
    day0 = today() - timedelta(days=60)
    await page.get_by_label("Case reference").fill(ref)
    await fill_date(page, "day0", day0)
    await page.get_by_label("Parent", exact=True).check()
    await page.get_by_label("National curriculum year (optional)").fill("6")
    # the child (clearly fictional) and a parent with their preferred way to be contacted
    await page.get_by_label("First name").fill("Demo")
    await page.get_by_label("Last name").fill("Child-Browser")
    school_year = day0.year if day0.month >= 9 else day0.year - 1
    await fill_date(page, "birth_date", date(school_year - 11, 3, 14))  # year 6 on day 0
    await page.get_by_label("Female").check()
    await page.get_by_label("If no UPN or ULN is known, why").select_option("UN8")
    await page.get_by_label("Full name").fill("Demo Parent")
    await page.get_by_label("Relationship to the child").fill("Mother")
    await page.get_by_label("Email address").fill("demo.parent@example.org")
    await page.get_by_label("Email", exact=True).check()
    await page.get_by_label("Interpreter needed: language (optional)").fill("Polish")
    await page.get_by_role("button", name="Start assessment").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {ref}")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Assessment {ref} started")

    card = page.locator(".govuk-summary-card")
    await expect(card).to_contain_text("Demo Child-Browser")
    await expect(card).to_contain_text("Needs an interpreter: Polish")
    await page.get_by_role("link", name="Decide whether to assess").click()
    await page.get_by_label("Yes, carry out an assessment").check()
    await fill_date(page, "on", day0 + timedelta(days=16))
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Decision whether to assess recorded"
    )

    requested = today() - timedelta(days=30)
    teams = {
        "Parent or young person's views": "family",
        "Educational advice": "oak-school",
        "Medical advice": "icb-community-paeds",
        "Psychological advice": "ep-service",
        "Social care advice": "social-care",
    }
    # the standard set in one step: every kind ticked, each team preselected from the directory
    await page.get_by_role("link", name="Request advice").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Request advice")
    for advice, team in teams.items():
        group = page.get_by_role("group", name=advice)
        await expect(group.get_by_role("checkbox")).to_be_checked()
        await expect(group.get_by_label("Team asked")).to_have_value(team)
    await fill_date(page, "requested_on", requested)
    await screenshot(page, "officer-advice-set.png")
    await page.get_by_role("button", name="Request advice").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Advice requested: " + ", ".join(teams)
    )

    await page.get_by_role("link", name="Record advice received").click()
    await page.get_by_label("Advice request").select_option("EP-1")
    await fill_date(page, "returned_on", today() - timedelta(days=4))
    await page.get_by_label("Document reference").fill("EP-2291")
    await page.get_by_role("button", name="Record advice").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Advice recorded")

    timeline = page.locator("table.app-timeline")
    await expect(timeline).to_contain_text("Decision whether to assess (reg 5(1))")
    await expect(timeline.locator(".govuk-tag", has_text="At risk")).to_have_count(
        3
    )  # 3 advice due in 12 days
    await expect(timeline.locator(".govuk-tag", has_text="Done")).to_have_count(3)  # day 0, T1, EP advice
    history = page.get_by_role("cell", name="Advice submitted: Psychological advice", exact=True)
    for _ in range(50):  # the history is written by the workflow's activity, a moment after the update
        if await history.count():
            break
        await asyncio.sleep(0.2)
        await page.reload()
    await expect(history).to_be_visible()
    await page.reload()  # without the success banner, which holds the focus
    await screenshot(page, "officer-case.png")


async def test_a_provider_submits_advice_from_its_inbox(site, browser, api):
    officer = api.auth("officer")
    refs = []
    for days_ago in (45, 40, 30, 10):  # overdue by 3 days, due in 2, 12 and 32 days
        ref = f"BRW-{uuid4().hex[:6]}"
        refs.append(ref)
        start = {
            "ref": ref,
            "day0": str(today() - timedelta(50)),
            "request_source": "SCHOOL",
            "team": "north",
        }
        assert (await api.http.post("/api/cases", json=start, headers=officer)).status_code == 201
        decide = {"yes": True, "on": str(today() - timedelta(days=45))}
        assert (
            await api.http.post(f"/api/cases/{ref}/decide-to-assess", json=decide, headers=officer)
        ).is_success
        for kind, team in (("HEALTH", "icb-community-paeds"), ("EDUCATION", "oak-school")):
            body = {
                "advice_kind": kind,
                "provider_team": team,
                "requested_on": str(today() - timedelta(days_ago)),
            }
            r = await api.http.post(f"/api/cases/{ref}/request-advice", json=body, headers=officer)
            assert r.status_code == 200, r.text

    page = await signed_in(browser, site, "health")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Advice requests")
    for _ in range(50):  # the inbox reads the store, written by the workflow's activity
        if await page.locator("tbody tr").count() >= 4:
            break
        await asyncio.sleep(0.2)
        await page.reload()
    rows = page.locator("tbody tr")
    await expect(rows).to_have_count(4)
    await expect(rows.nth(0)).to_contain_text(refs[0])  # the soonest due first
    await expect(rows.nth(0).locator(".govuk-tag")).to_have_text("Overdue by 3 days")
    await expect(rows.nth(1).locator(".govuk-tag")).to_have_text("Due in 2 days")
    await expect(page.get_by_text("oak-school")).to_have_count(0)
    await screenshot(page, "provider-inbox.png")

    await page.get_by_role("link", name=f"Provide advice (medical advice) for case {refs[0]}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Provide medical advice")
    await page.get_by_role("button", name="Submit advice").click()
    await expect(page.locator(".govuk-error-summary")).to_be_focused()
    await fill_date(page, "returned_on", today())
    await page.get_by_label("Document reference").fill("EHC-HEALTH-77")
    await page.get_by_label("Summary (optional)").fill("Seen in community paediatrics clinic.")
    await page.get_by_role("button", name="Submit advice").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Medical advice submitted for case {refs[0]}"
    )


async def test_a_social_care_provider_finds_and_completes_its_request(site, browser, api):
    """Journey 2: social care sees who the child is (name, date of birth, setting: nothing more),
    completes its request, and the case officer's worklist shows the advice as new at once."""
    officer = api.auth("officer")
    ref = f"BRW-{uuid4().hex[:6]}"
    day0 = today() - timedelta(days=20)
    school_year = day0.year if day0.month >= 9 else day0.year - 1
    start = {
        "ref": ref,
        "day0": str(day0),
        "request_source": "PARENT",
        "team": "north",
        "child": {
            "forename": "Demo",
            "surname": f"Child-{ref[-6:]}",
            "birth_date": str(date(school_year - 9, 11, 2)),
            "upn_unknown": "UN8",
            "setting_urn": "100000",
        },
        "contacts": [{"name": "Demo Carer", "relationship": "Foster carer", "email": "carer@example.org"}],
    }
    assert (await api.http.post("/api/cases", json=start, headers=officer)).status_code == 201
    decide = {"yes": True, "on": str(day0 + timedelta(days=10))}
    assert (
        await api.http.post(f"/api/cases/{ref}/decide-to-assess", json=decide, headers=officer)
    ).is_success
    ask = {
        "advice_kind": "SOCIAL_CARE",
        "provider_team": "social-care",
        "requested_on": str(day0 + timedelta(10)),
    }
    assert (await api.http.post(f"/api/cases/{ref}/request-advice", json=ask, headers=officer)).is_success

    page = await signed_in(browser, site, "social-care")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Advice requests")
    row = page.locator("tbody tr", has_text=ref)
    for _ in range(50):  # the inbox reads the store, written by the workflow's activity
        if await row.count():
            break
        await asyncio.sleep(0.2)
        await page.reload()
    await expect(row).to_contain_text(f"Demo Child-{ref[-6:]}")
    await expect(row).to_contain_text("School URN 100000")
    await expect(page.get_by_text("Demo Carer")).to_have_count(0)  # the family's contacts are not theirs
    await screenshot(page, "provider-social-care-inbox.png")

    await row.get_by_role("link", name=re.compile("Provide advice")).click()
    await expect(page.locator(".govuk-summary-list")).to_contain_text(f"Demo Child-{ref[-6:]}")
    await fill_date(page, "returned_on", today())
    await page.get_by_label("Document reference").fill("SC-ASSESS-12")
    await page.get_by_role("button", name="Submit advice").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(f"submitted for case {ref}")

    desk = await signed_in(browser, site, "officer")
    mine = desk.locator("tbody tr", has_text=ref)
    for _ in range(50):
        if await mine.locator(".govuk-tag", has_text="New advice").count():
            break
        await asyncio.sleep(0.2)
        await desk.reload()
    await expect(mine).to_contain_text("Social care advice arrived")


async def test_a_manager_sees_the_kpi_overview_and_the_k1_chart(site, browser, api):
    seed_closed_cases(api.db.engine, 4000, today())  # two and a half years of closed cases
    page = await signed_in(browser, site, "manager")
    month = today().replace(day=1) - timedelta(days=1)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"KPI overview for {month:%B %Y}")
    table = page.locator("table.app-overview").first
    await expect(table.locator("caption")).to_have_text(f"Timeliness measures, {month:%B %Y}")
    k1 = table.locator("tr", has_text="EHC plans issued within 20 weeks, excluding exceptions").first
    await expect(k1.locator("td").first).to_have_text(re.compile(r"^\d+\.\d% \(\d+/\d+\)$"))

    chart = page.get_by_role(
        "img", name="EHC plans issued within 20 weeks, excluding exceptions (K1), by month"
    )
    await expect(chart).to_be_visible()
    assert await chart.locator("rect").count() >= 20  # a bar for (nearly) every month
    assert await chart.locator('polyline[stroke-dasharray="10 6"]').count() == 1  # the national line
    await page.get_by_text("Show the chart's figures as a table").click()
    await expect(page.get_by_role("cell", name="46.4% (39,407/84,866)").first).to_be_visible()
    await page.get_by_text("Show the chart's figures as a table").click()  # closed again for the screenshot
    await page.evaluate("document.activeElement.blur()")
    await screenshot(page, "manager-kpis.png")

    await page.get_by_label("Month", exact=True).select_option(f"{month.year - 1}-{month.month:02d}")
    await page.get_by_role("button", name="Show month").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"KPI overview for {month:%B} {month.year - 1}"
    )
    await page.get_by_role("link", name="Open cases", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Open cases: where the work is stuck")


async def test_a_manager_goes_from_the_k5_figure_to_the_late_requests_behind_it(site, browser, api):
    """Journey 3: the social care advice figure of last month leads to its requests; the late ones say
    which deadline and how late, and download as CSV."""
    from domain.case import AdviceKind
    from tests.kpis.cohort import CaseBuilder, save_all

    month_start = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    late = CaseBuilder("BRW-K5-LATE", month_start - timedelta(days=60))
    late.assess(20).request_advice(21, kinds=(AdviceKind.SOCIAL_CARE, AdviceKind.HEALTH))  # due on day 3
    late.return_advice(AdviceKind.SOCIAL_CARE, month_start + timedelta(days=10))  # 7 days late
    late.return_advice(AdviceKind.HEALTH, month_start + timedelta(days=1))
    on_time = CaseBuilder("BRW-K5-OK", month_start - timedelta(days=55)).assess(15)
    on_time.request_advice(16, kinds=(AdviceKind.SOCIAL_CARE,))
    on_time.return_advice(AdviceKind.SOCIAL_CARE, month_start + timedelta(days=2))
    save_all(api.db, late, on_time)

    page = await signed_in(browser, site, "manager")
    row = page.locator("table.app-overview tr", has_text="Social care advice returned within 6 weeks").first
    await expect(row.locator("td").first).to_have_text("50.0% (1/2)")
    await row.get_by_role("link", name=re.compile(r"^2, the denominator")).first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Social care advice returned within 6 weeks, excluding exceptions"
    )
    await expect(page.locator("#kpi-cases tbody tr")).to_have_count(2)
    await page.get_by_role("link", name="Returned late or not received (1)").click()
    rows = page.locator("#kpi-cases tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("BRW-K5-LATE")
    await expect(rows.first).to_contain_text("Social care advice within 6 weeks: 7 days late")
    await expect(rows.first).to_contain_text("Children's social care")
    await expect(page.get_by_role("link", name=re.compile("Download these cases as CSV"))).to_be_visible()
    await screenshot(page, "manager-k5-drilldown.png")


async def test_a_school_and_an_officer_take_a_plan_through_its_review(site, browser, api):
    ref = f"BRP-{uuid4().hex[:6]}"
    start = StartPlan(
        ref=ref,
        team="north",
        setting_team="oak-school",
        start_on=today() - timedelta(days=300),
        year_group=3,
        by=SYSTEM,
    )
    await api.app.state.services.plans.start(start, today())

    # the school finds the review it convenes in its inbox, and records the meeting and the report
    page = await signed_in(browser, site, "school")
    for _ in range(50):  # the inbox reads the store, written by the plan workflow's activity
        if await page.get_by_role("link", name=f"Plan {ref}").count():
            break
        await asyncio.sleep(0.2)
        await page.reload()
    await expect(page.get_by_role("heading", name="Annual reviews to convene")).to_be_visible()
    found = await violations(page, "school inbox")
    await page.get_by_role("link", name=f"Plan {ref}").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan {ref}")
    await expect(page.get_by_role("link", name="Record a decision to cease the plan")).to_have_count(0)
    await page.get_by_role("link", name="Arrange the review meeting").click()
    await fill_date(page, "meeting_on", today())
    await fill_date(page, "on", today() - timedelta(days=20))
    await page.get_by_role("button", name="Record meeting arranged").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Review meeting arranged")
    await page.get_by_role("link", name="Record the review meeting as held").click()
    await fill_date(page, "on", today())
    await page.get_by_role("button", name="Record meeting").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Review meeting recorded")
    await page.get_by_role("link", name="Record the report of the review meeting").click()
    await fill_date(page, "on", today())
    await page.get_by_role("button", name="Record report").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Report of the review meeting")

    # the officer decides to amend, sends the notice, and is refused the amended plan within the 15 days
    page = await signed_in(browser, site, "officer")
    await page.goto(f"/plans/{ref}")
    await page.get_by_role("link", name="Record the council's decision on the review").click()
    await page.get_by_label("Amend the plan").check()
    await fill_date(page, "on", today())
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Review decision recorded")
    await page.get_by_role("link", name="Record the proposed amendments as sent").click()
    await fill_date(page, "on", today())
    await page.get_by_role("button", name="Record amendment notice").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Amendment notice recorded")
    await expect(page.locator(".app-timeline").first).to_contain_text(
        "Amended plan issued within 8 weeks of the amendment notice"
    )
    await expect(page.get_by_role("heading", name="Last completed review")).to_be_visible()
    await expect(page.locator(".app-timeline").first).to_contain_text(
        day_in_words(today() + timedelta(weeks=8))
    )
    await screenshot(page, "plan.png")
    found += await violations(page, "plan page")
    await page.get_by_role("link", name="Record the amended plan as issued").click()
    await fill_date(page, "on", today())
    await page.get_by_role("button", name="Record amended plan").click()
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await expect(summary).to_contain_text(
        f"The amended plan cannot be issued before {day_in_words(today() + timedelta(days=15))}"
    )
    found += await violations(page, "plan step refused")
    await summary.get_by_role("link").click()
    await expect(page.locator("#on-day")).to_be_focused()
    await page.goto("/reviews")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Annual reviews")
    found += await violations(page, "annual reviews")
    assert not found, "\n".join(str(v) for v in found)  # axe-core: nothing serious, all in landmarks
