"""The event bus figures as a document section: conditions, tables, and how to read them.

The reading is computed from the figures (ratios between the stacks, the share of the
latency spent waiting for the relay) so a rerun on another machine still says something true.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.bus.measure import Drain, Latency, Throughput
from bench.bus.plan import Plan
from bench.report import Section, Table
from bench.stats import ms, percentile
from kit.events.relay import BatchedWrites

RELAY_IDLE_WAIT_S = 0.1  # kit.events.relay.Relay.run's default, which the CLI uses
LOCAL_BUS_POLL_S = 0.05  # kit.events.bus.connect's polling_interval for local://
RELAY_TARGET_PER_S = 5000  # issue 14: the relay with confirms, on RabbitMQ
CONSUMER_TARGET_PER_S = 2000  # issue 14: the consumer on PostgreSQL, the probe's effect
FLUSH_KIB = BatchedWrites.FLUSH_BYTES // 1024


@dataclass(frozen=True)
class StackResult:
    name: str
    label: str
    throughputs: list[Throughput]  # one per batch size of the plan
    batch_size: int  # the relay's default, at which everything else runs
    drain: Drain
    latencies: list[Latency]
    startup_s: float
    durability: dict[str, str]
    cpu: str  # how busy the machine was during this stack's run

    @property
    def throughput(self) -> Throughput:
        """The relay's throughput at its default batch size."""
        return next(t for t in self.throughputs if t.batch_size == self.batch_size)


def _delivery(result: Latency) -> list[float]:
    """Marked published -> handled: the broker, the consumer and the handler's transaction."""
    return [e - r for e, r in zip(result.end_to_end, result.relay_wait, strict=True)]


def _conditions(results: Sequence[StackResult], plan: Plan) -> list[str]:
    loads = "; ".join(f"{load.rate:g} events/s for {load.seconds:g} s" for load in plan.loads)
    size = results[0].throughput.envelope_bytes
    sizes = ", ".join(str(b) for b in plan.throughput_batch_sizes)
    trials = plan.throughput_trials
    lines = [
        f"Relay throughput: {plan.throughput_events:,} events pre-filled in the source outbox, "
        f"each about its own subject with a {size}-byte envelope, drained by `Relay.run_once()` "
        f"in a loop in the benchmark process, at batch sizes {sizes} ({plan.batch_size} is the "
        f"relay's default); {trials} trial{'s' if trials != 1 else ''} a batch size and stack, "
        "taking the sizes in turn, the median reported with the range. The "
        "sink's queue is bound (every event is routed and stored), no consumer runs, and the "
        "queue is purged between trials; published rows stay in the outbox, as in a running "
        "service. Broker connection set-up is not timed. CPU is the benchmark process's own "
        "(the relay's claim, publish and mark; not PostgreSQL's or RabbitMQ's), per event.",
        f"Consumer throughput: {plan.consumer_events:,} events published to the sink's queue, "
        f"then one consumer process (`python -m bench.bus.service_cli benchsink consume "
        f"--prefetch {plan.prefetch}`) started to drain them; timed from its first effect to "
        "its last, so start-up is excluded. It handles the messages in batches, one database "
        "transaction a batch (inbox rows and effects; `consume`'s default batch size, at most "
        "the prefetch), acknowledged after the commit. The sink's effect is one row per event, "
        "one INSERT the handler executes in the batch's transaction.",
        f"End-to-end latency: the platform's relay (`python -m bench.bus.service_cli benchsource"
        f" relay --batch-size {plan.batch_size}`) and consumer (`... benchsink consume "
        f"--prefetch {plan.prefetch}`) run as separate processes; the benchmark process commits "
        f"one event per transaction at {loads}, on a fixed schedule. Latency is the sink "
        "handler's clock reading minus the moment the source's commit returned (one machine, "
        "one clock); the handler runs inside the inbox transaction, so its commit (one more "
        "database commit) is not included. Every emitted event must take effect or the run fails.",
        f"{plan.warmup_events} warm-up events go through first and are not counted (they absorb "
        "process start-up).",
        "Publisher confirms on RabbitMQ, per batch: the relay publishes the whole batch on one "
        "channel in confirm mode without waiting (each publish's frames built by the relay, "
        f"byte for byte py-amqp's, collected into writes of about {FLUSH_KIB} KiB), sends the "
        "rows' UPDATE while the broker confirms, then reads the broker's `basic.ack`s "
        "(delivery tags, `multiple` honoured) until every event of the batch is acked, and "
        "only then commits, which marks the rows published; a `basic.nack`, a missing confirm "
        "or a lost connection fails the round, rolls back and marks nothing. "
        "Messages are persistent (delivery mode 2) and mandatory; "
        "the queue is a quorum queue (its Raft log is written to disk before the ack). The "
        "local bus has no confirms: a publish has written its file when it returns.",
        "The embedded bus writes one file per message and renames it into place, without fsync; "
        f"its consumer polls the queue folder every {LOCAL_BUS_POLL_S:g} s.",
        f"The relay process sleeps {RELAY_IDLE_WAIT_S:g} s whenever a round finds nothing to "
        "publish (`Relay.run`'s `idle_wait`), and never while rows are waiting.",
        "Percentiles are nearest-rank: each is a latency that really happened.",
        "Process start-up, from launching the relay and consumer to the last warm-up effect: "
        + ", ".join(f"{r.startup_s:.1f} s ({r.label})" for r in results)
        + ".",
    ]
    for r in results:
        settings = ", ".join(f"{k}={v}" for k, v in r.durability.items())
        lines.append(f"Database durability ({r.label}): {settings}.")
    for r in results:
        lines.append(f"CPU during the {r.label} run: {r.cpu}.")
    return lines


