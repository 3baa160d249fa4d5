"""Which handler an event reaches, and which bytes count as an event at all."""

import pytest

from kit.events.consumer import topic_matches
from kit.events.envelope import CloudEvent, InvalidEvent


@pytest.mark.parametrize(
    ("pattern", "key", "expected"),
    [
        ("identity.announcement.published", "identity.announcement.published", True),
        ("identity.*.published", "identity.announcement.published", True),
        ("identity.*", "identity.announcement.published", False),
        ("identity.#", "identity.announcement.published", True),
        ("identity.#", "identity", True),
        ("#", "awards.award.granted", True),
        ("#.granted", "awards.award.granted", True),
        ("awards.#.granted", "awards.granted", True),
        ("awards.#.granted", "awards.award.revoked", False),
        ("scoring.sheet.*", "scoring.sheet", False),
    ],
)
def test_topic_patterns_match_as_rabbitmq_routes(pattern: str, key: str, expected: bool) -> None:
    assert topic_matches(pattern, key) is expected


def test_an_event_survives_the_round_trip_through_json() -> None:
    event = CloudEvent(
        type="identity.announcement.published",
        source="/thidua/identity",
        subject="announcement/1",
        data={"schema_version": 2, "title": "Tết"},
        correlationid="req-1",
    )
    again = CloudEvent.from_json(event.to_json().encode())
    assert again == event
    assert again.schema_version == 2


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"specversion": "0.3", "id": "1", "source": "s", "type": "a.b.c", "subject": "x",'
        b' "time": "t", "data": {"schema_version": 1}}',
        b'{"specversion": "1.0", "source": "s", "type": "a.b.c", "subject": "x", "time": "t",'
        b' "data": {"schema_version": 1}}',
        b'{"specversion": "1.0", "id": "1", "source": "s", "type": "a.b.c", "subject": "x",'
        b' "time": "t", "data": {}}',
    ],
    ids=["garbage", "array", "old-spec", "no-id", "no-schema-version"],
)
def test_what_is_not_a_platform_event_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidEvent):
        CloudEvent.from_json(raw)
