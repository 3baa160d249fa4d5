"""The real PostgreSQL, RabbitMQ and Redis the tests use, where each one comes from, and what
tests do when there is none.

For each server, the first of these that applies:

1. an explicit URL in the environment (``TEST_PG_ADMIN_URL`` and optionally
   ``TEST_PG_URL_BASE``, ``TEST_AMQP_URL``, ``TEST_REDIS_URL``): used as given, and never
   replaced by a container, because whoever set it meant that server;
2. the server on 127.0.0.1 at its default port (5432, 5672, 6379), when it answers: what CI
   and most developers have;
3. outside CI, when Docker answers: one container per test session, started by testcontainers
   the first time a test needs that server and removed at the session's end (the root
   conftest.py calls :func:`stop_containers`; testcontainers' reaper removes it too if pytest
   is killed). Every test of the session then uses that container;
4. none: the test is skipped, saying why, so `make test` still passes on a laptop that has
   only Python; with CI=true it fails loudly instead, since CI must run them all.

``THIDUA_TEST_SERVERS`` changes the order: ``containers`` uses containers only (to try that
path on a machine that has the servers too), ``local`` never starts one; ``auto`` (the
default) is the order above. Nothing is probed or started before a test asks for it.

The module keeps the names the tests have always read (``infra.AMQP_URL``,
``infra.PG_ADMIN_URL``...); they are looked up when read (see :func:`__getattr__`), so they
name the resolved server, container or not.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

log = logging.getLogger(__name__)

SWITCH = "THIDUA_TEST_SERVERS"
MODES = ("auto", "local", "containers")

# Pinned tags: the same major versions as deploy/compose.yaml and deploy/k8s (PostgreSQL 15,
# RabbitMQ 3.13 with its management API, which the external-queue test can use instead of a
# rabbitmqctl on this machine, Redis 7.2).
POSTGRES_IMAGE = "postgres:15.8"
RABBITMQ_IMAGE = "rabbitmq:3.13.7-management"
REDIS_IMAGE = "redis:7.2.5-alpine"

ENVIRONMENT, LOCAL, CONTAINER, MISSING = "environment", "local", "container", "missing"


# -- the choice, a pure function of what answers ----------------------------------------------


@dataclass(frozen=True)
class Choice:
    """Where a server comes from; ``reason`` says why when it is not the configured one."""

    source: str  # ENVIRONMENT, LOCAL, CONTAINER or MISSING
    reason: str = ""


Probe = Callable[[], str | None]  # None when it answers, else what went wrong


def choose(
    *, mode: str, explicit: bool, ci: bool, configured_problem: Probe, docker_problem: Probe
) -> Choice:
    """Pick a server's source; the probes are called only when their answer decides.

    ``explicit``: the environment names the server's URL. ``configured_problem`` probes that
    URL, or the 127.0.0.1 default without one; ``docker_problem`` probes the Docker daemon.
    """
    if mode == "containers":
        problem = docker_problem()
        if problem is None:
            return Choice(CONTAINER, f"{SWITCH}=containers")
        return Choice(MISSING, f"{SWITCH}=containers but Docker does not answer ({problem})")
    problem = configured_problem()
    if problem is None:
        return Choice(ENVIRONMENT if explicit else LOCAL)
    if explicit:
        return Choice(MISSING, f"{problem} (set in the environment, so no container replaces it)")
    if mode == "local":
        return Choice(MISSING, f"{problem} ({SWITCH}=local: no container)")
    if ci:
        return Choice(MISSING, f"{problem} (CI=true: CI uses its own servers, no container)")
    docker = docker_problem()
    if docker is None:
        return Choice(CONTAINER, problem)
    return Choice(MISSING, f"{problem}; and no container either: Docker does not answer ({docker})")


def mode() -> str:
    """The value of THIDUA_TEST_SERVERS; a typo stops the run before any test (conftest.py)."""
    value = os.environ.get(SWITCH, "auto").strip().lower() or "auto"
    if value not in MODES:
        raise pytest.UsageError(f"{SWITCH}={value!r}: expected one of {', '.join(MODES)}")
    return value


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


# -- probes -----------------------------------------------------------------------------------


def postgres_problem(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as error:
        return f"PostgreSQL unreachable at {_redacted(url)}: {error}".strip()


def rabbitmq_problem(url: str) -> str | None:
    host, port = _host_port(url, 5672)
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as error:
        return f"RabbitMQ unreachable at {host}:{port}: {error}"


def redis_problem(url: str) -> str | None:
    connection = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        connection.ping()
        return None
    except redis.RedisError as error:
        return f"Redis unreachable at {_redacted(url)}: {error}"
    finally:
        connection.close()


@cache
def docker_problem() -> str | None:
    """Whether the Docker daemon testcontainers would use answers (asked once per session)."""
    try:
        from testcontainers.core.docker_client import DockerClient
    except ImportError as error:  # requirements-dev.txt has it; an older .venv may not
        return f"testcontainers is not installed ({error})"
    try:
        client = DockerClient(timeout=3).client
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # docker raises DockerException, requests' errors, OSError
        return f"{type(error).__name__}: {error}"
    return None


# -- containers -------------------------------------------------------------------------------


class Stoppable(Protocol):
    def stop(self) -> None: ...


@dataclass(frozen=True)
class Started:
    """A container that runs, and the URLs of its server."""

    container: Stoppable
    url: str
    management_url: str | None = None


def start_postgres() -> Started:
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(
        POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres", driver=None
    )
    container.start()  # waits until psql inside answers
    return Started(container, container.get_connection_url())


def start_rabbitmq() -> Started:
    from testcontainers.community.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer(RABBITMQ_IMAGE, username="guest", password="guest")
    container.with_exposed_ports(15672)
    container.start()  # waits until an AMQP connection opens
    host = container.get_container_host_ip()
    url = f"amqp://guest:guest@{host}:{container.get_exposed_port(5672)}//"
    management = f"http://guest:guest@{host}:{container.get_exposed_port(15672)}"
    return Started(container, url, management)


def start_redis() -> Started:
    from testcontainers.community.redis import RedisContainer

    container = RedisContainer(REDIS_IMAGE)
    container.start()  # waits until PING answers
    host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
    return Started(container, f"redis://{host}:{port}/15")


# -- the servers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """One kind of server: how it is configured, probed and started."""

    name: str
    variable: str  # the environment variable that names its URL
    default_url: str  # on 127.0.0.1 at the default port
    problem: Callable[[str], str | None]
    start: Callable[[], Started]
    image: str


KINDS: dict[str, Kind] = {
    "postgres": Kind(
        "PostgreSQL",
        "TEST_PG_ADMIN_URL",
        "postgresql://postgres@127.0.0.1:5432/postgres",
        postgres_problem,
        start_postgres,
        POSTGRES_IMAGE,
    ),
    "rabbitmq": Kind(
        "RabbitMQ",
        "TEST_AMQP_URL",
        "amqp://guest:guest@127.0.0.1:5672//",
        rabbitmq_problem,
        start_rabbitmq,
        RABBITMQ_IMAGE,
    ),
    "redis": Kind(
        "Redis",
        "TEST_REDIS_URL",
        "redis://127.0.0.1:6379/15",  # database 15: nothing else on a developer's Redis uses it
        redis_problem,
        start_redis,
        REDIS_IMAGE,
    ),
}


@dataclass(frozen=True)
class Server:
    """A resolved server. ``url`` is PostgreSQL's admin (libpq) URL, the AMQP URL, or Redis'."""

    kind: str
    source: str
    url: str
    problem: str | None = None  # why it cannot be used (source == MISSING)
    management_url: str | None = None  # RabbitMQ in a container: its management API

    @property
    def host(self) -> str:
        return _host_port(self.url, 0)[0]

    @property
    def port(self) -> int:
        return _host_port(self.url, 0)[1]


_servers: dict[str, Server] = {}
_containers: list[Stoppable] = []


def server(key: str) -> Server:
    """The session's ``key`` server ("postgres", "rabbitmq", "redis"), resolved on first use."""
    if key not in _servers:
        _servers[key] = _resolve(KINDS[key])
    return _servers[key]


