"""The web application's only way to the platform: the gateway's public API, as the user.

Every call carries the signed-in user's access token (``Authorization: Bearer``), the page's
language (``Accept-Language``, so problem details come back in it) and the request id (so one
click can be followed through the gateway and the services' logs). The tokens live in the
session cookie (web.session); an access token that is about to expire, or that the platform
refused with 401, is renewed once with the refresh token, and the session cookie carries the
new pair back to the browser.

A problem+json answer becomes an exception the pages know how to show (web.errors):

==========  =====================  =============================================================
status      exception              what the user sees
==========  =====================  =============================================================
401         ``SessionExpired``     the sign-in page saying the session ended, then back (``next``)
404         ``NotFound``           the 404 page (also for what the user may not know exists)
412         ``PreconditionFailed`` the view's conflict message: who changed it, when; reload
422         ``Invalid``            the view's field errors next to their fields
other       ``ApiError``           an error page with the platform's own explanation
no answer   ``Unavailable``        "the platform cannot be reached, try again"
==========  =====================  =============================================================
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import current_app, g, has_request_context, request
from requests.adapters import HTTPAdapter

from web import session as web_session

log = logging.getLogger(__name__)

# Renew the access token this long before it expires, so a page never fails half-way.
REFRESH_MARGIN_S = 30
# A refresh token works once (identity rotates it, and a reuse ends the whole family). Two
# requests of one browser that both find the token expiring would both use it: the second
# would end the session. So the answer to a refresh is kept this long, per refresh token, and
# a second request with the same token gets the same new pair instead of asking again.
REFRESH_MEMORY_S = 60


class ApiError(Exception):
    """A problem+json answer (or no answer) from the platform."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body: Mapping[str, Any] = body or {}
        self.headers: Mapping[str, str] = headers or {}
        super().__init__(f"{status} {self.body.get('type', '')}")

    @property
    def type(self) -> str:
        return str(self.body.get("type", "")).rsplit(":", 1)[-1]

    @property
    def title(self) -> str | None:
        return self.body.get("title")

    @property
    def detail(self) -> str | None:
        return self.body.get("detail")

    @property
    def request_id(self) -> str | None:
        return self.body.get("request_id")


class SessionExpired(ApiError):
    """No usable token: never signed in, signed out elsewhere, or the refresh token ended."""

    def __init__(self, had_session: bool, body: Mapping[str, Any] | None = None) -> None:
        super().__init__(401, body, None)
        self.had_session = had_session


class NotFound(ApiError):
    pass


class PreconditionFailed(ApiError):
    """412: someone changed the resource since it was read (its ETag no longer matches)."""


class Invalid(ApiError):
    """422: ``errors`` maps each field (or JSON Pointer) to its messages."""

    @property
    def errors(self) -> Mapping[str, Any]:
        errors = self.body.get("errors")
        return errors if isinstance(errors, Mapping) else {}


class Unavailable(ApiError):
    """The gateway did not answer (down, or too slow)."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, {"type": "urn:thidua:problem:service-unavailable"})
        self.reason = reason


_BY_STATUS: dict[int, type[ApiError]] = {
    404: NotFound,
    412: PreconditionFailed,
    422: Invalid,
}


@dataclass(frozen=True)
class Reply:
    """A successful answer: status, headers, and the body (parsed when it is JSON)."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    data: Any = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


@dataclass
class _Remembered:
    tokens: web_session.Tokens
    at: float


