"""Prometheus metrics, correct under several gunicorn workers and separate relay/consumer
processes.

When ``PROMETHEUS_MULTIPROC_DIR`` is set (``make up`` and the gunicorn config set it, one folder
per service), every process of the service writes its counters there and ``/metrics`` adds
them up. The outbox backlog and the age of its oldest row are read from the database at scrape
time, so they are true whichever process answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "events_published_total", "Events published to the broker and confirmed", ["service", "type"]
)
EVENTS_UNROUTABLE = Counter(
    "events_unroutable_total", "Published events no queue was bound to", ["service", "type"]
)
EVENTS_CONSUMED = Counter(
    "events_consumed_total",
    "Events handled successfully (or found already handled)",
    ["service", "type"],
)
EVENTS_FAILED = Counter(
    "events_failed_total", "Handler attempts that raised an error", ["service", "type"]
)
EVENTS_DEAD_LETTERED = Counter(
    "events_dead_lettered_total", "Events parked in the dead-letter queue", ["service", "type"]
)


class OutboxCollector(Collector):
    """Reads the outbox backlog at scrape time (see kit.events.outbox.backlog)."""

    def __init__(self, service: str, measure: callable) -> None:  # type: ignore[valid-type]
        self.service = service
        self.measure = measure

    def collect(self) -> Iterator[Metric]:
        count, oldest_age = self.measure()
        backlog = GaugeMetricFamily(
            "outbox_backlog", "Events committed but not yet published", labels=["service"]
        )
        backlog.add_metric([self.service], count)
        age = GaugeMetricFamily(
            "outbox_oldest_age_seconds",
            "Age of the oldest unpublished event (0 when none)",
            labels=["service"],
        )
        age.add_metric([self.service], oldest_age)
        yield backlog
        yield age


def serve_from_env() -> None:
    """Serve /metrics on ``THIDUA_METRICS_PORT`` when it is set (relays and consumers).

    An API process answers /metrics itself; a relay or consumer has no HTTP server, so in a
    pod of its own it exposes its counters here. ``BIND_HOST`` as for gunicorn.
    """
    port = os.environ.get("THIDUA_METRICS_PORT")
    if not port:
        return
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    start_http_server(int(port), addr=os.environ.get("BIND_HOST", "127.0.0.1"), registry=registry)


def exposition(extra: Collector | None = None) -> tuple[bytes, str]:
    """The text a scrape of /metrics returns."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    if extra is not None:
        registry = CollectorRegistry()
        registry.register(extra)
        output += generate_latest(registry)
    return output, CONTENT_TYPE_LATEST
