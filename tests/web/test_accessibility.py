"""Every page, as each role sees it, checked by axe-core in chromium: no serious or critical
violation, and all content inside the header, navigation, main content or footer (tests/web/axe.py).

One browser and one sign-in per role for the whole walk, so that it stays well under a minute: the
pages are visited in turn and every violation of every page is reported together. Forms are also
checked after a bad submission, with the GOV.UK error summary shown.
"""

import asyncio
from datetime import date, timedelta
from uuid import uuid4

from playwright.async_api import Browser, Page, expect

from ehcna.web.pages.action_forms import ACTION_FORMS
from tests.web import test_browser
from tests.web.axe import Violation, violations
from tests.web.test_browser import signed_in, today

# the browser tests' own fixtures (chromium, the app under uvicorn) and their skip without chromium
site, browser, pytestmark = test_browser.site, test_browser.browser, test_browser.pytestmark


async def a_case_with_advice(api) -> tuple[str, str]:
    """A north case in the advice stage, its child and a parent, with medical advice requested;
    returns the reference and the advice request's id."""
    officer = api.auth("officer")
    ref = f"AXE-{uuid4().hex[:6]}"
    day0 = today() - timedelta(days=30)
    school_year = day0.year if day0.month >= 9 else day0.year - 1
    start = {
        "ref": ref,
        "day0": str(day0),
        "request_source": "PARENT",
        "team": "north",
        "year_group": 4,
        "child": {
            "forename": "Demo",
            "surname": "Child-Axe",
            "birth_date": str(date(school_year - 9, 5, 20)),
            "upn_unknown": "UN8",
            "setting_urn": "100000",
        },
        "contacts": [{"name": "Demo Parent-Axe", "relationship": "Mother", "email": "parent@example.org"}],
    }
    r = await api.http.post("/api/cases", json=start, headers=officer)
    assert r.status_code == 201, r.text
    decide = {"yes": True, "on": str(day0 + timedelta(days=10))}
    r = await api.http.post(f"/api/cases/{ref}/decide-to-assess", json=decide, headers=officer)
    assert r.is_success, r.text
    ask = {
        "advice_kind": "HEALTH",
        "provider_team": "icb-community-paeds",
        "requested_on": str(day0 + timedelta(days=11)),
    }
    r = await api.http.post(f"/api/cases/{ref}/request-advice", json=ask, headers=officer)
    assert r.is_success, r.text
    return ref, "HEALTH-1"


class Walk:
    """Visits pages and keeps every violation found, to report them all at the end."""

    def __init__(self) -> None:
        self.found: list[Violation] = []
        self.visited: list[str] = []

    async def check(self, page: Page, name: str) -> None:
        self.visited.append(name)
        self.found.extend(await violations(page, name))

    async def visit(self, page: Page, path: str, name: str | None = None, status: int = 200) -> None:
        response = await page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        await self.check(page, name or path)

    async def with_errors(self, page: Page, path: str, button: str | None = None) -> None:
        """The form at ``path`` submitted as it stands (empty): its error summary shown."""
        await page.goto(path)
        main = page.locator("main")
        submit = main.get_by_role("button", name=button) if button else main.locator("button.govuk-button")
        await submit.first.click()
        await expect(page.locator(".govuk-error-summary")).to_be_visible()
        await self.check(page, f"{path} (error summary)")


async def wait_for_inbox(page: Page, ref: str) -> None:
    for _ in range(50):  # the inbox reads the store, written by the workflow's activity
        if await page.locator("tbody tr", has_text=ref).count():
            return
        await asyncio.sleep(0.2)
        await page.reload()