def _resolve(kind: Kind) -> Server:
    explicit = os.environ.get(kind.variable)
    url = explicit or kind.default_url
    choice = choose(
        mode=mode(),
        explicit=bool(explicit),
        ci=in_ci(),
        configured_problem=lambda: kind.problem(url),
        docker_problem=docker_problem,
    )
    if choice.source == MISSING:
        return Server(kind.name, MISSING, url, problem=choice.reason)
    if choice.source != CONTAINER:
        return Server(kind.name, choice.source, url)
    log.warning("%s: starting a %s container for this test session", choice.reason, kind.image)
    try:
        started = kind.start()
    except Exception as error:  # no image, no registry, a port clash: say which, then skip
        reason = f"{choice.reason}; the {kind.image} container did not start: {error}"
        return Server(kind.name, MISSING, url, problem=reason)
    _containers.append(started.container)
    return Server(kind.name, CONTAINER, started.url, management_url=started.management_url)


def started_servers() -> list[str]:
    """The servers this session runs in containers, as "RabbitMQ at localhost:32771"."""
    return [f"{s.kind} at {s.host}:{s.port}" for s in _servers.values() if s.source == CONTAINER]


def stop_containers() -> None:
    """Remove the session's containers; the next test that asks resolves the servers again."""
    while _containers:
        container = _containers.pop()
        try:
            container.stop()
        except Exception:  # one that will not stop must not keep the others running
            log.exception("could not stop a test container")
    _servers.clear()


