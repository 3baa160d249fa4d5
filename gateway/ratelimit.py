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
every gateway replica shares the counters. ``memory://`` is the gateway's own
``LocalMovingWindow``, not the ``limits`` package's memory storage: that one sweeps expired
hits from a timer thread it starts afresh every 10 ms while any hit is counted, and a request
that finds the timer finished waits for the new thread to be scheduled before it can go on (a
millisecond or more on a busy machine, on most requests). Ours drops a key's expired hits when
the key is next counted and forgets idle keys in one pass a minute, in the requesting thread.

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
from collections import deque
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Response
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, Storage, storage_from_string
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


SWEEP_SECONDS = 60.0  # how often LocalMovingWindow forgets the keys no hit is counted for


class LocalMovingWindow(Storage, MovingWindowSupport):
    """A moving window in this process's memory (``memory://``): the hits of each key's last
    window, oldest first, and nothing else.

    A key's hits past its window are dropped when the key is next counted; a key with none
    left is forgotten by a sweep at most every ``SWEEP_SECONDS``, run by the request that
    finds it due (a pass over the keys, a few per address of one machine). A key never holds
    more hits than its limit, as a refused hit is not counted. Only the moving window is
    supported: it is the gateway's only strategy.
    """

    STORAGE_SCHEME = None  # not registered with ``limits``: the gateway builds it itself

    def __init__(self) -> None:
        super().__init__(None, wrap_exceptions=True)
        self._windows: dict[str, tuple[int, deque[float]]] = {}  # key -> (expiry, hits)
        self._lock = threading.Lock()
        self._swept_at = time.monotonic()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def _hits(self, key: str, expiry: int, now: float) -> deque[float]:
        """``key``'s hits within its window ending ``now`` (the lock held)."""
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = (expiry, deque())
        hits = window[1]
        while hits and hits[0] < now - expiry:
            hits.popleft()
        return hits

    def _sweep_if_due(self) -> None:
        moment = time.monotonic()
        if moment - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = moment
        now = time.time()
        for key, (expiry, hits) in list(self._windows.items()):
            if not hits or hits[-1] < now - expiry:
                del self._windows[key]

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count ``amount`` hits on ``key`` unless that would make more than ``limit`` in the
        last ``expiry`` seconds (then nothing is counted)."""
        if amount > limit:
            return False
        now = time.time()
        with self._lock:
            self._sweep_if_due()
            hits = self._hits(key, expiry, now)
            if len(hits) + amount > limit:
                return False
            hits.extend([now] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(when the oldest hit in the window was counted, how many hits are in it)."""
        now = time.time()
        with self._lock:
            hits = self._hits(key, expiry, now)
            return (hits[0], len(hits)) if hits else (now, 0)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
        return count

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("LocalMovingWindow supports the moving window only")

    def get(self, key: str) -> int:
        raise NotImplementedError("LocalMovingWindow supports the moving window only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("LocalMovingWindow supports the moving window only")


def open_storage(uri: str) -> Storage:
    """The counters' storage: our own for ``memory://``, else the ``limits`` package's (Redis
    with short timeouts and at most one immediate retry)."""
    if urlsplit(uri).scheme == "memory":
        return LocalMovingWindow()
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
