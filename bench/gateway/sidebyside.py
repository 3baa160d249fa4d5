"""Side by side: one token-checked GET straight to a service and the same GET through the gateway.

Issue 14 asks that the gateway add at most 30% to the median latency of a direct call to a
service. A real service answers here (criteria's ``GET /tables`` under gunicorn on SQLite, with
its own token check: signature, then ``kit.principals.refusal``'s lookup, then the query), and
a real gateway stands in front of it. One client sends the same request with the same token
alternately to the service's port and to the gateway's ``/api/v1/criteria/tables``, so the
two series share every drift of a busy machine; which of the pair goes first alternates too.
Each target has its own keep-alive connection per client thread, as a browser or an API
client would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from bench.stats import percentile


@dataclass(frozen=True)
class Pairs:
    """The latencies of one interleaved run, in seconds, per target."""

    concurrency: int
    direct: list[float]
    gateway: list[float]

    @property
    def direct_p50(self) -> float:
        return percentile(self.direct, 50)

    @property
    def gateway_p50(self) -> float:
        return percentile(self.gateway, 50)

    @property
    def direct_p99(self) -> float:
        return percentile(self.direct, 99)

    @property
    def gateway_p99(self) -> float:
        return percentile(self.gateway, 99)

    @property
    def ratio_p50(self) -> float:
        return self.gateway_p50 / self.direct_p50

    @property
    def ratio_p99(self) -> float:
        return self.gateway_p99 / self.direct_p99


class UnexpectedAnswer(RuntimeError):
    """A request was not answered 200: the figures would not measure what they claim."""


def _get(session: requests.Session, url: str, headers: Mapping[str, str]) -> float:
    began = time.perf_counter()
    reply = session.get(url, headers=dict(headers), timeout=30)
    reply.content  # noqa: B018 - read the whole answer, as a client would
    elapsed = time.perf_counter() - began
    if reply.status_code != 200:
        raise UnexpectedAnswer(f"GET {url}: {reply.status_code} {reply.text[:300]}")
    return elapsed


def interleave(
    direct_url: str, gateway_url: str, headers: Mapping[str, str], pairs: int, concurrency: int
) -> Pairs:
    """``pairs`` pairs of GETs (one direct, one through the gateway), ``concurrency`` client
    threads at a time, each sending its next request as soon as the answer is read."""
    counter = iter(range(pairs))  # next() on a range iterator is atomic under the GIL
    start = threading.Barrier(concurrency)
    direct: list[float] = []
    gateway: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def client() -> None:
        own_direct: list[float] = []
        own_gateway: list[float] = []
        try:
            with requests.Session() as to_service, requests.Session() as to_gateway:
                to_service.trust_env = to_gateway.trust_env = False
                start.wait()
                for number in counter:
                    if failures:
                        break
                    if number % 2:
                        own_direct.append(_get(to_service, direct_url, headers))
                        own_gateway.append(_get(to_gateway, gateway_url, headers))
                    else:
                        own_gateway.append(_get(to_gateway, gateway_url, headers))
                        own_direct.append(_get(to_service, direct_url, headers))
        except (requests.RequestException, UnexpectedAnswer) as error:
            with lock:
                failures.append(error)
        with lock:
            direct.extend(own_direct)
            gateway.extend(own_gateway)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise UnexpectedAnswer(str(failures[0])) from failures[0]
    return Pairs(concurrency=concurrency, direct=direct, gateway=gateway)
