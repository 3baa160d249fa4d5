"""An announcement event becomes exactly one inbox item, however often it is delivered."""

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.notify.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import unit_officer


def announcement(n: int) -> CloudEvent:
    return CloudEvent(
        type="identity.announcement.published",
        source="/thidua/identity",
        subject=f"announcement/{n}",
        data={
            "schema_version": 1,
            "announcement_id": n,
            "title": f"Thông báo {n}",
            "body": "Nội dung",
            "published_at": "2026-11-23T08:00:00+00:00",
        },
    )


def test_announcement_is_filed_once_in_the_inbox(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    with app.app_context():
        consumer = Consumer(stack.settings("notify"), runtime().db, SERVICE.subscriptions)
    event = announcement(7)
    assert consumer.apply(event) is True
    assert consumer.apply(event) is False, "a redelivered event is recognised"
    consumer.apply(announcement(8))

    page = app.test_client().get("/inbox", headers=unit_officer("stp-79")).get_json()
    assert page["total"] == 2
    assert [item["title"] for item in page["items"]] == ["Thông báo 8", "Thông báo 7"]
    assert page["items"][1]["event_id"] == event.id
