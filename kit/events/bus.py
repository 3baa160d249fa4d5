"""The broker side of the event bus: its topology and connections, on RabbitMQ or locally.

Topology (``<prefix>`` is ``thidua`` unless THIDUA_BUS_PREFIX says otherwise):

- ``<prefix>.events``  durable topic exchange; routing key = event type.
- ``<prefix>.<service>``  one durable queue per consuming service (a quorum queue on
  RabbitMQ), bound to the event types the service handles and to ``<prefix>.retry`` under
  the service's name, so a retry goes back to that service alone.
- ``<prefix>.<service>.dead``  its dead-letter queue, bound to ``<prefix>.dead``.

The URL chooses the transport: ``amqp://`` is RabbitMQ with publisher confirms and mandatory
publishing; ``local://<folder>`` is the embedded bus (kit.events.localbus).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import amqp.transport
from kombu import Connection, Exchange, Queue, binding

from kit.events import localbus

QUORUM = {"x-queue-type": "quorum"}


class Topology:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.events = Exchange(f"{prefix}.events", "topic", durable=True)
        self.retry = Exchange(f"{prefix}.retry", "direct", durable=True)
        self.dead = Exchange(f"{prefix}.dead", "direct", durable=True)

    def service_queue(self, service: str, patterns: Iterable[str]) -> Queue:
        bindings = [binding(self.events, routing_key=p) for p in patterns]
        bindings.append(binding(self.retry, routing_key=service))
        return Queue(
            f"{self.prefix}.{service}", bindings=bindings, durable=True, queue_arguments=QUORUM
        )

    def dead_letter_queue(self, service: str) -> Queue:
        return Queue(
            f"{self.prefix}.{service}.dead",
            exchange=self.dead,
            routing_key=service,
            durable=True,
            queue_arguments=QUORUM,
        )


def connect(
    url: str,
    *,
    connect_timeout: float = 5.0,
    confirm_publish: bool = True,
    transport_options: Mapping[str, Any] | None = None,
) -> Connection:
    """A kombu connection to the bus at ``url`` (not yet opened).

    On RabbitMQ every channel confirms each publish before ``publish`` returns
    (``confirm_publish``), which is what a caller publishing one copy at a time wants (the
    consumer's retries and dead letters, replay, redrive). The relay publishes a whole batch
    before it waits, so it passes ``confirm_publish=False`` and selects confirms on its own
    channel (``kit.events.relay.ConfirmedChannel``), and hands py-amqp its own frame writer
    through ``transport_options`` (merged over the defaults; RabbitMQ only). The local bus has
    no confirms either way.
    """
    if url.startswith("local://"):
        root = Path(url.removeprefix("local://"))
        return Connection(
            transport=localbus.Transport,
            transport_options={**localbus.folders(root), "polling_interval": 0.05},
        )
    return Connection(
        url,
        connect_timeout=connect_timeout,
        heartbeat=30,
        transport_options={
            "confirm_publish": confirm_publish,
            "max_retries": 1,
            **(transport_options or {}),
        },
    )


# What one socket read asks for beyond what py-amqp needs (see ``read_ahead``).
READ_AHEAD_BYTES = 4096


def read_ahead(connection: Connection) -> None:
    """Let the open RabbitMQ connection read up to ``READ_AHEAD_BYTES`` per system call.

    py-amqp reads each frame's header, payload and end byte with a ``recv`` of its own, nine
    system calls per delivered message; its transport keeps what a read brings beyond the
    frame in its buffer for the next, so asking for more only saves calls. A consumer's
    deliveries arrive back to back, so most of them are then already in that buffer. Does
    nothing on the local bus, or on a transport that is not plain TCP.
    """
    if connection.transport.driver_type != "amqp":
        return
    transport = getattr(connection.connection, "transport", None)
    sock = getattr(transport, "sock", None)
    if not isinstance(transport, amqp.transport.TCPTransport) or sock is None:
        return
    recv = sock.recv
    transport._quick_recv = lambda size: recv(max(size, READ_AHEAD_BYTES))


def declare(
    connection: Connection,
    topology: Topology,
    service: str,
    patterns: Iterable[str],
    retired: Iterable[str] = (),
) -> Queue | None:
    """Declare the exchanges and, for a service that consumes, its queue and dead letters.

    Idempotent. ``setup`` runs it before anything starts, and every relay and consumer again
    at start, so no event is published before the queues that should receive it exist.

    Declaring only ever adds bindings, so a pattern an older release subscribed to stays
    bound, and the broker keeps delivering what nobody handles any more. ``retired`` names
    such patterns (``Service.retired_subscriptions``): each is unbound from the service's
    queue, unless it is a current pattern too. Unbinding what is not bound changes nothing.
    """
    channel = connection.default_channel
    for exchange in (topology.events, topology.retry, topology.dead):
        exchange(channel).declare()
    patterns = list(patterns)
    if not patterns:
        return None
    queue = topology.service_queue(service, patterns)(channel)
    queue.declare()
    topology.dead_letter_queue(service)(channel).declare()
    for pattern in retired:
        if pattern not in patterns:
            queue.unbind_from(topology.events, routing_key=pattern)
    return queue


def ping(url: str, timeout: float = 2.0) -> None:
    """Raise when the broker cannot be reached within ``timeout`` seconds."""
    if url.startswith("local://"):
        root = Path(url.removeprefix("local://")) / "queues"
        if not root.is_dir():
            raise ConnectionError(f"local bus folder {root} is missing")
        return
    with connect(url, connect_timeout=timeout) as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)
