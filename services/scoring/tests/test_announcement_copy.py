"""Scoring keeps its own copy of announcements, filled from events and never duplicated."""

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.scoring.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import unit_officer


def test_copy_follows_the_events_once_each(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    with app.app_context():
        consumer = Consumer(stack.settings("scoring"), runtime().db, SERVICE.subscriptions)
    data = {
        "schema_version": 1,
        "announcement_id": 3,
        "title": "Hạn tự chấm điểm",
        "body": "Trước 15/12",
        "published_at": "2026-11-23T08:00:00+00:00",
    }
    first = CloudEvent(
        type="identity.announcement.published",
        source="/thidua/identity",
        subject="announcement/3",
        data=data,
    )
    assert consumer.apply(first)
    assert not consumer.apply(first)

    items = (
        app.test_client().get("/announcements", headers=unit_officer("stp-79")).get_json()["items"]
    )
    assert [(a["announcement_id"], a["title"]) for a in items] == [(3, "Hạn tự chấm điểm")]
    assert items[0]["published_at"].startswith("2026-11-23T08:00:00")
