"""The unit officer's journey in a real browser, against the real platform (embedded mode).

Trần Thị Bình (stp.hanoi, Sở Tư pháp Hà Nội) signs in, finds her unit's sheet on the home
page, and fills in the whole sample table with the keyboard alone, seeing each criterion's
points and the running totals at once; a second window editing the same criterion sees the
conflict message; submitting early lists every blocking problem next to its criterion; the
submitted sheet is read-only with its history and the total the scoring workers computed.
Another province's officer (stp.hcm) who opens the sheet's address gets the 404 page, and a
session that ended sends the user to sign in and back. The journey goes on from the submitted
sheet with the region lead's review and the Ministry's appraisal, up to the published ranking
(below). axe-core checks every page on the way; screenshots at 1366×768 and 390 px wide go to
docs/screenshots/ (with ``make screenshots``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from playwright.sync_api import expect

from services.identity.domain import demo
from tests.web.browser import Tab
from tests.web.platform import OpenRound, WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
NOTE_BELOW_MAX = "Còn thiếu 01 biên chế pháp chế"
NOT_APPLICABLE = "A.II.2"  # the sample table lets it be declared "không phát sinh"
BELOW_MAX = ("A.I.5", "2,5")  # manual points under the maximum need a note
EXPECTED_TOTAL = "199,50"  # 200 but half a point on A.I.5; +2 bonus (E.1), −2 deduction (F.1)


@pytest.fixture(scope="module")
def round_(platform: WebPlatform) -> OpenRound:
    return platform.open_round()


@pytest.fixture(scope="module")
def officer(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    """Trần Thị Bình's window, kept through the module's steps."""
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def criteria(platform: WebPlatform, round_: OpenRound) -> list[dict[str, Any]]:
    """The criteria of the round's table, in the order the form shows them."""
    table = platform.api("GET", f"/criteria/tables/{round_.table_id}", "stp.hanoi").json()
    found: list[dict[str, Any]] = []

    def walk(nodes: list[dict[str, Any]]) -> None:
        for node in nodes:
            if "method" in node:
                found.append(node)
            walk(node.get("children", []))

    walk(table["document"]["parts"])
    return found


