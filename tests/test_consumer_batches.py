"""The consumer takes several messages per transaction and still handles each once in effect.

Each test runs on both stacks (SQLite + local bus, PostgreSQL + RabbitMQ):

1. one failing event among many in a batch: every other event takes effect exactly once, the
   bad one is retried and then dead-lettered with its error, nothing is doubled;
2. a consumer SIGKILLed in the middle of a batch (before its commit) commits none of it, and
   after a restart every event takes effect once;
3. a consumer SIGKILLed after the commit but before the acknowledgements: the redelivered
   messages are recognised in the inbox, nothing is doubled;
4. the same event twice in one batch takes effect once;
5. a handler's batch hook (``prepare``) is called once with the batch's events, in the
   batch's transaction, and a failing hook stops no event (and leaves nothing behind);
6. a lone event is not kept waiting the whole batch wait for company that is not coming.

The batches are made certain rather than likely: the events are queued before the consumer
starts, and its batch wait is long, so the first batch is exactly ``--batch-size`` messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from kit.db import Database, utcnow
from kit.events import CloudEvent, emit
from kit.events.consumer import Consumer
from kit.events.deadletters import list_dead_letters
from kit.events.relay import Relay
from kit.events.tables import inbox
from tests.support.probe import EVENT_TYPE, Effect, handle, service
from tests.support.processes import python, wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.processes

SOURCE, A = "probe-src", "probe-a"
# Long enough that a batch is closed by its size, not by the wait, on a busy machine.
LONG_WAIT = {"THIDUA_CONSUMER_BATCH_WAIT_S": "3"}


def emit_probes(db: Database, datas: Sequence[dict[str, object]]) -> list[str]:
    """One probe event per ``data``, each with a subject of its own; their ids, in order."""
    ids = []
    for n, data in enumerate(datas):
        with db.transaction() as session:
            ids.append(emit(session, EVENT_TYPE, f"thing/{n}", {"seq": n, **data}).id)
    return ids


def publish_all(stack: Stack, source: Database) -> None:
    relay = Relay(stack.settings(SOURCE), source)
    while relay.run_once():
        pass


def handled_ids(db: Database) -> list[str]:
    """The event ids of every effect, in the order they were written (duplicates kept)."""
    with db.read() as session:
        return list(session.execute(select(Effect.event_id).order_by(Effect.id)).scalars())


def consume_cli(*args: str) -> list[str]:
    return python("-m", "tests.support.probe", A, "consume", *args)


def queue_drained(stack: Stack) -> bool:
    return stack.queue_size(f"{stack.prefix}.{A}") == 0


def test_a_failing_event_in_a_batch_is_retried_alone_and_the_others_take_effect_once(
    stack: Stack, tmp_path: Path
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    broken = tmp_path / "broken"
    broken.touch()  # never fixed: the bad event must end in dead letters
    datas: list[dict[str, object]] = [{} for _ in range(20)]
    datas[7] = {"fail_while_exists": str(broken)}
    ids = emit_probes(source, datas)
    bad, good = ids[7], ids[:7] + ids[8:]
    publish_all(stack, source)

    consumer = stack.spawn(
        "consumer",
        consume_cli("--batch-size", "20"),
        A,
        THIDUA_EVENT_MAX_ATTEMPTS="3",
        **LONG_WAIT,
    )
    settings = stack.settings(A, max_attempts=3)
    letters = wait_until(lambda: list_dead_letters(settings), timeout=60, what="a dead letter")
    wait_until(lambda: queue_drained(stack), what="the queue to drain")
    consumer.stop()

    assert [(letter.event_id, letter.attempts) for letter in letters] == [(bad, 3)]
    assert "probe is broken" in letters[0].error
    assert sorted(handled_ids(a)) == sorted(good), "each good event once, the bad one never"
    output = consumer.output(200_000)
    assert output.count('"message": "handler failed"') == 3, "tried exactly three times"


def test_consumer_killed_mid_batch_commits_none_of_it_and_after_restart_each_once(
    stack: Stack, tmp_path: Path
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    marker = tmp_path / "handler-started"
    datas: list[dict[str, object]] = [{} for _ in range(30)]
    datas[15] = {"slow_once_marker": str(marker), "sleep": 300}
    ids = emit_probes(source, datas)
    publish_all(stack, source)

    first = stack.spawn("consumer-1", consume_cli("--batch-size", "30"), A, **LONG_WAIT)
    wait_until(marker.exists, what="the slow handler, mid-batch, to start")
    first.kill()
    assert handled_ids(a) == [], "the first fifteen handlers ran, but nothing was committed"

    second = stack.spawn("consumer-2", consume_cli(), A)
    wait_until(lambda: len(handled_ids(a)) >= 30, timeout=60, what="every event after restart")
    wait_until(lambda: queue_drained(stack), what="the queue to drain")
    second.stop()
    assert sorted(handled_ids(a)) == sorted(ids)


def test_consumer_killed_after_commit_before_acks_doubles_nothing(stack: Stack) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    ids = emit_probes(source, [{} for _ in range(10)])
    publish_all(stack, source)

    first = stack.spawn(
        "consumer-1",
        consume_cli("--batch-size", "10"),
        A,
        THIDUA_FAILPOINTS="consumer.after_commit=sleep:300",
        **LONG_WAIT,
    )
    wait_until(lambda: len(handled_ids(a)) == 10, what="the batch to commit")
    first.kill()  # committed, not one message acknowledged

    second = stack.spawn("consumer-2", consume_cli(), A)
    wait_until(
        lambda: second.output(200_000).count("duplicate delivery ignored") == 10,
        timeout=60,
        what="all ten delivered again and recognised",
    )
    wait_until(lambda: queue_drained(stack), what="the queue to drain")
    second.stop()
    assert sorted(handled_ids(a)) == sorted(ids)


def probe_event(n: int, **data: object) -> CloudEvent:
    return CloudEvent(
        type=EVENT_TYPE, source=f"/thidua/{SOURCE}", subject=f"direct/{n}", data={"seq": n, **data}
    )


def test_the_same_event_twice_in_one_batch_takes_effect_once(stack: Stack, tmp_path: Path) -> None:
    a = stack.prepare(service(A))
    broken = tmp_path / "broken"
    broken.touch()
    first, bad, last = probe_event(1), probe_event(2, fail_while_exists=str(broken)), probe_event(3)
    consumer = Consumer(stack.settings(A), a, service(A).subscriptions)

    outcomes = consumer.apply_batch([first, bad, first, last])

    assert [(o.event.id, o.first_time, o.error is not None) for o in outcomes] == [
        (first.id, True, False),
        (bad.id, False, True),
        (first.id, False, False),
        (last.id, True, False),
    ]
    assert sorted(handled_ids(a)) == sorted([first.id, last.id])
    with a.read() as session:
        recorded = session.execute(select(inbox.c.event_id).where(inbox.c.consumer == A))
        assert sorted(recorded.scalars()) == sorted([first.id, last.id]), "no inbox row for bad"
    assert consumer.apply(first) is False, "and again later, in a batch of its own"


class PreparingProbe:
    """The probe's handler with a batch hook that reads ahead into ``session.info``."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[list[str]] = []
        self.saw_prepared: list[bool] = []

    def prepare(self, session: Session, events: Sequence[CloudEvent]) -> None:
        self.calls.append([event.id for event in events])
        session.info["prepared"] = {event.id for event in events}
        if self.fail:
            # Neither what it wrote nor what it kept before failing may outlive the failure.
            session.execute(
                insert(Effect.__table__).values(
                    event_id="written-by-prepare", subject="x", seq=0, handled_at=utcnow()
                )
            )
            raise RuntimeError("the bulk read failed")

    def __call__(self, session: Session, event: CloudEvent) -> None:
        self.saw_prepared.append(event.id in session.info.get("prepared", ()))
        handle(session, event)


