"""The transactional outbox: emit an event in the same transaction as the change it reports.

``emit`` only inserts a row; nothing touches the broker here. If the surrounding transaction
rolls back, the event never existed. If it commits, the relay (kit.events.relay) publishes it,
however long the broker is away and however often processes die in between.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from kit import context
from kit.db import Database, utcnow
from kit.events.envelope import TYPE_PATTERN, CloudEvent
from kit.events.tables import outbox

# PostgreSQL channel on which a commit with events wakes the relay (one database per service).
WAKE_CHANNEL = "thidua_outbox"


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
    if not TYPE_PATTERN.match(type):
        raise ValueError(f"event type {type!r} is not of the form service.entity.action")
    service = session.info["service"]
    event = CloudEvent(
        type=type,
        source=f"/thidua/{service}",
        subject=subject,
        data={"schema_version": schema_version, **data},
        correlationid=context.correlation_id.get() or context.request_id.get(),
    )
    if session.get_bind().dialect.name == "postgresql":
        # Wakes the relay when the transaction commits (nothing is sent if it rolls back).
        session.execute(text(f"SELECT pg_notify('{WAKE_CHANNEL}', '')"))
    session.execute(
        insert(outbox).values(
            event_id=event.id,
            type=event.type,
            subject=event.subject,
            envelope=event.to_json(),
            created_at=utcnow(),
            attempts=0,
        )
    )
    return event


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
