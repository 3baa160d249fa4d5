"""What every browser journey shares: one real platform per module, one Chromium per module,
and screenshots kept out of the tree unless they are asked for (``make screenshots``).

A journey module uses ``platform`` and ``browser`` as they are, or defines its own fixture of
the same name (a module's fixture wins over this file's).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import Stack
from tests.web.browser import chromium, keep_screenshots_in, require_browser
from tests.web.platform import WebPlatform


@pytest.fixture(autouse=True)
def _screenshots_in_tmp(tmp_path: Path) -> None:
    """Each test's screenshots go to its tmp folder; THIDUA_SCREENSHOTS=1 sends them to
    docs/screenshots/ instead (tests/web/browser.py)."""
    keep_screenshots_in(tmp_path / "screenshots")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebPlatform]:
    """The whole platform in embedded mode, with the demo data (tests/web/platform.py)."""
    require_browser()
    stack = Stack("embedded", tmp_path_factory.mktemp("web-platform"))
    running = WebPlatform(stack)
    try:
        running.start()
        yield running
    finally:
        stack.close()


@pytest.fixture(scope="module")
def browser(platform: WebPlatform) -> Iterator[Any]:
    with chromium() as running:
        yield running