async def test_every_page_has_no_serious_or_critical_violation_and_all_content_in_landmarks(
    site, browser: Browser, api
):
    ref, advice_id = await a_case_with_advice(api)
    closed, _ = await a_case_with_advice(api)
    r = await api.http.post(
        f"/api/cases/{closed}/withdraw", json={"on": str(today())}, headers=api.auth("officer")
    )
    assert r.is_success, r.text
    walk = Walk()

    # signed out: the sign-in page, then with a wrong password
    guest = await browser.new_page(base_url=site)
    await walk.visit(guest, "/sign-in")
    await guest.get_by_label("Username").fill("officer")
    await guest.get_by_label("Password").fill("not-the-password")
    await guest.get_by_role("button", name="Sign in").click()
    await expect(guest.locator(".govuk-error-summary")).to_be_visible()
    await walk.check(guest, "/sign-in (error summary)")
    await guest.close()

    officer = await signed_in(browser, site, "officer")
    for path in (
        "/cases",
        "/cases?view=team",
        "/cases?late=true&sort=name",
        f"/cases?q={ref}",
        "/start-assessment",
        "/children",
        "/children?q=Child-Axe",
        f"/cases/{ref}",
        f"/cases/{ref}/advice-set",
        f"/cases/{ref}/appeals/new",
        f"/cases/{ref}/officer",
        f"/cases/{ref}/child",
        f"/cases/{ref}/contacts/new",
        *(f"/cases/{ref}/{action}" for action in ACTION_FORMS),
    ):
        await walk.visit(officer, path)
    await walk.visit(officer, "/children?q=a", status=422)
    for path in (
        "/start-assessment",
        f"/cases/{ref}/request-advice",
        f"/cases/{ref}/record-exception",
        f"/cases/{ref}/contacts/new",
        f"/cases/{ref}/appeals/new",
    ):
        await walk.with_errors(officer, path)
    await officer.goto(f"/cases/{ref}/advice-set")
    await officer.locator("#requested_on-day").fill("40")
    await officer.get_by_role("button", name="Request advice").click()
    await expect(officer.locator(".govuk-error-summary")).to_be_visible()
    await walk.check(officer, f"/cases/{ref}/advice-set (error summary)")
    await walk.visit(officer, f"/cases/{closed}", "a closed case")
    await walk.visit(officer, "/cases/NO-SUCH-CASE", "a case not found (404)", status=404)
    await walk.visit(officer, "/performance", "a page of another role (403)", status=403)

    provider = await signed_in(browser, site, "health")
    await wait_for_inbox(provider, ref)
    await walk.check(provider, "/inbox")
    for path in (f"/tasks/{ref}/{advice_id}", f"/tasks/{ref}/{advice_id}/exception"):
        await walk.visit(provider, path)
        await walk.with_errors(provider, path)
    await walk.visit(provider, f"/cases/{ref}", "a case page, to a provider (403)", status=403)

    manager = await signed_in(browser, site, "manager")
    for path in (
        "/performance",
        "/performance/open-cases",
        "/performance/workload",
        "/performance/alerts",
        "/performance/sen2",
        "/performance/kpi/K1",
        "/performance/kpi/K5.HEALTH?part=rest",
        "/performance/outlook",
        "/cases?view=team",
    ):
        await walk.visit(manager, path)
    await walk.visit(manager, "/performance/outlook?change=lots", "the outlook's error summary", status=422)

    head = await signed_in(browser, site, "head")
    await walk.visit(head, "/admin/tokens")
    await walk.with_errors(head, "/admin/tokens", "Issue token")
    await walk.visit(head, f"/cases/{ref}", f"/cases/{ref} (head of service)")
    await walk.visit(head, "/no-such-page", "a page not found (404)", status=404)

    # the check itself finds what it should: an image without a text alternative, text outside landmarks
    await head.evaluate(
        """() => {
            document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/static/favicon.svg">');
            document.body.insertAdjacentHTML("afterbegin", '<p id="outside">Outside every landmark</p>');
        }"""
    )
    planted = {(v.rule, v.impact, v.targets) for v in await violations(head, "planted")}
    assert ("image-alt", "critical", ("img",)) in planted, planted
    assert ("region", "moderate", ("#outside",)) in planted, planted

    assert len(walk.visited) >= 50
    listed = "\n".join(map(str, walk.found))
    assert not walk.found, f"axe-core found, on {len(walk.visited)} pages visited:\n{listed}"
