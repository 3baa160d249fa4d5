"""The relay's batched publisher confirms, against a real RabbitMQ.

The relay publishes a whole batch before it waits for the broker's answers, so these tests
check the promises that waiting per batch must keep, at the moments it could break them:

1. a batch of many events, about interleaved subjects, all reach the queue once, each
   subject's in the order emitted, and all are marked published;
2. a broker that refuses part of a batch (a full queue that rejects publishes: ``basic.nack``)
   leaves every row of the batch unpublished, and the next round publishes them all;
3. a connection cut in the middle of a batch does the same;
4. an event no queue is bound to is still reported (metric and log) and the rest of its batch
   is delivered.

RabbitMQ only: the local bus has no confirms to batch (tests/test_bus.py covers both stacks).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Queue
from prometheus_client import REGISTRY
from sqlalchemy import select

from kit.db import Database
from kit.events import bus, emit
from kit.events.relay import BatchedWrites, ConfirmedChannel, Relay, Unconfirmed
from kit.events.tables import outbox
from tests.support import infra
from tests.support.probe import EVENT_TYPE, service
from tests.support.processes import free_port
from tests.support.stack import Stack
from tests.support.tcpproxy import TcpProxy

SOURCE = "probe-src"


@pytest.fixture
def rabbit(tmp_path: Path) -> Iterator[Stack]:
    """The infra stack alone: PostgreSQL for the outbox, RabbitMQ for the bus."""
    infra.require()
    stack = Stack("infra", tmp_path / "stack")
    try:
        yield stack
    finally:
        stack.close()


def emit_interleaved(db: Database, subjects: int, per_subject: int) -> list[str]:
    """``subjects × per_subject`` events, the subjects taking turns; return their ids in order."""
    ids = []
    with db.transaction() as session:
        for seq in range(per_subject):
            for n in range(subjects):
                ids.append(emit(session, EVENT_TYPE, f"sheet/{n}", {"seq": seq}).id)
    return ids


def unpublished(db: Database) -> int:
    with db.read() as session:
        return len(
            session.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None))).all()
        )


def declare_queue(stack: Stack, arguments: dict[str, Any] | None = None) -> str:
    """A queue nobody consumes, bound to the probe's type, with ``arguments`` (e.g. a cap)."""
    name = stack.tap(EVENT_TYPE)  # registered for removal with the stack
    if arguments:
        with bus.connect(stack.bus_url) as connection:
            channel = connection.default_channel
            Queue(name)(channel).delete()
            Queue(
                name,
                exchange=bus.Topology(stack.prefix).events,
                routing_key=EVENT_TYPE,
                durable=True,
                queue_arguments=arguments,
            )(channel).declare()
    return name


def delete_queue(stack: Stack, name: str) -> None:
    with bus.connect(stack.bus_url) as connection:
        Queue(name)(connection.default_channel).delete()


def received(stack: Stack, queue: str) -> list[dict[str, Any]]:
    """Every envelope waiting in ``queue``, in queue order (taking them out)."""
    envelopes = []
    with bus.connect(stack.bus_url) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            envelopes.append(json.loads(message.body))
    return envelopes


def seqs_by_subject(envelopes: list[dict[str, Any]]) -> dict[str, list[int]]:
    order: dict[str, list[int]] = defaultdict(list)
    for envelope in envelopes:
        order[envelope["subject"]].append(envelope["data"]["seq"])
    return order


def test_a_large_batch_arrives_once_in_order_per_subject_and_is_marked(rabbit: Stack) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    ids = emit_interleaved(source, subjects=30, per_subject=40)  # 1,200 events

    relay = Relay(rabbit.settings(SOURCE), source, batch_size=500)
    rounds = []
    while published := relay.run_once():
        rounds.append(published)
    relay.close()

    assert rounds == [500, 500, 200], "every round carried a full batch"
    assert unpublished(source) == 0
    envelopes = received(rabbit, tap)
    assert [e["id"] for e in envelopes] == ids, "each event once, in the order emitted"
    assert all(seqs == list(range(40)) for seqs in seqs_by_subject(envelopes).values())


def test_rows_another_relay_holds_make_their_subjects_wait_and_the_rest_go(
    rabbit: Stack,
) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    ids = emit_interleaved(source, subjects=3, per_subject=3)  # sheet/0, sheet/1, sheet/2, …
    held = ids[1]  # sheet/1's first event

    relay = Relay(rabbit.settings(SOURCE), source, batch_size=100)
    with source.transaction() as other_relay:  # mid-round: it has claimed sheet/1's first row
        other_relay.execute(
            select(outbox.c.id).where(outbox.c.event_id == held).with_for_update()
        ).one()
        assert relay.run_once() == 6, "sheet/0 and sheet/2 go; all of sheet/1 waits"
        assert relay.run_once() == 0
        first = received(rabbit, tap)
    assert {e["subject"] for e in first} == {"sheet/0", "sheet/2"}

    # The other relay gave its row back (its round failed); the next round takes sheet/1.
    assert relay.run_once() == 3
    relay.close()
    assert unpublished(source) == 0
    assert [e["id"] for e in received(rabbit, tap)] == [
        i for i in ids if i not in {e["id"] for e in first}
    ]


