"""How much the event bus benchmark does: the stated load the figures belong to."""

from __future__ import annotations

from dataclasses import dataclass

from kit.events.relay import DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class Load:
    rate: float  # events per second
    seconds: float

    @property
    def events(self) -> int:
        return max(2, round(self.rate * self.seconds))


@dataclass(frozen=True)
class Plan:
    throughput_events: int  # per trial
    throughput_trials: int  # per batch size; the median is reported, and the range
    throughput_batch_sizes: tuple[int, ...]  # the relay throughput is taken at each
    consumer_events: int  # the backlog the consumer drains
    batch_size: int  # the relay's everywhere else (the relay's default); one of the above
    prefetch: int  # the consumer's (the CLI's default)
    warmup_events: int  # before the measured loads, not counted: process start-up
    loads: tuple[Load, ...]

    def __post_init__(self) -> None:
        if self.batch_size not in self.throughput_batch_sizes:
            raise ValueError("the relay's batch size must be among the throughput's")


# Sized for a few minutes a stack on two cores. 20,000 events a trial, so a trial at the
# target rate (5,000 events/s on RabbitMQ) lasts seconds, not a fraction of one, and the
# rounds' fixed costs are averaged over 20 to 100 rounds. Two loads: a light one, where the
# relay's idle poll shows, and a four times heavier one, where the relay seldom idles.
FULL = Plan(
    throughput_events=20_000,
    throughput_trials=3,
    throughput_batch_sizes=(200, DEFAULT_BATCH_SIZE, 1000),
    consumer_events=2000,
    batch_size=DEFAULT_BATCH_SIZE,
    prefetch=200,
    warmup_events=5,
    loads=(Load(rate=50, seconds=20), Load(rate=200, seconds=10)),
)
# A smoke run: every code path once, figures meaningless.
QUICK = Plan(
    throughput_events=100,
    throughput_trials=1,
    throughput_batch_sizes=(50, DEFAULT_BATCH_SIZE),
    consumer_events=50,
    batch_size=DEFAULT_BATCH_SIZE,
    prefetch=200,
    warmup_events=2,
    loads=(Load(rate=20, seconds=1),),
)