def _throughput_table(results: Sequence[StackResult]) -> Table:
    rows = []
    for r in results:
        for t in r.throughputs:
            low, high = t.range
            rows.append(
                [
                    r.label,
                    f"{t.events:,}",
                    f"{t.batch_size}{' (default)' if t.batch_size == r.batch_size else ''}",
                    str(t.rounds),
                    f"{statistics.median(t.seconds):.2f}",
                    f"{t.per_second:,.0f}",
                    f"{low:,.0f}–{high:,.0f}",
                    f"{t.cpu_per_event * 1e6:.0f}",
                ]
            )
    return Table(
        "Relay throughput (outbox to broker, with confirms)",
        [
            "Stack",
            "Events",
            "Batch size",
            "Rounds",
            "Seconds",
            "Events/s",
            "Range, events/s",
            "Relay CPU, µs/event",
        ],
        rows,
        caption="Events, rounds and seconds are per trial; seconds, events/s and CPU are the "
        "median trial's.",
    )


def _consumer_table(results: Sequence[StackResult]) -> Table:
    return Table(
        "Consumer throughput (queue to committed effect)",
        ["Stack", "Events", "Seconds", "Events/s"],
        [
            [r.label, f"{r.drain.events:,}", f"{r.drain.seconds:.2f}", f"{r.drain.per_second:,.0f}"]
            for r in results
        ],
    )


def _latency_table(results: Sequence[StackResult]) -> Table:
    rows = []
    for r in results:
        for lat in r.latencies:
            e2e = lat.end_to_end
            rows.append(
                [
                    r.label,
                    f"{lat.load.rate:g}/s for {lat.load.seconds:g} s",
                    f"{lat.achieved_rate:.1f}/s",
                    f"{len(e2e):,}",
                    *(ms(percentile(e2e, p)) for p in (50, 95, 99)),
                    ms(max(e2e)),
                    *(ms(x) for x in _stages(lat)),
                ]
            )
    return Table(
        "End-to-end latency (commit to consumer effect), milliseconds",
        [
            "Stack",
            "Load",
            "Achieved",
            "Events",
            "p50",
            "p95",
            "p99",
            "max",
            "mean",
            "mean commit → published",
            "mean published → handled",
        ],
        rows,
        caption="The last two columns split the mean at each event's `published_at`, the time "
        "of its batch's mark UPDATE, which the relay sends once the batch is written to the "
        "broker and commits after the batch's confirms (so the wait for the confirms falls in "
        "the second column); they add up to the mean. The second can come out negative when a "
        "consumer handles a batch's first events before the relay has finished publishing the "
        "rest of it.",
    )


def _target_reading(results: Sequence[StackResult]) -> str | None:
    """Pass or fail against the issue's line, with what would explain a miss."""
    infra = next((r for r in results if r.name == "infra"), None)
    if infra is None:
        return None
    t = infra.throughput
    low, _ = t.range
    passed = t.per_second >= RELAY_TARGET_PER_S
    verdict = "**PASS**" if passed else "**FAIL**"
    sentence = (
        f"**Target: at least {RELAY_TARGET_PER_S:,} events/s with confirms on RabbitMQ** "
        f"(the relay's default batch size, {t.batch_size}): {verdict}, {t.per_second:,.0f} "
        f"events/s, {t.per_second / RELAY_TARGET_PER_S:.2f}× the target (slowest trial "
        f"{low:,.0f}, {low / RELAY_TARGET_PER_S:.2f}×)."
    )
    if not passed:
        sentence += (
            f" The relay itself spent {t.cpu_per_event * 1e6:.0f} µs of CPU an event against "
            f"{1e6 / t.per_second:.0f} µs of wall clock; the rest is PostgreSQL, RabbitMQ and "
            f"waiting for a core (CPU during the run: {infra.cpu}). A miss on a busy machine "
            "is to be re-taken in a quiet window before it is read as the relay's."
        )
    return sentence


