"""The awards part 2 journeys in a real browser, against the real platform (embedded mode).

1. Nguyễn Văn An (bo.tdkt, ministry officer) enters the calendar of public holidays of a year
   that has none: a mistyped day is refused on its row and nothing is saved; corrected, it is
   version 1. A second window saves a version in between: the first window's change is
   refused with the calendar as it is now. The working-days calculator skips the holidays,
   and says so when a period reaches a year without a calendar.

2. A council votes on a nominee. Set-up through the API (tests/web/nominations.py): Sở Tư
   pháp Hà Nội files Võ Quốc Khoa for the Bằng khen of the Minister (an award with a secret
   ballot, half of all members), the Ministry receives and forwards it; the Ministry makes its
   council with Hoàng Văn Em (hd.thanhvien) and a secretary created through identity's API,
   who votes in writing before the session; the session is opened. Hoàng Văn Em votes in the
   browser and sees his receipt once; the secretary closes the session and the tally lists
   every receipt. Nguyễn Văn An then drafts the decision in the browser, adds the approved
   nominee (the bonus with its figures and the total), issues it and downloads the .docx and
   the .pdf, whose text names the recipient, the number and the bonus.
3. Hoàng Văn Em checks his receipt on the receipt page: counted, as "Đồng ý".
4. The certificate's public verification page (no sign-in) confirms the award; the Ministry
   revokes it in the browser with the legal reason and the document; the page then says it
   was revoked; an unknown serial is a 404 page. The public comment page opens without sign-in.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from pypdf import PdfReader

from services.identity.domain import demo
from tests.web import nominations
from tests.web.browser import Tab
from tests.web.nominations import MINISTRY, call, ok
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
YEAR = 2030  # no calendar is shipped for it
NOMINEE, NOMINEE_NAME = "cb-027-s0", "Võ Quốc Khoa"  # holds Chiến sĩ thi đua cơ sở 2025
AWARD, AWARD_YEAR = "BK_BT", 2025  # secret ballot, half of all members
MEMBER, SECRETARY = "hd.thanhvien", "hd.thuky"
NUMBER = "15/QĐ-BTP"
BONUS = "2.340.000 đ"  # 1,0 × 2.340.000 đ (the base salary from 01/07/2024), rounded up


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


# -- the council, the decision, the verification page ----------------------------------------


def user_id(platform: WebPlatform, username: str) -> str:
    found = ok(platform.api("GET", "/identity/users", "quantri", params={"q": username}))
    return next(u["id"] for u in found["items"] if u["username"] == username)


def secretary(platform: WebPlatform) -> str:
    """A second council member, the council's secretary, made through identity's API."""
    created = ok(
        platform.api(
            "POST",
            "/identity/users",
            "quantri",
            json={
                "username": SECRETARY,
                "full_name": "Phan Thị Giang",
                "unit_id": "vu-tdkt",
                "password": PASSWORD,
            },
        ),
        201,
    )
    body = {"role": "council_member", "scope": "national"}
    ok(platform.api("POST", f"/identity/users/{created['id']}/roles", "quantri", json=body), 201)
    return created["id"]


@pytest.fixture(scope="module")
def sitting(platform: WebPlatform) -> dict[str, Any]:
    """A forwarded file on the agenda of the Ministry's council's open session, in which the
    secretary has voted in writing."""
    nominations.import_registry(platform)
    file_id = nominations.submitted_file(
        platform, AWARD, AWARD_YEAR, [NOMINEE], "Đề nghị Bằng khen của Bộ trưởng năm 2025"
    )
    nominations.move(platform, file_id, "received", MINISTRY)
    nominations.move(platform, file_id, "forwarded", MINISTRY)
    members = {MEMBER: user_id(platform, MEMBER), SECRETARY: secretary(platform)}

    body = {"level": "bo", "name": "Hội đồng Thi đua - Khen thưởng Bộ Tư pháp"}
    created = platform.api("POST", "/awards/councils", MINISTRY, json=body)
    council = ok(created, 201)
    etag = created.headers["ETag"]
    for username, function, name in (
        (MEMBER, "uy-vien", "Hoàng Văn Em"),
        (SECRETARY, "thu-ky", "Phan Thị Giang"),
    ):
        added = call(
            platform,
            "POST",
            f"/awards/councils/{council['council_id']}/members",
            MINISTRY,
            json={
                "user_id": members[username],
                "full_name": name,
                "function": function,
                "term_from": "2025-01-01",
            },
            headers={"If-Match": etag},
        )
        ok(added, 201)
        etag = added.headers["ETag"]
    scheduled = ok(
        platform.api(
            "POST",
            f"/awards/councils/{council['council_id']}/sessions",
            MINISTRY,
            json={
                "title": "Phiên họp xét khen thưởng tháng 1",
                "starts_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                "location": "Phòng họp tầng 3, 60 Trần Phú",
                "nomination_ids": [file_id],
            },
        ),
        201,
    )
    session_id = scheduled["session_id"]
    path = f"/awards/councils/sessions/{session_id}"
    vote = {"nomination_id": file_id, "subject_id": NOMINEE, "choice": "dong-y"}
    ok(platform.api("POST", f"{path}/ballots", SECRETARY, json={"votes": [vote]}), 201)
    etag = platform.api("GET", path, MINISTRY).headers["ETag"]
    present = call(
        platform,
        "PUT",
        f"{path}/present",
        MINISTRY,
        json={"present": list(members.values())},
        headers={"If-Match": etag},
    )
    ok(present)
    ok(
        call(
            platform,
            "POST",
            f"{path}/open",
            MINISTRY,
            headers={"If-Match": present.headers["ETag"]},
        )
    )
    return {"file_id": file_id, "session_id": session_id}


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    """What one step leaves for the next (the member's receipt, the decision, the serial)."""
    return {}


@pytest.fixture(scope="module")
def member(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def test_a_member_votes_in_secret_and_the_secretary_publishes_the_tally(
    member: Tab, browser: Any, platform: WebPlatform, sitting: dict[str, Any], journey: dict
) -> None:
    page = member.page
    page.goto("/awards")
    member.sign_in(MEMBER, PASSWORD)
    click(member, "#hub-sessions")
    assert page.locator("h1").inner_text() == "Phiên họp hội đồng"
    member.check_accessibility()
    click(member, f"a[href$='{sitting['session_id']}']")
    assert page.locator("#session-state").inner_text() == "Đang họp"
    member.check_accessibility()

    page.locator(f"#vote-{sitting['file_id']}-{NOMINEE}-dong-y").check()
    click(member, "#cast-ballot")
    receipts = page.locator("#receipts .receipt")
    assert receipts.count() == 1
    journey["receipt"] = receipts.first.inner_text().strip()
    assert NOMINEE_NAME in page.locator("#receipts").inner_text()
    member.check_accessibility()
    member.screenshots("council-ballot")
    page.goto(f"/awards/council/sessions/{sitting['session_id']}")
    assert page.locator("#receipts").count() == 0  # shown once, in that answer alone
    assert page.locator("input[type=radio]").count() == 0  # no second vote offered
    agenda = page.locator(f"#file-{sitting['file_id']}").inner_text()
    assert "2 phiếu đã bỏ" in agenda and "Bạn đã bỏ phiếu cho người này." in agenda

    clerk = Tab(browser, platform.gateway)
    try:
        clerk.page.goto(f"/awards/council/sessions/{sitting['session_id']}")
        clerk.sign_in(SECRETARY, PASSWORD)
        click(clerk, "#close-session")
        assert clerk.page.locator("#session-state").inner_text() == "Đã kết thúc"
        tally = clerk.page.locator("#tally")
        assert "Được thông qua" in tally.inner_text()
        tally.locator("details summary").first.click()  # every receipt with its ballot
        shown = [t.strip() for t in tally.locator(".receipt").all_inner_texts()]
        assert journey["receipt"] in shown and len(shown) == 2
        clerk.check_accessibility()
        clerk.screenshots("council-tally")
    finally:
        clerk.close()


def test_the_ministry_issues_the_decision_and_downloads_its_documents(
    ministry: Tab, platform: WebPlatform, sitting: dict[str, Any], journey: dict, tmp_path: Path
) -> None:
    page = ministry.page
    page.goto("/awards")
    click(ministry, "#hub-decisions")
    assert page.locator("h1").inner_text() == "Quyết định khen thưởng"
    ministry.check_accessibility()
    click(ministry, "#new-decision")
    ministry.check_accessibility()
    page.locator("#number").fill(NUMBER)
    page.locator("#decided_on").fill("32/01/2026")  # no such day
    page.locator("#title").fill("Về việc tặng Bằng khen của Bộ trưởng Bộ Tư pháp năm 2025")
    page.locator("#signer_name").fill("Nguyễn Thanh Tịnh")
    click(ministry, "#create-decision")
    assert page.locator("#err-decided_on").inner_text() == "Nhập ngày theo dạng dd/mm/yyyy."
    assert page.locator("#number").input_value() == NUMBER  # kept as typed
    ministry.check_accessibility()
    page.locator("#decided_on").fill("15/01/2026")
    click(ministry, "#create-decision")
    assert page.locator("#decision-state").inner_text() == "Đang soạn"
    journey["decision"] = page.url
    ministry.check_accessibility()

    picks = page.locator("#sources input[name=pick]")
    assert picks.count() == 1
    assert NOMINEE_NAME in page.locator("#sources").inner_text()
    picks.first.check()
    click(ministry, "#add-recipients")
    row = page.locator("#recipients-table tbody tr").first
    assert NOMINEE_NAME in row.inner_text()
    assert "2.340.000" in row.locator(".bonus").inner_text()  # the base salary in force
    assert row.locator("td.num").inner_text() == BONUS
    assert page.locator("#total").inner_text() == BONUS
    assert page.locator("#no-sources").count() == 1
    ministry.check_accessibility()
    ministry.screenshots("awards-decision-draft")

    click(ministry, "#issue-decision")
    assert page.locator("#decision-state").inner_text() == "Đã ban hành"
    assert "Đã ban hành quyết định" in page.locator("#alerts").inner_text()
    serial = page.locator("#recipients-table .receipt").first.inner_text().strip()
    journey["serial"] = serial
    ministry.check_accessibility()
    ministry.screenshots("awards-decision-issued")

    with page.expect_download() as info:
        page.locator("#download-docx").click()
    saved = tmp_path / "decision.docx"
    info.value.save_as(saved)
    document = docx.Document(str(saved))
    words = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert f"Số: {NUMBER}" in words
    assert NOMINEE_NAME in words and "2.340.000" in words
    assert "Hà Nội, ngày 15 tháng 01 năm 2026" in words

    with page.expect_download() as info:
        page.locator("#download-pdf").click()
    saved = tmp_path / "decision.pdf"
    info.value.save_as(saved)
    text = " ".join(p.extract_text() for p in PdfReader(str(saved)).pages)
    assert NUMBER in text and NOMINEE_NAME in text

    with page.expect_download() as info:
        page.locator("#recipients-table a[id^=certificate-]").first.click()
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    text = " ".join(p.extract_text() for p in PdfReader(str(saved)).pages)
    assert NOMINEE_NAME in text and serial in text


def test_the_member_checks_the_receipt(member: Tab, journey: dict) -> None:
    page = member.page
    page.goto("/awards")
    click(member, "a[href$='/awards/ballots/receipt']")
    assert page.locator("h1").inner_text() == "Kiểm tra mã biên nhận phiếu bầu"
    member.check_accessibility()
    member.tab_to("code")
    page.keyboard.type(journey["receipt"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#found").count() == 1
    assert NOMINEE_NAME in page.locator("#found").inner_text()
    assert page.locator("#counted-as").inner_text() == "Đồng ý"
    assert journey["receipt"] not in page.url  # never in an address
    member.check_accessibility()
    member.screenshots("council-receipt")


def test_a_revoked_award_shows_as_revoked_on_the_public_verification_page(
    ministry: Tab, browser: Any, platform: WebPlatform, journey: dict
) -> None:
    public = Tab(browser, platform.gateway)  # nobody signed in
    try:
        public.page.goto(f"/verify/{journey['serial']}")
        assert public.page.locator("#verification-status").inner_text() == "Còn hiệu lực"
        assert NOMINEE_NAME in public.page.locator("#verification").inner_text()
        public.check_accessibility()
        public.screenshots("verify-valid")

        page = ministry.page
        page.goto(journey["decision"])
        page.locator("#revoke input[name=recipient]").first.check()
        page.locator("#reason").fill("Khai man thành tích (Điều 84 Luật Thi đua, khen thưởng)")
        page.locator("#legal_basis").fill("Luật Thi đua, khen thưởng 2022, Chương VII")
        page.locator("#revoked_on").fill("02/02/2026")
        page.locator("#document").set_input_files(
            files=[
                {
                    "name": "QD-huy-bo.pdf",
                    "mimeType": "application/pdf",
                    "buffer": b"%PDF-1.4\n% quyet dinh huy bo\n",
                }
            ]
        )
        click(ministry, "#revoke-submit")
        assert page.locator("h1").inner_text() == "Hủy bỏ ngày 02/02/2026"
        assert "Khai man" in page.locator("#revocation-reason").inner_text()
        assert NOMINEE_NAME in page.locator("#revoked").inner_text()
        ministry.check_accessibility()
        click(ministry, "#decision-link")
        assert "Đã hủy bỏ" in page.locator("#recipients-table").inner_text()
        ministry.check_accessibility()
        page.goto("/awards/reviews")
        ministry.check_accessibility()

        public.page.reload()
        assert public.page.locator("#verification-status").inner_text() == "Đã hủy bỏ"
        assert "02/02/2026" in public.page.locator("#revoked-on").inner_text()
        public.check_accessibility()
        public.screenshots("verify-revoked")

        answer = public.page.goto("/verify/KHONG-CO-SO-NAY")
        assert answer is not None and answer.status == 404
        assert public.page.locator("#unknown-serial").count() == 1
        public.check_accessibility()

        public.page.goto("/public/comment")
        assert public.page.locator("h1").inner_text() == "Lấy ý kiến nhân dân về người được đề nghị"
        public.check_accessibility()
    finally:
        public.close()


def test_the_reports_page_gives_the_workbooks(ministry: Tab, tmp_path: Path) -> None:
    page = ministry.page
    page.goto("/awards")
    click(ministry, "#hub-reports")
    ministry.tab_to("year", limit=40)
    page.keyboard.press("Control+A")
    page.keyboard.type("2025")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    links = page.locator("#report-forms a")
    assert links.count() >= 1
    ministry.check_accessibility()
    with page.expect_download() as info:
        links.first.click()
    saved = tmp_path / "report.xlsx"
    info.value.save_as(saved)
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(saved.read_bytes())).worksheets
