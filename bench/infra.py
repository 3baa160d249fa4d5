"""The real infrastructure (PostgreSQL and RabbitMQ), used without touching anyone else's.

Others run tests on the same servers at the same time, so a benchmark gets databases and a
bus prefix of its own, named with a random token, and removes them when it ends, failed or
not. ``BENCH_POSTGRES_URL`` (a libpq URL of a database to connect to for CREATE DATABASE) and
``BENCH_AMQP_URL`` point elsewhere than the local defaults.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from kit.events import bus

log = logging.getLogger(__name__)


class Unavailable(RuntimeError):
    """PostgreSQL or RabbitMQ cannot be reached: the infra stack is skipped, not failed."""


def postgres_admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def amqp_url() -> str:
    return os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def check() -> None:
    """Raise Unavailable unless both servers answer within a few seconds."""
    try:
        with psycopg.connect(postgres_admin_url(), connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        raise Unavailable(f"PostgreSQL at {_redacted(postgres_admin_url())}: {error}") from error
    try:
        bus.ping(amqp_url(), timeout=3)
    except Exception as error:  # kombu raises whatever the socket raised
        raise Unavailable(f"RabbitMQ at {_redacted(amqp_url())}: {error!r}") from error


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_url(name: str) -> str:
    """The SQLAlchemy URL of the database ``name`` on the admin URL's server."""
    admin = make_url(postgres_admin_url())
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def create_databases(names: Iterable[str]) -> None:
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=5) as connection:
        for name in names:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_databases(names: Iterable[str]) -> None:
    """Drop them even if a process of ours left a connection open (FORCE, PostgreSQL 13+)."""
    with psycopg.connect(postgres_admin_url(), autocommit=True, connect_timeout=5) as connection:
        for name in names:
            try:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            except psycopg.Error:
                log.exception("could not drop the bench database %s", name)


def delete_bus_objects(prefix: str, consumers: Iterable[str]) -> None:
    """Delete the queues of ``consumers`` and the exchanges under ``prefix``."""
    topology = bus.Topology(prefix)
    with bus.connect(amqp_url()) as connection:
        connection.ensure_connection(max_retries=2)
        entities = []
        for service in consumers:
            entities.append(topology.service_queue(service, []))
            entities.append(topology.dead_letter_queue(service))
        entities += [topology.events, topology.retry, topology.dead]
        for entity in entities:
            # A channel each: the broker closes a channel whose command failed.
            try:
                with connection.channel() as channel:
                    entity(channel).delete()
            except Exception:
                log.exception("could not delete %s", entity.name)
