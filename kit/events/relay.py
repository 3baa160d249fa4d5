"""The relay: publishes committed outbox rows to the broker, then marks them published.

Each round claims a batch of unpublished rows in id order. On PostgreSQL the claim is
``FOR UPDATE SKIP LOCKED``, so several relays share the work; on SQLite the transaction is
``BEGIN IMMEDIATE``, so one relay holds the claim at a time. Rows are published with publisher
confirms (RabbitMQ acks each one before the relay goes on), and marked published in the same
transaction that claimed them.

Guarantees:

- at-least-once: a relay that dies after publishing but before committing leaves the rows
  unpublished; the next round publishes them again and consumers' inboxes drop the repeat;
- per-subject order: a row is published only when every earlier unpublished row of its
  subject is in the same batch (so another relay holding an earlier one makes it wait);
- nothing is lost while the broker is down: the round fails, the transaction rolls back, and
  the relay retries with backoff until the broker answers.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import Any

import psycopg
from kombu import Connection, Producer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kit import failpoints
from kit.config import Settings
from kit.db import Database, utcnow
from kit.events import bus
from kit.events.outbox import WAKE_CHANNEL
from kit.events.tables import outbox
from kit.metrics import EVENTS_PUBLISHED, EVENTS_UNROUTABLE

log = logging.getLogger(__name__)


class Relay:
    def __init__(self, settings: Settings, db: Database, batch_size: int = 200) -> None:
        self.settings = settings
        self.db = db
        self.batch_size = batch_size
        self.topology = bus.Topology(settings.bus_prefix)
        self._connection: Connection | None = None
        self._producer: Producer | None = None

    # -- broker ---------------------------------------------------------------------------

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = bus.connect(self.settings.bus_url)
            connection.ensure_connection(max_retries=1)
            bus.declare(connection, self.topology, self.settings.service, [])
            self._connection = connection
            # Mandatory publishing reports unroutable events back (RabbitMQ only).
            on_return = None if self.settings.embedded_bus else self._on_return
            self._producer = Producer(
                connection.default_channel, exchange=self.topology.events, on_return=on_return
            )
        return self._producer

    def close(self) -> None:
        """Release the broker connection (``run`` does this when it stops)."""
        self._drop_connection()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # the connection is already broken; nothing to keep
                log.debug("closing a broken broker connection failed", exc_info=True)
        self._connection = None
        self._producer = None

    def _on_return(
        self, exception: Exception, exchange: str, routing_key: str, message: Any
    ) -> None:
        # Mandatory publishing: the broker tells us no queue was bound for this type.
        EVENTS_UNROUTABLE.labels(self.settings.service, routing_key).inc()
        log.warning("event published with no queue bound", extra={"event_type": routing_key})

    # -- one round ------------------------------------------------------------------------

    def _claim(self, session: Session) -> list[Any]:
        query = (
            select(
                outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.subject, outbox.c.envelope
            )
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(self.batch_size)
        )
        if self.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return []
        # Keep, per subject, only the run of rows that starts at its oldest unpublished row.
        claimed_ids = {r.id for r in rows}
        subjects = {r.subject for r in rows}
        pending: dict[str, list[int]] = defaultdict(list)
        for row in session.execute(
            select(outbox.c.id, outbox.c.subject)
            .where(outbox.c.published_at.is_(None), outbox.c.subject.in_(subjects))
            .order_by(outbox.c.id)
        ):
            pending[row.subject].append(row.id)
        publishable: set[int] = set()
        for ids in pending.values():
            for row_id in ids:
                if row_id not in claimed_ids:
                    break  # an earlier row of this subject belongs to another relay
                publishable.add(row_id)
        return [r for r in rows if r.id in publishable]

    def run_once(self) -> int:
        """Publish one batch; return how many events were published."""
        with self.db.transaction() as session:
            rows = self._claim(session)
            if not rows:
                return 0
            producer = self._ensure_producer()
            for row in rows:
                producer.publish(
                    row.envelope,
                    routing_key=row.type,
                    content_type="application/cloudevents+json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    mandatory=not self.settings.embedded_bus,
                    message_id=row.event_id,
                    confirm_timeout=self.settings.confirm_timeout_s,
                    retry=False,
                )
            failpoints.hit("relay.after_publish")
            session.execute(
                update(outbox)
                .where(outbox.c.id.in_([r.id for r in rows]))
                .values(published_at=utcnow())
            )
        for row in rows:
            EVENTS_PUBLISHED.labels(self.settings.service, row.type).inc()
        return len(rows)

    def record_failure(self, error: Exception) -> None:
        """Note the error on the oldest waiting row so operators see why nothing moves."""
        with self.db.transaction() as session:
            oldest = session.execute(
                select(outbox.c.id)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(1)
            ).scalar()
            if oldest is not None:
                session.execute(
                    update(outbox)
                    .where(outbox.c.id == oldest)
                    .values(attempts=outbox.c.attempts + 1, last_error=repr(error)[:2000])
                )

    # -- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event, idle_wait: float = 0.1, max_backoff: float = 10.0) -> None:
        backoff = 0.5
        waker = Waker(self.db)
        waker.start()  # listen before the first round, so no commit slips between the two
        while not stop.is_set():
            try:
                published = self.run_once()
                backoff = 0.5
            except Exception as error:
                self._drop_connection()
                log.warning(
                    "relay round failed; retrying",
                    extra={"error": repr(error), "retry_in_s": backoff},
                )
                try:
                    self.record_failure(error)
                except Exception:
                    log.exception("could not record the relay failure")
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            if published == 0:
                waker.wait(stop, idle_wait)
        waker.close()
        self._drop_connection()


class Waker:
    """Waits for the next commit with events instead of polling, where the database can say.

    On PostgreSQL, ``emit`` notifies ``WAKE_CHANNEL`` in the business transaction, which is
    delivered when it commits; the relay LISTENs and wakes at once, and still looks every
    ``max(idle_wait, 5 s)`` in case a notification was lost while it reconnected. On SQLite
    it sleeps ``idle_wait`` between looks.
    """

    SAFETY_POLL = 5.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: psycopg.Connection[Any] | None = None

    def _listen(self) -> psycopg.Connection[Any] | None:
        if self.db.dialect != "postgresql":
            return None
        if self._connection is None or self._connection.closed:
            url = self.db.engine.url.set(drivername="postgresql")
            self._connection = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
            )
            self._connection.execute(f"LISTEN {WAKE_CHANNEL}")
        return self._connection

    def start(self) -> None:
        try:
            self._listen()
        except psycopg.Error:
            log.warning("cannot LISTEN for new events; polling", exc_info=True)

    def wait(self, stop: threading.Event, idle_wait: float) -> None:
        try:
            connection = self._listen()
        except psycopg.Error:
            log.warning("cannot LISTEN for new events; polling", exc_info=True)
            connection = self._connection = None
        if connection is None:
            stop.wait(idle_wait)
            return
        try:
            for _ in connection.notifies(timeout=max(idle_wait, self.SAFETY_POLL), stop_after=1):
                break
        except psycopg.Error:
            log.warning("LISTEN connection lost; polling until it is back", exc_info=True)
            self.close()
            stop.wait(idle_wait)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
