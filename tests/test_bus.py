"""The event bus's guarantees, each proven against real processes on both stacks.

1. a committed event reaches every bound consumer once in effect; a rolled-back one never;
2. a relay SIGKILLed between the broker's confirm and marking the row publishes it again,
   and the effect still happens once;
3. a consumer SIGKILLed mid-handling gets the message again and handles it once;
4. a handler that always fails parks the message in dead letters with its error after the
   configured attempts, other messages keep flowing, and redrive delivers it once fixed;
5. events emitted while the broker is down are all published, in order, when it returns.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from kit.db import Database
from kit.events import emit
from kit.events.consumer import Consumer
from kit.events.deadletters import list_dead_letters
from kit.events.relay import Relay
from kit.events.tables import outbox
from tests.support import infra
from tests.support.probe import EVENT_TYPE, Effect, service
from tests.support.processes import free_port, python, wait_until
from tests.support.stack import Stack
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.processes

SOURCE, A, B = "probe-src", "probe-a", "probe-b"


def emit_probe(db: Database, subject: str, **data: object) -> str:
    with db.transaction() as session:
        return emit(session, EVENT_TYPE, subject, data).id


def effects(db: Database) -> list[Effect]:
    with db.read() as session:
        return list(session.execute(select(Effect).order_by(Effect.id)).scalars())


def unpublished(db: Database) -> int:
    with db.read() as session:
        rows = session.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None)))
        return len(rows.all())


def run_cli(stack: Stack, name: str, *args: str, **env: str) -> list[str]:
    return python("-m", "tests.support.probe", name, *args)


@contextmanager
def consuming(stack: Stack, name: str) -> Iterator[Consumer]:
    """An in-process consumer thread (for tests that do not kill it)."""
    consumer = Consumer(
        stack.settings(name), Database(stack.database_url(name), name), service(name).subscriptions
    )
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(timeout=10)


def test_committed_event_reaches_each_consumer_once_and_rollback_publishes_nothing(
    stack: Stack,
) -> None:
    source = stack.prepare(service(SOURCE))
    a, b = stack.prepare(service(A)), stack.prepare(service(B))

    committed = emit_probe(source, "thing/1", seq=1)
    with pytest.raises(RuntimeError), source.transaction() as session:
        emit(session, EVENT_TYPE, "thing/2", {"seq": 2})
        raise RuntimeError("the business change failed")

    relay = Relay(stack.settings(SOURCE), source)
    assert relay.run_once() == 1
    assert relay.run_once() == 0
    # The same event delivered twice more (as after a relay crash) must change nothing.
    with source.transaction() as session:
        session.execute(outbox.update().values(published_at=None))
    assert relay.run_once() == 1

    with consuming(stack, A), consuming(stack, B):
        for db in (a, b):
            wait_until(lambda db=db: effects(db), what="the effect")
        wait_until(
            lambda: (
                stack.queue_size(f"{stack.prefix}.{A}") == 0
                and stack.queue_size(f"{stack.prefix}.{B}") == 0
            ),
            what="queues drained",
        )
    for db in (a, b):
        assert [(e.event_id, e.subject) for e in effects(db)] == [(committed, "thing/1")]


def test_relay_killed_after_publishing_before_marking_publishes_again_and_effect_is_once(
    stack: Stack,
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    tap = stack.tap(EVENT_TYPE)
    ids = [emit_probe(source, f"thing/{n}", seq=n) for n in range(3)]

    stuck = stack.spawn(
        "relay-stuck",
        run_cli(stack, SOURCE, "relay"),
        SOURCE,
        THIDUA_FAILPOINTS="relay.after_publish=sleep:300",
    )
    wait_until(lambda: stack.queue_size(tap) == 3, what="the broker to confirm 3 events")
    assert unpublished(source) == 3, "the relay is paused before marking the rows"
    stuck.kill()

    relay = stack.spawn("relay", run_cli(stack, SOURCE, "relay"), SOURCE)
    wait_until(lambda: unpublished(source) == 0, what="the restarted relay to publish")
    assert stack.queue_size(tap) == 6, "every event was published a second time"

    consumer = stack.spawn("consumer", run_cli(stack, A, "consume"), A)
    wait_until(lambda: stack.queue_size(f"{stack.prefix}.{A}") == 0, what="queue drained")
    wait_until(lambda: len(effects(a)) >= 3, what="effects")
    consumer.stop()
    relay.stop()
    assert sorted(e.event_id for e in effects(a)) == sorted(ids)


def test_consumer_killed_mid_handling_gets_the_message_again_and_handles_it_once(
    stack: Stack,
    tmp_path: Path,
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    marker = tmp_path / "handler-started"
    event_id = emit_probe(source, "slow/1", slow_once_marker=str(marker), sleep=300)
    Relay(stack.settings(SOURCE), source).run_once()

    first = stack.spawn("consumer-1", run_cli(stack, A, "consume"), A)
    wait_until(marker.exists, what="the handler to start")
    first.kill()
    assert effects(a) == []

    second = stack.spawn("consumer-2", run_cli(stack, A, "consume"), A)
    wait_until(lambda: effects(a), timeout=60, what="the redelivered message to be handled")
    wait_until(lambda: stack.queue_size(f"{stack.prefix}.{A}") == 0, what="queue drained")
    second.stop()
    assert [e.event_id for e in effects(a)] == [event_id]


def test_failing_handler_dead_letters_after_attempts_and_redrive_delivers_once_fixed(
    stack: Stack,
    tmp_path: Path,
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    broken = tmp_path / "broken"
    broken.touch()
    bad = emit_probe(source, "bad/1", fail_while_exists=str(broken))
    good = [emit_probe(source, f"good/{n}", seq=n) for n in range(3)]
    Relay(stack.settings(SOURCE), source).run_once()

    consumer = stack.spawn(
        "consumer", run_cli(stack, A, "consume"), A, THIDUA_EVENT_MAX_ATTEMPTS="3"
    )
    wait_until(lambda: len(effects(a)) == 3, what="the good events, past the bad one")
    settings = stack.settings(A, max_attempts=3)
    letters = wait_until(lambda: list_dead_letters(settings), what="a dead letter")
    assert [(x.event_id, x.attempts) for x in letters] == [(bad, 3)]
    assert "probe is broken" in letters[0].error
    assert sorted(e.event_id for e in effects(a)) == sorted(good)

    broken.unlink()  # the operator fixes the cause, then redrives
    redrive = stack.spawn("redrive", run_cli(stack, A, "dead-letters", "redrive", "--all"), A)
    assert redrive.popen.wait(timeout=60) == 0, redrive.output()
    wait_until(lambda: len(effects(a)) == 4, what="the redriven event's effect")
    consumer.stop()
    assert [e.event_id for e in effects(a)].count(bad) == 1
    assert list_dead_letters(settings) == []


def _break_bus(stack: Stack, proxy: TcpProxy | None) -> None:
    if proxy is not None:
        proxy.stop()
    else:  # the local bus's folder turned into a file: every publish fails
        queues = stack.root / "bus" / "queues"
        queues.rename(stack.root / "bus" / "queues.away")
        queues.touch()


def _mend_bus(stack: Stack, proxy: TcpProxy | None) -> None:
    if proxy is not None:
        proxy.start()
    else:
        (stack.root / "bus" / "queues").unlink()
        (stack.root / "bus" / "queues.away").rename(stack.root / "bus" / "queues")


def test_broker_down_loses_nothing_and_publishes_in_order_when_back(stack: Stack) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    extra: dict[str, str] = {}
    proxy = None
    if stack.kind == "infra":
        proxy = TcpProxy((infra.AMQP_HOST, infra.AMQP_PORT), free_port())
        proxy.start()
        extra["AMQP_URL"] = f"amqp://guest:guest@{proxy.url_host}//"
    relay = stack.spawn("relay", run_cli(stack, SOURCE, "relay"), SOURCE, **extra)
    consumer = stack.spawn("consumer", run_cli(stack, A, "consume"), A)

    emit_probe(source, "sheet/1", seq=0)
    wait_until(lambda: len(effects(a)) == 1, what="the bus to work before the outage")

    _break_bus(stack, proxy)
    subjects = [f"sheet/{uuid.uuid4().hex[:6]}" for _ in range(3)]
    for seq in range(1, 11):
        for subject in subjects:
            emit_probe(source, subject, seq=seq)
    wait_until(
        lambda: "relay round failed" in relay.output(20000),
        timeout=30,
        what="the relay to notice the outage",
    )
    assert unpublished(source) == 30
    assert len(effects(a)) == 1

    _mend_bus(stack, proxy)
    wait_until(lambda: len(effects(a)) == 31, timeout=90, what="every event after the outage")
    relay.stop()
    consumer.stop()
    if proxy:
        proxy.stop()
    for subject in subjects:
        seqs = [e.seq for e in effects(a) if e.subject == subject]
        assert seqs == list(range(1, 11)), f"{subject} handled out of order: {seqs}"


def test_database_outage_pauses_the_consumer_instead_of_dead_lettering(stack: Stack) -> None:
    if stack.kind == "embedded":
        pytest.skip("SQLite lives in the consumer's own process: there is no connection to cut")
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    proxy = TcpProxy((infra.PG_HOST, infra.PG_PORT), free_port())
    proxy.start()
    server = f"{infra.PG_HOST}:{infra.PG_PORT}"  # 127.0.0.1's, or a container's
    through_proxy = stack.database_url(A).replace(server, proxy.url_host)
    consumer = stack.spawn(
        "consumer",
        run_cli(stack, A, "consume"),
        A,
        PROBE_A_DATABASE_URL=through_proxy,
        THIDUA_EVENT_MAX_ATTEMPTS="2",
    )
    relay = Relay(stack.settings(SOURCE), source)
    emit_probe(source, "before/1")
    relay.run_once()
    wait_until(lambda: len(effects(a)) == 1, what="the consumer to work before the outage")

    proxy.stop()
    for n in range(3):
        emit_probe(source, f"during/{n}", seq=n)
    relay.run_once()
    wait_until(lambda: "consumer paused" in consumer.output(20000), what="the consumer to pause")
    # It backs off (0.5 s, 1 s, 2 s ...) rather than hammering the broker and the database.
    wait_until(lambda: '"retry_in_s": 2.0' in consumer.output(50000), what="a growing backoff")
    assert list_dead_letters(stack.settings(A)) == [], "an outage is not the events' fault"
    # Off the broker until the database answers: the batch went back to the queue once, not
    # once per retry (a quorum queue counts each return against its delivery limit).
    assert consumer.output(50000).count("consumer paused; reconnecting") == 1

    proxy.start()
    wait_until(lambda: len(effects(a)) == 4, timeout=60, what="the events after the outage")
    consumer.stop()
    proxy.stop()
    assert list_dead_letters(stack.settings(A)) == []


def test_on_postgresql_a_commit_wakes_the_idle_relay(stack: Stack) -> None:
    if stack.kind == "embedded":
        pytest.skip("SQLite cannot notify another process: the embedded relay polls")
    source = stack.prepare(service(SOURCE))
    tap = stack.tap(EVENT_TYPE)
    relay = stack.spawn("relay", run_cli(stack, SOURCE, "relay", "--idle-wait", "60"), SOURCE)
    emit_probe(source, "warm/1")
    wait_until(lambda: stack.queue_size(tap) == 1, timeout=30, what="the relay to start")
    # The relay now sleeps up to 60 s between looks, unless the commit wakes it.
    emit_probe(source, "wake/1")
    wait_until(
        lambda: stack.queue_size(tap) == 2,
        timeout=10,
        what="the commit to wake the relay long before its idle wait",
    )
    relay.stop()