# -- what the tests call ----------------------------------------------------------------------


def missing() -> str | None:
    """Why PostgreSQL and RabbitMQ cannot be used, or None when both are there."""
    for key in ("postgres", "rabbitmq"):
        problem = server(key).problem
        if problem is not None:
            return problem
    return None


def skip_or_fail(needs: str, reason: str) -> None:
    """Skip the test for ``reason``; under CI=true, where nothing may be missing, fail it."""
    if in_ci():
        pytest.fail(f"CI=true and the infrastructure is missing: {reason}", pytrace=False)
    pytest.skip(f"needs {needs} ({reason})")


def require() -> None:
    """Skip the test (fail it under CI=true) unless PostgreSQL and RabbitMQ are there."""
    reason = missing()
    if reason is not None:
        skip_or_fail("PostgreSQL and RabbitMQ", reason)


def require_redis() -> str:
    """The Redis URL (database 15) for the test; skip it (fail under CI=true) without one."""
    redis_server = server("redis")
    if redis_server.problem is not None:
        skip_or_fail("Redis", redis_server.problem)
    return redis_server.url


def pg_url_base() -> str:
    """The SQLAlchemy URL of the PostgreSQL server without a database (append "/name")."""
    postgres = server("postgres")
    if postgres.source != CONTAINER and os.environ.get("TEST_PG_URL_BASE"):
        return os.environ["TEST_PG_URL_BASE"]
    return f"postgresql+psycopg://{urlsplit(postgres.url).netloc}"


def create_database(name: str) -> str:
    with psycopg.connect(server("postgres").url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{pg_url_base()}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(server("postgres").url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_NAMES: dict[str, Callable[[], str | int]] = {
    "PG_ADMIN_URL": lambda: server("postgres").url,
    "PG_HOST_URL": pg_url_base,
    "PG_HOST": lambda: server("postgres").host,
    "PG_PORT": lambda: server("postgres").port,
    "AMQP_URL": lambda: server("rabbitmq").url,
    "AMQP_HOST": lambda: server("rabbitmq").host,
    "AMQP_PORT": lambda: server("rabbitmq").port,
    "RABBITMQ_MANAGEMENT_URL": lambda: server("rabbitmq").management_url or "",
    "REDIS_URL": lambda: server("redis").url,
}


def __getattr__(name: str) -> str | int:
    """``infra.AMQP_URL`` and the like, read when used: the server may be a container that
    starts only then, on a port Docker chose. A missing server's names keep the URL it was
    looked for at, so a test that only passes a URL along behaves as before."""
    if name in _NAMES:
        return _NAMES[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
