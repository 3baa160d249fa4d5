"""The inbox pages and the header's unread count against a fake platform: the count is asked
once per page, a page renders without it when notify fails, an item's link never leaves the
application, and marks go to notify."""

from __future__ import annotations

from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, csrf_of, sign_in
from web.views.inbox import safe_link

ITEM = {
    "id": "n7",
    "kind": "nomination_returned",
    "event_id": "e-1",
    "event_type": "awards.nomination.returned",
    "title": "Hồ sơ đề nghị Lao động tiên tiến bị Bộ trả lại",
    "body": "Lý do: bổ sung báo cáo",
    "link": "/awards/nominations/42",
    "created_at": "2026-12-01T03:00:00+00:00",
    "read": False,
    "read_at": None,
}


def _asked(fake_api: FakeApi, path: str) -> int:
    return sum(1 for s in fake_api.seen if s["path"] == path)


def test_the_header_counts_unread_items_once_per_page(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/notify/inbox/unread-count", {"unread": 3})
    sign_in(web)
    before = _asked(fake_api, "/notify/inbox/unread-count")
    page = web.get("/profile").get_data(as_text=True)
    assert '<span class="count-badge" id="unread-count">3</span>' in page
    assert _asked(fake_api, "/notify/inbox/unread-count") == before + 1


def test_a_page_renders_without_the_count_when_notify_fails(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/notify/inbox/unread-count", {"status": 503}, status=503)
    sign_in(web)
    response = web.get("/profile")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="inbox-link"' in page and "unread-count" not in page


def test_the_inbox_lists_items_with_filters_and_the_page_count_serves_the_header(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json(
        "GET",
        "/notify/inbox",
        {"items": [ITEM], "page": 1, "page_size": 20, "total": 1, "unread": 1},
    )
    sign_in(web)
    before = _asked(fake_api, "/notify/inbox/unread-count")
    page = web.get("/inbox?kind=nomination_returned&read=unread").get_data(as_text=True)
    assert ITEM["title"] in page and 'href="/inbox/open/n7"' in page
    assert "Hồ sơ bị trả lại" in page  # the kind's label
    asked = [s for s in fake_api.seen if s["path"] == "/notify/inbox"][-1]
    assert asked["method"] == "GET"
    assert _asked(fake_api, "/notify/inbox/unread-count") == before  # the list said it


def test_opening_an_item_goes_to_its_link(web: FlaskClient, fake_api: FakeApi) -> None:
    # (marking it read on the way is the browser journey's: the fake API has no PATCH)
    fake_api.json("GET", "/notify/inbox/items/n7", {**ITEM, "read": True})
    sign_in(web)
    response = web.get("/inbox/open/n7")
    assert response.status_code == 302
    assert response.headers["Location"] == "/awards/nominations/42"


def test_a_link_to_another_site_is_never_followed(web: FlaskClient, fake_api: FakeApi) -> None:
    assert safe_link("/sheets/1") == "/sheets/1"
    for link in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "", None):
        assert safe_link(link) is None
    fake_api.json(
        "GET", "/notify/inbox/items/n8", {**ITEM, "id": "n8", "link": "//x.example", "read": True}
    )
    sign_in(web)
    response = web.get("/inbox/open/n8")
    assert response.headers["Location"] == "/inbox?item=n8"


def test_mark_all_read_sends_the_kind_and_says_how_many(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("POST", "/notify/inbox/read-all", {"marked": 2, "unread": 0})
    sign_in(web)
    response = web.post("/inbox/read-all", data={"kind": "deadline", "csrf_token": csrf_of(web)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox?kind=deadline"
    sent = [s for s in fake_api.seen if s["path"] == "/notify/inbox/read-all"][-1]
    assert sent["json"] == {"kind": ["deadline"]}
    assert "Đã đánh dấu đã đọc 2 mục." in web.get("/profile").get_data(as_text=True)