def slug(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", code)


def number(value: Any) -> str:
    return str(value).replace(".", ",")


def sheet_path(round_: OpenRound, unit: str = "stp-01") -> str:
    return f"/sheets/{round_.sheets[unit]}"


def fill_with_keyboard(tab: Tab, node: dict[str, Any]) -> None:
    """Tab to the criterion's fields and type what the method needs, as a person would."""
    s, kind, top = slug(node["code"]), node["method"]["type"], node["max_points"]
    keyboard = tab.page.keyboard
    if node["code"] == NOT_APPLICABLE:
        tab.tab_to(f"{s}-na")
        keyboard.press("Space")
        tab.tab_to(f"{s}-note")
        keyboard.type("Không phát sinh văn bản trái pháp luật trong năm")
    elif kind == "boolean":
        tab.tab_to(f"{s}-done")
        keyboard.press("Space")
    elif kind == "proportional":
        tab.tab_to(f"{s}-achieved")
        keyboard.type("12")
        tab.tab_to(f"{s}-target")
        keyboard.type("12")
    elif kind == "bands_at_most":
        tab.tab_to(f"{s}-days_late")
        keyboard.type("0")
    elif kind == "bands_at_least":
        tab.tab_to(f"{s}-value")
        keyboard.type(number(node["method"].get("input", {}).get("max", 100)))
    elif kind == "manual":
        tab.tab_to(f"{s}-points")
        if node["code"] == BELOW_MAX[0]:
            keyboard.type(BELOW_MAX[1])
            tab.tab_to(f"{s}-note")
            keyboard.type(NOTE_BELOW_MAX)
        else:
            keyboard.type(number(top))
    else:
        raise AssertionError(f"no way to fill {kind}")
    keyboard.press("Tab")  # leaving the field saves it


def test_the_officer_signs_in_and_sees_what_is_waiting(
    officer: Tab, platform: WebPlatform, round_: OpenRound
) -> None:
    page = officer.page
    page.goto("/")
    assert "/sign-in" in page.url  # not signed in yet
    assert page.locator("h1").inner_text() == "Đăng nhập"
    officer.check_accessibility()
    officer.screenshots("sign-in")

    page.locator("#username").fill("stp.hanoi")
    page.locator("#password").fill("not-the-password")
    with page.expect_navigation():
        page.locator("#password").press("Enter")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page.locator("[role=alert]").inner_text()
    officer.check_accessibility()

    officer.sign_in("stp.hanoi", PASSWORD)
    assert page.locator("h1").inner_text() == "Xin chào, Trần Thị Bình"
    mine = page.locator("#mine-title + ul")
    assert "Đang soạn" in mine.inner_text()
    assert "15/12/2026 17:00" in page.locator("table").inner_text()  # the deadline, in Vietnam
    officer.check_accessibility()
    officer.screenshots("home")

    with page.expect_navigation():
        page.get_by_role("link", name="Hồ sơ của tôi").click()
    assert "Cán bộ đơn vị" in page.locator("table").inner_text()
    officer.check_accessibility()
    officer.screenshots("profile")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("h1").inner_text() == "My profile"  # the same page, in English
    assert page.locator("html").get_attribute("lang") == "en"
    officer.check_accessibility()
    with page.expect_navigation():
        page.get_by_role("button", name="Tiếng Việt").click()
    assert page.locator("h1").inner_text() == "Hồ sơ của tôi"

    with page.expect_navigation():
        page.get_by_role("link", name="Trang chủ").click()
    with page.expect_navigation():
        mine.locator("a").first.click()
    assert page.url.endswith(sheet_path(round_))


def test_a_second_window_editing_the_same_criterion_sees_the_conflict(
    officer: Tab, browser: Any, platform: WebPlatform, round_: OpenRound
) -> None:
    page = officer.page
    assert page.locator("h1").inner_text().startswith("Tự chấm điểm năm 2026")
    officer.check_accessibility()

    other = Tab(browser, platform.gateway)  # the same officer, on another computer
    try:
        other.page.goto(sheet_path(round_))
        other.sign_in("stp.hanoi", PASSWORD)
        other.page.locator("#A-I-1-value").fill("80")
        other.page.locator("#A-I-1-value").press("Tab")
        other.page.locator("#result-A-I-1 [data-points]").wait_for()
    finally:
        other.close()

    page.locator("#A-I-1-value").fill("95,5")
    page.locator("#A-I-1-value").press("Tab")
    conflict = page.locator("#result-A-I-1 .alert")
    conflict.wait_for()
    text = conflict.inner_text()
    assert "Bạn (ở một cửa sổ hoặc máy tính khác) đã thay đổi tiêu chí này lúc" in text
    assert "chưa được lưu" in text
    officer.check_accessibility()
    page.locator("#c-A-I-1").scroll_into_view_if_needed()
    officer.screenshots("self-assessment-conflict")
    with page.expect_navigation():
        conflict.locator("[data-reload]").click()
    assert page.locator("#A-I-1-value").input_value() == "80"  # the other window's figure


def test_submitting_too_early_lists_every_blocking_problem_next_to_its_criterion(
    officer: Tab, criteria: list[dict[str, Any]]
) -> None:
    page = officer.page
    with page.expect_navigation():
        page.locator("#submit-sheet").click()
    problems = page.locator("#problems")
    missing = len(criteria) - 1  # only A.I.1 holds figures
    assert f"Chưa thể nộp phiếu: còn {missing} vấn đề" in problems.inner_text()
    assert problems.locator("li").count() == missing
    assert "Chưa có dữ liệu cho tiêu chí A.I.2" in page.locator("#result-A-I-2").inner_text()
    officer.check_accessibility()
    officer.screenshots("self-assessment-problems")


def test_the_officer_fills_the_whole_table_with_the_keyboard(
    officer: Tab, criteria: list[dict[str, Any]]
) -> None:
    page = officer.page
    assert page.evaluate("document.activeElement.id") == "problems"  # the page put it there
    first = criteria[0]
    officer.tab_to(f"{slug(first['code'])}-value", limit=len(criteria) + 10)  # past the list
    page.keyboard.press("Shift+Tab")  # so that filling the first criterion tabs into it
    for node in criteria:
        fill_with_keyboard(officer, node)
        if node["code"] == BELOW_MAX[0]:
            result = page.locator(f"#result-{slug(node['code'])} [data-points]")
            result.wait_for()
            assert result.inner_text() == "2,50"
    officer.tab_to("count-E-1")
    page.keyboard.type("1")
    officer.tab_to("count-F-1")
    page.keyboard.type("1")
    page.keyboard.press("Tab")

    totals = page.locator("#totals")
    page.wait_for_function(
        "([n, total]) => document.querySelector('#totals').innerText.includes(n)"
        " && document.querySelector('[data-total]').innerText === total",
        arg=[f"Đã nhập {len(criteria)}/{len(criteria)} tiêu chí", EXPECTED_TOTAL],
    )
    assert "A. Thực hiện nhiệm vụ trọng tâm công tác tư pháp" in totals.inner_text()
    assert page.locator("#sub-A-I").inner_text() == "14,50 / 15"
    assert page.locator(f"#{slug(NOT_APPLICABLE)}-achieved").is_disabled()
    officer.check_accessibility()
    page.locator("#c-A-I-5").scroll_into_view_if_needed()
    officer.screenshots("self-assessment")


def test_evidence_is_checked_before_upload_dropped_or_chosen_and_links_attach(
    officer: Tab,
) -> None:
    page = officer.page
    evidence = page.locator("#evidence-A-I-4")
    evidence.locator("summary").click()
    zone = evidence.locator("[data-dropzone]")

    def drop(name: str, size: int, kind: str) -> None:
        zone.evaluate(
            """(zone, [name, size, kind]) => {
                const body = new Uint8Array(size);
                body.set(new TextEncoder().encode("%PDF-1.4 "));
                const transfer = new DataTransfer();
                transfer.items.add(new File([body], name, {type: kind}));
                zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
            }""",
            [name, size, kind],
        )

    drop("setup.exe", 1000, "application/octet-stream")  # refused here, never sent
    assert "Loại tệp này không được chấp nhận" in zone.locator("[data-drop-error]").inner_text()
    drop("bao-cao-lon.pdf", 21 * 1024 * 1024, "application/pdf")
    assert "Tệp quá lớn (tối đa 20 MB)" in zone.locator("[data-drop-error]").inner_text()
    drop("ke-hoach-2026.pdf", 2048, "application/pdf")
    listed = page.locator("#evidence-A-I-4 .evidence__list")
    listed.wait_for()
    assert "ke-hoach-2026.pdf" in listed.inner_text()

    page.locator("#evidence-A-I-4 input[type=file]").set_input_files(
        {"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1"}
    )
    expect(listed).to_contain_text("quyet-dinh.pdf")
    page.locator("#url-A-I-4").fill("https://stp.hanoi.gov.vn/ke-hoach-2026")
    page.locator("#url-A-I-4").press("Enter")
    expect(listed).to_contain_text("https://stp.hanoi.gov.vn/ke-hoach-2026")
    assert page.locator("#evidence-A-I-4 summary").inner_text().startswith("Minh chứng (3)")
    officer.check_accessibility()
    evidence.scroll_into_view_if_needed()
    officer.screenshots("self-assessment-evidence")


def test_the_submitted_sheet_is_read_only_with_its_history_and_computed_total(
    officer: Tab, platform: WebPlatform, round_: OpenRound
) -> None:
    page = officer.page
    page.locator("#count-F-1").focus()  # the last field of the form
    officer.tab_to("submit-sheet", limit=10)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Đã nộp phiếu" in page.locator("#alerts").inner_text()
    assert "Đã nộp" in page.locator(".sheet-head").inner_text()
    assert page.locator("#A-I-1-value").count() == 0  # no form any more
    # The scoring workers compute the total within moments; the page shows it once done.
    for _ in range(40):
        if "Tổng điểm: 199,50" in page.locator(".sheet-head").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    head = page.locator(".sheet-head").inner_text()
    assert "Tổng điểm: 199,50" in head and "Xếp loại A" in head
    history = page.locator(".history")
    assert "Bị trả lại" not in history.inner_text()
    assert "Đã nộp" in history.inner_text() or "submitted" in history.inner_text()
    assert NOTE_BELOW_MAX in page.locator("#c-A-I-5").inner_text()
    officer.check_accessibility()
    officer.screenshots("sheet-submitted")


def test_another_provinces_officer_gets_the_404_page_for_the_sheets_address(
    browser: Any, platform: WebPlatform, round_: OpenRound
) -> None:
    tab = Tab(browser, platform.gateway)
    try:
        tab.page.goto(sheet_path(round_))
        tab.sign_in("stp.hcm", PASSWORD)  # back to the address asked for, after sign-in
        assert tab.page.url.endswith(sheet_path(round_))
        assert tab.page.locator("h1").inner_text() == "Không tìm thấy trang"
        assert "Hà Nội" not in tab.page.content()
        tab.check_accessibility()
        tab.screenshots("not-found")
        own = tab.page.goto("/")
        assert own is not None and own.ok
        assert "Lê Văn Cường" in tab.page.locator("h1").inner_text()
    finally:
        tab.close()


def _rewrite_session(tab: Tab, platform: WebPlatform, change: Any) -> None:
    """Change the session cookie as the web application would sign it (its embedded key)."""
    app = Flask("session-editor")
    app.secret_key = (Path(platform.stack.root) / "web" / "secret-key").read_text().strip()
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    (cookie,) = [c for c in tab.context.cookies() if c["name"] == "thidua_session"]
    session = serializer.loads(cookie["value"])
    change(session)
    tab.context.add_cookies([{**cookie, "value": serializer.dumps(session)}])


def test_an_ended_session_sends_the_user_to_sign_in_and_back(
    officer: Tab, platform: WebPlatform, round_: OpenRound
) -> None:
    """The access token has expired and the refresh token no longer works (revoked, or past
    its 7 days): the next page says the session ended and signing in returns to it."""
    page = officer.page
    path = sheet_path(round_)

    def expire(session: dict[str, Any]) -> None:
        revoked = requests.post(
            f"{platform.gateway}/api/v1/identity/oauth/revoke",
            data={"token": session["tokens"]["r"]},
            timeout=10,
        )
        assert revoked.status_code == 200
        session["tokens"]["e"] = 0

    _rewrite_session(officer, platform, expire)
    page.reload()
    assert "/sign-in?next=" in page.url and "expired=1" in page.url
    assert page.locator("h1").inner_text() == "Phiên làm việc đã hết hạn"
    officer.check_accessibility()
    officer.screenshots("session-expired")
    officer.sign_in("stp.hanoi", PASSWORD)
    assert page.url.endswith(path)
    assert page.locator("h1").inner_text().startswith("Tự chấm điểm năm 2026")


# -- the region lead and the Ministry, continuing from the submitted sheet -------------------
#
# Phạm Thị Dung (kv.dbbb, lead of Đồng bằng Bắc Bộ) returns Hà Nội's sheet with a reason; the
# officer reads it on her home page, corrects one figure and submits again; the lead proposes
# other points on one criterion and marks the sheet reviewed; Nguyễn Văn An (bo.tdkt) moves
# the round through its phases, appraises one criterion, finalises, closes the round and
# publishes the results, and the ranking shows Hà Nội first. So that the round can be
# published (every sheet final), the 33 other units' sheets are filled in and submitted
# through the API beforehand, as their officers would, and finalised by the Ministry.

RETURN_REASON = "Tiêu chí A.I.3: tỷ lệ góp ý đúng hạn chưa khớp báo cáo năm; đề nghị kiểm tra lại."
CORRECTED = ("A.I.3", "96", "1,75")  # 100 % → 96 %: from 2 points to 1.75
PROPOSAL = ("A.I.6", "2,5", "Chưa bố trí đủ kinh phí cho công tác xây dựng pháp luật")
APPRAISAL = ("A.I.6", "2", "Theo kết quả kiểm tra của Bộ, kinh phí mới bảo đảm một phần")
FINAL_TOTAL = "198,25"  # 199.50 − 0.25 (A.I.3) − 1 (A.I.6 appraised at 2 of 3)


def _inputs(node: dict[str, Any], deficit: float) -> dict[str, Any]:
    """Figures for another unit's criterion: full marks, but ``deficit`` points off A.VI.3."""
    kind = node["method"]["type"]
    if kind == "bands_at_least":
        return {"value": node["method"].get("input", {}).get("max", 100)}
    if kind == "bands_at_most":
        return {"days_late": 0}
    if kind == "proportional":
        return {"achieved": 12, "target": 12}
    if kind == "boolean":
        return {"done": True}
    if node["code"] == "A.VI.3":
        return {"points": node["max_points"] - deficit, "note": "Chưa hoàn thành đủ chỉ tiêu"}
    return {"points": node["max_points"]}


def _others_fill_in_and_submit(
    platform: WebPlatform, round_: OpenRound, criteria: list[dict[str, Any]]
) -> None:
    """Every other unit's sheet, filled in and submitted through the API (by the system
    administrator, who may act for any unit), with totals 198, 197, 196 … below Hà Nội's."""
    headers = platform.login("quantri")
    api = f"{platform.gateway}/api/v1/scoring/sheets"
    others = sorted(u for u in round_.sheets if u != "stp-01")

    def fill(position: int) -> None:
        sheet_id = round_.sheets[others[position]]
        with requests.Session() as http:
            http.headers.update(headers)
            sheet = http.get(f"{api}/{sheet_id}", timeout=15).json()
            etags = {e["code"]: e["etag"] for e in sheet["entries"]}
            for node in criteria:
                saved = http.put(
                    f"{api}/{sheet_id}/entries/{node['code']}",
                    json={"inputs": _inputs(node, 2 + position % 3)},
                    headers={"If-Match": etags[node["code"]]},
                    timeout=15,
                )
                assert saved.status_code == 200, saved.text
            etag = http.get(f"{api}/{sheet_id}", timeout=15).headers["ETag"]
            submitted = http.post(
                f"{api}/{sheet_id}/submit", headers={"If-Match": etag}, timeout=15
            )
            assert submitted.status_code == 202, submitted.text

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(fill, range(len(others))))


