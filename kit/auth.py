"""Who is calling: verifying identity's access tokens, in the gateway and again in every service.

Access tokens are RS256 JWTs signed by identity. Verification fixes the algorithm to RS256
(``alg: none``, HS256 keyed with the public key and every other algorithm are refused before
any key is looked at), finds the key by ``kid`` in identity's JWKS, and checks signature,
issuer, audience, expiry, not-before and issued-at. What it yields is a ``Principal``: the
subject, its unit, and its grants (role + scope + period) as identity signed them.

Keys come from a ``KeySource``: ``JwksCache`` fetches identity's JWKS over HTTP and caches it;
an unknown ``kid`` triggers at most one refetch per cooldown, under a lock, so a flood of
forged tokens cannot make every worker hammer identity. When identity cannot be asked (it is
restarting, or has served no key yet), an unknown ``kid`` is not a forgery we can prove: the
cache raises ``KeysUnavailable`` (the edge answers 503 with ``Retry-After``, never 401, so a
client keeps its token) and asks identity again after a second, not after the cooldown.

The issuer and audience to require are the caller's settings (``Settings.token_issuer`` and
``token_audience`` in a service, the gateway's own settings); this module reads no environment.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import jwt
import requests
from jwt.algorithms import RSAAlgorithm

from kit import dates
from kit.config import DEFAULT_AUDIENCE, DEFAULT_ISSUER

__all__ = [
    "ACCESS_TOKEN_SECONDS",
    "ALGORITHM",
    "LEEWAY_SECONDS",
    "Grant",
    "InvalidToken",
    "JwksCache",
    "KeySource",
    "KeysUnavailable",
    "Principal",
    "StaticKeys",
    "audience",
    "bearer_token",
    "issuer",
    "principal_from_claims",
    "public_keys",
    "sign",
    "verify",
]

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
ACCESS_TOKEN_SECONDS = 15 * 60
LEEWAY_SECONDS = 30  # clocks of the platform's hosts may differ by this much


def issuer() -> str:
    """The default ``iss`` (``Settings.token_issuer`` unless configured otherwise): what tokens
    made by tests and benchmarks carry."""
    return DEFAULT_ISSUER


def audience() -> str:
    """The default ``aud`` (``Settings.token_audience`` unless configured otherwise)."""
    return DEFAULT_AUDIENCE


class InvalidToken(Exception):
    """The bearer token cannot be trusted; ``reason`` says why (safe to show the caller)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """A role held within a scope (``national``, ``unit`` or ``region``) for a period."""

    role: str
    scope: str
    scope_id: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def as_claim(self) -> dict[str, Any]:
        claim: dict[str, Any] = {"role": self.role, "scope": self.scope}
        if self.scope_id is not None:
            claim["scope_id"] = self.scope_id
        if self.valid_from is not None:
            claim["valid_from"] = self.valid_from.isoformat()
        if self.valid_to is not None:
            claim["valid_to"] = self.valid_to.isoformat()
        return claim

    @classmethod
    def from_claim(cls, claim: Mapping[str, Any]) -> Grant:
        return cls(
            role=str(claim["role"]),
            scope=str(claim["scope"]),
            scope_id=claim.get("scope_id"),
            valid_from=date.fromisoformat(claim["valid_from"]) if claim.get("valid_from") else None,
            valid_to=date.fromisoformat(claim["valid_to"]) if claim.get("valid_to") else None,
        )


@dataclass(frozen=True)
class Principal:
    """The verified caller: a user (``kind="user"``) or an API client (``kind="client"``)."""

    subject: str
    kind: str
    token_id: str
    expires_at: datetime
    unit_id: str | None = None
    name: str | None = None
    grants: tuple[Grant, ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)
    # When identity signed the token (``iat``): kit.principals refuses tokens older than news.
    issued_at: datetime | None = None

    def grants_on(self, day: date | None = None) -> list[Grant]:
        day = day or dates.today()  # periods are Viet Nam's days
        return [g for g in self.grants if g.in_force(day)]

    def has_role(self, role: str, day: date | None = None) -> bool:
        return any(g.role == role for g in self.grants_on(day))


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    try:
        return Principal(
            subject=str(claims["sub"]),
            kind=str(claims.get("kind", "user")),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            unit_id=claims.get("unit"),
            name=claims.get("name"),
            grants=tuple(Grant.from_claim(c) for c in claims.get("roles", [])),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC) if "iat" in claims else None,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidToken("malformed claims") from error


