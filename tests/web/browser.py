"""Driving Debian's Chromium with Playwright for the web application's journeys.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install
chromium``, which .ci/run does where it is missing), headless, with the launch arguments a
root user in a container needs. Each page visited is checked with axe-core (installed from the
npm registry into web/node_modules by ``make install``) for WCAG 2.1 A and AA: a serious or
critical violation fails the test. The page's own Content-Security-Policy stays on during the
journeys: axe is loaded as a same-origin script that the test serves itself (a route), and any
CSP violation reported in the console fails the test too. Screenshots are taken at 1366×768
and at a 390-pixel-wide phone on every run (the phone's must not scroll sideways); they are
written to docs/screenshots/, for the README, only with ``THIDUA_SCREENSHOTS=1`` (``make
screenshots``), and otherwise to the test's tmp folder, so ``make test`` leaves the tree clean.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("THIDUA_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENSHOTS_VARIABLE = "THIDUA_SCREENSHOTS"  # "1": write them into docs/screenshots/
LAUNCH_ARGS = [
    "--no-sandbox",  # as root the sandbox is refused
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=vi-VN",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
AXE_URL = "/__tests__/axe.min.js"  # never served by the app: the test's route answers it
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


_scratch: Path | None = None


def keep_screenshots_in(folder: Path) -> None:
    """Where screenshots go when they are not for the docs (tests/web/conftest.py gives each
    test its tmp folder)."""
    global _scratch
    _scratch = folder


def screenshot_folder() -> Path:
    """docs/screenshots/ with ``THIDUA_SCREENSHOTS=1``, else the scratch folder."""
    global _scratch
    if os.environ.get(SCREENSHOTS_VARIABLE) == "1":
        return SCREENSHOTS
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="thidua-screenshots-"))
    return _scratch


def require_browser() -> None:
    """Skip without Chromium or axe-core, except in CI, where they must be there."""
    missing = [str(p) for p in (CHROMIUM, AXE) if not p.exists()]
    if not missing:
        return
    message = f"missing {', '.join(missing)}: apt-get install chromium; make install (npm ci)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One browser context and its page, with the checks every journey makes."""

    def __init__(self, browser: Any, base_url: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.context = browser.new_context(
            base_url=base_url, viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
        )
        self.context.set_default_timeout(15_000)
        self.context.route(
            f"**{AXE_URL}",
            lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"),
        )
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location or {}
            self.console_errors.append(
                f"{message.text} [{where.get('url')}:{where.get('lineNumber')}]"
            )

    def close(self) -> None:
        self.context.close()

    def sign_in(self, username: str, password: str) -> None:
        """Fill the sign-in form the user is on, with the keyboard."""
        page = self.page
        page.locator("#username").focus()
        page.keyboard.press("Control+A")  # the page may keep what was typed before
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        page.keyboard.type(password)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    def check_accessibility(self) -> None:
        """axe-core on the page as it is now: no serious or critical WCAG 2.1 AA violation,
        and no CSP violation reported so far."""
        page = self.page
        page.add_script_tag(url=AXE_URL)
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations
                    .filter((v) => v.impact === "serious" || v.impact === "critical")
                    .map((v) => `${v.id} (${v.impact}): ${v.help} at `
                        + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
            }""",
            AXE_TAGS,
        )
        assert violations == [], f"{page.url}: {violations}"
        csp = [e for e in self.console_errors if "Content Security Policy" in e]
        assert csp == [], csp[:3]

    def screenshots(self, name: str) -> None:
        """``<name>-desktop.png`` and ``-phone.png`` (in docs/screenshots/ only with
        ``THIDUA_SCREENSHOTS=1``, see screenshot_folder); at the phone's width nothing may
        stick out sideways (no horizontal scrolling)."""
        page = self.page
        folder = screenshot_folder()
        folder.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(folder / f"{name}-desktop.png"))
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: {width} px wide at a 390 px phone"
        page.screenshot(path=str(folder / f"{name}-phone.png"))
        page.set_viewport_size(size or DESKTOP)

    def tab_to(self, element_id: str, limit: int = 25) -> None:
        """Press Tab until the element has the focus (the keyboard is all the user has)."""
        for _ in range(limit):
            if self.page.evaluate("document.activeElement && document.activeElement.id") == (
                element_id
            ):
                return
            self.page.keyboard.press("Tab")
        focused = self.page.evaluate("document.activeElement && document.activeElement.id")
        raise AssertionError(f"{limit} Tabs did not reach #{element_id} (focus on #{focused})")
