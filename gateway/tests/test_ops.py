"""/healthz, /readyz and /metrics of the gateway itself."""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families

from gateway.config import SERVICES
from gateway.tests.conftest import MakeGateway, Servers, assert_problem, echo_service


def test_ready_when_every_upstream_is_ready(gateway: MakeGateway, servers: Servers) -> None:
    echo = echo_service()
    url = servers.start(echo.app).url
    client = gateway(dict.fromkeys(SERVICES, url))

    response = client.get("/readyz", headers={"X-Request-ID": "probe-1"})

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "upstreams": dict.fromkeys(SERVICES, "ready")}
    assert len(echo.seen) == len(SERVICES)
    assert {seen["headers"]["X-Request-Id"] for seen in echo.seen} == {"probe-1"}


def test_not_ready_names_the_upstream_that_is_not_ready_or_down(
    gateway: MakeGateway, servers: Servers, closed_url: str
) -> None:
    ready = servers.start(echo_service().app).url
    not_ready = servers.start(echo_service(ready_status=503).app).url
    client = gateway(
        {**dict.fromkeys(SERVICES, ready), "criteria": not_ready, "notify": closed_url}
    )

    response = client.get("/readyz", headers={"Accept-Language": "en"})

    body = assert_problem(response, 503, "service-unavailable")
    assert body["upstreams"] == {
        "identity": "ready",
        "criteria": "not ready (503)",
        "scoring": "ready",
        "awards": "ready",
        "notify": "unreachable",
    }
    assert body["detail"] == "Services not ready: criteria, notify."


def test_readiness_answers_quickly_when_upstreams_hang(
    gateway: MakeGateway, servers: Servers
) -> None:
    ready = servers.start(echo_service().app).url
    hanging = servers.start(echo_service(ready_delay=3.0).app).url
    client = gateway(
        {**dict.fromkeys(SERVICES, ready), "scoring": hanging, "awards": hanging},
        GATEWAY_READY_TIMEOUT="0.3",
    )

    started = time.monotonic()
    response = client.get("/readyz")
    elapsed = time.monotonic() - started

    body = assert_problem(response, 503, "service-unavailable")
    assert body["upstreams"]["scoring"] == body["upstreams"]["awards"] == "unreachable"
    assert body["upstreams"]["identity"] == "ready"
    assert elapsed < 1.5  # both hanging upstreams were asked at the same time, not in turn


def test_alive_even_when_no_upstream_is(gateway: MakeGateway) -> None:
    response = gateway().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "gateway"}
    assert response.headers["X-Request-ID"]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_answers_and_failures_per_upstream(
    gateway: MakeGateway, servers: Servers
) -> None:
    echo = echo_service(slow_seconds=1.5)
    client = gateway({"identity": servers.start(echo.app).url}, GATEWAY_READ_TIMEOUT="0.3")
    answered = (
        "gateway_upstream_requests_total",
        frozenset({("upstream", "identity"), ("status", "201")}),
    )
    timeouts = (
        "gateway_upstream_errors_total",
        frozenset({("upstream", "identity"), ("kind", "timeout")}),
    )
    down = (
        "gateway_upstream_errors_total",
        frozenset({("upstream", "awards"), ("kind", "unavailable")}),
    )
    before = _samples(client.get("/metrics").get_data(as_text=True))

    client.post("/api/v1/identity/announcements", headers={"X-Answer-Status": "201"})
    client.get("/api/v1/identity/slow")
    client.get("/api/v1/awards/decisions")

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    after = _samples(response.get_data(as_text=True))
    for key in (answered, timeouts, down):
        assert after[key] - before.get(key, 0.0) == 1.0, key
    served = (
        "http_requests_total",
        frozenset(
            {
                ("service", "gateway"),
                ("method", "GET"),
                ("route", "/api/v1/<service>/<path:path>"),
                ("status", "504"),
            }
        ),
    )
    assert after[served] - before.get(served, 0.0) == 1.0
