"""Rate limits: per client address, per token subject, and tighter on the token endpoint.

Strategy: a **moving window** (``limits.strategies.MovingWindowRateLimiter``). A fixed window
counts per calendar minute, so a caller can spend a whole minute's allowance at 0:59 and
another at 1:00, twice the limit in two seconds; on the token endpoint that doubles the
password guesses an attacker gets. The moving window counts the hits of the last minute, so no
60-second span ever holds more than the limit, and ``Retry-After`` is exact: the moment the
oldest counted hit leaves the window. Its cost is one timestamp per hit kept (at most the
limit per key, so a few kB for the busiest key), which the limits here make affordable.

Storage: ``GATEWAY_RATE_LIMIT_STORAGE``, ``memory://`` by default (embedded mode: each
gunicorn worker counts on its own, so a limit holds per worker, and with W workers a client
gets up to W times the limit), ``redis://host:6379/0`` in production, where every worker of
every gateway replica shares the counters. The memory storage also sweeps every key for
expired hits about every 10 ms from a fresh timer thread: nothing for the few addresses of one
machine, but one more reason it is not for a national deployment.

When the storage fails (Redis down or slow) the gateway **fails open**: the request goes on
unlimited, a warning is logged and ``gateway_rate_limit_errors_total`` counts the failure, and
the storage is not asked again for ``STORAGE_RETRY_SECONDS`` so that every request does not
wait for a connection timeout. Rate limits protect the platform from overload and abuse; they
are not what makes a request allowed (the token is), so losing them for a while is a risk an
alert can cover, whereas failing closed would turn a Redis outage into a platform outage.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Response
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from gateway.metrics import RATE_LIMIT_ERRORS, RATE_LIMITED
from kit.problems import problem_response

log = logging.getLogger(__name__)

NAMESPACE = "gateway"
STORAGE_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5  # a limit check must never cost more than a fraction of a request

# The limits the gateway applies, with what the caller is told (Vietnamese, English).
ADDRESS = "address"
CLIENT = "client"
TOKEN = "token"
_DETAILS = {
    ADDRESS: ("Địa chỉ của bạn đã gửi quá nhiều yêu cầu", "Too many requests from your address"),
    CLIENT: ("Tài khoản này đã gửi quá nhiều yêu cầu", "Too many requests from this account"),
    TOKEN: (
        "Địa chỉ của bạn đã xin mã truy cập quá nhiều lần",
        "Too many token requests from your address",
    ),
}


def open_storage(uri: str) -> Storage:
    """The counters' storage; Redis with short timeouts and at most one immediate retry."""
    options: dict[str, object] = {"wrap_exceptions": True}
    if urlsplit(uri).scheme in ("redis", "rediss", "redis+unix"):
        options.update(
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),  # redis-py's default backs off for seconds
        )
    storage = storage_from_string(uri, **options)  # type: ignore[arg-type]
    assert isinstance(storage, Storage)
    return storage


class RateLimits:
    """The gateway's limits over one storage; one per worker process (built by the app)."""

    def __init__(self, storage: Storage, rates: Mapping[str, str]) -> None:
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(storage)
        self.items: dict[str, list[RateLimitItem]] = {
            name: parse_many(rate) for name, rate in rates.items()
        }
        self._lock = threading.Lock()
        self._paused_until = float("-inf")
        self._failing = False

    def retry_after(self, limit: str, key: str) -> int | None:
        """Count a hit on ``limit`` for ``key``: None if within it, else seconds to wait."""
        if time.monotonic() < self._paused_until:
            return None
        try:
            for item in self.items[limit]:
                if not self.limiter.hit(item, NAMESPACE, limit, key):
                    reset = self.limiter.get_window_stats(item, NAMESPACE, limit, key).reset_time
                    return max(1, math.ceil(reset - time.time()))
        except StorageError as error:
            self._failed(error.storage_error)
            return None
        if self._failing:
            with self._lock:
                self._failing = False
            log.info("rate limit storage answers again; limits apply again")
        return None

    def _failed(self, error: Exception) -> None:
        RATE_LIMIT_ERRORS.inc()
        with self._lock:
            first = not self._failing
            self._failing = True
            self._paused_until = time.monotonic() + STORAGE_RETRY_SECONDS
        if first:
            log.warning(
                "rate limit storage failed; requests pass unlimited until it answers again",
                extra={"error": repr(error)[:500], "retry_seconds": STORAGE_RETRY_SECONDS},
            )

    def check(self, limit: str, key: str) -> Response | None:
        """A 429 problem if ``key`` is over ``limit``, else None (and the hit is counted)."""
        seconds = self.retry_after(limit, key)
        if seconds is None:
            return None
        RATE_LIMITED.labels(limit).inc()
        vi, en = _DETAILS[limit]
        return problem_response(
            429,
            "too-many-requests",
            (f"{vi}; hãy thử lại sau {seconds} giây.", f"{en}; try again in {seconds} s."),
            headers={"Retry-After": str(seconds)},
            limit=limit,
            retry_after=seconds,
        )
