"""The gateway's own Prometheus metrics, defined once at import, and where they are served.

The kit's ``http_requests_total`` says what clients saw; these say which upstream answered and
which one failed and how, so an alert can name the service that is down or slow, and why the
gateway itself turned requests away (a token, a scope, a rate limit, or a rate limit storage
that is down and so limits nothing).

Metrics are for the monitoring network, not for the public: the gateway's port is the
platform's public entry, so they are not served there but on ``GATEWAY_METRICS_PORT``
(``serve``), which no Service or Ingress routes to.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import Counter, Histogram

from kit.metrics import exposition

log = logging.getLogger(__name__)

UPSTREAM_REQUESTS = Counter(
    "gateway_upstream_requests_total",
    "Requests forwarded to an upstream that got an HTTP answer, by its status",
    ["upstream", "status"],
)
UPSTREAM_ERRORS = Counter(
    "gateway_upstream_errors_total",
    "Forwarded requests that got no usable answer (kind: timeout, unavailable, bad_gateway)",
    ["upstream", "kind"],
)
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_duration_seconds",
    "Time from sending a request upstream to having read its whole answer",
    ["upstream"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
AUTH_FAILURES = Counter(
    "gateway_auth_failures_total",
    "Requests refused for their token (401) or for a scope their client lacks (403), by reason",
    ["reason"],
)
RATE_LIMITED = Counter(
    "gateway_rate_limited_total",
    "Requests refused with 429, by the limit they exceeded (address, client or token)",
    ["limit"],
)
RATE_LIMIT_ERRORS = Counter(
    "gateway_rate_limit_errors_total",
    "Rate limit checks that failed on the storage (Redis); those requests passed unlimited",
)


def metrics_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """``GET /metrics``: every gateway process's metrics (the multiprocess folder when set)."""
    if environ.get("PATH_INFO") != "/metrics":
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found: the metrics are at /metrics.\n"]
    body, content_type = exposition()
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []


class MetricsServer(ThreadingMixIn, WSGIServer):
    """A small HTTP server for ``metrics_app``, one per gateway worker process.

    Every worker binds the same port with ``SO_REUSEPORT`` and the kernel spreads scrapes over
    them; each answers with the metrics of all (the multiprocess folder), so a worker that
    restarts leaves the others serving, and no worker has to win a race for the port.
    """

    daemon_threads = True
    allow_reuse_address = True
    allow_reuse_port = True


class _MetricsServer6(MetricsServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # a scrape every 15 s is not worth a log line


def serve(host: str, port: int) -> MetricsServer:
    """Serve the metrics on ``host:port`` from a daemon thread; ``shutdown()`` stops it."""
    server_class = _MetricsServer6 if ":" in host else MetricsServer
    server = make_server(
        host, port, metrics_app, server_class=server_class, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("gateway metrics served", extra={"metrics_port": server.server_port})
    return server
