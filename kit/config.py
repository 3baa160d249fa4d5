"""Settings read from the environment, once, into one immutable object per service.

Every setting has a default that runs the embedded mode (SQLite files and the local bus
under ``var/``), so a fresh clone starts with no configuration at all. Production points the
same code at PostgreSQL and RabbitMQ with ``<SERVICE>_DATABASE_URL`` and ``AMQP_URL``.

Secrets as files (``secret``): a secret setting ``NAME`` may instead be given as ``NAME_FILE``,
the path of a file holding it (a Kubernetes Secret mounted as a volume), so the value is in no
environment variable a crash dump, ``/proc/<pid>/environ`` or a child process would show.
``AMQP_URL_FILE`` holds the broker's URL; the database URL stays a setting without its
password, and ``<SERVICE>_DATABASE_PASSWORD_FILE`` names the file whose content is put into it
(``database_url``).

A service with settings of its own extends ``Settings``: a frozen dataclass subclass whose
fields all have defaults, with a ``read_own(env)`` classmethod that reads them, named in its
``Service`` descriptor (``Service(settings=ScoringSettings, ...)``). ``from_env`` reads the
kit's fields and then the service's, once, when the app factory or the command line starts;
from then on code asks the settings (``kit.app.runtime().settings``, the command's context
object), never the environment.

Not read here: the settings of a process rather than of a service, which the process needs
before it knows which service it runs: gunicorn's (``kit.gunicorn_conf``), the HTTP server's
limits (``kit.serving``), ``LOG_LEVEL`` (``kit.logs``), ``PROMETHEUS_MULTIPROC_DIR``
(``kit.metrics``, read when prometheus_client reads it) and ``THIDUA_FAILPOINTS``
(``kit.failpoints``, fault tests only).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlalchemy.engine import make_url

from kit.clientaddr import LOOPBACK, Network, parse_networks
from kit.heartbeat import DEFAULT_MAX_AGE_S

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_ISSUER",
    "DEFAULT_JWKS_URL",
    "Settings",
    "database_url",
    "database_url_variable",
    "secret",
    "var_dir",
]

DEFAULT_JWKS_URL = "http://127.0.0.1:8101/.well-known/jwks.json"
# What identity writes into access tokens and every verifier requires (iss, aud).
DEFAULT_ISSUER = "urn:thidua:identity"
DEFAULT_AUDIENCE = "urn:thidua:api"

S = TypeVar("S", bound="Settings")


def var_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where embedded-mode state lives: databases, the local bus, metrics, logs
    (``THIDUA_VAR``, default ``var``)."""
    env = os.environ if env is None else env
    return Path(env.get("THIDUA_VAR", "var")).resolve()


def database_url_variable(service: str) -> str:
    """``IDENTITY_DATABASE_URL`` for identity (dashes become underscores)."""
    return f"{service.upper().replace('-', '_')}_DATABASE_URL"


def secret(env: Mapping[str, str], name: str, *, optional: bool = False) -> str | None:
    """The secret setting ``name``: the content of the file ``<name>_FILE`` names (one trailing
    newline stripped, as ``echo`` and editors leave one), else the variable itself, else None.

    Both at once is refused: which one wins would be a guess, and a stale value would go
    unnoticed. An empty value counts as unset, as elsewhere in the settings. A file that does
    not exist is an error, unless the secret is ``optional`` (a Secret volume marked optional
    that the operator did not create: the folder is there, empty)."""
    path = env.get(f"{name}_FILE")
    value = env.get(name)
    if path and value:
        raise ValueError(f"set {name} or {name}_FILE, not both")
    if not path:
        return value or None
    try:
        content = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        if optional:
            return None
        raise ValueError(f"{name}_FILE: no file {path}") from None
    except OSError as error:
        raise ValueError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None
    return content.removesuffix("\n").removesuffix("\r") or None


