"""Rate limits: per address (behind trusted proxies), per token subject, on the token endpoint,
429 with Retry-After, in memory and in Redis, and failing open when Redis is down."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from gateway.config import SERVICES
from gateway.tests.conftest import MakeGateway, Servers, assert_problem, echo_service, metrics_text
from gateway.tests.test_ops import _samples
from tests.support import infra
from tests.support.tokens import bearer, mint


def _echo_gateway(
    gateway: MakeGateway, servers: Servers, **env: str
) -> tuple[FlaskClient, list[dict[str, Any]]]:
    echo = echo_service()
    url = servers.start(echo.app).url
    return gateway(dict.fromkeys(SERVICES, url), **env), echo.seen


def assert_limited(response: Any, limit: str) -> int:
    """A 429 problem for ``limit``; returns its Retry-After."""
    body = assert_problem(response, 429, "too-many-requests")
    assert body["limit"] == limit
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["retry_after"] == retry_after
    return retry_after


def test_an_address_over_its_limit_gets_429_with_retry_after(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(gateway, servers, GATEWAY_RATE_LIMIT_ADDRESS="3/minute")
    limited = ("gateway_rate_limited_total", frozenset({("limit", "address")}))
    before = _samples(metrics_text()).get(limited, 0.0)

    for _ in range(3):
        assert client.get("/api/v1/criteria/criteria").status_code == 200
    response = client.get("/api/v1/criteria/criteria", headers={"Accept-Language": "en"})

    retry_after = assert_limited(response, "address")
    assert retry_after >= 59  # the first hit was just now: the window frees it in a minute
    body = response.get_json()
    assert body["detail"] == f"Too many requests from your address; try again in {retry_after} s."
    assert len(seen) == 3
    # Every route the address uses counts: public ones and the gateway's own documents too.
    assert_limited(client.post("/api/v1/identity/oauth/token"), "address")
    assert_limited(client.get("/api/openapi.json"), "address")
    # Probes never are (and scrapes go to the metrics port, not through here).
    for path in ("/healthz", "/readyz"):
        assert client.get(path).status_code in (200, 503), path
    after = _samples(metrics_text())
    assert after[limited] - before == 3.0


def test_retry_after_is_when_the_window_lets_the_next_request_in(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, _ = _echo_gateway(gateway, servers, GATEWAY_RATE_LIMIT_ADDRESS="2/second")
    assert client.get("/api/v1/awards/x").status_code == 200
    assert client.get("/api/v1/awards/x").status_code == 200
    response = client.get("/api/v1/awards/x")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert client.get("/api/v1/awards/x").status_code == 200


def test_the_client_limit_counts_per_token_subject(gateway: MakeGateway, servers: Servers) -> None:
    client, _ = _echo_gateway(
        gateway,
        servers,
        signed_in=False,
        GATEWAY_RATE_LIMIT_ADDRESS="100/minute",
        GATEWAY_RATE_LIMIT_CLIENT="2/minute",
    )
    busy = bearer(mint("busy-officer"))
    calm = bearer(mint("calm-officer"))

    for _ in range(2):
        assert client.get("/api/v1/scoring/results", headers=busy).status_code == 200
    assert_limited(client.get("/api/v1/scoring/results", headers=busy), "client")
    # A fresh token of the same subject is the same client.
    assert_limited(
        client.get("/api/v1/scoring/results", headers=bearer(mint("busy-officer"))), "client"
    )
    # Same address, another subject: not limited.
    for _ in range(2):
        assert client.get("/api/v1/scoring/results", headers=calm).status_code == 200


def test_tokens_that_fail_verification_do_not_spend_the_subjects_allowance(
    gateway: MakeGateway, servers: Servers
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client, _ = _echo_gateway(
        gateway,
        servers,
        signed_in=False,
        GATEWAY_RATE_LIMIT_ADDRESS="100/minute",
        GATEWAY_RATE_LIMIT_CLIENT="2/minute",
    )
    for _ in range(5):
        forged = bearer(mint("victim", key=forger))
        assert_problem(client.get("/api/v1/awards/x", headers=forged), 401, "unauthorized")
    for _ in range(2):
        assert client.get("/api/v1/awards/x", headers=bearer(mint("victim"))).status_code == 200


def test_the_token_endpoint_has_a_stricter_limit_of_its_own(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(
        gateway,
        servers,
        signed_in=False,
        GATEWAY_RATE_LIMIT_ADDRESS="100/minute",
        GATEWAY_RATE_LIMIT_TOKEN="2/minute",
    )
    for _ in range(2):
        assert (
            client.post("/api/v1/identity/oauth/token", data="grant_type=password").status_code
            == 200
        )
    response = client.post("/api/v1/identity/oauth/token", headers={"Accept-Language": "en"})
    assert_limited(response, "token")
    assert response.get_json()["detail"].startswith("Too many token requests from your address")
    assert len(seen) == 2
    # The address may still use everything else.
    assert client.post("/api/v1/identity/oauth/revoke").status_code == 200
    assert client.get("/api/v1/identity/users", headers=bearer(mint())).status_code == 200


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_limit(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(
        gateway, servers, GATEWAY_TRUSTED_PROXIES="1", GATEWAY_RATE_LIMIT_ADDRESS="2/minute"
    )
    # The load balancer (the socket peer, 10.0.0.2) appends the address it saw.
    lb = {"REMOTE_ADDR": "10.0.0.2"}

    def through_lb(chain: str) -> Any:
        return client.get(
            "/api/v1/notify/inbox", headers={"X-Forwarded-For": chain}, environ_base=lb
        )

    assert through_lb("203.0.113.5").status_code == 200
    assert through_lb("203.0.113.5").status_code == 200
    assert_limited(through_lb("203.0.113.5"), "address")
    # A client that writes its own X-Forwarded-For is still the address the balancer saw.
    assert_limited(through_lb("198.51.100.99, 203.0.113.5"), "address")

    assert through_lb("203.0.113.6").status_code == 200
    assert seen[-1]["headers"]["X-Real-Ip"] == "203.0.113.6"
    assert seen[-1]["headers"]["X-Forwarded-For"] == "203.0.113.6, 10.0.0.2"


def test_without_trusted_proxies_forwarded_for_cannot_dodge_the_limit(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(gateway, servers, GATEWAY_RATE_LIMIT_ADDRESS="2/minute")

    def claiming(address: str) -> Any:
        return client.get(
            "/api/v1/notify/inbox",
            headers={"X-Forwarded-For": address, "X-Real-IP": address},
            environ_base={"REMOTE_ADDR": "192.0.2.44"},
        )

    assert claiming("203.0.113.1").status_code == 200
    assert claiming("203.0.113.2").status_code == 200
    assert_limited(claiming("203.0.113.3"), "address")
    assert {entry["headers"]["X-Real-Ip"] for entry in seen} == {"192.0.2.44"}


@pytest.fixture
def redis_db() -> Iterator[str]:
    """An empty Redis database for the test, emptied again after it."""
    url = infra.require_redis()  # the environment's, 127.0.0.1's or a container's
    connection = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        connection.flushdb()
        yield url
    finally:
        connection.flushdb()
        connection.close()


def test_limits_in_redis_are_shared_by_every_gateway_process(
    gateway: MakeGateway, servers: Servers, redis_db: str
) -> None:
    env = {"GATEWAY_RATE_LIMIT_STORAGE": redis_db, "GATEWAY_RATE_LIMIT_ADDRESS": "3/minute"}
    first, seen = _echo_gateway(gateway, servers, **env)
    second, _ = _echo_gateway(gateway, servers, **env)  # another worker, or another replica

    assert first.get("/api/v1/awards/x").status_code == 200
    assert second.get("/api/v1/awards/x").status_code == 200
    assert first.get("/api/v1/awards/x").status_code == 200
    retry_after = assert_limited(second.get("/api/v1/awards/x"), "address")
    assert retry_after >= 59
    assert_limited(first.get("/api/v1/awards/x"), "address")
    assert len(seen) == 2  # each echo server got the requests of its own gateway
    keys = sorted(redis.Redis.from_url(redis_db).keys("*"))
    assert keys == [
        b"LIMITS:LIMITER/gateway/address/127.0.0.1/3/1/minute",
        b"LIMITS:LIMITER/gateway/client/user:user-1/600/1/minute",
    ]


def test_a_rate_limit_storage_that_is_down_fails_open(
    gateway: MakeGateway, servers: Servers, closed_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = closed_url.rsplit(":", 1)[1]
    client, seen = _echo_gateway(
        gateway,
        servers,
        GATEWAY_RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{port}/0",
        GATEWAY_RATE_LIMIT_ADDRESS="1/minute",
    )
    errors = ("gateway_rate_limit_errors_total", frozenset())
    before = _samples(metrics_text()).get(errors, 0.0)

    with caplog.at_level(logging.WARNING, logger="gateway.ratelimit"):
        for _ in range(3):
            assert client.get("/api/v1/awards/x").status_code == 200
    assert len(seen) == 3
    after = _samples(metrics_text())
    assert after[errors] - before == 1.0  # then it waits before asking the storage again
    [warning] = [r for r in caplog.records if r.name == "gateway.ratelimit"]
    assert "unlimited" in warning.getMessage()