def _consumer_target_reading(results: Sequence[StackResult]) -> str | None:
    """Pass or fail of the consumer on PostgreSQL against the issue's line."""
    infra = next((r for r in results if r.name == "infra"), None)
    if infra is None:
        return None
    rate = infra.drain.per_second
    verdict = "**PASS**" if rate >= CONSUMER_TARGET_PER_S else "**FAIL**"
    sentence = (
        f"**Target: at least {CONSUMER_TARGET_PER_S:,} events/s for the consumer on "
        f"PostgreSQL**: {verdict}, {rate:,.0f} events/s, {rate / CONSUMER_TARGET_PER_S:.2f}× "
        "the target."
    )
    if rate < CONSUMER_TARGET_PER_S:
        sentence += (
            f" CPU during the run: {infra.cpu}; a miss on a busy machine is to be re-taken in "
            "a quiet window before it is read as the consumer's."
        )
    return sentence


def _batch_size_reading(r: StackResult) -> str | None:
    if len(r.throughputs) < 2:
        return None
    smallest = min(r.throughputs, key=lambda t: t.batch_size)
    best = max(r.throughputs, key=lambda t: t.per_second)
    rates = ", ".join(f"{t.batch_size}: {t.per_second:,.0f}" for t in r.throughputs)
    if best is smallest:
        ranking = f"The smallest batch, {best.batch_size}, was the fastest here"
    else:
        ranking = (
            f"The fastest, {best.batch_size}, moves "
            f"{best.per_second / smallest.per_second:.2f}× as many as {smallest.batch_size}"
        )
    fixed = "two claim queries, one mark and one commit"
    if r.name == "infra":
        fixed += ", and one wait for the batch's last confirm"
    return (
        f"**Batch size, {r.label}.** Events/s by batch size: {rates}. {ranking}; the default "
        f"({r.batch_size}) reaches {r.throughput.per_second / best.per_second:.0%} of the "
        f"fastest. A round's fixed costs ({fixed}) are shared by more events in a bigger "
        "batch, while a failed round publishes more again."
    )


def _throughput_reading(results: Sequence[StackResult]) -> list[str]:
    paragraphs = []
    target = _target_reading(results)
    if target:
        paragraphs.append(target)
    consumer_target = _consumer_target_reading(results)
    if consumer_target:
        paragraphs.append(consumer_target)
    paragraphs.extend(p for r in results if (p := _batch_size_reading(r)))
    if len(results) == 2:
        fast, slow = sorted(results, key=lambda r: -r.throughput.per_second)
        ratio = fast.throughput.per_second / slow.throughput.per_second
        paragraphs.append(
            f"**Relay throughput.** With confirms, the relay moves {ratio:.1f}× as many events "
            f"per second on {fast.label} as on {slow.label} "
            f"({1000 / fast.throughput.per_second:.2f} ms against "
            f"{1000 / slow.throughput.per_second:.2f} ms an event, claim, publish, confirm "
            "and mark included), at the default batch size."
        )
    paragraphs.append(_consumer_reading(results))
    return paragraphs


def _consumer_reading(results: Sequence[StackResult]) -> str:
    comparisons = [
        f"{r.label}: relay {r.throughput.per_second:,.0f}, consumer {r.drain.per_second:,.0f} "
        f"events/s ({r.throughput.per_second / r.drain.per_second:.1f}×)"
        for r in results
    ]
    if all(r.throughput.per_second > r.drain.per_second for r in results):
        return (
            "**The consumer is the slower stage** on every stack ("
            + "; ".join(comparisons)
            + "). One consumer process per service: its rate, not the relay's, is the ceiling "
            "of the event flow into a service."
        )
    return "**Relay against consumer.** " + "; ".join(comparisons) + "."


def _stages(lat: Latency) -> tuple[float, float, float]:
    """Mean end to end, mean wait for the relay, mean after publication.

    Means, not medians, because means add up: the two stages make the whole.
    """
    return (
        statistics.fmean(lat.end_to_end),
        statistics.fmean(lat.relay_wait),
        statistics.fmean(_delivery(lat)),
    )


