"""The services behind the gateway: per upstream, a pool for forwarded requests and a session.

Forwarded requests go through a pool of kept-alive connections of their own (``pool``,
gateway.http1): a forwarded request is already an HTTP message, and a general-purpose client
spent most of the gateway's own time per request preparing and parsing it again
(docs/decisions/0013). The gateway's own requests to an upstream (``/readyz`` probes, the
OpenAPI documents, identity's JWKS) go through a ``requests`` session (``session``), for its
conveniences; they are few.

Pools and sessions are created per process (gunicorn builds the app in each worker) and shared
by the worker's threads. A forwarded request's failure is sorted into one of three kinds
(gateway.http1), because the client can act on the difference: ``unavailable`` (nothing reached
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
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from gateway.config import Settings
from gateway.http1 import Pool

# Only these are retried, and only when the connection broke before any answer came back.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str
    session: requests.Session  # the gateway's own requests: readiness probes, OpenAPI
    pool: Pool  # forwarded requests (gateway.http1)

    @classmethod
    def open(cls, name: str, base_url: str, pool_size: int) -> Upstream:
        return cls(name, base_url, new_session(2), Pool(base_url, pool_size))

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
