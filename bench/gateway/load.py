"""A closed-loop load generator in threads: N requests, C at a time, every latency kept.

Each thread has its own ``requests.Session`` (its own keep-alive connection) and sends its next
request as soon as the previous answer is read, so the figure is the most the gateway serves
at that concurrency. The generator runs in the benchmark's own process and competes for the
same cores: figures are comparable with each other, not absolute capacity.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from bench.stats import percentile


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


class UnexpectedAnswer(RuntimeError):
    """A request was not answered 200: the figures would not measure what they claim."""


def hammer(url: str, headers: Mapping[str, str], total: int, concurrency: int) -> Run:
    """Send ``total`` GETs to ``url``, ``concurrency`` at a time; raise on any non-200."""
    counter = itertools.count()  # next() on it is atomic under the GIL
    start = threading.Barrier(concurrency + 1)
    results: list[list[float]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        own: list[float] = []
        with requests.Session() as session:
            session.trust_env = False
            start.wait()
            while next(counter) < total and not failures:
                began = time.perf_counter()
                try:
                    reply = session.get(url, headers=dict(headers), timeout=30)
                    reply.content  # noqa: B018 - read the whole answer, as a client would
                except requests.RequestException as error:
                    with lock:
                        failures.append(repr(error))
                    break
                own.append(time.perf_counter() - began)
                if reply.status_code != 200:
                    with lock:
                        failures.append(f"{reply.status_code} {reply.text[:300]}")
        with lock:
            results.append(own)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise UnexpectedAnswer(f"GET {url}: {failures[0]}")
    latencies = [sample for own in results for sample in own]
    return Run(requests=len(latencies), seconds=seconds, latencies=latencies)
