"""Tokens at the gateway: which routes are public, who the caller is, and what a client may call.

The gateway verifies the bearer token before forwarding (``kit.auth.verify``: RS256 only, key
by ``kid`` from identity's JWKS, issuer, audience and times checked), so a request with no
valid token never costs a service anything. The ``Authorization`` header still goes upstream
unchanged: each service verifies it again and authorises per object, and does not have to
trust the network between it and the gateway.

Public, without a token: identity's token and revocation endpoints and its JWKS (a caller has
no token yet, or is giving one up), and on every service ``/openapi.json``, ``/healthz`` and
``/readyz``, which the services themselves answer without a token (the kit's ``@public``): the
gateway is not stricter than the service about what is public, so the documents and probes
look the same direct or through the gateway. A public path matches exactly, after the
gateway's own percent-decoding; anything else (a trailing slash, ``..`` segments) needs a
token, so a lookalike path fails closed.

A token verified once is remembered by the worker with its principal (``VerifiedTokens``, a
bounded LRU keyed on the token itself) until it expires, so a client's next requests with the
same token cost a dictionary lookup instead of the parsing and the RSA check (about 0.1 ms
each on a quiet core, more under load). Nothing the check decides is skipped: a remembered
token is accepted only while ``verify`` would still accept it, that is before its ``exp``
(with the same leeway) and while identity's JWKS still serves the very key that verified it
(after a JWKS refresh, or once the key is withdrawn, it is verified again, or refused). Issuer
and audience are the gateway's settings, fixed for the cache's life; a token only becomes
valid (``iat``, ``nbf``) once and stays so. Refusals are not remembered: each refused token is
checked again, behind the per-address limit. The gateway does not look up revocations or
deactivations (services do, kit.principals), so remembering a token changes nothing there.

Users are not restricted here: services decide per object what a user may see. An API client
(``kind == "client"``, from client_credentials) may call only the services its OAuth scopes
name: ``<service>:read`` for GET/HEAD/OPTIONS, ``<service>:write`` for every method
(``kit.policy.missing_scope``; every service checks the same rule again).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from flask import Response, g, request

from gateway.metrics import AUTH_FAILURES
from kit.auth import (
    LEEWAY_SECONDS,
    InvalidToken,
    KeySource,
    KeysUnavailable,
    Principal,
    bearer_token,
    verify,
)
from kit.errors import Unauthorized, Unavailable
from kit.policy import insufficient_scope, missing_scope
from kit.problems import error_response

TOKEN_ENDPOINT = ("identity", "POST", "/oauth/token")
PUBLIC_ROUTES = frozenset(
    {
        TOKEN_ENDPOINT,
        ("identity", "POST", "/oauth/revoke"),
        ("identity", "GET", "/.well-known/jwks.json"),
        ("identity", "HEAD", "/.well-known/jwks.json"),
        # Awards' public comment page (lấy ý kiến nhân dân): the open lists and the form.
        ("awards", "GET", "/public/comment-postings"),
        ("awards", "HEAD", "/public/comment-postings"),
        ("awards", "POST", "/public/comments"),
    }
)
# Public paths with one variable segment, matched whole: awards' certificate verification
# (/verify/<serial>, what a certificate's QR code opens; a serial is ASCII letters, digits,
# ".", "_", "-"), so "/verify/x/y" or "/verify/" still needs a token.
PUBLIC_PATTERNS = (
    (
        "awards",
        frozenset({"GET", "HEAD"}),
        re.compile(r"/verify/[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
    ),
)
PUBLIC_ON_EVERY_SERVICE = frozenset(
    (method, path)
    for method in ("GET", "HEAD")
    for path in ("/openapi.json", "/healthz", "/readyz")
)
# InvalidToken's reasons -> the metric's label (the reason for an unknown algorithm names the
# algorithm the caller wrote, and a label must not take values a caller chooses).
_REASON_LABELS = {
    "malformed token": "malformed",
    "no key id": "no_kid",
    "unknown signing key": "unknown_key",
    "token expired": "expired",
    "token not yet valid": "not_yet_valid",
    "wrong audience": "wrong_audience",
    "wrong issuer": "wrong_issuer",
    "invalid token": "invalid",
    "malformed claims": "malformed_claims",
}
MISSING = "missing_token"
SCOPE = "scope"


def is_token_endpoint(service: str, method: str, path: str) -> bool:
    return (service, method, path) == TOKEN_ENDPOINT


def is_public(service: str, method: str, path: str) -> bool:
    """Whether ``method path`` on ``service`` (the path as the service sees it) needs no token."""
    return (
        (service, method, path) in PUBLIC_ROUTES
        or (method, path) in PUBLIC_ON_EVERY_SERVICE
        or any(
            service == s and method in methods and pattern.fullmatch(path)
            for s, methods, pattern in PUBLIC_PATTERNS
        )
    )


def reason_label(reason: str) -> str:
    if reason.startswith("algorithm "):
        return "algorithm"
    return _REASON_LABELS.get(reason, "other")


def _refused(label: str) -> None:
    AUTH_FAILURES.labels(label).inc()
    g.log_extra = {**g.get("log_extra", {}), "auth_failure": label}


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    kid: str
    key: Any  # the public key that checked the signature
    valid_until: float  # epoch seconds: ``exp`` plus the leeway, when verify starts refusing


class _KeyUsed:
    """A key source that remembers which key it handed out (one per verification)."""

    def __init__(self, keys: KeySource) -> None:
        self.keys = keys
        self.kid: str | None = None
        self.public_key: Any = None

    def key(self, kid: str) -> Any | None:
        self.kid, self.public_key = kid, self.keys.key(kid)
        return self.public_key


class VerifiedTokens:
    """The tokens this worker has verified, each with its principal, until it expires.

    ``size`` bounds the entries (least recently used first out); 0 remembers nothing, so every
    request is verified in full. One per worker process, shared by its threads.
    """

    def __init__(self, keys: KeySource, *, issuer: str, audience: str, size: int) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.size = size
        self._entries: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def remembered(self, token: str) -> Principal | None:
        """The token's principal if it is remembered and ``kit.auth.verify`` would still
        accept it (not expired, its key still the JWKS's), else None."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None:
                self._entries.move_to_end(token)
        if (
            entry is not None
            and time.time() < entry.valid_until
            and self.keys.key(entry.kid) is entry.key
        ):
            return entry.principal
        return None

    def verify(self, token: str) -> Principal:
        """The token's principal, as ``kit.auth.verify`` gives it, or InvalidToken saying why."""
        principal = self.remembered(token)
        if principal is not None:
            return principal
        used = _KeyUsed(self.keys)
        try:
            principal = verify(token, used, issuer=self.issuer, audience=self.audience)
        except InvalidToken:
            self._forget(token)  # remembered, but verify refuses it now (expired, key withdrawn)
            raise
        if self.size > 0 and used.kid is not None:
            valid_until = principal.expires_at.timestamp() + LEEWAY_SECONDS
            entry = _Verified(principal, used.kid, used.public_key, valid_until)
            with self._lock:
                self._entries[token] = entry
                self._entries.move_to_end(token)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return principal

    def _forget(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def __len__(self) -> int:
        return len(self._entries)


def authenticate(tokens: VerifiedTokens) -> Principal | Response:
    """The verified caller of the current request, or the 401 (or 503) to answer with."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        _refused(MISSING)
        # The same answers as a service's (kit.errors.Unauthorized): clients handle both alike.
        return error_response(Unauthorized.missing_token())
    try:
        principal = tokens.verify(token)
    except InvalidToken as error:
        _refused(reason_label(error.reason))
        return error_response(Unauthorized.invalid_token(error.reason))
    except KeysUnavailable as error:
        # Identity cannot be asked whether the key is real: not a refusal, a "retry shortly"
        # (kit.auth), so the client keeps its token.
        return error_response(Unavailable.keys_unreachable(error.retry_after))
    g.log_extra = {**g.get("log_extra", {}), "subject": principal.subject}
    return principal


def check_scope(
    principal: Principal, service: str, method: str, path: str | None = None
) -> Response | None:
    """403 when an API client calls a service, or writes to one, beyond its scopes (the rule
    is kit.policy's, which every service applies again); ``path`` is inside the service."""
    needed = missing_scope(principal, service, method, path)
    if needed is None:
        return None
    _refused(SCOPE)
    return insufficient_scope(service, needed)


def jwks_fetcher(session: requests.Session) -> Callable[[str, float], Mapping[str, Any]]:
    """How the JWKS cache asks identity: through a session of the gateway's own (no proxies
    or ``.netrc`` from the host's environment, as for every upstream)."""

    def fetch(url: str, timeout: float) -> Mapping[str, Any]:
        reply = session.get(url, timeout=timeout, headers={"Accept": "application/json"})
        reply.raise_for_status()
        return reply.json()

    return fetch