class KeysUnavailable(Exception):
    """Whether a key id is real cannot be told now: identity's keys cannot be fetched.

    Not an ``InvalidToken``: the token may well be good, so the answer is 503 with
    ``Retry-After: retry_after`` and the client retries with the same token.
    """

    def __init__(self, retry_after: int) -> None:
        super().__init__("the signing keys cannot be fetched from identity")
        self.retry_after = retry_after


class KeySource(Protocol):
    def key(self, kid: str) -> Any | None:
        """The public key for ``kid``, or None when there is no such key (a source that
        cannot tell may raise ``KeysUnavailable``)."""


def verify(
    token: str,
    keys: KeySource,
    *,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
) -> Principal:
    """Return the token's principal, or raise InvalidToken saying why not (``issuer`` and
    ``audience``: the ones the caller's settings require)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise InvalidToken("malformed token") from error
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} is not accepted")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("no key id")
    key = keys.key(kid)
    if key is None:
        raise InvalidToken("unknown signing key")
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("token expired") from error
    except jwt.ImmatureSignatureError as error:
        raise InvalidToken("token not yet valid") from error
    except jwt.InvalidAudienceError as error:
        raise InvalidToken("wrong audience") from error
    except jwt.InvalidIssuerError as error:
        raise InvalidToken("wrong issuer") from error
    except jwt.PyJWTError as error:
        raise InvalidToken("invalid token") from error
    return principal_from_claims(claims)


def sign(claims: Mapping[str, Any], private_key: Any, kid: str) -> str:
    """Sign ``claims`` with RS256 (identity's tokens, and the tests' own)."""
    return jwt.encode(dict(claims), private_key, algorithm=ALGORITHM, headers={"kid": kid})


def public_keys(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """kid -> public key from a JWKS document (keys other than RSA signing keys are skipped)."""
    keys = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "RSA" and jwk.get("kid") and jwk.get("use", "sig") == "sig":
            keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
    return keys


class StaticKeys:
    """A fixed set of keys (identity verifying its own tokens; tests)."""

    def __init__(self, keys: Mapping[str, Any]) -> None:
        self._keys = dict(keys)

    def key(self, kid: str) -> Any | None:
        return self._keys.get(kid)


class JwksCache:
    """Identity's JWKS, fetched over HTTP, cached for ``ttl`` seconds.

    A ``kid`` not in the cache makes it refetch, but at most once per ``cooldown`` seconds and
    by one thread at a time; the others wait for that fetch and use its answer. When identity
    is unreachable the last good key set is kept, and a ``kid`` outside it raises
    ``KeysUnavailable``; so does any ``kid`` while identity has served no key at all (it was
    still starting). In both cases the next fetch comes after ``retry`` seconds, not after
    the cooldown: a key that identity has just begun to sign with is seen within a second of
    identity answering again.
    """

    def __init__(
        self,
        url: str,
        ttl: float = 300,
        cooldown: float = 30,
        timeout: float = 3,
        fetch: Callable[[str, float], Mapping[str, Any]] | None = None,
        retry: float = 1.0,
    ) -> None:
        self.url = url
        self.ttl = ttl
        self.cooldown = cooldown
        self.retry = retry
        self.timeout = timeout
        self._fetch = fetch or _fetch_json
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._unreachable = False  # the last fetch failed
        self._lock = threading.Lock()
        self.fetches = 0  # how many times identity was asked (metrics and tests)

    def key(self, kid: str) -> Any | None:
        now = time.monotonic()
        stale = now - self._fetched_at > self.ttl
        if kid in self._keys and not stale:
            return self._keys[kid]
        with self._lock:
            now = time.monotonic()
            fresh = now - self._fetched_at <= self.ttl
            if kid in self._keys and fresh:
                return self._keys[kid]  # another thread refreshed while we waited
            cooldown = self.cooldown if self._sure() else min(self.cooldown, self.retry)
            if now - self._attempted_at >= cooldown:
                self._refresh(now)
            if kid in self._keys:
                return self._keys[kid]
            if not self._sure():
                wait = cooldown - (now - self._attempted_at)  # until the next fetch may go
                raise KeysUnavailable(retry_after=max(1, math.ceil(wait)))
            return None

    def _sure(self) -> bool:
        """Whether the keys held are identity's word: the last fetch answered, with keys."""
        return not self._unreachable and bool(self._keys)

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        self.fetches += 1
        try:
            self._keys = public_keys(self._fetch(self.url, self.timeout))
            self._fetched_at = now
            self._unreachable = False
        except Exception:
            self._unreachable = True
            log.warning(
                "could not fetch the JWKS; keeping the last keys",
                exc_info=True,
                extra={"jwks_url": self.url},
            )


def _fetch_json(url: str, timeout: float) -> Mapping[str, Any]:
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    return response.json()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
