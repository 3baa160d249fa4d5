"""The gateway's settings, read once from the environment.

Every setting has a default that matches the embedded mode (every process on one machine, the
ports of the Procfile), so ``make up`` needs no configuration. A deployment points the gateway
elsewhere with ``GATEWAY_UPSTREAM_<NAME>``, tunes the timeouts, says how many proxies stand in
front of it, where rate-limit counters live (``GATEWAY_RATE_LIMIT_STORAGE``, Redis in
production) and on which port of its own it serves its metrics (``GATEWAY_METRICS_PORT``)
without a code change. A malformed value stops the gateway at start-up, naming the
variable, rather than being ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from limits import parse_many

from kit.config import DEFAULT_AUDIENCE, DEFAULT_ISSUER, secret

# The services behind the gateway, in the order the documentation lists them.
SERVICES: tuple[str, ...] = ("identity", "criteria", "scoring", "awards", "notify")
DEFAULT_PORTS: Mapping[str, int] = {
    "identity": 8101,
    "criteria": 8102,
    "scoring": 8103,
    "awards": 8104,
    "notify": 8105,
}
# The web application (web/): every path that is not the API's or the gateway's own goes there.
WEB_PORT = 8090


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {raw!r}")
    return value


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate in the ``limits`` notation: ``600/minute``, or several: ``20/second;600/minute``."""
    raw = (env.get(name) or "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        raise ValueError(f"{name} must be a rate such as '600/minute', not {raw!r}") from None
    return raw


@dataclass(frozen=True)
class Settings:
    """Where the upstreams are, how long the gateway waits for them, and whom it lets in."""

    upstreams: Mapping[str, str]  # service name -> base URL without a trailing slash
    connect_timeout: float
    read_timeout: float
    ready_timeout: float
    openapi_ttl: float
    pool_size: int
    max_body_bytes: int
    upload_max_bytes: int
    jwks_url: str
    jwks_ttl: float
    jwks_cooldown: float
    # How many verified tokens a worker remembers until they expire (gateway.auth); 0: none.
    token_cache_size: int
    trusted_proxies: int  # how many proxies of ours stand in front of the gateway
    rate_limit_storage: str
    rate_limit_client: str  # per verified token subject
    rate_limit_address: str  # per client address, on every route but the operators' ones
    rate_limit_token: str  # per client address, on identity's token endpoint only
    # Where the gateway's own Prometheus metrics are served: a port of their own, never the
    # public one (gateway.metrics.serve); None serves none.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # The iss and aud every access token must carry: the same as identity's and the services'.
    token_issuer: str = DEFAULT_ISSUER
    token_audience: str = DEFAULT_AUDIENCE

    # The web application, not a service: not under /api/v1, not in /readyz (it asks the
    # gateway's own readiness, and the two must not wait for each other) nor in the OpenAPI.
    web_upstream: str = f"http://127.0.0.1:{WEB_PORT}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        upstreams = {
            name: (
                env.get(f"GATEWAY_UPSTREAM_{name.upper()}") or f"http://127.0.0.1:{port}"
            ).rstrip("/")
            for name, port in DEFAULT_PORTS.items()
        }
        return cls(
            upstreams=upstreams,
            connect_timeout=_number(env, "GATEWAY_CONNECT_TIMEOUT", 2.0),
            read_timeout=_number(env, "GATEWAY_READ_TIMEOUT", 15.0),
            ready_timeout=_number(env, "GATEWAY_READY_TIMEOUT", 1.5),
            openapi_ttl=_number(env, "GATEWAY_OPENAPI_TTL", 30.0),
            # A gthread worker serves GUNICORN_THREADS requests at once; the readiness probe
            # and the OpenAPI fetch add a few more, so the pool keeps some spare connections.
            pool_size=int(_number(env, "GATEWAY_POOL_SIZE", 10)),
            max_body_bytes=int(_number(env, "THIDUA_MAX_BODY_BYTES", 1024 * 1024)),
            # Evidence files (multipart uploads) may be larger than any JSON body.
            upload_max_bytes=int(_number(env, "GATEWAY_UPLOAD_MAX_BYTES", 21 * 1024 * 1024)),
            jwks_url=(
                env.get("GATEWAY_JWKS_URL") or upstreams["identity"] + "/.well-known/jwks.json"
            ),
            jwks_ttl=_number(env, "GATEWAY_JWKS_TTL", 300.0),
            jwks_cooldown=_number(env, "GATEWAY_JWKS_COOLDOWN", 30.0),
            token_cache_size=_count(env, "GATEWAY_TOKEN_CACHE_SIZE", 4096),
            trusted_proxies=_count(env, "GATEWAY_TRUSTED_PROXIES", 0),
            # A Redis URL may carry a password: GATEWAY_RATE_LIMIT_STORAGE_FILE then.
            rate_limit_storage=secret(env, "GATEWAY_RATE_LIMIT_STORAGE") or "memory://",
            rate_limit_client=_rate(env, "GATEWAY_RATE_LIMIT_CLIENT", "600/minute"),
            rate_limit_address=_rate(env, "GATEWAY_RATE_LIMIT_ADDRESS", "1200/minute"),
            rate_limit_token=_rate(env, "GATEWAY_RATE_LIMIT_TOKEN", "20/minute"),
            metrics_port=_count(env, "GATEWAY_METRICS_PORT", 0) or None,
            metrics_host=env.get("BIND_HOST") or "127.0.0.1",  # as gunicorn's (kit.gunicorn_conf)
            token_issuer=env.get("THIDUA_TOKEN_ISSUER", DEFAULT_ISSUER),
            token_audience=env.get("THIDUA_TOKEN_AUDIENCE", DEFAULT_AUDIENCE),
            web_upstream=(env.get("GATEWAY_UPSTREAM_WEB") or f"http://127.0.0.1:{WEB_PORT}").rstrip(
                "/"
            ),
        )
