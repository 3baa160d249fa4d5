"""The transactional outbox: emit an event in the same transaction as the change it reports.

``emit`` only inserts a row; nothing touches the broker here. If the surrounding transaction
rolls back, the event never existed. If it commits, the relay (kit.events.relay) publishes it,
however long the broker is away and however often processes die in between.

Published rows do not stay in the outbox for ever: ``archive``, run by the retention job
(``python -m services.<name> prune``), moves those published longer ago than the retention
(``THIDUA_OUTBOX_RETENTION_DAYS``) into ``event_archive``, which keeps them and which
``events replay`` reads together with the outbox (kit.events.replay). The relay's tables stay
small; the service's record of what it said stays whole.

On PostgreSQL a transaction that emitted wakes the relay with one ``pg_notify`` sent just
before it commits (``before_commit`` of its outermost transaction), however many events it
emitted: sent earlier, a notify inside a savepoint rolled back would be lost with it. An
event emitted in a savepoint that is rolled back may leave a wake with nothing new to read,
which costs the relay one empty look.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, insert, literal, select, text
from sqlalchemy.orm import Session, SessionTransaction

from kit import context
from kit.db import Database, utcnow
from kit.events.envelope import TYPE_PATTERN, CloudEvent
from kit.events.tables import archive as archive_table
from kit.events.tables import outbox
from kit.metrics import OUTBOX_ARCHIVED

# PostgreSQL channel on which a commit with events wakes the relay (one database per service).
WAKE_CHANNEL = "thidua_outbox"


# session.info key: the current transaction emitted, so it notifies WAKE_CHANNEL at commit.
WAKE_PENDING = "kit.outbox.wake_pending"


@event.listens_for(Session, "before_commit")
def _wake_relay(session: Session) -> None:
    """One notify per committing transaction that emitted (the outermost commit only)."""
    if session.in_nested_transaction() or not session.info.pop(WAKE_PENDING, False):
        return
    session.execute(text(f"SELECT pg_notify('{WAKE_CHANNEL}', '')"))


@event.listens_for(Session, "after_transaction_end")
def _forget_wake(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction wakes nobody: the flag ends with the outermost transaction."""
    if transaction.parent is None:
        session.info.pop(WAKE_PENDING, None)


def _event(
    session: Session, type: str, subject: str, data: Mapping[str, Any], schema_version: int
) -> CloudEvent:
    if not TYPE_PATTERN.match(type):
        raise ValueError(f"event type {type!r} is not of the form service.entity.action")
    return CloudEvent(
        type=type,
        source=f"/thidua/{session.info['service']}",
        subject=subject,
        data={"schema_version": schema_version, **data},
        correlationid=context.correlation_id.get() or context.request_id.get(),
    )


def _row(event: CloudEvent, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "type": event.type,
        "subject": event.subject,
        "envelope": event.to_json(),
        "created_at": now,
        "attempts": 0,
    }


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Wakes the relay when the transaction commits (nothing is sent if it rolls back).
        session.info[WAKE_PENDING] = True
    if len(rows) == 1:
        session.execute(insert(outbox).values(rows[0]))
    else:
        # RETURNING makes SQLAlchemy send one INSERT … VALUES (…), (…) ("insertmanyvalues"),
        # rows in the given order, instead of a statement per row.
        session.execute(insert(outbox).returning(outbox.c.id), rows)


def emit(
    session: Session,
    type: str,
    subject: str,
    data: dict[str, Any],
    *,
    schema_version: int = 1,
) -> CloudEvent:
    """Record an event to be published once the session's transaction commits.

    ``subject`` names the thing the event is about (``announcement/42``); events about one
    subject are published in the order they were emitted.
    """
    event = _event(session, type, subject, data, schema_version)
    _insert(session, [_row(event, utcnow())])
    return event


def emit_many(
    session: Session,
    events: Iterable[tuple[str, str, Mapping[str, Any]]],
    *,
    schema_version: int = 1,
) -> list[CloudEvent]:
    """``emit`` for many events at once, ``(type, subject, data)`` each, in that order: one
    multi-row INSERT instead of a statement per event (bulk writers: thousands of events a
    transaction). The same rows, in the same order, as one ``emit`` per event."""
    now = utcnow()
    emitted = [_event(session, t, subject, data, schema_version) for t, subject, data in events]
    if emitted:
        _insert(session, [_row(event, now) for event in emitted])
    return emitted


def backlog(db: Database) -> tuple[int, float]:
    """How many events wait to be published, and the age in seconds of the oldest."""
    with db.read() as session:
        count, oldest = session.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(
                outbox.c.published_at.is_(None)
            )
        ).one()
    if not oldest:
        return 0, 0.0
    if isinstance(oldest, str):  # SQLite returns aggregates untyped
        oldest = datetime.fromisoformat(oldest)
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (utcnow() - oldest).total_seconds())


def archive(db: Database, older_than: timedelta, batch_size: int = 500) -> int:
    """Move the rows published more than ``older_than`` ago into the archive; return how many.

    Each batch of at most ``batch_size`` rows is one transaction: copied into
    ``event_archive`` and deleted from the outbox together, so a row is in exactly one of the
    two at every moment, whoever looks. Unpublished rows are never touched, so the relay and
    this job never want the same row. On PostgreSQL the batch is claimed with
    ``FOR UPDATE SKIP LOCKED``, so two runs at once take different rows; on SQLite each batch
    is a ``BEGIN IMMEDIATE`` transaction, so they take turns and the second finds the rows
    gone. Either way every row is archived once.

    The outbox's newest row always stays, published or not: SQLite gives a new row the
    largest id in the table plus one, so an empty outbox would hand out again ids the
    archive holds, and replay orders both tables by that id. (PostgreSQL's sequence never
    goes back; one row kept costs nothing.)
    """
    cutoff = utcnow() - older_than
    newest = select(func.max(outbox.c.id)).scalar_subquery()
    total = 0
    while True:
        with db.transaction() as session:
            claim = (
                select(outbox.c.id)
                .where(
                    outbox.c.published_at.is_not(None),
                    outbox.c.published_at < cutoff,
                    outbox.c.id < newest,
                )
                .order_by(outbox.c.id)
                .limit(batch_size)
            )
            if db.dialect == "postgresql":
                claim = claim.with_for_update(skip_locked=True)
            ids = list(session.execute(claim).scalars())
            if not ids:
                return total
            session.execute(
                insert(archive_table).from_select(
                    [
                        archive_table.c.id,
                        archive_table.c.event_id,
                        archive_table.c.type,
                        archive_table.c.subject,
                        archive_table.c.envelope,
                        archive_table.c.created_at,
                        archive_table.c.published_at,
                        archive_table.c.archived_at,
                    ],
                    select(
                        outbox.c.id,
                        outbox.c.event_id,
                        outbox.c.type,
                        outbox.c.subject,
                        outbox.c.envelope,
                        outbox.c.created_at,
                        outbox.c.published_at,
                        literal(utcnow(), archive_table.c.archived_at.type),
                    ).where(outbox.c.id.in_(ids)),
                )
            )
            session.execute(delete(outbox).where(outbox.c.id.in_(ids)))
        OUTBOX_ARCHIVED.labels(db.service).inc(len(ids))
        total += len(ids)
        if len(ids) < batch_size:
            return total
