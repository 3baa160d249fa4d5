"""The two measurements of the event bus, on one stack.

Relay throughput: a pre-filled outbox drained by ``Relay.run_once()`` in this process, which
times exactly the relay's work (claim, publish, wait for the batch's confirms, mark) and
nothing else, at each batch size of the plan. This process's CPU time is taken too: on a busy
machine the wall clock says how long the relay waited for a core, the CPU time what it cost.

End-to-end latency: the platform's own relay and consumer run as separate processes, this
process commits one event per transaction at a fixed rate and notes when each commit
returned; the sink's handler notes when it ran. Both clocks are this machine's wall clock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from bench.bus.plan import Load
from bench.bus.service import PROBE, SINK, SOURCE, effects
from bench.procs import Running
from bench.stacks import Stack
from kit.db import Database, utcnow
from kit.events import CloudEvent, bus, emit
from kit.events.relay import Relay
from kit.events.tables import outbox

POLL_S = 0.02


@dataclass(frozen=True)
class Throughput:
    events: int  # per trial
    batch_size: int
    seconds: list[float]  # one per trial
    cpu_seconds: list[float]  # this process's CPU time, one per trial
    rounds: int  # relay rounds a trial took
    envelope_bytes: int  # the mean size of what was published

    @property
    def per_second(self) -> float:
        """The median trial's rate."""
        return self.events / statistics.median(self.seconds)

    @property
    def range(self) -> tuple[float, float]:
        return self.events / max(self.seconds), self.events / min(self.seconds)

    @property
    def cpu_per_event(self) -> float:
        """Seconds of the relay's own CPU an event costs (the median trial's)."""
        return statistics.median(self.cpu_seconds) / self.events


@dataclass(frozen=True)
class Drain:
    """A consumer working through a backlog, timed from its first effect to its last."""

    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return (self.events - 1) / self.seconds


@dataclass
class Latency:
    load: Load
    achieved_rate: float
    end_to_end: list[float] = field(default_factory=list)  # seconds, one per event
    relay_wait: list[float] = field(default_factory=list)  # commit -> marked published


def _probe(seq: int, run: str) -> tuple[str, dict[str, object]]:
    return f"probe/{run}/{seq}", {"seq": seq, "emitted_at": utcnow().isoformat()}


def prefill(db: Database, count: int, run: str, chunk: int = 2000) -> None:
    """``count`` events in the outbox, each about its own subject, in a few transactions.

    The rows are the ones ``emit`` writes, inserted ``chunk`` at a time: ``emit``'s statements
    per event (a NOTIFY and an INSERT) would make filling 20,000 rows take longer than the
    relay takes to drain them. The relay reads only the rows, so what it drains is the same.
    """
    source = f"/thidua/{SOURCE.name}"
    for start in range(0, count, chunk):
        rows = []
        for seq in range(start, min(count, start + chunk)):
            subject, data = _probe(seq, run)
            event = CloudEvent(
                type=PROBE, source=source, subject=subject, data={"schema_version": 1, **data}
            )
            rows.append(
                {
                    "event_id": event.id,
                    "type": event.type,
                    "subject": event.subject,
                    "envelope": event.to_json(),
                    "created_at": utcnow(),
                    "attempts": 0,
                }
            )
        with db.transaction() as session:
            session.execute(insert(outbox), rows)


def declare_sink(stack: Stack) -> None:
    """The sink's queue, bound before anything is published, so every probe is routed."""
    with bus.connect(stack.bus_url) as connection:
        connection.ensure_connection(max_retries=2)
        bus.declare(connection, bus.Topology(stack.bus_prefix), SINK.name, SINK.subscriptions)


def purge_sink(stack: Stack) -> int:
    """Empty the sink's queue of what the throughput run left in it."""
    queue = bus.Topology(stack.bus_prefix).service_queue(SINK.name, SINK.subscriptions)
    with bus.connect(stack.bus_url) as connection, connection.channel() as channel:
        return queue(channel).purge() or 0


def _mean_envelope_bytes(db: Database) -> int:
    with db.read() as session:
        size = session.execute(
            select(func.avg(func.length(outbox.c.envelope))).where(outbox.c.published_at.is_(None))
        ).scalar_one()
    return round(float(size))


def _drain(relay: Relay, events: int) -> tuple[float, float, int]:
    """Seconds, CPU seconds and rounds the relay takes to publish ``events`` waiting rows."""
    published = rounds = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while published < events:
        done = relay.run_once()
        if not done:
            raise RuntimeError(f"the relay stopped after {published} of {events} events")
        published += done
        rounds += 1
    return time.perf_counter() - started, time.process_time() - cpu_started, rounds


