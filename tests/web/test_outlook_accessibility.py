"""The Outlook page with a forecast on it (fan chart, tables, a scenario, a backtest), checked by axe-core
in chromium as the accessibility walk checks every page (tests/web/axe.py); and its screenshot for the
README (docs/screenshots/manager-outlook.png)."""

from datetime import timedelta

from playwright.async_api import Browser

from tests.web import test_browser
from tests.web.test_accessibility import Walk
from tests.web.test_browser import screenshot, signed_in, today
from tests.web.test_outlook import history

site, browser, pytestmark = test_browser.site, test_browser.browser, test_browser.pytestmark


async def test_the_outlook_with_a_forecast_has_no_serious_or_critical_violation(site, browser: Browser, api):
    history(api.db)
    manager = await signed_in(browser, site, "manager")
    walk = Walk()
    month = (today() - timedelta(days=200)).strftime("%Y-%m")
    await walk.visit(manager, f"/performance/outlook?team=ep-service&change=%2B10&backtest={month}")
    await screenshot(manager, "manager-outlook.png")
    await walk.visit(manager, "/cases?sort=risk")
    listed = "\n".join(map(str, walk.found))
    assert not walk.found, f"axe-core found:\n{listed}"
