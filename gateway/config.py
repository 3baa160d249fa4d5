"""The gateway's settings, read once from the environment.

Every setting has a default that matches the embedded mode (every process on one machine, the
ports of the Procfile), so ``make up`` needs no configuration. A deployment points the gateway
elsewhere with ``GATEWAY_UPSTREAM_<NAME>`` and tunes the timeouts without a code change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# The services behind the gateway, in the order the documentation lists them.
SERVICES: tuple[str, ...] = ("identity", "criteria", "scoring", "awards", "notify")
DEFAULT_PORTS: Mapping[str, int] = {
    "identity": 8101,
    "criteria": 8102,
    "scoring": 8103,
    "awards": 8104,
    "notify": 8105,
}


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


@dataclass(frozen=True)
class Settings:
    """Where the upstreams are and how long the gateway waits for them."""

    upstreams: Mapping[str, str]  # service name -> base URL without a trailing slash
    connect_timeout: float
    read_timeout: float
    ready_timeout: float
    openapi_ttl: float
    pool_size: int
    max_body_bytes: int

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
        )
