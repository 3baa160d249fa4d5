"""/healthz, /readyz and the metrics of the gateway itself (on a port of their own)."""

from __future__ import annotations

import contextlib
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from gateway.config import SERVICES
from gateway.tests.conftest import MakeGateway, Servers, assert_problem, echo_service, metrics_text
from tests.support.processes import free_port


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
    port = free_port()
    client = gateway(
        {"identity": servers.start(echo.app).url},
        GATEWAY_READ_TIMEOUT="0.3",
        GATEWAY_METRICS_PORT=str(port),
    )
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
    before = _samples(metrics_text())

    client.post("/api/v1/identity/announcements", headers={"X-Answer-Status": "201"})
    client.get("/api/v1/identity/slow")
    client.get("/api/v1/awards/decisions")

    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    after = _samples(response.text)
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


def test_metrics_are_not_on_the_public_port(gateway: MakeGateway, servers: Servers) -> None:
    """The gateway's port is the public entry; metrics are for the monitoring network."""
    echo = echo_service()
    port = free_port()
    client = gateway(dict.fromkeys(SERVICES, servers.start(echo.app).url))

    assert_problem(client.get("/metrics"), 404, "not-found")
    assert_problem(client.get("/metrics", headers={"Authorization": ""}), 404, "not-found")
    # Nor a service's metrics: the gateway does not forward them, however the path is spelt.
    for path in (
        "/api/v1/scoring/metrics",
        "/api/v1/identity/metrics/",
        "/api/v1/awards/./metrics",
        "/api/v1/criteria/inbox/../metrics",
        "/api/v1/criteria/%2e%2e/metrics",
        "/api/v1/scoring/%6Detrics",
        "/api/v1/scoring/metrics?format=text",
    ):
        assert_problem(client.get(path), 404, "not-found")
    merged = client.get("/api/v1/notify//metrics")  # refused, or redirected to the above
    assert merged.status_code in (308, 404)
    if merged.status_code == 308:  # werkzeug merging the slashes
        assert merged.headers["Location"].endswith("/api/v1/notify/metrics")
    assert echo.seen == []
    assert client.get("/api/v1/scoring/metrics-report").status_code == 200  # only /metrics
    # Unset, no port serves them at all.
    with contextlib.suppress(requests.ConnectionError):
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code != 200


def test_every_worker_serves_the_metrics_on_the_one_port(gateway: MakeGateway) -> None:
    """Each gunicorn worker builds its own app: all bind the port (SO_REUSEPORT), so none has to
    win it, and a worker that restarts leaves the others serving."""
    port = free_port()
    first = gateway(GATEWAY_METRICS_PORT=str(port))
    second = gateway(GATEWAY_METRICS_PORT=str(port))
    first.get("/healthz")

    for _ in range(4):
        scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert 'http_requests_total{method="GET",route="/healthz",service="gateway"' in scraped.text
    assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 404

    server = first.application.extensions["gateway"].metrics
    server.shutdown()
    server.server_close()
    assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 200
    assert second.application.extensions["gateway"].metrics is not None
