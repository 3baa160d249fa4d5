"""The gateway's own Prometheus metrics, defined once at import.

The kit's ``http_requests_total`` says what clients saw; these say which upstream answered and
which one failed and how, so an alert can name the service that is down or slow.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