def test_a_nack_in_mid_batch_marks_nothing_and_the_next_round_publishes_the_batch(
    rabbit: Stack,
) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    # A queue full after 5 messages that refuses more: RabbitMQ nacks the 6th publish onwards.
    full = declare_queue(rabbit, {"x-max-length": 5, "x-overflow": "reject-publish"})
    ids = emit_interleaved(source, subjects=3, per_subject=4)

    relay = Relay(rabbit.settings(SOURCE), source, batch_size=100)
    with pytest.raises(Unconfirmed, match="refused"):
        relay.run_once()
    assert unpublished(source) == len(ids), "the 5 acked events are not marked either"

    delete_queue(rabbit, full)  # the operator makes room
    assert relay.run_once() == len(ids)
    relay.close()
    assert unpublished(source) == 0
    # The tap saw the refused round too (RabbitMQ routed it there); consumers' inboxes drop
    # such repeats. The round that counted brought every event, in order.
    assert [e["id"] for e in received(rabbit, tap)] == ids + ids


def test_a_connection_cut_in_mid_batch_marks_nothing_and_the_next_round_publishes_it(
    rabbit: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    ids = emit_interleaved(source, subjects=10, per_subject=30)
    proxy = TcpProxy((infra.AMQP_HOST, infra.AMQP_PORT), free_port())
    proxy.start()
    through_proxy = dataclasses.replace(
        rabbit.settings(SOURCE), bus_url=f"amqp://guest:guest@{proxy.url_host}//"
    )
    # Small writes, so part of the batch reaches the broker before the cut.
    monkeypatch.setattr(BatchedWrites, "FLUSH_BYTES", 4096)

    # The broker goes away after the relay has published 120 of the batch's 300 events.
    publish, sent = ConfirmedChannel._publish, []

    def publish_then_cut(channel: ConfirmedChannel, *args: Any) -> None:
        publish(channel, *args)
        sent.append(args)
        if len(sent) == 120:
            proxy.stop()

    monkeypatch.setattr(ConfirmedChannel, "_publish", publish_then_cut)
    relay = Relay(through_proxy, source, batch_size=500)
    try:
        with pytest.raises(Exception):  # noqa: B017 - whichever error the transport raises
            relay.run_once()
        assert unpublished(source) == len(ids)

        monkeypatch.setattr(ConfirmedChannel, "_publish", publish)
        proxy.start()
        assert relay.run_once() == len(ids)
    finally:
        relay.close()
        proxy.stop()
    assert unpublished(source) == 0
    envelopes = received(rabbit, tap)
    # What the broker took before the cut stays (at most the first 120); the second round
    # brought every event, in order.
    assert [e["id"] for e in envelopes[-len(ids) :]] == ids
    assert len(envelopes) - len(ids) <= 120


def test_an_unroutable_event_is_reported_and_the_rest_of_its_batch_delivered(
    rabbit: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    nobody = "probe.nobody.listens"
    with source.transaction() as session:
        before = emit(session, EVENT_TYPE, "sheet/1", {"seq": 0}).id
        emit(session, nobody, "sheet/2", {"seq": 0})
        after = emit(session, EVENT_TYPE, "sheet/1", {"seq": 1}).id
    labels = {"service": SOURCE, "type": nobody}
    counted = REGISTRY.get_sample_value("events_unroutable_total", labels) or 0.0

    relay = Relay(rabbit.settings(SOURCE), source)
    with caplog.at_level(logging.WARNING, logger="kit.events.relay"):
        assert relay.run_once() == 3
    relay.close()

    assert REGISTRY.get_sample_value("events_unroutable_total", labels) == counted + 1
    assert [r.event_type for r in caplog.records if hasattr(r, "event_type")] == [nobody]
    assert unpublished(source) == 0, "an unroutable event is confirmed too: nothing waits"
    assert [e["id"] for e in received(rabbit, tap)] == [before, after]


def test_every_event_goes_out_persistent_with_its_id_and_content_type_large_or_small(
    rabbit: Stack,
) -> None:
    source = rabbit.prepare(service(SOURCE))
    tap = declare_queue(rabbit)
    with source.transaction() as session:
        small = emit(session, EVENT_TYPE, "sheet/1", {"seq": 0, "note": "Thi đua"})
        # Larger than one AMQP frame (128 KiB): the relay must split it as py-amqp does.
        large = emit(session, EVENT_TYPE, "sheet/1", {"seq": 1, "note": "đ" * 100_000})

    relay = Relay(rabbit.settings(SOURCE), source)
    assert relay.run_once() == 2
    relay.close()

    with bus.connect(rabbit.bus_url) as connection:
        channel = connection.default_channel
        messages = [channel.basic_get(tap, no_ack=True) for _ in range(2)]
    for message, event in zip(messages, [small, large], strict=True):
        assert json.loads(message.body) == event.to_dict()
        assert message.properties["message_id"] == event.id
        assert message.properties["content_type"] == "application/cloudevents+json"
        assert message.properties["content_encoding"] == "utf-8"
        assert message.properties["delivery_mode"] == 2, "persistent"