def database_url(service: str, env: Mapping[str, str]) -> str | None:
    """``<SERVICE>_DATABASE_URL`` (or its ``_FILE``) with the password of
    ``<SERVICE>_DATABASE_PASSWORD_FILE`` put into it, when that is set: a manifest then
    writes the URL in clear and keeps only the password in a Secret. SQLAlchemy escapes the
    password as the URL needs, so any password works."""
    variable = database_url_variable(service)
    url = secret(env, variable)
    password = secret(env, variable.removesuffix("_URL") + "_PASSWORD")
    if url is None or password is None:
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def _not_negative(env: Mapping[str, str], name: str, default: float) -> float:
    """A duration setting: a negative one would archive or forget what is still to come."""
    value = float(env.get(name) or default)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    """A duration that must be above zero (a max age of 0 would restart a healthy worker)."""
    value = float(env.get(name) or default)
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """The settings every service has (docs/operations.md, "Configuration", names them)."""

    service: str
    database_url: str
    bus_url: str
    bus_prefix: str
    max_body_bytes: int
    event_max_attempts: int
    confirm_timeout_s: float
    jwks_url: str = DEFAULT_JWKS_URL
    # Whose X-Real-IP the service believes (kit.clientaddr): the embedded gateway by default.
    trusted_proxies: tuple[Network, ...] = parse_networks(LOOPBACK)
    # The iss and aud of access tokens: the same in every process of the platform.
    token_issuer: str = DEFAULT_ISSUER
    token_audience: str = DEFAULT_AUDIENCE
    # Where a relay, consumer or scheduler serves its metrics (kit.metrics.serve); None: not.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # A consumer's batches (kit.events.consumer): at most this many messages per transaction,
    # flushed at the latest this long after the batch's first message arrived.
    consumer_batch_size: int = 100
    consumer_batch_wait_s: float = 0.02
    # Retention (`prune`, docs/operations.md "Retention"): published outbox rows older than
    # this move to the archive; Idempotency-Keys older than this are forgotten.
    outbox_retention_days: float = 7.0
    idempotency_ttl_hours: float = 24.0
    # A worker's /livez answers 503 once its loop has not gone round for this long
    # (kit.heartbeat): longer than the longest legitimate wait between two rounds.
    heartbeat_max_age_s: float = DEFAULT_MAX_AGE_S

    @property
    def embedded_bus(self) -> bool:
        return self.bus_url.startswith("local://")

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Self:
        """The kit's settings and, for a service's subclass, its own (``read_own``)."""
        env = os.environ if env is None else env
        url = database_url(service, env) or f"sqlite:///{var_dir(env) / 'db' / service}.sqlite3"
        bus_url = secret(env, "AMQP_URL") or f"local://{var_dir(env) / 'bus'}"
        return cls(
            service=service,
            database_url=url,
            bus_url=bus_url,
            bus_prefix=env.get("THIDUA_BUS_PREFIX", "thidua"),
            max_body_bytes=int(env.get("THIDUA_MAX_BODY_BYTES", str(1024 * 1024))),
            event_max_attempts=int(env.get("THIDUA_EVENT_MAX_ATTEMPTS", "5")),
            confirm_timeout_s=float(env.get("THIDUA_CONFIRM_TIMEOUT", "10")),
            jwks_url=env.get("THIDUA_JWKS_URL", DEFAULT_JWKS_URL),
            trusted_proxies=parse_networks(env.get("THIDUA_TRUSTED_PROXIES", LOOPBACK)),
            token_issuer=env.get("THIDUA_TOKEN_ISSUER", DEFAULT_ISSUER),
            token_audience=env.get("THIDUA_TOKEN_AUDIENCE", DEFAULT_AUDIENCE),
            metrics_port=int(env.get("THIDUA_METRICS_PORT") or 0) or None,
            metrics_host=env.get("BIND_HOST", "127.0.0.1"),
            consumer_batch_size=int(env.get("THIDUA_CONSUMER_BATCH_SIZE", "100")),
            consumer_batch_wait_s=float(env.get("THIDUA_CONSUMER_BATCH_WAIT_S", "0.02")),
            outbox_retention_days=_not_negative(env, "THIDUA_OUTBOX_RETENTION_DAYS", 7.0),
            idempotency_ttl_hours=_not_negative(env, "THIDUA_IDEMPOTENCY_TTL_HOURS", 24.0),
            heartbeat_max_age_s=_positive(env, "THIDUA_HEARTBEAT_MAX_AGE_S", DEFAULT_MAX_AGE_S),
            **cls.read_own(env),
        )

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        """A subclass's own fields, read from ``env`` (field name -> value); the kit has none."""
        return {}

    def extended(self, kind: type[S], env: Mapping[str, str] | None = None) -> S:
        """These settings as ``kind``, a service's subclass: the kit's values as they are, the
        service's own read from ``env``. The app factory uses it when it is handed the kit's
        settings alone (the tests build those for their stack)."""
        if isinstance(self, kind):
            return self
        env = os.environ if env is None else env
        kept = {f.name: getattr(self, f.name) for f in fields(Settings)}
        return kind(**kept, **kind.read_own(env))
