"""The awards part 2 journeys in a real browser, against the real platform (embedded mode).

1. Nguyễn Văn An (bo.tdkt, ministry officer) enters the calendar of public holidays of a year
   that has none: a mistyped day is refused on its row and nothing is saved; corrected, it is
   version 1. A second window saves a version in between: the first window's change is
   refused with the calendar as it is now. The working-days calculator skips the holidays,
   and says so when a period reaches a year without a calendar.

(The council's vote, the decision and the verification page come with their API: see
docs/web.md.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.identity.domain import demo
from tests.web.browser import Tab
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
YEAR = 2030  # no calendar is shipped for it


@pytest.fixture(scope="module")
def ministry(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def click(tab: Tab, selector: str) -> None:
    with tab.page.expect_navigation():
        tab.page.locator(selector).click()


def test_the_ministry_enters_a_years_holidays_and_versions_are_kept(
    ministry: Tab, browser: Any, platform: WebPlatform
) -> None:
    page = ministry.page
    page.goto(f"/awards/holidays/{YEAR}")
    ministry.sign_in("bo.tdkt", PASSWORD)
    assert page.locator("h1").inner_text() == f"Lịch nghỉ lễ năm {YEAR}"
    assert page.locator("#no-calendar").count() == 1
    ministry.check_accessibility()

    page.locator("#basis").fill("Bộ luật Lao động 2019, Điều 112")
    page.locator("#date-0").fill("30/04/2030")
    page.locator("#name-0").fill("Ngày Chiến thắng")
    page.locator("#date-1").fill("31/13/2030")  # no such day
    page.locator("#name-1").fill("Ngày Quốc tế Lao động")
    click(ministry, "#save-calendar")
    assert page.locator("#err-date-1").inner_text() == "Nhập ngày theo dạng dd/mm/yyyy."
    assert page.locator("#date-1").get_attribute("aria-invalid") == "true"
    assert page.locator("#no-calendar").count() == 1  # nothing saved
    assert page.locator("#name-0").input_value() == "Ngày Chiến thắng"  # kept as typed
    ministry.check_accessibility()

    page.locator("#date-1").fill("01/05/2030")
    page.locator("#note").fill("Lịch năm 2030")
    click(ministry, "#save-calendar")
    assert "Đã lưu lịch nghỉ năm 2030" in page.locator("#alerts").inner_text()
    assert page.locator("#days-title").inner_text() == "Phiên bản 1"
    rows = page.locator("#days tbody tr")
    assert rows.count() == 2
    assert "30/04/2030" in rows.nth(0).inner_text()
    ministry.check_accessibility()
    ministry.screenshots("awards-holidays")

    # Another window adds a day in between; this window's change is refused (412).
    other = Tab(browser, platform.gateway)
    try:
        other.page.goto(f"/awards/holidays/{YEAR}")
        other.sign_in("bo.tdkt", PASSWORD)
        other.page.locator("#date-2").fill("02/09/2030")
        other.page.locator("#name-2").fill("Quốc khánh")
        click(other, "#save-calendar")
        assert other.page.locator("#days-title").inner_text() == "Phiên bản 2"
    finally:
        other.close()
    page.locator("#date-2").fill("03/09/2030")
    page.locator("#name-2").fill("Quốc khánh (nghỉ thêm)")
    click(ministry, "#save-calendar")
    assert "Người khác đã lưu lịch này" in page.locator("#notice").inner_text()
    assert page.locator("#days-title").inner_text() == "Phiên bản 2"
    assert "Quốc khánh" in page.locator("#days").inner_text()
    assert page.locator("#versions li").count() == 2
    ministry.check_accessibility()


def test_the_working_days_calculator_skips_the_holidays(ministry: Tab) -> None:
    page = ministry.page
    page.goto(f"/awards/holidays/{YEAR}")
    click(ministry, "#working-days-link")
    assert page.locator("h1").inner_text() == "Tính ngày làm việc"
    ministry.check_accessibility()
    ministry.tab_to("start", limit=40)
    page.keyboard.type("29/04/2030")  # a Monday; 30/04 and 01/05 are off
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the error line to the count
    if page.evaluate("document.activeElement.id") != "count":
        ministry.tab_to("count")
    page.keyboard.type("3")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#answer-title").inner_text() == "Đến hết ngày 03/05/2030"
    assert page.locator("#skipped li").count() == 2
    ministry.check_accessibility()

    page.goto("/awards/working-days?start=28/12/2030&count=10")  # reaches 2031: no calendar
    assert page.locator("#notice").count() == 1
    assert page.locator("#answer").count() == 0
    ministry.check_accessibility()
