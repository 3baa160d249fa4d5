"""Settings read from the environment, once, into one immutable object per service.

Every setting has a default that runs the embedded mode (SQLite files and the local bus
under ``var/``), so a fresh clone starts with no configuration at all. Production points the
same code at PostgreSQL and RabbitMQ with ``<SERVICE>_DATABASE_URL`` and ``AMQP_URL``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kit.clientaddr import LOOPBACK, Network, parse_networks


def var_dir() -> Path:
    """Where embedded-mode state lives: databases, the local bus, metrics, logs."""
    return Path(os.environ.get("THIDUA_VAR", "var")).resolve()


def database_url_variable(service: str) -> str:
    """``IDENTITY_DATABASE_URL`` for identity (dashes become underscores)."""
    return f"{service.upper().replace('-', '_')}_DATABASE_URL"


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    bus_url: str
    bus_prefix: str
    max_body_bytes: int
    event_max_attempts: int
    confirm_timeout_s: float
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    # Whose X-Real-IP the service believes (kit.clientaddr): the embedded gateway by default.
    trusted_proxies: tuple[Network, ...] = parse_networks(LOOPBACK)

    @property
    def embedded_bus(self) -> bool:
        return self.bus_url.startswith("local://")

    @classmethod
    def from_env(cls, service: str) -> Settings:
        env = os.environ
        database_url = env.get(database_url_variable(service)) or (
            f"sqlite:///{var_dir() / 'db' / service}.sqlite3"
        )
        bus_url = env.get("AMQP_URL") or f"local://{var_dir() / 'bus'}"
        return cls(
            service=service,
            database_url=database_url,
            bus_url=bus_url,
            bus_prefix=env.get("THIDUA_BUS_PREFIX", "thidua"),
            max_body_bytes=int(env.get("THIDUA_MAX_BODY_BYTES", str(1024 * 1024))),
            event_max_attempts=int(env.get("THIDUA_EVENT_MAX_ATTEMPTS", "5")),
            confirm_timeout_s=float(env.get("THIDUA_CONFIRM_TIMEOUT", "10")),
            jwks_url=env.get("THIDUA_JWKS_URL", "http://127.0.0.1:8101/.well-known/jwks.json"),
            trusted_proxies=parse_networks(env.get("THIDUA_TRUSTED_PROXIES", LOOPBACK)),
        )
