"""How much the event bus benchmark does: the stated load the figures belong to."""

from __future__ import annotations

from dataclasses import dataclass


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
    throughput_trials: int  # the median is reported, and the range
    consumer_events: int  # the backlog the consumer drains
    batch_size: int  # the relay's, in both measurements (the CLI's default)
    prefetch: int  # the consumer's (the CLI's default)
    warmup_events: int  # before the measured loads, not counted: process start-up
    loads: tuple[Load, ...]


# Sized for about a minute and a half a stack on two cores. Two loads: a light one, where the
# relay's idle poll shows, and a four times heavier one, where the relay seldom idles.
FULL = Plan(
    throughput_events=5000,
    throughput_trials=3,
    consumer_events=2000,
    batch_size=200,
    prefetch=10,
    warmup_events=5,
    loads=(Load(rate=50, seconds=20), Load(rate=200, seconds=10)),
)
# A smoke run: every code path once, figures meaningless.
QUICK = Plan(
    throughput_events=100,
    throughput_trials=1,
    consumer_events=50,
    batch_size=200,
    prefetch=10,
    warmup_events=2,
    loads=(Load(rate=20, seconds=1),),
)
