"""The address guard: outside the embedded mode no delivery reaches loopback, private,
link-local or reserved addresses, checked after resolution on every attempt; in the embedded
mode local receivers work. Both stacks (the guard runs in the deliverer against the stack's
database)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.notify.domain import ssrf
from services.notify.tests.webhook_support import Notify, Receiver, award_granted, client_token
from tests.support.stack import Stack

HR = client_token("hr-system")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::5",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert ssrf.forbidden(address) is not None
    assert ssrf.forbidden("93.184.216.34") is None


def test_the_url_rules_depend_on_the_mode() -> None:
    ssrf.check_url("http://127.0.0.1:9000/hook", embedded=True)
    for url, why in [
        ("http://hooks.example.org/x", "https only"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://user:pw@hooks.example.org/x", "credentials"),
        ("ftp://hooks.example.org/x", "http(s)"),
        ("https://[::1]/x", "loopback"),
    ]:
        with pytest.raises(ssrf.RefusedAddress, match=why.replace("(", r"\(").replace(")", r"\)")):
            ssrf.check_url(url, embedded=False)


def test_a_name_resolving_to_loopback_is_refused_on_every_attempt(
    stack: Stack, receiver: Receiver
) -> None:
    """hooks.example.org resolves to a public address when registered and to 127.0.0.1 when
    delivered to (DNS rebinding): nothing reaches the local receiver, every attempt says why."""
    answers = {"hooks.example.org": ["127.0.0.1"]}
    notify = Notify(stack, embedded=False, resolve=lambda host, port: answers[host])
    try:
        created = notify.http.post(
            "/webhooks/endpoints",
            json={
                "url": f"https://hooks.example.org:{receiver.port}/hook",
                "event_types": ["awards.award.granted"],
            },
            headers=HR,
        )
        assert created.status_code == 201, "a name is checked when it is resolved, not before"
        endpoint = created.get_json()
        notify.publish(award_granted())
        assert notify.deliverer.run_once() == 1
        notify.clock.advance(seconds=10)
        answers["hooks.example.org"] = ["10.0.0.7", "93.184.216.34"]  # one private is enough
        assert notify.deliverer.run_once() == 1
        assert receiver.received == []
        [delivery] = notify.deliveries(HR, endpoint["id"])["items"]
        log = notify.http.get(
            f"/webhooks/endpoints/{endpoint['id']}/deliveries/{delivery['id']}", headers=HR
        ).get_json()["log"]
        assert [a["outcome"] for a in log] == ["refused-address"] * 2
        assert "127.0.0.1" in log[0]["error"] and "loopback" in log[0]["error"]
        assert "10.0.0.7" in log[1]["error"] and "private" in log[1]["error"]
        assert delivery["status"] == "pending", "it is retried: the name may be fixed"

        literal = notify.http.post(
            "/webhooks/endpoints",
            json={"url": "https://169.254.169.254/latest", "event_types": ["awards.award.granted"]},
            headers=HR,
        )
        assert literal.status_code == 422 and "url" in literal.get_json()["errors"]
        plain = notify.http.post(
            "/webhooks/endpoints",
            json={"url": "http://hooks.example.org/x", "event_types": ["awards.award.granted"]},
            headers=HR,
        )
        assert plain.status_code == 422, "https only outside the embedded mode"
    finally:
        notify.close()


def test_the_embedded_mode_delivers_to_local_receivers(stack: Stack, receiver: Receiver) -> None:
    notify = Notify(stack, embedded=True)
    try:
        notify.endpoint(HR, receiver.url())
        notify.publish(award_granted())
        assert notify.deliverer.drain() == 1 and len(receiver.received) == 1
    finally:
        notify.close()


def test_a_large_answer_is_read_no_further_than_the_cap(stack: Stack, receiver: Receiver) -> None:
    notify = Notify(stack, webhook_response_cap=2048)
    try:
        receiver.script = [(200, {}, b"y" * 1_000_000)]
        endpoint = notify.endpoint(HR, receiver.url())
        notify.publish(award_granted())
        assert notify.deliverer.drain() == 1
        [delivery] = notify.deliveries(HR, endpoint["id"])["items"]
        assert delivery["status"] == "delivered"
    finally:
        notify.close()


def test_each_endpoint_is_rate_limited(stack: Stack, receiver: Receiver) -> None:
    notify = Notify(stack, webhook_rate_per_s=3)
    try:
        notify.endpoint(HR, receiver.url())
        for _ in range(5):
            notify.publish(award_granted())
        notify.clock.offset -= notify.clock.offset  # keep time still: only the bucket counts
        made = notify.deliverer.run_once()
        assert made == 3, "3 a second"
        notify.clock.advance(seconds=1)
        assert notify.deliverer.drain() == 2
    finally:
        notify.close()