def relay_throughput(
    stack: Stack, db: Database, events: int, batch_sizes: Sequence[int], trials: int
) -> list[Throughput]:
    """Time the relay draining ``events`` pre-filled rows, ``trials`` times per batch size.

    The trials take the batch sizes in turn (200, 500, 1000, 200, …), so a drift of the
    machine or of the growing outbox (published rows stay, as in a running service) spreads
    over every size instead of favouring the first. The sink's queue is emptied after each
    trial so every trial meets the same broker state.
    """
    relays = {size: Relay(stack.settings(SOURCE.name), db, size) for size in batch_sizes}
    try:
        # One event first for each, so broker connections and declarations are not timed.
        for size, relay in relays.items():
            prefill(db, 1, f"connect{size}")
            _drain(relay, 1)
        seconds: dict[int, list[float]] = {size: [] for size in batch_sizes}
        cpu_seconds: dict[int, list[float]] = {size: [] for size in batch_sizes}
        rounds: dict[int, int] = {}
        size_bytes = 0
        for trial in range(trials):
            for size, relay in relays.items():
                prefill(db, events, f"throughput{size}-{trial}")
                size_bytes = _mean_envelope_bytes(db)
                elapsed, cpu, rounds[size] = _drain(relay, events)
                seconds[size].append(elapsed)
                cpu_seconds[size].append(cpu)
                purge_sink(stack)
        return [
            Throughput(events, size, seconds[size], cpu_seconds[size], rounds[size], size_bytes)
            for size in batch_sizes
        ]
    finally:
        for relay in relays.values():
            relay.close()


def fill_queue(stack: Stack, db: Database, events: int, batch_size: int) -> None:
    """``events`` probes published and waiting in the sink's queue, for a consumer to drain."""
    relay = Relay(stack.settings(SOURCE.name), db, batch_size)
    try:
        prefill(db, events, "backlog")
        _drain(relay, events)
    finally:
        relay.close()


def drain_span(db: Database, since: datetime) -> Drain:
    """How long the sink took from the first to the last effect of events emitted since."""
    with db.read() as session:
        count, first, last = session.execute(
            select(func.count(), func.min(effects.c.handled_at), func.max(effects.c.handled_at))
            .select_from(effects)
            .where(effects.c.emitted_at >= since)
        ).one()
    return Drain(count, (_aware(last) - _aware(first)).total_seconds())


def _aware(value: datetime | str) -> datetime:
    """SQLite returns aggregates of a timestamp column as text, without its type."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _effects_since(db: Database, since: datetime) -> int:
    with db.read() as session:
        return session.execute(
            select(func.count()).select_from(effects).where(effects.c.emitted_at >= since)
        ).scalar_one()


def wait_for_effects(
    db: Database, since: datetime, expected: int, timeout: float, watch: Sequence[Running]
) -> None:
    """Until the sink has handled ``expected`` events emitted since ``since``."""
    deadline = time.monotonic() + timeout
    while (seen := _effects_since(db, since)) < expected:
        for process in watch:
            process.check()
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {seen} of {expected} events took effect in {timeout:.0f} s")
        time.sleep(POLL_S)


def emit_at_rate(db: Database, load: Load, run: str) -> tuple[dict[str, datetime], float]:
    """Commit ``load.events`` events, one per transaction, on a fixed schedule.

    Returns when each event's commit returned (event id -> time) and the rate achieved. The
    schedule is absolute, so one slow commit is caught up rather than shifting the rest.
    """
    committed: dict[str, datetime] = {}
    started = time.perf_counter()
    first = last = started
    for seq in range(load.events):
        delay = started + seq / load.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        with db.transaction() as session:
            event = emit(session, PROBE, *_probe(seq, run))
        committed[event.id] = utcnow()
        last = time.perf_counter()
        if seq == 0:
            first = last
    achieved = (load.events - 1) / (last - first) if last > first else float("nan")
    return committed, achieved


def latency(
    source: Database, sink: Database, load: Load, run: str, watch: Sequence[Running]
) -> Latency:
    """One load against the running relay and consumer; every event must take effect."""
    since = utcnow()
    committed, achieved = emit_at_rate(source, load, run)
    wait_for_effects(sink, since, len(committed), timeout=30 + 3 * load.seconds, watch=watch)
    with sink.read() as session:
        handled = dict(
            session.execute(
                select(effects.c.event_id, effects.c.handled_at).where(
                    effects.c.emitted_at >= since
                )
            ).all()
        )
    with source.read() as session:
        published = dict(
            session.execute(
                select(outbox.c.event_id, outbox.c.published_at).where(outbox.c.created_at >= since)
            ).all()
        )
    result = Latency(load, achieved)
    for event_id, at in committed.items():
        result.end_to_end.append((handled[event_id] - at).total_seconds())
        result.relay_wait.append((published[event_id] - at).total_seconds())
    return result