@contextmanager
def consuming(stack: Stack, handler: PreparingProbe, db: Database) -> Iterator[Consumer]:
    """An in-process consumer thread of ``handler``, closing batches of ten by their size."""
    consumer = Consumer(stack.settings(A), db, {EVENT_TYPE: handler}, batch_size=10, batch_wait=3)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.mark.parametrize("fail", [False, True], ids=["prepare-works", "prepare-fails"])
def test_the_batch_hook_sees_the_batch_and_a_failing_one_stops_no_event(
    stack: Stack, fail: bool
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    ids = emit_probes(source, [{} for _ in range(10)])
    publish_all(stack, source)
    handler = PreparingProbe(fail=fail)

    with consuming(stack, handler, a):
        wait_until(lambda: len(handled_ids(a)) == 10, what="every event")
        wait_until(lambda: queue_drained(stack), what="the queue to drain")

    assert handler.calls == [ids], "once, with the batch's events in delivery order"
    # Read ahead in the handlers' own transaction; after a failure, not at all.
    assert handler.saw_prepared == [not fail] * 10
    assert handled_ids(a) == ids, "each once, in order, whether or not prepare worked"
    assert list_dead_letters(stack.settings(A)) == []
    with a.read() as session:
        leftovers = session.scalar(
            select(func.count()).select_from(Effect).where(Effect.event_id == "written-by-prepare")
        )
    assert leftovers == 0


def test_a_lone_event_is_handled_after_a_lull_not_after_the_whole_batch_wait(
    stack: Stack,
) -> None:
    source = stack.prepare(service(SOURCE))
    a = stack.prepare(service(A))
    handler = PreparingProbe()

    with consuming(stack, handler, a):  # batches of ten, a batch wait of 3 s
        emit_probes(source, [{}])
        publish_all(stack, source)
        wait_until(lambda: len(handled_ids(a)) == 1, what="the first event (the consumer is up)")
        with source.transaction() as session:
            emit(session, EVENT_TYPE, "thing/lone", {"seq": 1})
        published = time.monotonic()
        publish_all(stack, source)
        wait_until(lambda: len(handled_ids(a)) == 2, what="the lone event")
        waited = time.monotonic() - published

    assert waited < 1.5, f"a trickle waits for a lull (0.3 s here), not 3 s: {waited:.2f} s"
    assert handler.calls and all(len(call) == 1 for call in handler.calls), "one batch each"


def test_batch_size_defaults_from_settings_and_never_exceeds_the_prefetch(stack: Stack) -> None:
    settings = stack.settings(A)
    db = Database(stack.database_url(A), A)
    try:
        assert Consumer(settings, db, {EVENT_TYPE: handle}).batch_size == (
            settings.consumer_batch_size
        )
        small = Consumer(settings, db, {EVENT_TYPE: handle}, prefetch=5, batch_size=50)
        assert small.batch_size == 5, "the broker would never hand over a batch of 50"
    finally:
        db.dispose()
