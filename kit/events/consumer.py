"""The consumer: takes a service's events off its queue and runs its handlers, once in effect.

Messages are handled in batches, because one transaction per event costs a commit (a disk
flush on PostgreSQL) per event. Delivered messages are buffered; the buffer is flushed when
it holds ``batch_size`` messages, or when no further message is ready and either no message
came for a tenth of ``batch_wait`` (a lull: a trickle is not kept waiting for company that
is not coming) or ``batch_wait`` seconds have passed since its first message arrived, and
before the consumer stops. So what is already delivered joins the batch without waiting; a
batch waits only while it fills fast (messages less than ``batch_wait / 10`` apart), and
under load the batches grow by themselves, with what arrives while one is handled.
``prefetch`` bounds what the broker hands over unacknowledged, so a batch is never larger
than it.

A flush:

1. parse each message's CloudEvents envelope (one that is not an envelope is dead-lettered);
2. in one database transaction, insert the batch's (consumer, event id) rows into the inbox
   in one statement that skips the ids already there: an event already in the inbox has its
   effect committed already and is only acknowledged, which is what makes redelivery
   harmless (the same event twice in a batch is handled once). Then call each handler's batch
   hook (below) and run the handler of every new event, in delivery order, and commit;
3. if anything in that transaction raises (but a database failure, point 5), roll it all back
   and handle the batch again, in a new transaction, with a savepoint per event: read which
   ids the inbox holds, call the batch hooks again, then for each new event record its inbox
   row and run its handler inside its own savepoint. When a handler raises, only that
   savepoint is rolled back and the error is remembered; the batch goes on, and commits.
   (Savepoints cost two more round trips per event, so they are only paid for a batch that
   needs them: a failing handler is found on the second pass and isolated there);
4. only after the commit, acknowledge: the successful (and already handled) messages, and
   each failed one once it has been published again through the retry exchange with its
   attempt count (it goes to the back of this service's queue, so other messages keep
   flowing), or, after ``event_max_attempts`` attempts, parked in the dead-letter queue with
   the error. Both copies are confirmed by the broker before the original is acknowledged.
   A consumer killed before the commit leaves the whole batch to be delivered again; killed
   after it, the redelivered messages are found in the inbox;
5. when the database itself fails (SQLAlchemy ``OperationalError`` or ``InterfaceError``:
   connection lost, refused, locked) anywhere in the flush, roll back, put every message of
   the batch back without counting an attempt, and pause (raise ``DatabaseUnavailable``: the
   loop disconnects from the broker and, backing off, asks the database until it answers
   before it consumes again, so an outage returns the batch to the queue once, not once per
   retry: a quorum queue counts every return against its delivery limit);
6. when the savepoint pass itself fails outside a handler (a savepoint, the commit), its
   events are handled once more one per transaction, so the failure lands on the event that
   caused it and no other.

A handler may therefore run more than once for one delivery (its writes rolled back each time
but the last), as it may for a redelivery: handlers only write to their session.

Messages still buffered when the broker connection fails are simply not acknowledged: the
broker delivers them again.

The batch hook (``BatchPreparer``). A handler object may have a ``prepare`` attribute,
``prepare(session, events)``, to read in bulk what its events will need (one query for a
hundred rows instead of a hundred queries). In each pass over a batch (points 2, 3 and 6),
the consumer calls it once per handler, in that pass's transaction and session, before any of
that handler's events is handled, with that handler's events of the batch in delivery order:
the events the inbox did not hold when the pass began (in the savepoint pass, an event
another consumer handles concurrently may be among them; its handler call will then not
happen). It runs in a savepoint of its own. It must not be needed for correctness: each
handler call must do the right thing alone, with or without a prepared read, because a
failing ``prepare`` (any error but a database one) is logged, its savepoint rolled back (and
with it any row lock it took), ``session.info`` put back as it was before the call (its keys),
and the events are handled without it. Keep what it reads in
``session.info`` (which lives as long as this one transaction), not on the handler object,
so nothing read for one batch is trusted in another. A database error in ``prepare`` pauses
the consumer as in point 5. Wrappers that combine handlers (notify's ``events.chain``) have
no ``prepare``, and their events are simply handled one by one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from kombu import Connection, Message, Producer
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from kit import context, failpoints, heartbeat
from kit.config import Settings
from kit.db import Database, utcnow
from kit.events import bus
from kit.events.envelope import CloudEvent, InvalidEvent
from kit.events.tables import inbox
from kit.metrics import (
    CONSUMER_BATCH_SIZE,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
    EVENTS_FAILED,
)

log = logging.getLogger(__name__)

Handler = Callable[[Session, CloudEvent], None]
# A handler's optional batch hook: ``prepare(session, events)`` (see the module docstring).
BatchPreparer = Callable[[Session, Sequence[CloudEvent]], None]

# The database did not serve us: not the event's fault.
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _inbox_from_arrays() -> Any:
    """PostgreSQL: the batch's inbox rows from two arrays (ids, types) in id order, skipping
    those already there, returning the ids inserted."""
    rows = (
        func.unnest(
            bindparam("ids", type_=postgresql.ARRAY(String)),
            bindparam("types", type_=postgresql.ARRAY(String)),
        )
        .table_valued("event_id", "type", with_ordinality="n")
        .render_derived(name="batch")
    )
    return (
        postgresql.insert(inbox)
        .from_select(
            ["consumer", "event_id", "type", "handled_at"],
            select(
                bindparam("consumer", type_=String),
                rows.c.event_id,
                rows.c.type,
                bindparam("now", type_=inbox.c.handled_at.type),
            ).order_by(rows.c.n),
        )
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )


_INBOX_FROM_ARRAYS = _inbox_from_arrays()


class PreparingHandler(Protocol):
    """A handler with a batch hook: called per event, and ``prepare`` once per batch."""

    def __call__(self, session: Session, event: CloudEvent) -> None: ...

    def prepare(self, session: Session, events: Sequence[CloudEvent]) -> None: ...


class DatabaseUnavailable(Exception):
    """The service's database failed to serve a batch; its messages went back unchanged."""


