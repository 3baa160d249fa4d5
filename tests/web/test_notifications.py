"""The inbox journey in a real browser, against the real platform (embedded mode).

Trần Thị Bình (stp.hanoi, unit officer of Sở Tư pháp Hà Nội) submitted a nomination file; the
Ministry returns it with a reason. The return reaches notify through the bus and becomes an
item of her inbox: the header of every page counts it, she opens it from the inbox, lands on
the file, and the item is read (the count drops). She marks it unread and then everything
read, and chooses to get such returns in the daily digest only. Another person cannot open
her item (404).

Nguyễn Văn An (bo.tdkt, ministry officer) registers a webhook endpoint of the Ministry (a
receiver on this machine): the secret is shown once; a received nomination file is delivered
to it signed with that secret (checked with the Standard Webhooks library); he reads the
delivery and its attempt, sends it again, rotates the secret and recovers failed deliveries.
A unit officer cannot see the endpoint.

Set-up goes through the API (tests/web/nominations.py): the unit admin imports the unit's
registry, the officer files two eligible people for Lao động tiên tiến 2025 and submits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect
from standardwebhooks import Webhook

from services.identity.domain import demo
from tests.support.processes import free_port, wait_until
from tests.web import nominations
from tests.web.browser import Tab
from tests.web.platform import WebPlatform

pytestmark = [pytest.mark.processes, pytest.mark.browser]

PASSWORD = demo.PASSWORD
PICKED = ["cb-027-0022", "cb-027-0023"]  # eligible for LDTT 2025 in the sample registry
REASON = "Bổ sung báo cáo thành tích của hai cá nhân"
TITLE = "Đề nghị Lao động tiên tiến năm 2025"


@pytest.fixture(scope="module")
def returned(platform: WebPlatform) -> dict[str, Any]:
    """A file of stp-01 returned by the Ministry, and the officer's inbox item about it."""
    nominations.import_registry(platform)
    file_id = nominations.submitted_file(platform, "LDTT", 2025, PICKED, TITLE)
    nominations.move(platform, file_id, "returned", nominations.MINISTRY, REASON)

    def item() -> dict[str, Any] | None:
        reply = platform.api(
            "GET", "/notify/inbox", nominations.OFFICER, params={"kind": "nomination_returned"}
        )
        found = [i for i in reply.json()["items"] if file_id in (i.get("link") or "")]
        return found[0] if found else None

    wait_until(lambda: item() is not None, timeout=60, interval=0.5, what="the inbox item")
    return {"file_id": file_id, "item": item()}


@pytest.fixture(scope="module")
def journey() -> dict[str, Any]:
    """What one step leaves for the next (the endpoint's page, its first secret)."""
    return {}


