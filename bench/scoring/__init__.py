"""Scoring benchmark: the year-end scenario through the gateway, and a national scale test.

The issue asks: "every province's unit submits a full sheet of the sample table within a short
window, then the round closes and the ranking is published. Report: submissions per second and
p50/p99 submit latency at a stated concurrency, time from close to ranking published, and the
same with 1 and with 2 scoring workers (ratio). Then a national synthetic scale test at 100x
the units to show how cost grows with units x criteria."

The scenario (bench.scoring.yearend) runs once per worker count, each time on a fresh stack:
PostgreSQL + RabbitMQ when both answer, else SQLite + the local bus (and the section says so).
The scale test (bench.scoring.scale) is in process.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from bench import infra, stacks
from bench.report import Section
from bench.runner import Options
from bench.scoring import scale, setup, yearend
from bench.scoring.describe import describe

TITLE = "Scoring at year-end"
CONCURRENCY = 8
WORKER_COUNTS = (1, 2)
TRIALS = 3
FULL_UNITS = [34, 340, 3400]
QUICK_UNITS = [34, 340]


def _scenario(
    workers: int, keys: setup.Keys, progress: Callable[[str], None], skipped: list[str]
) -> tuple[yearend.Timings, str]:
    token = secrets.token_hex(3)
    services = ["identity", "scoring"]
    try:
        context = stacks.infrastructure(token, services, consumers=["scoring"])
        with context as stack:
            return _measure(stack, workers, keys, progress), stack.label
    except infra.Unavailable as error:
        if not any("infra" in s for s in skipped):
            skipped.append(f"the infra stack (PostgreSQL + RabbitMQ): {error}")
        with stacks.embedded(token, services) as stack:
            return _measure(stack, workers, keys, progress), stack.label


def _measure(
    stack: stacks.Stack, workers: int, keys: setup.Keys, progress: Callable[[str], None]
) -> yearend.Timings:
    progress(f"scoring/{workers}w: {stack.label} ({stack.var}): read models")
    setup.prepare(stack)
    return yearend.run(stack, keys, workers, CONCURRENCY, progress)


def run(options: Options) -> Section:
    keys = setup.Keys()
    skipped: list[str] = []
    trials: dict[int, list[yearend.Timings]] = {workers: [] for workers in WORKER_COUNTS}
    labels = set()
    for trial in range(1 if options.quick else TRIALS):
        for workers in WORKER_COUNTS:  # interleaved, so drift touches both alike
            options.progress(f"scoring: trial {trial + 1}, {workers} worker(s)")
            timings, label = _scenario(workers, keys, options.progress, skipped)
            trials[workers].append(timings)
            labels.add(label)
    points = scale.measure(QUICK_UNITS if options.quick else FULL_UNITS, options.progress)
    return describe(trials, points, " / ".join(sorted(labels)), CONCURRENCY, skipped)