@dataclass(frozen=True)
class Outcome:
    """What became of one event of a batch."""

    event: CloudEvent
    first_time: bool  # handled now; False: the inbox held it already (or it failed)
    error: Exception | None = None  # the handler's error: nothing of it was committed


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


@dataclass
class _Delivery:
    """A message of the batch being flushed, with what the flush learns about it."""

    message: Message
    raw: Any
    headers: dict[str, Any]
    attempt: int
    event: CloudEvent | None = None
    unreadable: InvalidEvent | None = None


class Consumer:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        subscriptions: Mapping[str, Handler],
        prefetch: int = 200,
        batch_size: int | None = None,
        batch_wait: float | None = None,
    ) -> None:
        """``batch_size`` and ``batch_wait`` default to the settings'
        (``THIDUA_CONSUMER_BATCH_SIZE``, ``THIDUA_CONSUMER_BATCH_WAIT_S``). A batch is at most
        ``prefetch`` messages: the broker hands over no more until some are acknowledged."""
        self.settings = settings
        self.db = db
        self.subscriptions = dict(subscriptions)
        self._handlers: dict[str, Handler | None] = {}
        self.prefetch = max(1, prefetch)
        wanted = settings.consumer_batch_size if batch_size is None else batch_size
        self.batch_size = max(1, min(wanted, self.prefetch))
        if self.batch_size < wanted:
            log.warning(
                "consumer batch size lowered to the prefetch",
                extra={"batch_size": wanted, "prefetch": self.prefetch},
            )
        self.batch_wait = settings.consumer_batch_wait_s if batch_wait is None else batch_wait
        # A lull this long closes the batch early (module docstring).
        self.batch_lull = self.batch_wait / 10
        self.topology = bus.Topology(settings.bus_prefix)
        self._producer: Producer | None = None
        self._handled = 0  # messages handled since the current connection began
        self._buffer: list[Message] = []
        self._buffer_started = 0.0  # when the buffer's first message arrived (monotonic)
        self._last_arrival = 0.0  # when its latest message arrived (monotonic)
        self._ack_multiple = False  # one ack frame per batch (RabbitMQ), set per connection

    @property
    def name(self) -> str:
        return self.settings.service

    def handler_for(self, event_type: str) -> Handler | None:
        """The first subscription whose pattern matches (remembered per type)."""
        if event_type not in self._handlers:
            self._handlers[event_type] = next(
                (h for p, h in self.subscriptions.items() if topic_matches(p, event_type)), None
            )
        return self._handlers[event_type]

    # -- the database side: events in, outcomes out ---------------------------------------

    def apply(self, event: CloudEvent) -> bool:
        """Handle one event in a transaction of its own; False if it was handled already.

        The handler's error is raised, as is a database error (the tests call this)."""
        (outcome,) = self.apply_batch([event])
        if outcome.error is not None:
            raise outcome.error
        return outcome.first_time

    def apply_batch(self, events: Sequence[CloudEvent]) -> list[Outcome]:
        """Handle ``events`` in one transaction, isolating a failing handler (module docstring).

        Database errors are raised, with nothing committed; every other error ends up in the
        outcome of the event it belongs to."""
        if len(events) > 1:
            try:
                with self.db.transaction() as session:
                    return self._apply_together(session, events)
            except DATABASE_ERRORS:
                raise
            except Exception as error:
                log.info(
                    "batch failed; handling it again with a savepoint per event",
                    extra={"events": len(events), "error": repr(error)[:300]},
                )
        try:
            with self.db.transaction() as session:
                return self._apply_each(session, events)
        except DATABASE_ERRORS:
            raise
        except Exception as error:
            # Outside the handlers (a savepoint, the commit): whose fault is unknown.
            if len(events) == 1:
                return [Outcome(events[0], first_time=False, error=error)]
            log.warning(
                "batch failed outside its handlers; handling its events one by one",
                exc_info=True,
                extra={"events": len(events)},
            )
            return [outcome for event in events for outcome in self.apply_batch([event])]

    def _apply_together(self, session: Session, events: Sequence[CloudEvent]) -> list[Outcome]:
        """The fast way: every inbox row in one statement, then the handlers, no savepoint.

        Any error raises, for the caller to roll the whole batch back."""
        inserted = self._record_all(session, events)
        outcomes = []
        for event in events:
            # The first copy of an event the inbox did not hold is handled; any other is not.
            outcomes.append(Outcome(event, first_time=event.id in inserted))
            inserted.discard(event.id)
        fresh = [outcome.event for outcome in outcomes if outcome.first_time]
        self._prepare(session, fresh)
        for event in fresh:
            self._run_handler(session, event)
        session.flush()  # the handlers' pending writes fail here, if they fail, not at commit
        return outcomes

    def _apply_each(self, session: Session, events: Sequence[CloudEvent]) -> list[Outcome]:
        """The isolating way: each event's inbox row and handler in a savepoint of its own."""
        seen = self._already_handled(session, [event.id for event in events])
        fresh = [event for event in events if event.id not in seen]
        self._prepare(session, fresh)
        return [
            self._apply_one(session, event)
            if event.id not in seen
            else Outcome(event, first_time=False)
            for event in events
        ]

    def _already_handled(self, session: Session, event_ids: list[str]) -> set[str]:
        rows = session.execute(
            select(inbox.c.event_id).where(
                inbox.c.consumer == self.name, inbox.c.event_id.in_(set(event_ids))
            )
        )
        return set(rows.scalars())

    def _prepare(self, session: Session, events: Sequence[CloudEvent]) -> None:
        """Call each handler's batch hook once with its events; a failing hook is skipped."""
        groups: dict[int, tuple[BatchPreparer, list[CloudEvent]]] = {}
        for event in events:
            handler = self.handler_for(event.type)
            prepare: BatchPreparer | None = getattr(handler, "prepare", None)
            if prepare is not None:
                groups.setdefault(id(handler), (prepare, []))[1].append(event)
        for prepare, group in groups.values():
            info_before = dict(session.info)
            try:
                with session.begin_nested():
                    prepare(session, group)
            except DATABASE_ERRORS:
                raise
            except Exception:
                # What it read may be partial, and its locks went with its savepoint.
                session.info.clear()
                session.info.update(info_before)
                log.warning(
                    "batch preparation failed; handling its events without it",
                    exc_info=True,
                    extra={"events": len(group), "event_type": group[0].type},
                )

    def _apply_one(self, session: Session, event: CloudEvent) -> Outcome:
        """The inbox row and the handler, in one savepoint: both stay, or neither."""
        try:
            with session.begin_nested():
                if not self._record(session, event):
                    # Recorded by a concurrent delivery of the same event, or earlier in
                    # this batch: its effect is there already.
                    return Outcome(event, first_time=False)
                self._run_handler(session, event)
        except DATABASE_ERRORS:
            raise
        except Exception as error:
            return Outcome(event, first_time=False, error=error)
        return Outcome(event, first_time=True)

    def _run_handler(self, session: Session, event: CloudEvent) -> None:
        handler = self.handler_for(event.type)
        if handler is None:
            return
        token = context.correlation_id.set(event.correlationid)
        try:
            handler(session, event)
        finally:
            context.correlation_id.reset(token)

    def _insert(self) -> Any:
        """An INSERT into the inbox that skips rows already there (PostgreSQL or SQLite)."""
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        return dialect.insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)

    def _record(self, session: Session, event: CloudEvent) -> bool:
        """Insert the inbox row; False when it exists (no error, so no savepoint is spoiled)."""
        row = {"consumer": self.name, "event_id": event.id, "type": event.type}
        statement = self._insert().values(**row, handled_at=utcnow())
        return session.execute(statement).first() is not None

    def _record_all(self, session: Session, events: Sequence[CloudEvent]) -> set[str]:
        """Insert the batch's inbox rows in one statement; the ids that were not there yet.

        In event id order, so two consumers inserting overlapping batches take the rows' locks
        in the same order and cannot deadlock."""
        now, types = utcnow(), {event.id: event.type for event in events}
        ids = sorted(types)
        if self.db.dialect == "postgresql":
            # Two array parameters, whatever the batch's size: a statement of a few hundred
            # bytes that psycopg parses once, where one VALUES row per event made a statement
            # psycopg parsed again for every batch (it caches only short ones).
            params = {
                "consumer": self.name,
                "ids": ids,
                "types": [types[id_] for id_ in ids],
                "now": now,
            }
            return set(session.execute(_INBOX_FROM_ARRAYS, params).scalars())
        rows = [
            {"consumer": self.name, "event_id": id_, "type": types[id_], "handled_at": now}
            for id_ in ids
        ]
        # Executed with many parameter sets, SQLAlchemy sends one INSERT of all the rows
        # ("insertmanyvalues") from a statement compiled once, not once per batch size.
        return set(session.execute(self._insert(), rows).scalars())

    # -- the broker side: messages in, acknowledgements out -------------------------------

    def on_message(self, message: Message) -> None:
        """kombu's callback: buffer the message; the loop flushes (``flush``)."""
        self._last_arrival = time.monotonic()
        if not self._buffer:
            self._buffer_started = self._last_arrival
        self._buffer.append(message)

    def flush(self) -> None:
        """Handle the buffered messages as one batch and acknowledge them (module docstring)."""
        # Taken out first: publishing a retry copy below reads from the connection, and a
        # message delivered meanwhile goes into the next batch.
        messages, self._buffer = self._buffer, []
        if not messages:
            return
        CONSUMER_BATCH_SIZE.labels(self.name).observe(len(messages))
        deliveries = [self._read(message) for message in messages]
        events = [d.event for d in deliveries if d.event is not None]
        try:
            outcomes = iter(self.apply_batch(events) if events else [])
        except DATABASE_ERRORS as error:
            # Put the whole batch back as it was and stop consuming until the database answers.
            for message in messages:
                message.requeue()
            raise DatabaseUnavailable(str(error.orig or error)[:300]) from error
        failpoints.hit("consumer.after_commit")

        succeeded: list[Message] = []
        failed: list[tuple[_Delivery, Exception]] = []
        consumed: Counter[str] = Counter()  # event type -> events handled, counted per batch
        for delivery in deliveries:
            if delivery.event is None:
                continue
            outcome = next(outcomes)
            if outcome.error is not None:
                failed.append((delivery, outcome.error))
                continue
            self._handled += 1
            succeeded.append(delivery.message)
            consumed[delivery.event.type] += 1
            if not outcome.first_time:
                log.info(
                    "duplicate delivery ignored",
                    extra={"event_id": delivery.event.id, "event_type": delivery.event.type},
                )
        for event_type, count in consumed.items():
            EVENTS_CONSUMED.labels(self.name, event_type).inc(count)
        for delivery, error in failed:
            self._retry(delivery, error)
        for delivery in deliveries:
            if delivery.unreadable is not None:
                log.error(
                    "unreadable message dead-lettered", extra={"error": str(delivery.unreadable)}
                )
                self._forward(delivery, "unknown", delivery.unreadable, dead=True)
                delivery.message.ack()
        self._acknowledge(succeeded)

    def _acknowledge(self, messages: list[Message]) -> None:
        """Ack the batch's handled messages: on RabbitMQ with one frame, else one by one.

        RabbitMQ's ``multiple`` ack settles every delivery of the channel up to the tag. That
        is exactly this batch's: the earlier batches are settled, the failed and unreadable
        messages of this one are (their copies confirmed) just above, and what arrived while
        they were forwarded came later, with higher tags, and waits for the next batch."""
        if not messages:
            return
        if self._ack_multiple:
            max(messages, key=lambda message: message.delivery_tag).ack(multiple=True)
            return
        for message in messages:
            message.ack()

    def _read(self, message: Message) -> _Delivery:
        headers = dict(message.headers or {})
        delivery = _Delivery(
            message=message,
            raw=message.body,
            headers=headers,
            attempt=int(headers.get("x-attempt", 0)) + 1,
        )
        try:
            delivery.event = CloudEvent.from_json(delivery.raw)
        except InvalidEvent as error:
            delivery.unreadable = error
        return delivery

    def _retry(self, delivery: _Delivery, error: Exception) -> None:
        """A failed event: again at the back of the queue, or into dead letters at the end."""
        assert delivery.event is not None
        event = delivery.event
        EVENTS_FAILED.labels(self.name, event.type).inc()
        dead = delivery.attempt >= self.settings.event_max_attempts
        token = context.correlation_id.set(event.correlationid)
        try:
            log.warning(
                "handler failed",
                exc_info=error,
                extra={
                    "event_id": event.id,
                    "event_type": event.type,
                    "attempt": delivery.attempt,
                    "dead_lettered": dead,
                },
            )
        finally:
            context.correlation_id.reset(token)
        self._forward(delivery, event.type, error, dead=dead)
        delivery.message.ack()

    def _forward(
        self, delivery: _Delivery, event_type: str, error: Exception, *, dead: bool
    ) -> None:
        """Publish a copy for retry or into dead letters (confirmed before the ack)."""
        assert self._producer is not None
        error_text = f"{type(error).__name__}: {error}"[:2000]
        headers = {
            **delivery.headers,
            "x-attempt": delivery.attempt,
            "x-last-error": error_text,
            "x-event-type": event_type,
        }
        if dead:
            headers["x-dead-lettered-at"] = datetime.now(UTC).isoformat()
            EVENTS_DEAD_LETTERED.labels(self.name, event_type).inc()
        self._producer.publish(
            delivery.raw,
            exchange=self.topology.dead if dead else self.topology.retry,
            routing_key=self.name,
            headers=headers,
            content_type="application/cloudevents+json",
            content_encoding="utf-8",
            delivery_mode=2,
            confirm_timeout=self.settings.confirm_timeout_s,
        )

    # -- the loop -------------------------------------------------------------------------

    def _consume(self, connection: Connection, stop: threading.Event) -> None:
        """Receive into the buffer and flush it when full or due, until ``stop``.

        Due: no further message is ready at once, and ``batch_lull`` has passed since the
        latest message or ``batch_wait`` since the first. A backlog therefore makes full
        batches however slowly the messages are read off the socket, and a trickle is
        flushed after a lull, without waiting ``batch_wait`` for company."""
        while not stop.is_set():
            heartbeat.beat()
            # 0 once due: only what is ready at once (a non-blocking read).
            wait = max(0.0, self._due() - time.monotonic()) if self._buffer else 1.0
            try:
                connection.drain_events(timeout=wait)
                received = True
            except TimeoutError:
                received = False
                connection.heartbeat_check()
            if len(self._buffer) >= self.batch_size or (
                self._buffer and not received and time.monotonic() >= self._due()
            ):
                self.flush()
                heartbeat.beat()  # a batch may take a while: its end counts as progress
                connection.heartbeat_check()
        self.flush()  # stopping: what was received is handled, not left to redelivery

    def _due(self) -> float:
        """When the buffered batch is to be flushed unless more is ready (monotonic)."""
        return min(self._buffer_started + self.batch_wait, self._last_arrival + self.batch_lull)

    def _wait_for_database(
        self, stop: threading.Event, backoff: float, max_backoff: float
    ) -> float:
        """Back off until the database answers (or ``stop``); return the next backoff.

        Off the broker meanwhile: reconnecting would only have the batch delivered again and
        put back again, each time counted against a quorum queue's delivery limit."""
        while not stop.wait(backoff):
            heartbeat.beat()  # waiting on purpose is not hanging (its /livez)
            backoff = min(backoff * 2, max_backoff)
            try:
                self.db.ping()
                return backoff
            except Exception as error:  # whatever the driver raised: still not answering
                log.warning(
                    "consumer paused; database still unavailable",
                    extra={"error": repr(error)[:300], "retry_in_s": backoff},
                )
        return backoff

    def run(self, stop: threading.Event, max_backoff: float = 10.0) -> None:
        backoff = 0.5
        while not stop.is_set():
            heartbeat.beat()  # each connection attempt (its /livez), and below each drain
            self._handled = 0
            self._buffer = []  # a message belongs to its connection's channel
            consuming_since = time.monotonic()
            try:
                with bus.connect(self.settings.bus_url) as connection:
                    connection.ensure_connection(max_retries=1)
                    bus.read_ahead(connection)
                    queue = bus.declare(connection, self.topology, self.name, self.subscriptions)
                    if queue is None:
                        raise RuntimeError(f"{self.name} subscribes to no event type")
                    self._producer = Producer(connection.channel())
                    # The local bus's delivery tags are unique names, not a sequence.
                    self._ack_multiple = connection.transport.driver_type == "amqp"
                    with connection.Consumer(
                        queue, on_message=self.on_message, prefetch_count=self.prefetch
                    ):
                        log.info(
                            "consuming",
                            extra={"queue": queue.name, "batch_size": self.batch_size},
                        )
                        self._consume(connection, stop)
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
                if isinstance(error, DatabaseUnavailable):
                    backoff = self._wait_for_database(stop, backoff, max_backoff)
                    continue
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