@pytest.fixture(scope="module")
def officer(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def unread(platform: WebPlatform) -> int:
    reply = platform.api("GET", "/notify/inbox/unread-count", nominations.OFFICER)
    return int(reply.json()["unread"])


def test_a_returned_file_is_in_the_officers_inbox_and_counted_in_the_header(
    officer: Tab, returned: dict[str, Any], platform: WebPlatform
) -> None:
    page = officer.page
    page.goto("/")
    officer.sign_in(nominations.OFFICER, PASSWORD)
    count = unread(platform)
    assert count >= 1
    # Every page's header counts the unread items.
    assert page.locator("#unread-count").inner_text() == str(count)
    page.goto("/awards")
    assert page.locator("#unread-count").inner_text() == str(count)

    with page.expect_navigation():
        page.locator("#inbox-link").click()
    assert page.locator("h1").inner_text() == "Hộp thư"
    item = page.locator(f"#item-{returned['item']['id']}")
    assert "inbox-item--unread" in (item.get_attribute("class") or "")
    assert "bị Bộ trả lại" in item.inner_text()
    assert REASON in item.inner_text()
    officer.check_accessibility()
    officer.screenshots("inbox")

    # Only unread returns: the filter keeps it.
    page.locator("#f-kind").select_option("nomination_returned")
    page.locator("#f-read").select_option("unread")
    with page.expect_navigation():
        page.locator("#filter-submit").click()
    assert page.locator(f"#item-{returned['item']['id']}").count() == 1
    officer.check_accessibility()


def test_opening_the_item_leads_to_the_file_and_marks_it_read(
    officer: Tab, returned: dict[str, Any], platform: WebPlatform
) -> None:
    page = officer.page
    before = unread(platform)
    page.goto("/inbox")
    with page.expect_navigation():
        page.locator(f"#item-{returned['item']['id']} .inbox-item__title").click()
    assert page.url.endswith(f"/awards/nominations/{returned['file_id']}")
    assert page.locator("#file-state").inner_text() == "Bị trả lại để sửa"
    assert unread(platform) == before - 1
    shown = page.locator("#unread-count")
    assert (shown.inner_text() if shown.count() else "0") == str(before - 1)

    page.goto("/inbox?read=unread")
    assert page.locator(f"#item-{returned['item']['id']}").count() == 0
    page.goto("/inbox?read=read")
    item = page.locator(f"#item-{returned['item']['id']}")
    assert "inbox-item--unread" not in (item.get_attribute("class") or "")

    # Unread again, then everything read.
    with page.expect_navigation():
        item.get_by_role("button", name="Đánh dấu chưa đọc").click()
    assert "Đã đánh dấu chưa đọc" in page.locator("#alerts").inner_text()
    assert unread(platform) == before
    page.goto("/inbox")
    with page.expect_navigation():
        page.locator("#read-all").click()
    assert unread(platform) == 0
    assert page.locator("#inbox-summary").inner_text() == "Bạn đã đọc hết."
    assert page.locator("#unread-count").count() == 0
    officer.check_accessibility()


def test_the_officer_chooses_the_daily_digest_for_returned_files(
    officer: Tab, platform: WebPlatform
) -> None:
    page = officer.page
    page.goto("/inbox")
    with page.expect_navigation():
        page.locator("#preferences-link").click()
    assert page.locator("h1").inner_text() == "Nhận thông báo qua thư điện tử"
    assert page.locator("#email-nomination_returned-instant").is_checked()  # the default
    officer.check_accessibility()
    officer.tab_to("email-nomination_returned-instant", limit=60)
    page.keyboard.press("ArrowDown")  # radio groups move with the arrows
    assert page.locator("#email-nomination_returned-digest").is_checked()
    with page.expect_navigation():
        page.locator("#save-preferences").click()
    assert "Đã lưu lựa chọn" in page.locator("#alerts").inner_text()
    assert page.locator("#email-nomination_returned-digest").is_checked()
    chosen = platform.api("GET", "/notify/preferences", nominations.OFFICER).json()
    assert {p["kind"]: p["email"] for p in chosen}["nomination_returned"] == "digest"
    officer.check_accessibility()
    officer.screenshots("inbox-preferences")


def test_another_person_cannot_open_the_officers_item(
    browser: Any, platform: WebPlatform, returned: dict[str, Any]
) -> None:
    other = Tab(browser, platform.gateway)
    try:
        other.page.goto(f"/inbox/open/{returned['item']['id']}")
        other.sign_in("stp.hcm", PASSWORD)
        assert other.page.locator("h1").inner_text() == "Không tìm thấy trang"
        other.page.goto("/inbox")
        assert other.page.locator(f"#item-{returned['item']['id']}").count() == 0
    finally:
        other.close()


# -- webhooks ---------------------------------------------------------------------------------


class Receiver:
    """A receiving system on this machine: answers 200 and keeps what it got."""

    def __init__(self) -> None:
        self.port = free_port()
        self.got: list[dict[str, Any]] = []
        received = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/thidua"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def ministry(browser: Any, platform: WebPlatform) -> Iterator[Tab]:
    tab = Tab(browser, platform.gateway)
    yield tab
    tab.close()


def test_the_ministry_registers_an_endpoint_and_its_secret_is_shown_once(
    ministry: Tab, receiver: Receiver, journey: dict[str, Any]
) -> None:
    page = ministry.page
    page.goto("/webhooks")
    ministry.sign_in(nominations.MINISTRY, PASSWORD)
    assert page.locator("h1").inner_text() == "Webhooks"
    assert page.get_by_role("link", name="Webhooks").get_attribute("aria-current") == "page"
    ministry.check_accessibility()

    with page.expect_navigation():
        page.locator("#create-endpoint").click()  # nothing filled in
    assert page.locator("#err-url").inner_text() == "Nhập địa chỉ nhận thông điệp."
    assert page.locator("#url").get_attribute("aria-invalid") == "true"
    assert "ít nhất một loại" in page.locator("#err-event_types").inner_text()
    ministry.check_accessibility()

    page.locator("#url").fill(receiver.url)
    page.locator("#description").fill("Hệ thống quản lý hồ sơ của Vụ Thi đua - Khen thưởng")
    page.locator("#type-awards-nomination-received").check()
    with page.expect_navigation():
        page.locator("#create-endpoint").click()
    secret = page.locator("#secret").inner_text()
    assert secret.startswith("whsec_")
    ministry.check_accessibility()
    ministry.screenshots("webhook-secret")
    with page.expect_navigation():
        page.locator("#to-endpoint").click()
    assert secret not in page.content()  # shown that once
    assert page.locator("#endpoint-state").inner_text() == "Đang bật"
    assert page.locator("#no-deliveries").count() == 1
    journey.update(secret=secret, endpoint=page.url)
    ministry.check_accessibility()


def test_a_received_file_is_delivered_signed_and_can_be_sent_again(
    ministry: Tab,
    receiver: Receiver,
    journey: dict[str, Any],
    returned: dict[str, Any],
    platform: WebPlatform,
) -> None:
    file_id = returned["file_id"]
    nominations.move(platform, file_id, "submitted", nominations.OFFICER)
    nominations.move(platform, file_id, "received", nominations.MINISTRY)
    wait_until(lambda: receiver.got, timeout=60, interval=0.5, what="the webhook delivery")
    first = receiver.got[0]
    event = Webhook(journey["secret"]).verify(first["body"], first["headers"])
    assert event["type"] == "awards.nomination.received"
    assert event["data"]["nomination_id"] == file_id

    page = ministry.page
    page.goto(journey["endpoint"])
    rows = page.locator("#deliveries tbody tr")
    expect(rows).to_have_count(1)
    assert "Đã gửi tới" in rows.inner_text()
    ministry.check_accessibility()
    ministry.screenshots("webhook-endpoint")
    with page.expect_navigation():
        rows.locator("a").click()
    assert page.locator("#delivery-status").inner_text() == "Đã gửi tới"
    attempts = page.locator("#attempts tbody tr")
    expect(attempts).to_have_count(1)
    assert "200" in attempts.inner_text()
    ministry.check_accessibility()

    with page.expect_navigation():
        page.locator("#replay").click()
    assert "sẽ được gửi lại" in page.locator("#alerts").inner_text()
    wait_until(lambda: len(receiver.got) >= 2, timeout=60, interval=0.5, what="the replay")
    again = receiver.got[1]["headers"]
    assert again["webhook-id"] == first["headers"]["webhook-id"]  # the same message
    page.reload()
    expect(page.locator("#attempts tbody tr")).to_have_count(2)


def test_the_secret_is_rotated_and_failed_deliveries_recovered(
    ministry: Tab, journey: dict[str, Any], browser: Any, platform: WebPlatform
) -> None:
    page = ministry.page
    page.goto(journey["endpoint"])
    with page.expect_navigation():
        page.locator("#rotate").click()
    rotated = page.locator("#secret").inner_text()
    assert rotated.startswith("whsec_") and rotated != journey["secret"]
    assert "tiếp tục ký" in page.locator("#previous-valid").inner_text()
    ministry.check_accessibility()

    page.goto(journey["endpoint"])
    yesterday = datetime.now() - timedelta(days=1)
    page.locator("#since").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        page.locator("#recover").click()
    assert "0 lần gửi thất bại sẽ được gửi lại" in page.locator("#alerts").inner_text()

    other = Tab(browser, platform.gateway)
    try:
        other.page.goto(journey["endpoint"])
        other.sign_in(nominations.OFFICER, PASSWORD)
        assert other.page.locator("#endpoint-state").count() == 0
        # A unit officer has no webhook.manage: notify refuses (403), nothing of it is shown.
        assert other.page.locator("h1").inner_text() == "Không được phép"
        other.check_accessibility()
    finally:
        other.close()