def _stack_latency_reading(r: StackResult) -> str:
    sentences = []
    for lat in r.latencies:
        mean, wait, after = _stages(lat)
        sentences.append(
            f"At {lat.load.rate:g} events/s an event takes {ms(mean)} ms on average: "
            f"{ms(wait)} ms ({wait / mean:.0%}) waiting for the relay to publish it, "
            f"{ms(after)} ms after publication (p50 {ms(percentile(lat.end_to_end, 50))} ms)."
        )
    if len(r.latencies) > 1:
        sentences.append(_load_effect(r, r.latencies[0], r.latencies[-1]))
    return f"**Latency, {r.label}.** " + " ".join(sentences)


def _load_effect(r: StackResult, light: Latency, heavy: Latency) -> str:
    """What the heavier load changed, named by the stage that changed most."""
    light_mean, light_wait, light_after = _stages(light)
    heavy_mean, heavy_wait, heavy_after = _stages(heavy)
    if heavy_mean < light_mean:
        return (
            f"The mean falls at {heavy.load.rate:g} events/s: a busier relay finds rows waiting "
            "more often and idles less."
        )
    grew_wait, grew_after = heavy_wait - light_wait, heavy_after - light_after
    if grew_after > grew_wait:
        return (
            f"At {heavy.load.rate:g} events/s the growth is after publication "
            f"(+{ms(grew_after)} ms): events queue for the consumer, which drained a backlog at "
            f"{r.drain.per_second:,.0f} events/s on its own and here shares the cores with the "
            "emitter, the relay and the servers."
        )
    contention = (
        "holds SQLite's single write lock while it publishes a batch, so its rounds and the "
        "emitter's commits take turns, on cores shared with the consumer"
        if r.name == "embedded"
        else "shares the cores with the emitter, the consumer and the servers"
    )
    return (
        f"At {heavy.load.rate:g} events/s the growth is before publication "
        f"(+{ms(grew_wait)} ms): the relay, which drained a backlog at "
        f"{r.throughput.per_second:,.0f} events/s on its own, here {contention}."
    )


def _latency_reading(results: Sequence[StackResult]) -> list[str]:
    paragraphs = [_stack_latency_reading(r) for r in results if r.latencies]
    embedded = [r.latencies[0] for r in results if r.latencies and r.name == "embedded"]
    if embedded:
        dominates = _stages(embedded[0])[1] > _stages(embedded[0])[2]
        paragraphs.append(
            f"**On SQLite the relay's idle poll {'dominates' if dominates else 'weighs'} at low "
            f"load.** After a round that finds nothing the embedded relay sleeps "
            f"{RELAY_IDLE_WAIT_S:g} s (`relay --idle-wait`), so an event committed during that "
            f"sleep waits anywhere from 0 to {RELAY_IDLE_WAIT_S * 1000:.0f} ms before it is even "
            "published: about half of that on average. On PostgreSQL the commit itself wakes "
            "the relay (`NOTIFY` in the business transaction, `LISTEN` in the relay), which is "
            "why its time to publication is a few milliseconds."
        )
    by_name = {r.name: r for r in results}
    embedded, infra = by_name.get("embedded"), by_name.get("infra")
    if embedded and infra and embedded.latencies and infra.latencies:
        e_p50 = percentile(embedded.latencies[0].end_to_end, 50)
        i_p50 = percentile(infra.latencies[0].end_to_end, 50)
        _, _, e_after = _stages(embedded.latencies[0])
        _, _, i_after = _stages(infra.latencies[0])
        rate = embedded.latencies[0].load.rate
        paragraphs.append(
            f"**Embedded against RabbitMQ.** At {rate:g} events/s the embedded median is "
            f"{e_p50 / i_p50:.1f}× RabbitMQ's. After publication an event takes "
            f"{ms(e_after)} ms embedded against {ms(i_after)} ms on RabbitMQ (means)"
            + (
                ": RabbitMQ pushes each message to the consumer, while the local bus consumer "
                f"finds it on its next {LOCAL_BUS_POLL_S:g} s poll of the queue folder."
                if e_after > i_after
                else ", although the local bus consumer only polls every "
                f"{LOCAL_BUS_POLL_S:g} s: on this run the RabbitMQ side was held back by "
                "something else (compare the CPU lines in the conditions)."
            )
        )
    return paragraphs


def describe(results: Sequence[StackResult], plan: Plan, skipped: Sequence[str]) -> Section:
    section = Section(name="bus", title="Event bus", skipped=list(skipped))
    if not results:
        return section
    section.conditions = _conditions(results, plan)
    section.tables = [
        _throughput_table(results),
        _consumer_table(results),
        _latency_table(results),
    ]
    section.reading = [
        *_throughput_reading(results),
        *_latency_reading(results),
        "These are figures from one small shared machine where the benchmark, the relay, the "
        "consumer, PostgreSQL and RabbitMQ compete for the same cores; compare them with each "
        "other and with later runs here, not with capacity claims.",
    ]
    return section
