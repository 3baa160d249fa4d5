"""Webhooks end to end, on both stacks: a public event notify consumes reaches a real HTTP
receiver, signed as Standard Webhooks says (checked with the reference library), retried on a
schedule with the same webhook-id, in order per subject, and replayed or recovered on demand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from standardwebhooks import Webhook

from services.notify.domain.deliveries import SCHEDULE
from services.notify.tests.webhook_support import (
    Notify,
    Receiver,
    award_granted,
    client_token,
    phase_changed,
)
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

HR = client_token("hr-system")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def notify(stack: Stack) -> Iterator[Notify]:
    n = Notify(stack)
    yield n
    n.close()


def test_a_granted_award_reaches_the_receiver_once_signed(
    notify: Notify, receiver: Receiver
) -> None:
    endpoint = notify.endpoint(HR, receiver.url())
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) >= 6 + 44
    assert (
        "secret"
        not in notify.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=HR).get_json()
    )
    event = notify.publish(award_granted())
    notify.publish(phase_changed("a-1", "region_review"))  # not a type it asked for

    assert notify.deliverer.drain() == 1
    assert notify.deliverer.drain() == 0, "delivered once, not again"
    [got] = receiver.received
    payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert_valid_event(payload)
    assert payload["id"] == event.id and payload["type"] == "awards.award.granted"
    assert payload["data"]["award_name"] == "Bằng khen của Bộ trưởng Bộ Tư pháp"
    assert got.headers["webhook-id"] == event.id
    assert got.headers["webhook-sequence"] == "1"
    assert got.headers["content-type"] == "application/cloudevents+json"
    [delivery] = notify.deliveries(HR, endpoint["id"])["items"]
    assert delivery["status"] == "delivered" and delivery["event_id"] == event.id
    detail = notify.http.get(
        f"/webhooks/endpoints/{endpoint['id']}/deliveries/{delivery['id']}", headers=HR
    ).get_json()
    [attempt] = detail["log"]
    assert attempt["outcome"] == "delivered" and attempt["status_code"] == 200
    assert attempt["response_excerpt"] == "ok" and attempt["duration_ms"] >= 0


def test_a_receiver_failing_four_times_gets_it_on_the_fifth_attempt(
    notify: Notify, receiver: Receiver
) -> None:
    receiver.script = [
        (500, {}, b"down"),
        (503, {}, b"busy"),
        (302, {"Location": "https://elsewhere.example/"}, b""),  # a redirect is a failure
        (404, {}, b"x" * 5000),
    ]
    endpoint = notify.endpoint(HR, receiver.url())
    event = notify.publish(award_granted())
    for attempt, wait in enumerate(SCHEDULE[:4], start=1):
        assert notify.deliverer.run_once() == 1
        assert len(receiver.received) == attempt
        notify.clock.advance(seconds=wait.total_seconds() * 0.8)
        assert notify.deliverer.run_once() == 0, f"not before the schedule says ({attempt})"
        notify.clock.advance(seconds=wait.total_seconds() * 0.3)
    assert notify.deliverer.run_once() == 1
    assert len(receiver.received) == 5
    assert {r.headers["webhook-id"] for r in receiver.received} == {event.id}
    [delivery] = notify.deliveries(HR, endpoint["id"])["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 5
    log = notify.http.get(
        f"/webhooks/endpoints/{endpoint['id']}/deliveries/{delivery['id']}", headers=HR
    ).get_json()["log"]
    assert [a["status_code"] for a in log] == [500, 503, 302, 404, 200]
    assert len(log[3]["response_excerpt"]) == 1024, "the excerpt is capped"


def test_retry_after_is_honoured_and_every_attempt_failing_ends_in_failed(
    notify: Notify, receiver: Receiver
) -> None:
    receiver.script = [(429, {"Retry-After": "120"}, b"")] + [(500, {}, b"")] * 20
    endpoint = notify.endpoint(HR, receiver.url())
    notify.publish(award_granted())
    notify.deliverer.run_once()
    notify.clock.advance(seconds=100)
    assert notify.deliverer.run_once() == 0, "Retry-After: 120 s, not the 5 s of the schedule"
    notify.clock.advance(seconds=21)
    assert notify.deliverer.run_once() == 1
    for wait in SCHEDULE[1:]:
        notify.clock.advance(seconds=wait.total_seconds() * 1.2)
        notify.deliverer.run_once()
    assert len(receiver.received) == 1 + len(SCHEDULE)
    [delivery] = notify.deliveries(HR, endpoint["id"])["items"]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    notify.clock.advance(days=1)
    assert notify.deliverer.drain() == 0, "given up"


def test_410_gone_disables_the_endpoint_at_once(notify: Notify, receiver: Receiver) -> None:
    receiver.script = [(410, {}, b"gone")]
    endpoint = notify.endpoint(HR, receiver.url())
    notify.publish(award_granted())
    notify.deliverer.run_once()
    notify.publish(award_granted())
    notify.clock.advance(hours=1)
    assert notify.deliverer.drain() == 0
    assert len(receiver.received) == 1
    seen = notify.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=HR).get_json()
    assert seen["enabled"] is False and "410" in seen["disabled_reason"]
    assert seen["disabled_at"] is not None
    again = notify.http.patch(
        f"/webhooks/endpoints/{endpoint['id']}", json={"enabled": True}, headers=HR
    )
    assert again.status_code == 200 and again.get_json()["disabled_reason"] is None
    assert notify.deliverer.drain() == 0, "nothing was queued while it was off (the feed has it)"
    notify.publish(award_granted())
    assert notify.deliverer.drain() == 1
    assert [r.headers["webhook-sequence"] for r in receiver.received] == ["1", "1"]


def test_failing_every_attempt_for_five_days_disables_it(
    notify: Notify, receiver: Receiver
) -> None:
    receiver.script = [(500, {}, b"")] * 100
    endpoint = notify.endpoint(HR, receiver.url())
    for _day in range(6):
        notify.publish(award_granted())
        notify.deliverer.run_once()
        notify.clock.advance(days=1)
    seen = notify.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=HR).get_json()
    assert seen["enabled"] is False and "5 days" in seen["disabled_reason"]


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day(
    notify: Notify, receiver: Receiver
) -> None:
    endpoint = notify.endpoint(HR, receiver.url())
    rotated = notify.http.post(
        f"/webhooks/endpoints/{endpoint['id']}/secret/rotate", headers=HR
    ).get_json()
    new = rotated["secret"]
    assert new.startswith("whsec_") and new != endpoint["secret"]
    notify.publish(award_granted())
    notify.deliverer.drain()
    got = receiver.received[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert all(s.startswith("v1,") for s in got.headers["webhook-signature"].split(" "))
    Webhook(endpoint["secret"]).verify(got.body, got.headers)
    Webhook(new).verify(got.body, got.headers)

    notify.clock.advance(hours=25)
    notify.publish(award_granted())
    notify.deliverer.drain()
    later = receiver.received[-1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1, "the old one has expired"


def test_order_per_subject_holds_while_an_earlier_event_is_retrying(
    notify: Notify, receiver: Receiver
) -> None:
    receiver.script = [(500, {}, b""), (500, {}, b"")]
    types = ["scoring.round.phase_changed"]
    endpoint = notify.endpoint(HR, receiver.url(), types)
    first = notify.publish(phase_changed("a-1", "region_review"))
    second = notify.publish(phase_changed("a-1", "appraisal"))
    other = notify.publish(phase_changed("a-2", "region_review"))

    notify.deliverer.run_once()  # r-1 #1 fails (500), r-2 fails (500); r-1 #2 waits
    assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(
        [first.id, other.id]
    ), "two subjects at once (in parallel), the second event of a-1 not yet"
    notify.clock.advance(seconds=10)
    notify.deliverer.run_once()  # r-1 #1 and r-2 now succeed; #2 still waits for #1
    notify.deliverer.drain()
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids.index(second.id) > max(i for i, x in enumerate(ids) if x == first.id)
    of_r1 = [
        (r.headers["webhook-id"], r.headers["webhook-sequence"])
        for r in receiver.received
        if r.event["subject"] == "round/a-1"
    ]
    assert of_r1 == [(first.id, "1"), (first.id, "1"), (second.id, "2")]
    assert {
        r.headers["webhook-sequence"]
        for r in receiver.received
        if r.event["subject"] == "round/a-2"
    } == {"1"}
    assert notify.deliveries(HR, endpoint["id"], status="pending")["total"] == 0


def test_replay_one_message_and_recover_the_failed_ones(notify: Notify, receiver: Receiver) -> None:
    endpoint = notify.endpoint(HR, receiver.url())
    path = f"/webhooks/endpoints/{endpoint['id']}"
    delivered = notify.publish(award_granted())
    notify.deliverer.drain()
    [row] = notify.deliveries(HR, endpoint["id"])["items"]
    replay = notify.http.post(f"{path}/deliveries/{row['id']}/replay", headers=HR)
    assert replay.status_code == 202 and replay.get_json()["status"] == "pending"
    twice = notify.http.post(f"{path}/deliveries/{row['id']}/replay", headers=HR)
    assert twice.status_code == 409, "already waiting"
    notify.deliverer.drain()
    assert [r.headers["webhook-id"] for r in receiver.received] == [delivered.id] * 2

    receiver.script = [(500, {}, b"")] * (1 + len(SCHEDULE)) * 2
    lost = [notify.publish(award_granted()), notify.publish(award_granted())]
    for wait in (timedelta(0), *SCHEDULE):
        notify.clock.advance(seconds=wait.total_seconds() * 1.2)
        notify.deliverer.run_once()
    assert notify.deliveries(HR, endpoint["id"], status="failed")["total"] == 2
    before = len(receiver.received)
    since = (notify.clock.now - timedelta(days=3)).isoformat()
    recovered = notify.http.post(f"{path}/recover", json={"since": since}, headers=HR)
    assert recovered.status_code == 202 and recovered.get_json() == {"recovered": 2}
    notify.deliverer.drain()
    again = [r.headers["webhook-id"] for r in receiver.received[before:]]
    assert sorted(again) == sorted(e.id for e in lost)
    assert notify.deliveries(HR, endpoint["id"], status="delivered")["total"] == 3
    future = notify.http.post(
        f"{path}/recover", json={"since": "2099-01-01T00:00:00+00:00"}, headers=HR
    )
    assert future.status_code == 422 and "since" in future.get_json()["errors"]


def test_endpoints_refuse_unknown_and_internal_types_and_bad_urls(
    notify: Notify, receiver: Receiver
) -> None:
    bad = notify.http.post(
        "/webhooks/endpoints",
        json={
            "url": receiver.url(),
            "event_types": ["awards.award.granted", "scoring.sheet.compute_requested", "nope.x.y"],
        },
        headers=HR,
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    [message] = bad.get_json()["errors"]["event_types"]
    assert "scoring.sheet.compute_requested" in message and "nope.x.y" in message
    private = notify.http.post(
        "/webhooks/endpoints",
        json={"url": "identity.user.deactivated", "event_types": ["identity.user.deactivated"]},
        headers=HR,
    )
    assert private.status_code == 422
    assert set(private.get_json()["errors"]) == {"url", "event_types"}
    listed = notify.http.get("/webhooks/endpoints", headers=HR).get_json()
    assert listed["total"] == 0, "a refusal changes nothing"


def test_clients_see_only_their_own_endpoints_and_deliveries(
    notify: Notify, receiver: Receiver
) -> None:
    mine = notify.endpoint(HR, receiver.url())
    portal = client_token("province-portal")
    theirs = notify.endpoint(portal, receiver.url("/portal"))
    notify.publish(award_granted())
    notify.deliverer.drain()
    [delivery] = notify.deliveries(HR, mine["id"])["items"]

    listed = notify.http.get("/webhooks/endpoints", headers=portal).get_json()
    assert [e["id"] for e in listed["items"]] == [theirs["id"]]
    ministry = notify.http.get("/webhooks/endpoints", headers=ministry_officer()).get_json()
    assert ministry["total"] == 0, "the Ministry's own endpoints are not the clients'"
    base = f"/webhooks/endpoints/{mine['id']}"
    for method, path, body in [
        ("get", base, None),
        ("patch", base, {"description": "mine now"}),
        ("delete", base, None),
        ("post", f"{base}/secret/rotate", None),
        ("get", f"{base}/deliveries", None),
        ("get", f"{base}/deliveries/{delivery['id']}", None),
        ("post", f"{base}/deliveries/{delivery['id']}/replay", None),
        ("post", f"{base}/recover", {"since": "2026-01-01T00:00:00+00:00"}),
        ("get", f"/webhooks/endpoints/{theirs['id']}/deliveries/{delivery['id']}", None),
    ]:
        for who in (portal, ministry_officer()):
            answer = getattr(notify.http, method)(path, json=body, headers=who)
            assert answer.status_code == 404, (method, path, answer.status_code)
    assert notify.http.get(base, headers=HR).get_json()["description"] == ""

    officer = notify.http.get("/webhooks/endpoints", headers=unit_officer("stp-01"))
    assert officer.status_code == 403
    reader = notify.http.get("/webhooks/endpoints", headers=client_token("x-1", "notify:read"))
    assert reader.status_code == 403 and reader.get_json()["required_scope"] == "webhooks:manage"
    inbox = notify.http.get("/inbox", headers=client_token("hr-2"))
    assert inbox.status_code == 403, "webhooks:manage opens the webhooks and the feed only"


def test_the_ministry_manages_its_own_endpoints(notify: Notify, receiver: Receiver) -> None:
    endpoint = notify.endpoint(ministry_officer(), receiver.url())
    listed = notify.http.get("/webhooks/endpoints", headers=ministry_officer()).get_json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    assert notify.http.get(f"/webhooks/endpoints/{endpoint['id']}", headers=HR).status_code == 404
    gone = notify.http.delete(f"/webhooks/endpoints/{endpoint['id']}", headers=ministry_officer())
    assert gone.status_code == 204
    notify.publish(award_granted())
    assert notify.deliverer.drain() == 0


def test_metrics_count_outcomes_the_retry_queue_and_the_oldest_undelivered(
    notify: Notify, receiver: Receiver
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"service": "notify", **labels}) or 0.0

    delivered = sample("webhook_deliveries_total", outcome="delivered")
    failed = sample("webhook_deliveries_total", outcome="http-error")
    receiver.script = [(500, {}, b"")]
    endpoint = notify.endpoint(HR, receiver.url())
    notify.publish(award_granted())
    notify.deliverer.run_once()
    notify.clock.advance(minutes=1)
    notify.deliverer.measure()
    assert sample("webhook_deliveries_total", outcome="http-error") == failed + 1
    assert sample("webhook_retry_queue_depth") == 1
    age = sample("webhook_oldest_undelivered_age_seconds", endpoint=str(endpoint["id"]))
    assert 60 <= age < 120
    notify.deliverer.drain()
    notify.deliverer.measure()
    assert sample("webhook_deliveries_total", outcome="delivered") == delivered + 1
    assert sample("webhook_retry_queue_depth") == 0
    assert sample("webhook_oldest_undelivered_age_seconds", endpoint=str(endpoint["id"])) == 0
