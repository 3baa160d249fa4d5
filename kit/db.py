"""One database per service: the engine, transactions, and column types that behave the same
on SQLite (embedded) and PostgreSQL (production).

SQLite is opened in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes can fail at once with
"database is locked" when another process wrote in between, whereas an immediate one waits
its turn. Read-only work uses ``Database.read()``, which starts a plain deferred transaction.

On PostgreSQL every wait is bounded (``POSTGRES_WAITS``): connecting, a statement, a lock, a
transaction left idle by a client that died, and a peer that vanished without closing the
connection (TCP keepalives). A wait that runs out raises; the HTTP edge answers it, like a lost
connection, with a 503 that names the cause (``unavailable_cause``), so no request, and no
worker, waits for ever behind a transaction nobody will finish. The database URL may set any
of them itself (a libpq parameter in its query string, or ``-c name=value`` in its
``options``), which wins.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import BigInteger, DateTime, Engine, Integer, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = [
    "POSTGRES_WAITS",
    "BigId",
    "Database",
    "UTCDateTime",
    "make_engine",
    "unavailable_cause",
    "utcnow",
]

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# libpq connection parameters: give up connecting after 5 s; probe an idle connection after
# 30 s, every 10 s, and drop it after 3 unanswered probes (a peer gone without a FIN).
POSTGRES_CONNECTION = {
    "connect_timeout": "5",
    "keepalives": "1",
    "keepalives_idle": "30",
    "keepalives_interval": "10",
    "keepalives_count": "3",
}
# Server settings of each session (milliseconds): one statement may run 60 s; a lock is waited
# for 5 s; a transaction left open and idle for 60 s (its client died, or a partition left
# the connection half-open) is ended by the server, which releases its locks. The server's
# own defaults (deploy/k8s) say the same, for connections that are not ours.
POSTGRES_WAITS = {
    "statement_timeout": "60000",
    "lock_timeout": "5000",
    "idle_in_transaction_session_timeout": "60000",
    # The server's side of the keepalives: it notices a client host gone without a word.
    "tcp_keepalives_idle": "30",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
}
# How long a request waits for a free connection of the pool before it fails.
POOL_TIMEOUT_S = 10

# The SQLSTATEs of a wait that ran out: lock_timeout (55P03) and statement_timeout (57014);
# and the classes of a connection lost: 08 (connection exception), 57P (server shut down).
_WAIT_STATES = {"55P03": "lock_timeout", "57014": "statement_timeout"}
_CONNECTION_STATES = ("08", "57P")


def _postgres_connect_args(url: URL) -> dict[str, str]:
    """The bounded waits the URL does not set itself, as psycopg connect arguments."""
    connect_args = {k: v for k, v in POSTGRES_CONNECTION.items() if k not in url.query}
    options = str(url.query.get("options", ""))
    waits = " ".join(f"-c {k}={v}" for k, v in POSTGRES_WAITS.items() if f"{k}=" not in options)
    if waits:
        connect_args["options"] = f"{options} {waits}".strip()
    return connect_args


def unavailable_cause(error: BaseException) -> str | None:
    """Why the database could not serve, when that is no fault of the request: a bounded wait
    that ran out (``lock_timeout``, ``statement_timeout``; SQLite's busy timeout counts as a
    lock wait), no free connection in the pool (``database_busy``), or the connection lost or
    refused (``database_unavailable``). None for anything else (a bug stays a 500)."""
    if isinstance(error, SQLAlchemyTimeout):
        return "database_busy"
    original = getattr(error, "orig", None) or error
    state = getattr(original, "sqlstate", None)
    if state in _WAIT_STATES:
        return _WAIT_STATES[state]
    if isinstance(original, sqlite3.OperationalError):
        return "lock_timeout" if "database is locked" in str(original) else None
    if getattr(error, "connection_invalidated", False):
        return "database_unavailable"
    if isinstance(original, psycopg.OperationalError) and (
        state is None or state.startswith(_CONNECTION_STATES)
    ):
        return "database_unavailable"
    return None


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            pool_timeout=POOL_TIMEOUT_S,
            connect_args=_postgres_connect_args(parsed),
        )

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None hands transaction control to us (see the "begin" hook below).
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class Database:
    """A service's database: ``transaction()`` for work that writes, ``read()`` for queries.

    A request may run in one transaction of its own (``begin_request_transaction``, which
    kit.idempotency uses for a POST with an Idempotency-Key): until it ends, every
    ``transaction()`` and ``read()`` of this thread joins it, each in a savepoint, so the
    request's effects and what is kept of it commit together, or not at all.
    """

    def __init__(self, url: str, service: str) -> None:
        self.url = url
        self.service = service
        self.engine = make_engine(url)
        # session.info carries the service name so the outbox can stamp the event source.
        self._writer = sessionmaker(self.engine, expire_on_commit=False, info={"service": service})
        self._reader = sessionmaker(
            self.engine.execution_options(read_only=True),
            expire_on_commit=False,
            info={"service": service},
        )
        self._request: ContextVar[Session | None] = ContextVar(f"{service}-request", default=None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends normally, roll back when it raises (inside a request's
        own transaction: release or roll back a savepoint of it)."""
        joined = self._request.get()
        if joined is not None:
            with joined.begin_nested():
                yield joined
            return
        with self._writer.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        joined = self._request.get()
        if joined is not None:  # sees what the request has written so far
            with joined.begin_nested():
                yield joined
            return
        with self._reader() as session:
            yield session

    # -- a request in one transaction ----------------------------------------------------

    def begin_request_transaction(self) -> Session:
        """Open the transaction that this thread's work joins until ``end_request_transaction``."""
        if self._request.get() is not None:
            raise RuntimeError("a request transaction is already open")
        session = self._writer()
        session.begin()
        self._request.set(session)
        return session

    def request_session(self) -> Session | None:
        """The open request transaction's session, if any."""
        return self._request.get()

    def end_request_transaction(self, *, commit: bool) -> None:
        """Commit (or roll back) the request's transaction and stop joining it. A failed
        commit is rolled back and raised. Does nothing when none is open."""
        session = self._request.get()
        if session is None:
            return
        self._request.set(None)
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
