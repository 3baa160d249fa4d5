"""The gateway's own Prometheus metrics, defined once at import.

The kit's ``http_requests_total`` says what clients saw; these say which upstream answered and
which one failed and how, so an alert can name the service that is down or slow, and why the
gateway itself turned requests away (a token, a scope, a rate limit, or a rate limit storage
that is down and so limits nothing).
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
