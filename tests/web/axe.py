"""axe-core in a Playwright page: run it, and fail naming every serious or critical violation.

axe.min.js comes from the npm package axe-core (package.json; `make setup` installs it under
node_modules). It is evaluated in the page through the DevTools protocol, which the app's
Content-Security-Policy does not govern, so the pages are tested exactly as they are served.

Besides every serious or critical violation, the landmark rules fail at any impact: all of a page's
content must sit inside its header, navigation, main content or footer.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = frozenset({"serious", "critical"})
# every piece of content in a landmark, one main, and the landmarks where they belong (any impact)
LANDMARK_RULES = frozenset(
    {
        "region",
        "landmark-one-main",
        "landmark-no-duplicate-main",
        "landmark-no-duplicate-banner",
        "landmark-no-duplicate-contentinfo",
        "landmark-main-is-top-level",
        "landmark-banner-is-top-level",
        "landmark-contentinfo-is-top-level",
        "landmark-complementary-is-top-level",
        "landmark-unique",
    }
)


@dataclass(frozen=True)
class Violation:
    page: str  # what was visited, as the test names it
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]  # a CSS selector of each element at fault

    def __str__(self) -> str:
        more = f" (+{len(self.targets) - 5} more)" if len(self.targets) > 5 else ""
        where = "; ".join(self.targets[:5]) + more
        return f"{self.page}: {self.rule} ({self.impact}) {self.help}: {where}"


def _source() -> str:
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run `make setup` (npm ci) first")
    return AXE_JS.read_text(encoding="utf-8")


async def violations(page: Page, name: str | None = None) -> list[Violation]:
    """The serious and critical violations of the page as it is now, and any of the landmark rules."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(_source())
    result: dict[str, Any] = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    found = []
    for v in result["violations"]:
        impact = v.get("impact") or "minor"
        if impact in FAILING_IMPACTS or v["id"] in LANDMARK_RULES:
            targets = tuple(" ".join(map(str, node["target"])) for node in v["nodes"])
            found.append(Violation(name or page.url, v["id"], impact, v["help"], targets))
    return found


async def assert_accessible(page: Page, name: str | None = None) -> None:
    """Fail listing every serious or critical violation (and any landmark one) of the page."""
    found = await violations(page, name)
    assert not found, "axe-core found:\n" + "\n".join(map(str, found))
