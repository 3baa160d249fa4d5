"""The real PostgreSQL and RabbitMQ on 127.0.0.1, and what tests do when they are missing.

With CI=true a missing server fails the test loudly; elsewhere the test is skipped with the
reason, so `make test` still passes on a laptop that has only Python.
"""

from __future__ import annotations

import os
import socket
from functools import cache

import psycopg
import pytest

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST_URL = os.environ.get("TEST_PG_URL_BASE", "postgresql+psycopg://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
AMQP_HOST, AMQP_PORT = "127.0.0.1", 5672


@cache
def missing() -> str | None:
    """Why the infrastructure cannot be used, or None when both servers answer."""
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            pass
    except Exception as error:
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {error}"
    try:
        with socket.create_connection((AMQP_HOST, AMQP_PORT), timeout=3):
            pass
    except OSError as error:
        return f"RabbitMQ unreachable at {AMQP_HOST}:{AMQP_PORT}: {error}"
    return None


def require() -> None:
    reason = missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the infrastructure is missing: {reason}", pytrace=False)
    pytest.skip(f"needs PostgreSQL and RabbitMQ ({reason})")


def create_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_HOST_URL}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
