"""Replaying published events to one consumer, so it can rebuild a read model.

A service keeps every event it published: the recent ones in its outbox, those past the
retention in its archive (``event_archive``, kit.events.outbox.archive). Replaying reads both
as one sequence, in the order the events were emitted (the outbox id, which the archive
keeps), and publishes each again through the retry exchange under the *target* service's
name, so they reach that service's queue and no other. The target's inbox makes a replay
safe: events it already handled are acknowledged and skipped, so to rebuild from scratch the
target first forgets them (``forget_handled``, from its ``read-models reset`` command) and
then asks the sources to replay.
"""

from __future__ import annotations

from collections.abc import Iterator

from kombu import Producer
from sqlalchemy import delete, select, union_all
from sqlalchemy.orm import Session

from kit.config import Settings
from kit.db import Database
from kit.events import bus
from kit.events.consumer import topic_matches
from kit.events.tables import archive, inbox, outbox


def _published(db: Database, patterns: list[str], batch: int = 500) -> Iterator[tuple[str, str]]:
    """The published events, archived or not, in id order, a page at a time.

    Each page is one statement over both tables, so a row the retention job moves meanwhile
    is seen once: in the outbox or in the archive, never both, never neither (the job moves
    it in one transaction, and the next page starts after the last id seen).
    """
    last = 0
    while True:
        both = union_all(
            select(outbox.c.id, outbox.c.type, outbox.c.envelope).where(
                outbox.c.published_at.is_not(None), outbox.c.id > last
            ),
            select(archive.c.id, archive.c.type, archive.c.envelope).where(archive.c.id > last),
        ).subquery()
        with db.read() as session:
            rows = session.execute(select(both).order_by(both.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            last = row.id
            if any(topic_matches(p, row.type) for p in patterns):
                yield row.type, row.envelope


def replay(settings: Settings, db: Database, target: str, patterns: list[str]) -> int:
    """Publish this service's past events matching ``patterns`` to ``target`` alone."""
    topology = bus.Topology(settings.bus_prefix)
    count = 0
    with bus.connect(settings.bus_url) as connection:
        connection.ensure_connection(max_retries=3)
        bus.declare(connection, topology, settings.service, [])
        producer = Producer(connection.default_channel)
        for event_type, envelope in _published(db, patterns):
            producer.publish(
                envelope,
                exchange=topology.retry,
                routing_key=target,
                headers={
                    "x-attempt": 0,
                    "x-replayed-from": settings.service,
                    "x-event-type": event_type,
                },
                content_type="application/cloudevents+json",
                content_encoding="utf-8",
                delivery_mode=2,
                confirm_timeout=settings.confirm_timeout_s,
            )
            count += 1
    return count


def forget_handled(session: Session, consumer: str, patterns: list[str]) -> int:
    """Forget that ``consumer`` handled the events whose types match ``patterns`` (topic
    patterns, as in subscriptions: ``identity.org.#``), so a replay applies them again.
    Returns how many it forgot. Runs in the caller's transaction, with the read models' reset.
    """
    types = session.execute(
        select(inbox.c.type).where(inbox.c.consumer == consumer).distinct()
    ).scalars()
    chosen = [t for t in types if any(topic_matches(p, t) for p in patterns)]
    if not chosen:
        return 0
    result = session.execute(
        delete(inbox).where(inbox.c.consumer == consumer, inbox.c.type.in_(chosen))
    )
    return result.rowcount or 0