@dataclass
class Client:
    """One per process (gunicorn builds the app in each worker), shared by its threads: only
    the connection pool is used concurrently, which urllib3 makes thread-safe."""

    base_url: str
    connect_timeout: float
    read_timeout: float
    pool_size: int = 10
    http: requests.Session = field(init=False)
    _refresh_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _refreshed: dict[str, _Remembered] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        pool = requests.Session()
        pool.trust_env = False  # no proxy or .netrc of the host between us and the gateway
        # Cookies the gateway might set belong to nobody: never keep them between users.
        pool.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.pool_size, max_retries=0)
        pool.mount("http://", adapter)
        pool.mount("https://", adapter)
        self.http = pool

    # -- the calls pages make ------------------------------------------------------------

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Reply:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.call("DELETE", path, **kwargs)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        anonymous: bool = False,
    ) -> Reply:
        """``method path`` (relative to /api/v1) as the signed-in user, or ``anonymous``
        (sign-in itself). Raises the ApiError subclass matching a problem answer."""
        extra = dict(headers or {})
        if anonymous:
            return self._send(method, path, params, json, data, files, extra)
        tokens = self._usable_tokens()
        extra["Authorization"] = f"Bearer {tokens.access_token}"
        try:
            return self._send(method, path, params, json, data, files, extra)
        except SessionExpired:
            # Refused although it looked valid (identity ended it at sign-out, or a key
            # rotated): one refresh, one more try.
            tokens = self._refresh(tokens)
            extra["Authorization"] = f"Bearer {tokens.access_token}"
            return self._send(method, path, params, json, data, files, extra)

    # -- tokens --------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> web_session.Tokens:
        """The password grant; raises ApiError (400 wrong credentials, 429 slowed or locked)."""
        reply = self.post(
            "/identity/oauth/token",
            data={"grant_type": "password", "username": username, "password": password},
            anonymous=True,
        )
        return web_session.Tokens.from_grant(reply.data)

    def me(self, tokens: web_session.Tokens) -> Mapping[str, Any]:
        """identity's ``/me`` for tokens not in the session yet (right after sign-in)."""
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        return self._send("GET", "/identity/me", None, None, None, None, headers).data

    def sign_out(self) -> None:
        """End the refresh family at identity (the access token stops working there too)."""
        tokens = web_session.tokens()
        if tokens is None:
            return
        try:
            self._send(
                "POST",
                "/identity/logout",
                None,
                {"refresh_token": tokens.refresh_token},
                None,
                None,
                {"Authorization": f"Bearer {tokens.access_token}"},
            )
        except SessionExpired:
            # The access token has expired: revoking the refresh token needs none (RFC 7009).
            self._send(
                "POST",
                "/identity/oauth/revoke",
                None,
                None,
                {"token": tokens.refresh_token, "token_type_hint": "refresh_token"},
                None,
                {},
            )

    def _usable_tokens(self) -> web_session.Tokens:
        tokens = web_session.tokens()
        if tokens is None:
            raise SessionExpired(had_session=web_session.had_session())
        if tokens.expires_at - time.time() < REFRESH_MARGIN_S:
            tokens = self._refresh(tokens)
        return tokens

    def _refresh(self, tokens: web_session.Tokens) -> web_session.Tokens:
        key = hashlib.sha256(tokens.refresh_token.encode()).hexdigest()
        with self._refresh_lock:
            now = time.monotonic()
            for stale in [k for k, r in self._refreshed.items() if now - r.at > REFRESH_MEMORY_S]:
                del self._refreshed[stale]
            remembered = self._refreshed.get(key)
            if remembered is not None:
                fresh = remembered.tokens
            else:
                try:
                    reply = self._send(
                        "POST",
                        "/identity/oauth/token",
                        None,
                        None,
                        {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
                        None,
                        {},
                    )
                except ApiError as error:
                    if isinstance(error, Unavailable) or error.status >= 500:
                        raise
                    web_session.end(expired=True)
                    raise SessionExpired(had_session=True, body=error.body) from None
                fresh = web_session.Tokens.from_grant(reply.data)
                self._refreshed[key] = _Remembered(fresh, now)
        web_session.store_tokens(fresh)
        return fresh

    # -- the wire ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        files: Any,
        headers: dict[str, str],
    ) -> Reply:
        headers = {
            "Accept": "application/json, application/problem+json",
            "Accept-Language": web_session.language(),
            "X-Request-ID": g.get("request_id", ""),
            **_forwarded_for(),
            **headers,
        }
        started = time.perf_counter()
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=headers,
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as error:
            log.warning("api unreachable", extra={"path": path, "error": repr(error)[:300]})
            raise Unavailable(type(error).__name__) from None
        finally:
            g.api_ms = g.get("api_ms", 0.0) + (time.perf_counter() - started) * 1000
        content_type = response.headers.get("Content-Type", "")
        body: Any = None
        if "json" in content_type and response.content:
            try:
                body = response.json()
            except ValueError:
                body = None
        if response.status_code >= 400:
            problem = body if isinstance(body, Mapping) else {}
            if response.status_code == 401:
                raise SessionExpired(had_session=True, body=problem)
            kind = _BY_STATUS.get(response.status_code, ApiError)
            raise kind(response.status_code, problem, response.headers)
        return Reply(response.status_code, response.headers, response.content, body)


def _forwarded_for() -> dict[str, str]:
    """The user's address as the gateway told us (``X-Real-IP``), passed back on our calls:
    the web application is a proxy of ours for the user, so a gateway that trusts one proxy
    (``GATEWAY_TRUSTED_PROXIES``, Kubernetes) counts rate limits and audits sign-ins per user
    address, not per web pod. A gateway that trusts none ignores it (the embedded mode)."""
    if not has_request_context():
        return {}
    address = request.headers.get("X-Real-IP", "").strip()
    return {"X-Forwarded-For": address} if address else {}


def client() -> Client:
    """The process's API client (built by web.app.create_app)."""
    return current_app.extensions["web.api"]
