"""Event bus benchmark: relay throughput and end-to-end latency, embedded and on infra.

The issue asks for "relay throughput (events per second from outbox to broker with confirms)
and end-to-end latency from commit to consumer effect (p50, p99) at a stated load", on
RabbitMQ and on the embedded bus. Both stacks run the same code; the infra stack is skipped,
and says so, when PostgreSQL or RabbitMQ does not answer.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

from sqlalchemy import text

from bench import cpu, infra, stacks
from bench.bus.describe import StackResult, describe
from bench.bus.measure import (
    declare_sink,
    drain_span,
    fill_queue,
    latency,
    relay_throughput,
    wait_for_effects,
)
from bench.bus.plan import FULL, QUICK, Load, Plan
from bench.bus.service import SINK, SOURCE, create_tables
from bench.procs import python_module
from bench.report import Section
from bench.runner import Options
from kit.db import utcnow

TITLE = "Event bus"
CLI = "bench.bus.service_cli"


def _durability(stack: stacks.Stack) -> dict[str, str]:
    """The settings that decide what a commit costs, read from the database itself."""
    db = stack.database(SOURCE.name)
    try:
        with db.read() as session:
            if stack.embedded:
                mode = session.execute(text("PRAGMA journal_mode")).scalar()
                sync = session.execute(text("PRAGMA synchronous")).scalar()
                names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
                return {"journal_mode": str(mode), "synchronous": names.get(sync, str(sync))}
            return {
                name: str(session.execute(text(f"SHOW {name}")).scalar())
                for name in ("synchronous_commit", "fsync", "wal_sync_method")
            }
    finally:
        db.dispose()


def measure(stack: stacks.Stack, plan: Plan, progress: Callable[[str], None]) -> StackResult:
    source, sink = stack.database(SOURCE.name), stack.database(SINK.name)
    cpu_before = cpu.Snapshot.take()
    try:
        create_tables(source, SOURCE)
        create_tables(sink, SINK)
        declare_sink(stack)
        progress(f"bus/{stack.name}: relay throughput")
        throughputs = relay_throughput(
            stack,
            source,
            plan.throughput_events,
            plan.throughput_batch_sizes,
            plan.throughput_trials,
        )

        env, logs = stack.env(), stack.var / "logs"
        consume = [SINK.name, "consume", "--prefetch", str(plan.prefetch)]

        progress(f"bus/{stack.name}: consumer throughput")
        since = utcnow()
        fill_queue(stack, source, plan.consumer_events, plan.batch_size)
        with python_module("consumer-backlog", CLI, consume, env, logs) as consumer:
            wait_for_effects(sink, since, plan.consumer_events, 120, [consumer])
        drain = drain_span(sink, since)

        progress(f"bus/{stack.name}: end-to-end latency")
        relay = [SOURCE.name, "relay", "--batch-size", str(plan.batch_size)]
        with (
            python_module("consumer", CLI, consume, env, logs) as consumer,
            python_module("relay", CLI, relay, env, logs) as relayer,
        ):
            watch = (consumer, relayer)
            started = time.perf_counter()
            warmup = Load(rate=10, seconds=plan.warmup_events / 10)
            latency(source, sink, warmup, "warmup", watch)
            startup = time.perf_counter() - started
            loads = [
                latency(source, sink, load, f"load{i}", watch) for i, load in enumerate(plan.loads)
            ]
        return StackResult(
            name=stack.name,
            label=stack.label,
            throughputs=throughputs,
            batch_size=plan.batch_size,
            drain=drain,
            latencies=loads,
            startup_s=startup,
            durability=_durability(stack),
            cpu=cpu.describe(cpu_before, cpu.Snapshot.take()),
        )
    finally:
        source.dispose()
        sink.dispose()


def _stacks(token: str) -> Iterator[tuple[str, AbstractContextManager[stacks.Stack]]]:
    services = [SOURCE.name, SINK.name]
    yield "embedded", stacks.embedded(token, services)
    yield "infra", stacks.infrastructure(token, services, consumers=[SINK.name])


def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    token = secrets.token_hex(3)
    results: list[StackResult] = []
    skipped: list[str] = []
    for name, stack in _stacks(token):
        try:
            with stack as ready:
                options.progress(f"bus: {ready.label} ({ready.var})")
                results.append(measure(ready, plan, options.progress))
        except infra.Unavailable as error:
            skipped.append(f"the {name} stack: {error}")
            options.progress(f"bus: {name} skipped: {error}")
    return describe(results, plan, skipped)
