"""Prometheus metrics, correct under several gunicorn workers and separate relay/consumer
processes.

When ``PROMETHEUS_MULTIPROC_DIR`` is set (``make up`` and the gunicorn config set it, one folder
per service), every process of the service writes its counters there and ``/metrics`` adds
them up. The outbox backlog and the age of its oldest row are read from the database at scrape
time, so they are true whichever process answers.

``PROMETHEUS_MULTIPROC_DIR`` is a process setting, not a service's: prometheus_client reads it
when it is imported to decide where every counter of the process lives, and this module reads
it at the same moment (``MULTIPROCESS``) so that it adds up what the library wrote. Where a
relay, consumer or scheduler serves its metrics comes from its settings (``serve``); the same
server answers its probes, /livez and /readyz, from its heartbeat (``kit.heartbeat``).
"""

from __future__ import annotations

import json
import os
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    make_wsgi_app,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from kit.config import Settings
from kit.heartbeat import HEARTBEAT, Heartbeat

__all__ = [
    "CONSUMER_BATCH_SIZE",
    "EVENTS_CONSUMED",
    "EVENTS_DEAD_LETTERED",
    "EVENTS_FAILED",
    "EVENTS_PUBLISHED",
    "EVENTS_UNROUTABLE",
    "HTTP_LATENCY",
    "HTTP_REQUESTS",
    "IDEMPOTENCY_KEYS_EXPIRED",
    "MULTIPROCESS",
    "OUTBOX_ARCHIVED",
    "OutboxCollector",
    "exposition",
    "serve",
    "worker_app",
]

# Read once, as prometheus_client itself reads it on import (see the module's docstring).
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

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
# The retention job (`prune`): what it moved and forgot. A short-lived process's counters are
# added up only where it shares PROMETHEUS_MULTIPROC_DIR with the API (make up); on
# Kubernetes its CronJob's status and log line say what it did (docs/operations.md).
OUTBOX_ARCHIVED = Counter(
    "outbox_events_archived_total", "Published outbox events moved to the archive", ["service"]
)
IDEMPOTENCY_KEYS_EXPIRED = Counter(
    "idempotency_keys_expired_total", "Idempotency-Keys deleted past their TTL", ["service"]
)

# How many messages each consumer transaction took: near 1 is an idle queue (or a small
# prefetch), near the batch size a consumer working through a backlog.
CONSUMER_BATCH_SIZE = Histogram(
    "consumer_batch_size",
    "Messages handled in one consumer transaction",
    ["service"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
)


class OutboxCollector(Collector):
    """Reads the outbox backlog at scrape time (see kit.events.outbox.backlog)."""

    def __init__(self, service: str, measure: Callable[[], tuple[int, float]]) -> None:
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


def _registry() -> CollectorRegistry:
    """Every process's counters of this service when they are shared, else this process's."""
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request, so a slow scrape never delays a probe."""

    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    """No access line on stderr for every probe and scrape (the process logs JSON)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def worker_app(metrics: WsgiApp, heartbeat: Heartbeat, max_age_s: float) -> WsgiApp:
    """/livez and /readyz from the heartbeat; every other path is prometheus_client's app,
    exactly as before (/metrics, its ?name[]= filter and gzip)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in ("/livez", "/readyz"):
            return metrics(environ, start_response)
        health = heartbeat.health()
        ok = health.live(max_age_s) if path == "/livez" else health.started
        body = json.dumps(
            {
                "status": "ok" if ok else "unavailable",
                "started": health.started,
                "heartbeat_age_s": round(health.age_s, 3),
                "max_age_s": max_age_s,
            }
        ).encode()
        start_response(
            "200 OK" if ok else "503 Service Unavailable",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [body]

    return app


def serve(settings: Settings, heartbeat: Heartbeat = HEARTBEAT) -> WSGIServer | None:
    """Serve /metrics, /livez and /readyz on ``settings.metrics_port`` (``THIDUA_METRICS_PORT``)
    when it is set, in a daemon thread; returns the server (None when not set).

    An API process answers /metrics itself; a relay, consumer or scheduler has no HTTP server,
    so in a pod of its own it exposes its counters here, at ``settings.metrics_host``
    (``BIND_HOST``, as for gunicorn), and its probes beside them: live while its loop's last
    beat is younger than ``settings.heartbeat_max_age_s`` (``kit.heartbeat``).
    """
    if settings.metrics_port is None:
        return None
    app = worker_app(make_wsgi_app(_registry()), heartbeat, settings.heartbeat_max_age_s)
    server = make_server(
        settings.metrics_host,
        settings.metrics_port,
        app,
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def exposition(extra: Collector | None = None) -> tuple[bytes, str]:
    """The text a scrape of /metrics returns."""
    output = generate_latest(_registry())
    if extra is not None:
        registry = CollectorRegistry()
        registry.register(extra)
        output += generate_latest(registry)
    return output, CONTENT_TYPE_LATEST
