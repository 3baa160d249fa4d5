"""Connections to the services behind the gateway: pooled keep-alive connections per upstream.

Forwarded requests go through a urllib3 connection pool of their own per upstream (``pool``),
not through ``requests``: a forwarded request is already an HTTP message (method, target,
headers, body), and ``requests`` spent about a millisecond per call re-preparing it (URL
parsing and re-quoting, header merging, cookie and hook handling) for nothing the gateway uses
(docs/decisions/0018). The gateway's own requests to an upstream (``/readyz`` probes, the
OpenAPI documents) keep a ``requests`` session (``session``), for its conveniences.

Pools and sessions are created per process (gunicorn builds the app in each worker) and shared
by the worker's threads; urllib3's pools are thread-safe. Each failure is sorted into one of
three kinds, because the client can act on the difference: ``unavailable`` (nothing reached
the service, safe to retry), ``timeout`` (the service may have acted but did not answer in
time) and ``bad_gateway`` (it answered nonsense).
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from gateway.config import Settings

# Only these are retried, and only when the connection broke before any answer came back.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

TIMEOUT = "timeout"
UNAVAILABLE = "unavailable"
BAD_GATEWAY = "bad_gateway"


class RetryDroppedConnection(Retry):
    """Retry a safe request once when a pooled connection turned out to be closed.

    The services' gunicorn closes idle keep-alive connections after a few seconds; a request
    sent on one just as it closes fails without having been handled. A slow answer is not
    retried: the service is working on it, and asking again only adds load.
    """

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        if isinstance(error, ReadTimeoutError):
            raise error.with_traceback(_stacktrace)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _retry_policy() -> Retry:
    # connect=0: a refused connection is answered at once (503), not tried again.
    return RetryDroppedConnection(
        total=1,
        connect=0,
        read=1,
        redirect=0,
        status=0,
        other=0,
        allowed_methods=SAFE_METHODS,
        raise_on_redirect=False,
        raise_on_status=False,
    )


def new_session(pool_size: int) -> requests.Session:
    """A session that forwards exactly what it is given and remembers nothing between calls."""
    session = requests.Session()
    # Proxy variables and ~/.netrc of the host must not redirect or authenticate our traffic.
    session.trust_env = False
    # No User-Agent, Accept or Accept-Encoding of our own: the client's headers go through.
    session.headers.clear()
    # A cookie one user's answer sets must never be sent along with another user's request.
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=_retry_policy())
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def new_pool(base_url: str, pool_size: int) -> urllib3.HTTPConnectionPool:
    """Keep-alive connections to one upstream for forwarded requests.

    urllib3 alone sends nothing of its own but ``Host``, ``Accept-Encoding: identity`` and a
    ``User-Agent`` when the client sent none (as ``requests`` did, which used it underneath),
    reads no proxy variables or ``.netrc``, and keeps no cookies. ``block=False``: a burst
    above ``pool_size`` opens extra connections rather than waiting for one, and only
    ``pool_size`` of them are kept afterwards.
    """
    pool = urllib3.connectionpool.connection_from_url(
        base_url, maxsize=pool_size, block=False, retries=_retry_policy(), headers={}
    )
    assert isinstance(pool, urllib3.HTTPConnectionPool)
    return pool


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str
    session: requests.Session  # the gateway's own requests: readiness probes, OpenAPI
    pool: urllib3.HTTPConnectionPool  # forwarded requests

    @classmethod
    def open(cls, name: str, base_url: str, pool_size: int) -> Upstream:
        return cls(name, base_url, new_session(2), new_pool(base_url, pool_size))

    def url(self, path: str) -> str:
        return self.base_url + path

    def target(self, path: str) -> str:
        """The request target for ``path`` on this upstream (its base URL's path first)."""
        return urlsplit(self.base_url).path + path


def connect(settings: Settings) -> Mapping[str, Upstream]:
    """One upstream (with its own pool) per configured service."""
    return {
        name: Upstream.open(name, base_url, settings.pool_size)
        for name, base_url in settings.upstreams.items()
    }


def failure_kind(error: BaseException) -> str:
    """Which of timeout, unavailable or bad_gateway an exception from requests/urllib3 means."""
    if isinstance(error, MaxRetryError) and error.reason is not None:
        error = error.reason  # what went wrong on the last try
    if isinstance(error, requests.ConnectTimeout | ConnectTimeoutError):
        return UNAVAILABLE  # refused, no route, DNS failure, or no connection in time
    if isinstance(error, requests.ReadTimeout | ReadTimeoutError | Urllib3Timeout):
        return TIMEOUT
    if isinstance(error, requests.ConnectionError):
        cause = error.args[0] if error.args else None
        reason = getattr(cause, "reason", cause)
        if isinstance(reason, ReadTimeoutError):
            return TIMEOUT
        if isinstance(reason, NewConnectionError):
            return UNAVAILABLE
    return BAD_GATEWAY
