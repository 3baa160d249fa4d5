"""The relay: publishes committed outbox rows to the broker, then marks them published.

Each round claims a batch of unpublished rows in id order. On PostgreSQL the claim is
``FOR UPDATE SKIP LOCKED``, so several relays share the work; on SQLite the transaction is
``BEGIN IMMEDIATE``, so one relay holds the claim at a time. On RabbitMQ the whole batch is
published without waiting, then the relay waits for the broker's publisher confirms of the
batch (``ConfirmedChannel``); only when every event is acked are the rows marked published,
by the commit of the transaction that claimed them (their UPDATE runs while the broker
confirms, uncommitted). A nack, a missing confirm or a lost connection fails the round: the
transaction rolls back, nothing of that batch is marked, and the next round publishes it
again.

Guarantees:

- at-least-once: a relay that dies after publishing but before committing leaves the rows
  unpublished; the next round publishes them again and consumers' inboxes drop the repeat;
- per-subject order: a row is published only when every earlier unpublished row of its
  subject is in the same batch (so another relay holding an earlier one makes it wait);
- nothing is lost while the broker is down: the round fails, the transaction rolls back, and
  the relay retries with backoff until the broker answers;
- a publish into a full queue that refuses it (``basic.nack``) fails the round the same way.

Publishing a batch before waiting keeps per-subject order: the rows go out in id order on one
channel, and RabbitMQ keeps a channel's publishes in order into each queue.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import amqp
import amqp.method_framing
import amqp.serialization
import amqp.spec
import psycopg
from kombu import Connection, Producer
from sqlalchemy import BigInteger, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from kit import failpoints, heartbeat
from kit.config import Settings
from kit.db import Database, utcnow
from kit.events import bus
from kit.events.outbox import WAKE_CHANNEL
from kit.events.tables import outbox
from kit.metrics import EVENTS_PUBLISHED, EVENTS_UNROUTABLE

log = logging.getLogger(__name__)

# The properties of every event published, as kombu's ``Producer`` sets them (and message_id).
MESSAGE_PROPERTIES: dict[str, Any] = {
    "priority": 0,
    "content_type": "application/cloudevents+json",
    "content_encoding": "utf-8",
    "application_headers": {},
    "delivery_mode": 2,
}
FRAME_END = b"\xce"
pack_frame_head = struct.Struct(">BHI").pack  # frame type, channel, payload size
pack_body_size = struct.Struct(">Q").pack

# Rows a round claims unless told otherwise. With batched confirms a round's fixed costs (two
# claim queries, the mark, the commit, the wait for the batch's last confirm) are shared by
# its rows, so 200 leaves some of that on the table; past a few hundred the figures on this
# machine no longer separate (docs/benchmarks.md sweeps 200, 500 and 1000), and a smaller
# batch keeps a round's transaction, and what a failed round publishes again, small.
DEFAULT_BATCH_SIZE = 500


class Unconfirmed(Exception):
    """The broker did not ack every event of a batch, so none of it may be marked published."""


class BatchedWrites:
    """py-amqp's own frame writer, whose output for a batch goes to the socket in few writes.

    py-amqp writes every frame with its own ``sendall``; for a relay batch that is one system
    call per event, about half of what publishing costs. Handed to py-amqp's ``Connection`` as
    its ``frame_writer`` hook, this object stands in for the transport's ``write``: outside a
    batch it passes frames straight on, inside one it collects them and sends about
    ``FLUSH_BYTES`` at a time. The framing itself is py-amqp's, unchanged.
    """

    FLUSH_BYTES = 128 * 1024

    def __init__(self) -> None:
        self._transport: Any = None
        self._pending = bytearray()
        self._collecting = False
        self._timeout: float | None = None

    def frame_writer(self, connection: Any, transport: Any) -> Callable[..., None]:
        """The ``frame_writer`` hook: py-amqp calls it on connecting, with the new transport."""
        self._transport = transport
        self._pending.clear()
        return amqp.method_framing.frame_writer(connection, self)

    def write(self, data: bytes | memoryview) -> None:
        if not self._collecting:
            self._transport.write(data)
            return
        self._pending += data  # a copy: py-amqp reuses the buffer ``data`` views
        if len(self._pending) >= self.FLUSH_BYTES:
            self.flush()

    def collect(self, timeout: float) -> None:
        """Hold frames until ``flush``; each write to the socket must finish within ``timeout``.

        A broker that stops reading (blocked, or gone without closing the connection) then
        fails the round instead of hanging it on a full socket buffer.
        """
        self._collecting = True
        self._timeout = timeout

    def flush(self) -> None:
        if self._pending:
            data, self._pending = self._pending, bytearray()
            with self._transport.having_timeout(self._timeout):
                self._transport.write(data)

    def stop(self) -> None:
        """Write frames straight through again, dropping any not flushed (after a failure)."""
        self._collecting = False
        self._pending.clear()


class ConfirmedChannel:
    """Publishes a batch on a RabbitMQ channel in confirm mode, then waits for its answers.

    After ``confirm.select`` RabbitMQ numbers the channel's publishes 1, 2, 3 … (delivery tags)
    and answers each exactly once: ``basic.ack`` once the message is in every queue it routes
    to (on disk, for a quorum queue) or is found unroutable, ``basic.nack`` when it is refused
    (say, a full queue with ``x-overflow: reject-publish``); one tag, or with ``multiple``
    every tag up to it. A mandatory message no queue takes comes back as ``basic.return``
    before its ack on the same channel, so ``on_return`` has run before ``send`` returns.

    It publishes through py-amqp's channel (kombu's ``pyamqp`` transport hands it out) rather
    than kombu's ``Producer``, whose per-message preparation the relay does not need: the
    envelope is already JSON text. The message's properties are the ones ``Producer`` sets.
    Answers are read while ``send`` drains the connection (and by py-amqp's look for a
    ``connection.blocked`` before each publish), so publishing never stalls on them. After
    ``send`` raises, the tags can no longer be trusted: drop the connection.
    """

    def __init__(
        self,
        connection: Connection,
        writes: BatchedWrites,
        exchange: str,
        on_return: Callable[..., None],
    ) -> None:
        self.connection = connection
        self.writes = writes
        self.exchange = exchange
        self.channel = connection.default_channel
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(on_return)
        self._last_tag = 0
        self._waiting: OrderedDict[int, None] = OrderedDict()  # tags not yet answered, in order
        self._refused = 0
        self._channel_id = self.channel.channel_id
        self._methods: dict[str, bytes] = {}  # routing key -> its method frame
        self._properties = self._property_template()
        # The header frame's payload starts with the class id and a weight of 0.
        self._header_prefix = struct.pack(">HH", amqp.spec.Basic.CLASS_ID, 0)
        # The body must fit in one frame: frame_max less the frame's 8 bytes of framing.
        self._max_body = connection.connection.frame_max - 8

    def send(self, rows: Iterable[Any], timeout: float) -> None:
        """Publish ``rows`` (envelope, type, event_id) in order; return once all are acked.

        Raises ``Unconfirmed`` on a nack or when the answers take longer than ``timeout``
        seconds; a lost connection raises the transport's own error.
        """
        self.publish(rows, timeout)
        self.wait(timeout)

    def publish(self, rows: Iterable[Any], timeout: float) -> None:
        """Write ``rows`` to the broker in order, without waiting for their answers.

        Each socket write must finish within ``timeout`` seconds (``BatchedWrites.collect``).
        """
        self.writes.collect(timeout)
        try:
            for row in rows:
                self._publish(row.envelope, row.type, row.event_id)
            self.writes.flush()
        finally:
            self.writes.stop()
        # py-amqp counts frames sent for its heartbeat; the frames above bypassed its writer.
        self.connection.connection.bytes_sent += 1

    def _publish(self, body: str, routing_key: str, message_id: str) -> None:
        """One ``basic.publish``: its three frames, built here, go to ``BatchedWrites``.

        py-amqp's ``basic_publish`` would serialise the same properties anew for every
        message and read the socket before each publish (a system call per event, looking for
        a ``connection.blocked``); here only the message id and the sizes change from one
        message to the next. A message too large for one body frame, or an id too long for
        the template, goes through py-amqp unchanged.
        """
        data = body.encode()
        method = self._methods.get(routing_key)
        if method is None:
            method = self._methods[routing_key] = self._method_frame(routing_key)
        mid = message_id.encode()
        if self._properties is None or len(data) > self._max_body or len(mid) > 255:
            self._publish_slowly(data, routing_key, message_id)
        else:
            header = b"".join(
                (
                    self._header_prefix,
                    pack_body_size(len(data)),
                    self._properties,
                    bytes((len(mid),)),
                    mid,
                    FRAME_END,
                )
            )
            self.writes.write(
                b"".join(
                    (
                        method,
                        pack_frame_head(2, self._channel_id, len(header) - 1),
                        header,
                        pack_frame_head(3, self._channel_id, len(data)),
                        data,
                        FRAME_END,
                    )
                )
            )
        self._last_tag += 1
        self._waiting[self._last_tag] = None

    def _publish_slowly(self, data: bytes, routing_key: str, message_id: str) -> None:
        """py-amqp's own ``basic_publish`` (its frames still go through ``BatchedWrites``)."""
        self.channel.basic_publish(
            amqp.Message(data, message_id=message_id, **MESSAGE_PROPERTIES),
            exchange=self.exchange,
            routing_key=routing_key,
            mandatory=True,
        )

    def _method_frame(self, routing_key: str) -> bytes:
        """The ``basic.publish`` method frame (mandatory) to this exchange and routing key."""
        args = amqp.serialization.dumps("Bssbb", (0, self.exchange, routing_key, True, False))
        payload = struct.pack(">HH", *amqp.spec.Basic.Publish) + args
        return pack_frame_head(1, self._channel_id, len(payload)) + payload + FRAME_END

    @staticmethod
    def _property_template() -> bytes | None:
        """The serialised properties up to the message id's value, or None if it cannot be.

        py-amqp serialises properties in the protocol's order and ``message_id`` is the last
        one set, so what precedes its value is the same for every message; checked here with
        two ids rather than assumed.
        """

        def serialised(message_id: str) -> bytes:
            message = amqp.Message(b"", message_id=message_id, **MESSAGE_PROPERTIES)
            return bytes(message._serialize_properties())

        one, two = serialised("a"), serialised("bc")
        if not (one.endswith(b"\x01a") and two == one[:-2] + b"\x02bc"):
            return None
        return one[:-2]

    def _answer(self, tag: int, multiple: bool) -> int:
        """Forget the tags this answer covers; return how many were still waiting."""
        if not multiple:
            if tag not in self._waiting:
                return 0
            del self._waiting[tag]
            return 1
        answered = 0
        while self._waiting and next(iter(self._waiting)) <= tag:
            self._waiting.popitem(last=False)
            answered += 1
        return answered

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._answer(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._refused += self._answer(delivery_tag, multiple)

    def wait(self, timeout: float) -> None:
        """Until every publish so far is answered; fail at the first nack."""
        deadline = time.monotonic() + timeout
        while self._waiting and not self._refused:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Unconfirmed(
                    f"{len(self._waiting)} events not confirmed by the broker in {timeout:g} s"
                )
            try:
                self.connection.drain_events(timeout=remaining)
            except TimeoutError:  # socket.timeout: the loop checks the deadline
                continue
        if self._refused:
            raise Unconfirmed(f"the broker refused {self._refused} events (basic.nack)")


class Relay:
    def __init__(
        self, settings: Settings, db: Database, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        self.settings = settings
        self.db = db
        self.batch_size = batch_size
        self.topology = bus.Topology(settings.bus_prefix)
        self._connection: Connection | None = None
        self._publisher: ConfirmedChannel | Producer | None = None

    # -- broker ---------------------------------------------------------------------------

    def _ensure_publisher(self) -> ConfirmedChannel | Producer:
        """The broker connection's publisher: batched confirms on RabbitMQ, kombu's locally."""
        if self._publisher is None:
            # On RabbitMQ the relay waits for a whole batch's confirms itself, so the
            # connection must not make every publish wait for its own (bus.connect).
            writes = BatchedWrites()
            connection = bus.connect(
                self.settings.bus_url,
                confirm_publish=False,
                transport_options={"frame_writer": writes.frame_writer},
            )
            connection.ensure_connection(max_retries=1)
            bus.declare(connection, self.topology, self.settings.service, [])
            self._connection = connection
            if self.settings.embedded_bus:
                # The local bus has no confirms: a publish has written its file when it returns.
                self._publisher = Producer(
                    connection.default_channel, exchange=self.topology.events
                )
            else:
                self._publisher = ConfirmedChannel(
                    connection, writes, self.topology.events.name, on_return=self._on_return
                )
        return self._publisher

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
        self._publisher = None

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
        # Keep, per subject, only the run of rows that starts at its oldest unpublished row:
        # a claimed row waits when an earlier row of its subject is unpublished but not
        # claimed (another relay holds it, SKIP LOCKED passed over it). Only rows up to the
        # last claimed one can be earlier, so one range of the unpublished-id index answers,
        # whatever the subjects' backlogs: the batch and the rows other relays hold.
        claimed_ids = {r.id for r in rows}
        held_from: dict[str, int] = {}  # subject -> its first unpublished row not claimed
        for row in session.execute(
            select(outbox.c.id, outbox.c.subject)
            .where(outbox.c.published_at.is_(None), outbox.c.id <= rows[-1].id)
            .order_by(outbox.c.id)
        ):
            if row.id not in claimed_ids:
                held_from.setdefault(row.subject, row.id)
        if not held_from:
            return rows
        return [r for r in rows if r.id < held_from.get(r.subject, r.id + 1)]

    def _mark_published(self, session: Session, rows: list[Any]) -> None:
        ids = [r.id for r in rows]
        if self.db.dialect == "postgresql":
            # One array parameter instead of one per row: half the statement's cost at 500.
            where = outbox.c.id == func.any(bindparam("ids", ids, type_=ARRAY(BigInteger)))
        else:
            where = outbox.c.id.in_(ids)
        session.execute(update(outbox).where(where).values(published_at=utcnow()))

    def _publish(self, rows: list[Any]) -> ConfirmedChannel | None:
        """Publish the batch in id order; on RabbitMQ, the channel whose confirms to await.

        Any failure drops the connection before it propagates, so the next round starts on a
        fresh channel whose delivery tags count from 1 again.
        """
        publisher = self._ensure_publisher()
        try:
            if isinstance(publisher, ConfirmedChannel):
                publisher.publish(rows, self.settings.confirm_timeout_s)
                return publisher
            for row in rows:
                publisher.publish(
                    row.envelope,
                    routing_key=row.type,
                    content_type="application/cloudevents+json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=row.event_id,
                    retry=False,
                )
        except BaseException:
            self._drop_connection()
            raise
        return None

    def run_once(self) -> int:
        """Publish one batch; return how many events were published.

        While the broker writes the batch and confirms it, the rows' UPDATE runs in the
        claiming transaction; the transaction commits, and so marks the rows published,
        only once every event of the batch is acked.
        """
        with self.db.transaction() as session:
            rows = self._claim(session)
            if not rows:
                return 0
            confirming = self._publish(rows)
            try:
                self._mark_published(session, rows)  # not committed before the acks
                if confirming is not None:
                    confirming.wait(self.settings.confirm_timeout_s)
            except BaseException:
                self._drop_connection()  # its tags can no longer be trusted
                raise
            failpoints.hit("relay.after_publish")
        for event_type, count in Counter(row.type for row in rows).items():
            EVENTS_PUBLISHED.labels(self.settings.service, event_type).inc(count)
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
            heartbeat.beat()  # each round, after each wait or backoff (its /livez)
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
