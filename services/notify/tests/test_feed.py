"""The event feed, on both stacks: public events in the order notify received them, read
page after page with an opaque cursor, filtered by type; internal and personal events never
appear; who may read it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kit.events import CloudEvent
from services.notify.domain import feed
from services.notify.tests.webhook_support import Notify, award_granted, client_token, phase_changed
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

READER = client_token("portal", "notify:read")


@pytest.fixture
def notify(stack: Stack) -> Iterator[Notify]:
    n = Notify(stack)
    yield n
    n.close()


def read(notify: Notify, headers: dict[str, str] = READER, **query: Any) -> Any:
    answer = notify.http.get("/feed", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def compute_requested() -> CloudEvent:
    return CloudEvent(
        type="scoring.sheet.compute_requested",
        source="/thidua/scoring",
        subject="sheet/s-1",
        data={
            "schema_version": 1,
            "sheet_id": "s-1",
            "round_id": "r",
            "unit_id": "stp-01",
            "revision": 1,
            "status": "submitted",
        },
    )


def test_the_feed_pages_through_public_events_in_order(notify: Notify) -> None:
    events = [
        notify.publish(phase_changed("b-1", "self_assessment")),
        notify.publish(award_granted()),
        notify.publish(phase_changed("b-1", "region_review")),
        notify.publish(award_granted()),
        notify.publish(award_granted()),
    ]
    notify.consumer.apply(compute_requested())  # internal: not for the outside
    first = read(notify, limit=2)
    assert [e["id"] for e in first["items"]] == [events[0].id, events[1].id]
    assert first["items"][1] == events[1].to_dict(), "the CloudEvent as it was published"
    assert_valid_event(first["items"][0])
    second = read(notify, after=first["next"], limit=2)
    third = read(notify, after=second["next"], limit=2)
    assert [e["id"] for e in second["items"] + third["items"]] == [e.id for e in events[2:]]
    empty = read(notify, after=third["next"])
    assert empty["items"] == [] and empty["next"] == third["next"], "the same cursor: wait"
    later = notify.publish(phase_changed("b-1", "appraisal"))
    assert [e["id"] for e in read(notify, after=third["next"])["items"]] == [later.id]

    awards = read(notify, types="awards.award.granted")
    assert [e["id"] for e in awards["items"]] == [events[1].id, events[3].id, events[4].id]
    both = read(notify, types="awards.award.granted, scoring.round.phase_changed", limit=500)
    assert len(both["items"]) == 6
    assert all(e["type"] != "scoring.sheet.compute_requested" for e in both["items"])


def test_the_feed_refuses_cursors_and_types_it_does_not_know(notify: Notify) -> None:
    for query, field in [
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "ZjE6LTE"}, "after"),  # "f1:-1"
        ({"types": "scoring.sheet.compute_requested"}, "types"),
        ({"types": "identity.user.created"}, "types"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
    ]:
        answer = notify.http.get("/feed", query_string=query, headers=READER)
        assert answer.status_code == 422, query
        assert answer.mimetype == "application/problem+json"
        errors = answer.get_json()["errors"]
        assert field in errors or field in errors.get("query", {}), (query, errors)


def test_who_may_read_the_feed(notify: Notify) -> None:
    notify.publish(award_granted())
    for headers in (
        READER,
        client_token("hr", "webhooks:manage"),
        ministry_officer(),
        as_role("auditor"),
    ):
        assert len(read(notify, headers)["items"]) == 1
    assert notify.http.get("/feed", headers=unit_officer("stp-01")).status_code == 403
    refused = notify.http.get("/feed", headers=client_token("x", "awards:read"))
    assert refused.status_code == 403 and refused.get_json()["required_scope"] == "notify:read"


def test_the_newest_events_wait_a_moment_so_none_is_skipped(notify: Notify) -> None:
    """With several consumers a row may commit after a later one: the feed stops before
    rows younger than the settle time (NOTIFY_FEED_SETTLE, 2 s by default)."""
    notify.publish(award_granted())
    with notify.db.read() as session:
        rows, cursor = feed.read(session, after=None, types=[], limit=10, settle_s=60)
        assert rows == [] and feed.position_of(cursor) == 0
        rows, _ = feed.read(session, after=None, types=[], limit=10, settle_s=0)
        assert len(rows) == 1
