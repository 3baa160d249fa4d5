"""The awards journeys in a real browser, against the real platform (embedded mode), with the
sample rule pack published (tests/web/platform.py).

1. Đỗ Minh Khoa (qt.hanoi, unit admin of Sở Tư pháp Hà Nội) imports his unit's staff and
   their awards from the registry's Excel template: first with a bad row, whose error is shown
   by sheet, row and column while nothing is imported; then corrected. He finds a person
   without diacritics and opens the profile with its awards timeline, and the unit's record.
2. Trần Thị Bình (stp.hanoi, unit officer) finds the eligible candidates for Lao động tiên
   tiến 2025, starts a nomination with two of them, is told why it cannot be submitted yet
   (the title was not registered), registers it, attaches a report and submits the file.
3. Nguyễn Văn An (bo.tdkt, ministry officer) returns it with a reason; he also reads the rule
   packs and sees a broken pack refused by JSON pointer. Another province's officer gets 404.
4. The officer reads the reason and resubmits; a second window's edit in between makes the
   first window's stale move fail with a clear message. The Ministry receives the file.
5. Phạm Thị Dung (kv.dbbb, region lead) opens a region acclamation, the member unit's admin
   votes once, and the lead closes it and sees the result.

axe-core checks every page visited; the main ones get screenshots (``make screenshots``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from kit import dates
from kit.spreadsheets import put
from services.identity.domain import demo
from tests.support.processes import wait_until
from tests.web.browser import Tab
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "services" / "awards" / "data" / "demo-registry.json"
SHARED_HISTORY = ROOT.parent / "shared" / "data" / "sample-award-history.json"
UNIT = "stp-01"
AWARD, YEAR = "LDTT", 2025
# Eligible for Lao động tiên tiến 2025 and not holding it yet (the sample registry).
PICKED = ("cb-027-0022", "cb-027-0023")
BAD_ROW = 3  # the person whose gender is mistyped in the first workbook (0-based)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# kv.dbbb's region (the demo accounts): of this year in Ha Noi, as the platform dates it.
REGION = f"{dates.this_year()}-dong-bang-bac-bo"


# -- the workbook the unit admin fills in -----------------------------------------------------


def unit_document() -> dict[str, Any]:
    """The sample registry's people of stp-01 and the awards they (and the unit) hold."""
    source = HISTORY if HISTORY.exists() else SHARED_HISTORY
    sample = json.loads(source.read_text(encoding="utf-8"))
    people = [p for p in sample["people"] if p["unit_id"] == UNIT]
    ids = {p["id"] for p in people} | {UNIT}
    return {"people": people, "awards": [a for a in sample["awards"] if a["recipient"] in ids]}


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def sheet_rows(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The template's sheets as rows of heading → value, as a person would type them."""
    people = document["people"]
    return {
        "Cán bộ": [
            {
                "Mã cán bộ": p["id"],
                "Họ và tên": p["full_name"],
                "Giới tính": p["gender"],
                "Mã đơn vị": p["unit_id"],
                "Chuyển từ ngành khác": "có" if p["transferred_from_other_sector"] else "không",
            }
            for p in people
        ],
        "Chức vụ": [
            {
                "Mã cán bộ": p["id"],
                "Chức vụ": pos["position"],
                "Từ ngày": _day(pos["from"]),
                "Đến ngày": _day(pos["to"]),
            }
            for p in people
            for pos in p["positions"]
        ],
        "Xếp loại": [
            {"Mã cán bộ": p["id"], "Năm": int(year), "Xếp loại": value}
            for p in people
            for year, value in p["assessments"].items()
        ],
        "Số tháng công tác": [
            {"Mã cán bộ": p["id"], "Năm": int(year), "Số tháng": months}
            for p in people
            for year, months in p["service_months"].items()
        ],
        "Kỷ luật": [
            {"Mã cán bộ": p["id"], "Năm": d["year"], "Hình thức": d["level"]}
            for p in people
            for d in p["discipline"]
        ],
        "Sáng kiến": [
            {"Mã cán bộ": p["id"], "Năm": i["year"], "Cấp": i["scope"], "Tên": i["title"]}
            for p in people
            for i in p["initiatives"]
        ],
        "Khen thưởng": [
            {
                "Người/đơn vị nhận": a["recipient"],
                "Mã khen thưởng": a["award"],
                "Năm": a["year"],
                "Số quyết định": a["decision"],
                "Ngày quyết định": _day(a["decided_on"]),
                "Đã thu hồi": "có" if a.get("revoked") else "",
            }
            for a in document["awards"]
        ],
    }


def filled(template: bytes, document: dict[str, Any], bad_gender: bool = False) -> bytes:
    """The downloaded template with the document typed in under its headings."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    for name, rows in sheet_rows(document).items():
        ws = book[name]
        columns = {str(c.value).strip(): c.column for c in ws[1] if c.value}
        for r, row in enumerate(rows, start=2):
            for heading, value in row.items():
                if name == "Cán bộ" and heading == "Giới tính" and bad_gender and r - 2 == BAD_ROW:
                    value = "không rõ"
                if value is not None and value != "":
                    put(ws, r, columns[heading], value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the windows of the journey ---------------------------------------------------------------


@pytest.fixture(scope="module")
def tabs(browser: Any, platform: WebPlatform) -> Iterator[dict[str, Tab]]:
    """One window per person, kept through the module's steps."""
    opened = {name: Tab(browser, platform.gateway) for name in ("admin", "officer", "ministry")}
    opened["lead"] = Tab(browser, platform.gateway)
    yield opened
    for tab in opened.values():
        tab.close()


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    """What one step leaves for the next (the nomination file's address)."""
    return {}


def click(tab: Tab, selector: str) -> None:
    with tab.page.expect_navigation():
        tab.page.locator(selector).click()


def upload(tab: Tab, selector: str, name: str, content: bytes, mime: str) -> None:
    tab.page.locator(selector).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )


# -- 1. the unit admin imports the staff --------------------------------------------------------


def test_the_unit_admin_imports_the_staff_from_the_template(
    tabs: dict[str, Tab], platform: WebPlatform
) -> None:
    tab = tabs["admin"]
    page = tab.page
    page.goto("/awards")
    assert "/sign-in" in page.url
    tab.sign_in("qt.hanoi", PASSWORD)
    assert page.locator("h1").inner_text() == "Khen thưởng"
    assert (
        page.get_by_role("link", name="Khen thưởng", exact=True).get_attribute("aria-current")
        == "page"
    )
    tab.check_accessibility()
    tab.screenshots("awards-hub")

    with page.expect_navigation():
        page.get_by_role("link", name="Sổ khen thưởng").click()
    assert page.locator("h1").inner_text() == "Sổ khen thưởng"
    assert "0 người" in page.locator("#people-title").inner_text()
    tab.check_accessibility()
    click(tab, "#import-link")
    assert page.locator("h1").inner_text() == "Nhập cán bộ và khen thưởng"
    tab.check_accessibility()

    with page.expect_download() as download:
        page.locator("#template-link").click()
    template = Path(download.value.path()).read_bytes()
    document = unit_document()

    # A mistyped gender on one row: that row's cell is named, and nothing is imported.
    upload(tab, "#file", "can-bo-stp-01.xlsx", filled(template, document, True), XLSX)
    click(tab, "#import-submit")
    problems = page.locator("#import-errors")
    expect(problems).to_be_visible()
    row = problems.locator("tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert cells[:3] == ["Cán bộ", str(BAD_ROW + 2), "C"], cells
    assert "chưa nhập gì" in page.locator("#problems-title").inner_text()
    tab.check_accessibility()
    tab.screenshots("awards-import-errors")
    found = platform.api("GET", "/awards/people", "qt.hanoi", params={"unit": UNIT}).json()
    assert found["total"] == 0

    # Corrected: everyone is imported, with the awards.
    upload(tab, "#file", "can-bo-stp-01.xlsx", filled(template, document), XLSX)
    click(tab, "#import-submit")
    counts = page.locator("#import-counts tbody tr")
    people = counts.nth(0).locator("td").all_inner_texts()
    awards = counts.nth(1).locator("td").all_inner_texts()
    assert people[0] == str(len(document["people"])), people
    assert awards[0] == str(len(document["awards"])), awards
    assert page.locator("#import-errors").count() == 0
    tab.check_accessibility()

    # A name typed without diacritics finds the person; the profile has the timeline.
    page.goto("/awards/people")
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất dữ liệu đơn vị (Excel)").click()
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # a workbook
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất dữ liệu đơn vị (JSON)").click()
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert len(exported["people"]) == len(document["people"])
    page.locator("#f-q").fill("ngo minh cuong")
    click(tab, "#search")
    results = page.locator("#people tbody tr")
    expect(results).to_have_count(1)
    assert "Ngô Minh Cường" in results.inner_text()
    tab.check_accessibility()
    with page.expect_navigation():
        results.get_by_role("link", name="Ngô Minh Cường").click()
    assert page.locator("h1").inner_text().startswith("Ngô Minh Cường")
    desc = page.locator("#timeline-desc").text_content() or ""
    assert "2019: LDTT" in desc, desc
    assert "Lao động tiên tiến" in page.locator("#awards-held").inner_text()
    tab.check_accessibility()
    tab.screenshots("awards-person")
    with page.expect_navigation():
        page.get_by_role("link", name="Hồ sơ của đơn vị").click()
    assert f"{len(document['people'])} thành viên" in page.locator("#members-title").inner_text()
    tab.check_accessibility()


# -- 2. the unit officer nominates the eligible candidates and submits ----------------------------


def test_the_officer_nominates_eligible_candidates_and_submits(
    tabs: dict[str, Tab], journey: dict[str, Any]
) -> None:
    tab = tabs["officer"]
    page = tab.page
    page.goto("/awards")
    tab.sign_in("stp.hanoi", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("link", name="Ứng viên khen thưởng").first.click()
    tab.check_accessibility()
    page.locator("#year").fill(str(YEAR))
    page.locator("#award").select_option(AWARD)
    assert page.locator("#scope").input_value() == UNIT
    click(tab, "#show-candidates")
    rows = page.locator("#candidates tbody tr")
    verdicts = rows.locator("td .badge").all_inner_texts()
    assert verdicts and verdicts[0] == "Đủ điều kiện"
    eligible = verdicts.count("Đủ điều kiện")
    assert verdicts == ["Đủ điều kiện"] * eligible + ["Chưa đủ điều kiện"] * (
        len(verdicts) - eligible
    ), verdicts  # eligible first
    tab.check_accessibility()
    tab.screenshots("awards-candidates")

    for subject in PICKED:
        page.locator(f"#pick-{subject}").check()
    click(tab, "#nominate")
    assert page.locator("h1").inner_text() == "Hồ sơ đề nghị mới"
    assert "2 ứng viên đã chọn" in page.locator("#picked").inner_text()
    tab.check_accessibility()
    click(tab, "#create-nomination")
    journey["file"] = page.url
    assert page.locator("#file-state").inner_text() == "Đang chuẩn bị"
    expect(page.locator("#nominees > li")).to_have_count(2)
    tab.check_accessibility()

    # Not registered for the title yet: the refusal says so, and nothing moves.
    click(tab, "#do-submitted")
    notice = page.locator("#notice")
    assert "Chưa đăng ký danh hiệu" in notice.inner_text(), notice.inner_text()
    assert page.locator("#file-state").inner_text() == "Đang chuẩn bị"
    tab.check_accessibility()
    click(tab, "#register-titles")
    assert page.locator("#unregistered").count() == 0

    first = PICKED[0]
    page.locator(f"#summary-{first}").fill("Hoàn thành xuất sắc công tác xây dựng văn bản")
    with page.expect_navigation():
        page.locator(f"#nominee-{first} button", has_text="Lưu tóm tắt").click()
    upload(
        tab, f"#report-{first}", "bao-cao.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "application/pdf"
    )
    with page.expect_navigation():
        page.locator(f"#nominee-{first} button", has_text="Đính kèm báo cáo").click()
    assert "bao-cao.pdf" in page.locator(f"#nominee-{first}").inner_text()

    click(tab, "#do-submitted")
    assert page.locator("#file-state").inner_text() == "Đã gửi Bộ"
    assert page.locator("#nominees").inner_text().count("Đủ điều kiện") == 2  # kept verdicts
    assert "Đang chuẩn bị → Đã gửi Bộ" in page.locator("#history").inner_text()
    assert page.locator("#add-nominees").count() == 0  # no more edits
    tab.check_accessibility()
    tab.screenshots("awards-nomination")


# -- 3. the Ministry returns it ------------------------------------------------------------------


def test_the_ministry_returns_the_file_with_a_reason(
    tabs: dict[str, Tab], journey: dict[str, Any], browser: Any, platform: WebPlatform
) -> None:
    tab = tabs["ministry"]
    page = tab.page
    page.goto("/awards/nominations")
    tab.sign_in("bo.tdkt", PASSWORD)
    listed = page.locator("#nominations tbody tr")
    expect(listed).to_have_count(1)
    assert "Đã gửi Bộ" in listed.inner_text()
    tab.check_accessibility()
    with page.expect_navigation():
        listed.locator("a").click()
    assert page.url == journey["file"]
    tab.check_accessibility()
    page.locator("#reason-returned").fill("Bổ sung báo cáo thành tích của ông Ngô Minh Cường")
    click(tab, "#do-returned")
    assert page.locator("#file-state").inner_text() == "Bị trả lại để sửa"
    assert "Bổ sung báo cáo thành tích" in page.locator("#history").inner_text()
    tab.check_accessibility()

    # The rule packs: the published sample, and a broken document refused by JSON pointer.
    page.goto("/awards/rules")
    packs = page.locator("#packs tbody tr")
    assert "Đã ban hành" in packs.first.inner_text()
    tab.check_accessibility()
    with page.expect_navigation():
        packs.first.locator("a").click()
    assert "Cờ thi đua ngành Tư pháp" in page.locator("#pack-awards").inner_text()
    tab.check_accessibility()
    page.goto("/awards/rules/upload")
    broken = {"code": "hong", "title": "Bộ quy tắc lỗi", "effective_from": "2027-01-01"}
    upload(tab, "#file", "hong.json", json.dumps(broken).encode(), "application/json")
    click(tab, "#upload-submit")
    assert page.locator("#import-errors code").count() >= 1  # JSON pointers
    tab.check_accessibility()

    # Another province's officer may not know the file exists.
    other = Tab(browser, platform.gateway)
    try:
        other.page.goto(journey["file"])
        other.sign_in("stp.hcm", PASSWORD)
        assert other.page.locator("h1").inner_text() == "Không tìm thấy trang"
    finally:
        other.close()


# -- 4. the officer corrects and resubmits; the Ministry receives it ------------------------------


def test_the_officer_resubmits_and_the_ministry_receives(
    tabs: dict[str, Tab], journey: dict[str, Any], browser: Any, platform: WebPlatform
) -> None:
    tab = tabs["officer"]
    page = tab.page
    page.goto(journey["file"])
    assert page.locator("#file-state").inner_text() == "Bị trả lại để sửa"
    assert "Bổ sung báo cáo thành tích" in page.locator("#history").inner_text()
    tab.check_accessibility()

    second = PICKED[1]
    # Meanwhile, in another window, the same officer corrects the file's title.
    other = Tab(browser, platform.gateway)
    try:
        other.page.goto(journey["file"])
        other.sign_in("stp.hanoi", PASSWORD)
        other.page.locator("#title").fill("Đề nghị Lao động tiên tiến năm 2025 (bổ sung)")
        with other.page.expect_navigation():
            other.page.locator("#save-details").click()
    finally:
        other.close()

    # This window still holds the file as it was: its move is refused, the page explains.
    upload(tab, f"#report-{second}", "bao-cao-2.pdf", b"%PDF-1.4\n2 0 obj\n", "application/pdf")
    with page.expect_navigation():
        page.locator(f"#nominee-{second} button", has_text="Đính kèm báo cáo").click()
    notice = page.locator("#notice")
    assert "đã bị thay đổi" in notice.inner_text(), notice.inner_text()
    assert "(bổ sung)" in page.locator("h1").inner_text()  # the file as it is now
    tab.check_accessibility()
    tab.screenshots("awards-nomination-stale")

    upload(tab, f"#report-{second}", "bao-cao-2.pdf", b"%PDF-1.4\n2 0 obj\n", "application/pdf")
    with page.expect_navigation():
        page.locator(f"#nominee-{second} button", has_text="Đính kèm báo cáo").click()
    assert "bao-cao-2.pdf" in page.locator(f"#nominee-{second}").inner_text()
    click(tab, "#do-submitted")
    assert page.locator("#file-state").inner_text() == "Đã gửi Bộ"

    ministry = tabs["ministry"]
    ministry.page.goto(journey["file"])
    click(ministry, "#do-received")
    assert ministry.page.locator("#file-state").inner_text() == "Bộ đã tiếp nhận"
    history = ministry.page.locator("#history").inner_text()
    assert "Bị trả lại để sửa → Đã gửi Bộ" in history and "Đã gửi Bộ → Bộ đã tiếp nhận" in history
    ministry.check_accessibility()


# -- 5. the region's acclamation ------------------------------------------------------------------


def test_the_region_lead_runs_an_acclamation(tabs: dict[str, Tab], platform: WebPlatform) -> None:
    wait_until(platform.awards_caught_up, timeout=120, interval=0.5, what="awards' copies")
    lead = tabs["lead"]
    page = lead.page
    page.goto("/awards/acclamations/new")
    lead.sign_in("kv.dbbb", PASSWORD)
    # Back on the form after signing in (else say where she is, and what that page says).
    assert page.url.endswith("/awards/acclamations/new"), (
        f"{page.url}: {page.locator('main').inner_text()[:300]}"
    )
    assert page.locator("#region").input_value() == REGION
    page.locator("#award").select_option("CO_NGANH")
    page.locator("#candidate_unit").select_option(UNIT)
    lead.check_accessibility()
    click(lead, "#open-vote")
    assert page.locator("#ballot-state").inner_text() == "Đang bỏ phiếu"
    members = page.locator("#voters li").count()
    assert members > 1
    assert page.locator("#voters-title").inner_text() == f"Đã bỏ phiếu: 0 trên {members}"
    ballot = page.url
    lead.check_accessibility()

    admin = tabs["admin"]
    admin.page.goto("/awards/acclamations")
    if "/sign-in" in admin.page.url:  # run alone: step 1 did not sign the unit admin in
        admin.sign_in("qt.hanoi", PASSWORD)
    expect(admin.page.locator("#acclamations tbody tr")).to_have_count(1)
    admin.check_accessibility()
    with admin.page.expect_navigation():
        admin.page.locator("#acclamations tbody a").first.click()
    assert admin.page.url == ballot
    admin.page.locator("#vote-yes").check()
    admin.check_accessibility()
    click(admin, "#cast-vote")
    assert "Đơn vị bạn đã bỏ phiếu" in admin.page.locator("#already-voted").inner_text()
    admin.check_accessibility()
    votes = "/awards" + ballot.split("/awards", 1)[1] + "/votes"
    again = platform.api("POST", votes, "qt.hanoi", json={"in_favour": True})
    assert again.status_code == 409, again.text  # once per unit

    page.reload()
    assert page.locator("#voters-title").inner_text() == f"Đã bỏ phiếu: 1 trên {members}"
    assert page.locator("#result").count() == 0  # nobody sees how, while it is open
    click(lead, "#close-vote")
    assert page.locator("#ballot-state").inner_text() == "Đã kết thúc"
    assert page.locator("#result-for").inner_text() == "1"
    assert page.locator("#result-title").inner_text() == "Không được suy tôn"  # 1 of many
    lead.check_accessibility()
    lead.screenshots("awards-acclamation")