def _ministry_finalises_the_others(platform: WebPlatform, round_: OpenRound) -> None:
    headers = platform.login("bo.tdkt")
    api = f"{platform.gateway}/api/v1/scoring/sheets"

    def finalise(unit: str) -> None:
        sheet_id = round_.sheets[unit]
        current = requests.get(f"{api}/{sheet_id}", headers=headers, timeout=15)
        done = requests.post(
            f"{api}/{sheet_id}/finalise",
            headers={**headers, "If-Match": current.headers["ETag"]},
            timeout=15,
        )
        assert done.status_code == 200, done.text

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(finalise, [u for u in round_.sheets if u != "stp-01"]))


def _all_computed(platform: WebPlatform, round_: OpenRound) -> None:
    headers = platform.login("bo.tdkt")
    path = f"{platform.gateway}/api/v1/scoring/rounds/{round_.id}/sheets"

    def done() -> bool:
        items = requests.get(path, headers=headers, params={"page_size": 200}, timeout=15).json()
        return all(s["compute_status"] == "done" for s in items["items"])

    for _ in range(120):
        if done():
            return
        time.sleep(0.25)
    raise AssertionError("the scoring workers did not compute every sheet")


@pytest.fixture(scope="module")
def region_lead(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    """Phạm Thị Dung's window (kv.dbbb, lead of the Đồng bằng Bắc Bộ region)."""
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


@pytest.fixture(scope="module")
def ministry(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    """Nguyễn Văn An's window (bo.tdkt, Vụ Thi đua - Khen thưởng)."""
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def _flash(tab: Tab) -> str:
    return tab.page.locator("#alerts").inner_text()


def test_the_ministry_moves_the_round_to_the_region_review(
    ministry: Tab, platform: WebPlatform, round_: OpenRound, criteria: list[dict[str, Any]]
) -> None:
    _others_fill_in_and_submit(platform, round_, criteria)
    page = ministry.page
    page.goto("/")
    ministry.sign_in("bo.tdkt", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("link", name="Đợt chấm điểm").click()
    assert page.locator("h1").inner_text() == "Các đợt chấm điểm"
    assert "Thi đua năm 2026" in page.locator("table").inner_text()
    # A round with its deadlines out of order: the platform's words next to the deadlines.
    page.locator("#round-table").select_option(round_.table_id)
    page.locator("#round-name").fill("Thi đua bổ sung năm 2026")
    for field, value in (
        ("self_assessment_due", "2026-12-20T17:00"),
        ("review_due", "2026-12-15T17:00"),
        ("appraisal_due", "2027-01-10T17:00"),
    ):
        page.locator(f"#round-{field}").fill(value)
    with page.expect_navigation():
        page.locator("#create-round").click()
    assert (
        "Hạn tự chấm < hạn khu vực kiểm tra < hạn thẩm định"
        in page.locator("#err-round-deadlines").inner_text()
    )
    ministry.check_accessibility()
    ministry.screenshots("rounds")

    with page.expect_navigation():
        page.get_by_role("link", name="Thi đua năm 2026").first.click()
    assert page.locator("#round-phase").inner_text() == "Tự chấm điểm"
    ministry.check_accessibility()
    ministry.screenshots("round")
    stale = ministry.context.new_page()  # the same page left open in another tab
    stale.goto(page.url)
    with page.expect_navigation():
        page.locator("#move-region_review").click()
    assert "Đợt đã chuyển sang giai đoạn “Khu vực chấm chéo”" in _flash(ministry)
    assert page.locator("#move-appraisal").count() == 1  # the next move, now

    with stale.expect_navigation():
        stale.locator("#move-region_review").click()  # the move that was already made
    refusal = stale.locator("#refusal").inner_text()
    assert "đợt đang ở giai đoạn “Khu vực chấm chéo”" in refusal
    assert "Có thể chuyển sang: “Bộ thẩm định”" in refusal
    assert stale.locator("#move-appraisal").count() == 1  # what the platform says is allowed
    stale.close()


def test_the_region_lead_returns_the_sheet_with_a_reason(
    region_lead: Tab, round_: OpenRound
) -> None:
    page = region_lead.page
    page.goto("/")
    region_lead.sign_in("kv.dbbb", PASSWORD)
    waiting = page.locator("#review-title + ul").inner_text()
    assert "Sở Tư pháp thành phố Hà Nội" in waiting
    region_lead.check_accessibility()
    with page.expect_navigation():
        page.get_by_role("link", name="Phiếu chấm").click()
    assert "Đồng bằng Bắc Bộ" in page.locator("h1").inner_text()
    hanoi = page.locator("#sheets-table tr", has_text="Sở Tư pháp thành phố Hà Nội")
    assert "Đã nộp" in hanoi.inner_text() and "199,50" in hanoi.inner_text()
    assert page.locator("#sheets-table tbody tr").count() > 1  # the region's other units
    assert "Hồ Chí Minh" not in page.locator("#sheets-table").inner_text()  # not its region
    region_lead.check_accessibility()
    region_lead.screenshots("region-sheets")

    with page.expect_navigation():
        hanoi.get_by_role("link").click()
    assert page.url.endswith(sheet_path(round_))
    assert page.locator("#A-I-6-review-points").count() == 1
    region_lead.check_accessibility()
    region_lead.screenshots("region-review")

    page.locator("#return-reason").focus()
    page.keyboard.type("ok")  # too short for the platform
    with page.expect_navigation():
        page.locator("#return-sheet").click()
    assert "Viết lý do từ 3 đến 2.000 ký tự." in page.locator("#err-return-reason").inner_text()
    assert page.locator("#return-reason").get_attribute("aria-invalid") == "true"
    region_lead.check_accessibility()
    page.locator("#return-reason").fill(RETURN_REASON)
    with page.expect_navigation():
        page.locator("#return-sheet").click()
    assert "Đã trả lại phiếu cho đơn vị" in _flash(region_lead)
    assert "Bị trả lại để sửa" in page.locator(".sheet-head").inner_text()
    assert RETURN_REASON in page.locator("#returned-reason").inner_text()


def test_the_officer_reads_the_reason_corrects_one_figure_and_submits_again(
    officer: Tab, round_: OpenRound
) -> None:
    page = officer.page
    page.goto("/")
    returned = page.locator("#returned-title + ul")
    assert RETURN_REASON in returned.inner_text()
    officer.check_accessibility()
    officer.screenshots("home-returned")
    with page.expect_navigation():
        returned.locator("a").first.click()
    assert RETURN_REASON in page.locator("#returned-reason").inner_text()
    code, value, points = CORRECTED
    field = page.locator(f"#{slug(code)}-value")
    field.fill(value)
    field.press("Tab")
    expect(page.locator(f"#result-{slug(code)} [data-points]")).to_have_text(points)
    officer.check_accessibility()
    with page.expect_navigation():
        page.locator("#submit-sheet").click()
    assert "Đã nộp phiếu" in _flash(officer)
    assert "Đã nộp" in page.locator(".sheet-head").inner_text()


def test_the_region_lead_proposes_points_and_marks_the_sheet_reviewed(
    region_lead: Tab, round_: OpenRound
) -> None:
    page = region_lead.page
    page.goto(sheet_path(round_))
    code, points, reason = PROPOSAL
    s = slug(code)
    page.locator(f"#{s}-review-points").focus()
    page.keyboard.type(points)
    page.keyboard.press("Tab")
    page.keyboard.type(reason)
    url = page.url
    page.locator(f"#{s}-review-save").click()
    result = page.locator(f"#pr-{s}")
    expect(result).to_contain_text("Đã lưu")
    assert page.url == url  # saved in place, no new page
    assert "Đề xuất của Khu vực: 2,50 / 3" in result.inner_text() and reason in result.inner_text()
    region_lead.check_accessibility()
    page.locator(f"#c-{s}").scroll_into_view_if_needed()
    region_lead.screenshots("region-proposal")
    with page.expect_navigation():
        page.locator("#mark-reviewed").click()  # with the ETag the proposal's answer brought
    assert "Đã xác nhận Khu vực chấm chéo xong" in _flash(region_lead)
    assert "Khu vực đã chấm chéo" in page.locator(".sheet-head").inner_text()
    assert reason in page.locator(".history").inner_text()
    region_lead.check_accessibility()


def test_the_ministry_appraises_finalises_closes_and_publishes(
    ministry: Tab, platform: WebPlatform, round_: OpenRound
) -> None:
    page = ministry.page
    page.goto(f"/rounds/{round_.id}")
    with page.expect_navigation():
        page.locator("#move-appraisal").click()
    assert "“Bộ thẩm định”" in _flash(ministry)
    _ministry_finalises_the_others(platform, round_)

    with page.expect_navigation():
        page.get_by_role("link", name="Phiếu chấm").click()
    page.locator("#status-filter").select_option("reviewed")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem").click()
    rows = page.locator("#sheets-table tbody tr")
    assert rows.count() == 1 and "Sở Tư pháp thành phố Hà Nội" in rows.inner_text()
    ministry.check_accessibility()
    with page.expect_navigation():
        rows.get_by_role("link").click()
    code, points, reason = APPRAISAL
    s = slug(code)
    assert PROPOSAL[2] in page.locator(f"#c-{s}").inner_text()  # the region's, to weigh
    page.locator(f"#{s}-appraisal-points").fill(points)
    page.locator(f"#{s}-appraisal-reason").fill(reason)
    page.locator(f"#{s}-appraisal-save").click()
    result = page.locator(f"#pr-{s}")
    expect(result).to_contain_text("Đã lưu")
    assert "Kết quả thẩm định của Bộ: 2,00 / 3" in result.inner_text()
    ministry.check_accessibility()
    page.locator(f"#c-{s}").scroll_into_view_if_needed()
    ministry.screenshots("appraisal")
    with page.expect_navigation():
        page.locator("#finalise-sheet").click()
    assert "Đã hoàn tất thẩm định" in _flash(ministry)
    assert "Đã thẩm định" in page.locator(".sheet-head").inner_text()
    ministry.check_accessibility()

    page.goto(f"/rounds/{round_.id}")
    with page.expect_navigation():
        page.locator("#move-closed").click()
    assert "“Đã kết thúc”" in _flash(ministry)
    _all_computed(platform, round_)
    with page.expect_navigation():
        page.locator("#publish-results").click()
    assert "Đã công bố kết quả" in _flash(ministry)
    assert page.locator("#round-phase").inner_text() == "Đã công bố kết quả"
    ministry.check_accessibility()
    ministry.screenshots("round-published")

    with page.expect_navigation():
        page.locator("#results-link").click()
    hanoi = page.locator('#ranking tr[data-unit="stp-01"]')
    assert hanoi.locator("[data-rank]").inner_text() == "1"
    assert FINAL_TOTAL in hanoi.inner_text()
    ministry.check_accessibility()


def test_the_officer_finds_her_unit_first_in_the_published_ranking(
    officer: Tab, round_: OpenRound
) -> None:
    page = officer.page
    page.goto(f"/rounds/{round_.id}/results")
    hanoi = page.locator('#ranking tr[data-unit="stp-01"]')
    assert hanoi.locator("[data-rank]").inner_text() == "1"
    assert FINAL_TOTAL in hanoi.inner_text() and "Đồng bằng Bắc Bộ" in hanoi.inner_text()
    officer.check_accessibility()
