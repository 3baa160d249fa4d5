"""The consumer: takes a service's events off its queue and runs its handlers, once in effect.

For each message:

1. parse the CloudEvents envelope (a message that is not one goes straight to dead letters);
2. in one database transaction, record (consumer, event id) in the inbox and run the handler;
   if the inbox already holds the id, the effect is committed already and the message is
   only acknowledged, which is what makes redelivery harmless;
3. acknowledge the message only after that transaction commits, so a consumer killed midway
   leaves the message to be delivered again;
4. when the database itself fails (connection lost, refused), put the message back without
   counting an attempt and pause: disconnect, back off, and resume once it answers again;
5. when the handler raises, publish the message again through the retry exchange with its
   attempt count (it goes to the back of this service's queue, so other messages keep
   flowing), and after ``event_max_attempts`` attempts park it in the dead-letter queue with
   the error instead. Both are acknowledged only once the broker has confirmed the copy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from kombu import Message, Producer
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from kit import context
from kit.config import Settings
from kit.db import Database, utcnow
from kit.events import bus
from kit.events.envelope import CloudEvent, InvalidEvent
from kit.events.tables import inbox
from kit.metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_FAILED

log = logging.getLogger(__name__)

Handler = Callable[[Session, CloudEvent], None]


class DatabaseUnavailable(Exception):
    """The service's database failed to serve a handler; the message went back unchanged."""


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` is zero or more words."""
    words, keys = pattern.split("."), routing_key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(keys)
        if words[i] == "#":
            return any(match(i + 1, k) for k in range(j, len(keys) + 1))
        return j < len(keys) and words[i] in ("*", keys[j]) and match(i + 1, j + 1)

    return match(0, 0)


class Consumer:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        subscriptions: Mapping[str, Handler],
        prefetch: int = 10,
    ) -> None:
        self.settings = settings
        self.db = db
        self.subscriptions = dict(subscriptions)
        self.prefetch = prefetch
        self.topology = bus.Topology(settings.bus_prefix)
        self._producer: Producer | None = None
        self._handled = 0  # messages handled since the current connection began

    @property
    def name(self) -> str:
        return self.settings.service

    def handler_for(self, event_type: str) -> Handler | None:
        for pattern, handler in self.subscriptions.items():
            if topic_matches(pattern, event_type):
                return handler
        return None

    # -- one message ----------------------------------------------------------------------

    def apply(self, event: CloudEvent) -> bool:
        """Run the event's handler inside the inbox transaction; False if already handled."""
        handler = self.handler_for(event.type)
        with self.db.transaction() as session:
            seen = session.execute(
                select(inbox.c.event_id).where(
                    inbox.c.consumer == self.name, inbox.c.event_id == event.id
                )
            ).first()
            if seen:
                return False
            try:
                with session.begin_nested():
                    session.execute(
                        insert(inbox).values(
                            consumer=self.name,
                            event_id=event.id,
                            type=event.type,
                            handled_at=utcnow(),
                        )
                    )
            except IntegrityError:
                return False  # a concurrent delivery of the same event got there first
            if handler is not None:
                handler(session, event)
        return True

    def on_message(self, message: Message) -> None:
        raw = message.body
        headers = dict(message.headers or {})
        attempt = int(headers.get("x-attempt", 0)) + 1
        try:
            event = CloudEvent.from_json(raw)
        except InvalidEvent as error:
            log.error("unreadable message dead-lettered", extra={"error": str(error)})
            self._forward(raw, headers, "unknown", attempt, error, dead=True)
            message.ack()
            return

        token = context.correlation_id.set(event.correlationid)
        try:
            first_time = self.apply(event)
        except (OperationalError, InterfaceError) as error:
            # The database did not serve us: not the event's fault, so no attempt is counted.
            # Put the message back as it was and stop consuming until the database answers.
            message.requeue()
            raise DatabaseUnavailable(str(error.orig or error)[:300]) from error
        except Exception as error:
            EVENTS_FAILED.labels(self.name, event.type).inc()
            dead = attempt >= self.settings.event_max_attempts
            log.warning(
                "handler failed",
                exc_info=True,
                extra={
                    "event_id": event.id,
                    "event_type": event.type,
                    "attempt": attempt,
                    "dead_lettered": dead,
                },
            )
            self._forward(raw, headers, event.type, attempt, error, dead=dead)
            message.ack()
        else:
            self._handled += 1
            EVENTS_CONSUMED.labels(self.name, event.type).inc()
            if not first_time:
                log.info(
                    "duplicate delivery ignored",
                    extra={"event_id": event.id, "event_type": event.type},
                )
            message.ack()
        finally:
            context.correlation_id.reset(token)

    def _forward(
        self,
        raw: Any,
        headers: dict[str, Any],
        event_type: str,
        attempt: int,
        error: Exception,
        *,
        dead: bool,
    ) -> None:
        """Publish a copy for retry or into dead letters (confirmed before the ack)."""
        assert self._producer is not None
        error_text = f"{type(error).__name__}: {error}"[:2000]
        headers = {
            **headers,
            "x-attempt": attempt,
            "x-last-error": error_text,
            "x-event-type": event_type,
        }
        if dead:
            headers["x-dead-lettered-at"] = datetime.now(UTC).isoformat()
            EVENTS_DEAD_LETTERED.labels(self.name, event_type).inc()
        self._producer.publish(
            raw,
            exchange=self.topology.dead if dead else self.topology.retry,
            routing_key=self.name,
            headers=headers,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=2,
            confirm_timeout=self.settings.confirm_timeout_s,
        )

    # -- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event, max_backoff: float = 10.0) -> None:
        backoff = 0.5
        while not stop.is_set():
            self._handled = 0
            consuming_since = time.monotonic()
            try:
                with bus.connect(self.settings.bus_url) as connection:
                    connection.ensure_connection(max_retries=1)
                    queue = bus.declare(connection, self.topology, self.name, self.subscriptions)
                    if queue is None:
                        raise RuntimeError(f"{self.name} subscribes to no event type")
                    self._producer = Producer(connection.channel())
                    with connection.Consumer(
                        queue, on_message=self.on_message, prefetch_count=self.prefetch
                    ):
                        log.info("consuming", extra={"queue": queue.name})
                        while not stop.is_set():
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                connection.heartbeat_check()
            except Exception as error:
                if stop.is_set():
                    break
                # Start the backoff afresh only after a spell of real work: reconnecting to the
                # broker alone proves nothing while the database is still away.
                if self._handled or time.monotonic() - consuming_since > 60:
                    backoff = 0.5
                log.warning(
                    "consumer paused; reconnecting",
                    extra={"error": repr(error), "retry_in_s": backoff},
                )
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
