"""A long-running process's heartbeat: proof that its loop still goes round.

A relay stuck on a dead connection, a consumer wedged in a handler or a scheduler blocked on
a lock looks alive from outside: the process runs, its port answers. What stops is its loop.
So every loop of the platform (the relay's rounds, the consumer's drains and batches, the
scoring scheduler, notify's deliverer, mailer and reminder) calls ``beat()`` each time round,
which costs one monotonic clock read, and the process's metrics server (``kit.metrics.serve``)
answers:

- ``GET /livez``  200 while the last beat is younger than ``THIDUA_HEARTBEAT_MAX_AGE_S``,
  else 503 with the age: Kubernetes' livenessProbe restarts the container;
- ``GET /readyz`` 200 once the loop has begun (its first beat), 503 before.

The age of a process that has not beaten yet counts from when this module was imported (the
process's start, near enough), so a process stuck before its loop begins, connecting to a
database that never answers, is restarted too.

The max age must exceed the longest legitimate wait between two beats: the reminder's pass
interval (60 s, jittered up to 72 s) is the longest, hence a default of 120 s
(docs/operations.md, "Probes and heartbeats").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["DEFAULT_MAX_AGE_S", "HEARTBEAT", "Health", "Heartbeat", "beat"]

DEFAULT_MAX_AGE_S = 120.0


@dataclass(frozen=True)
class Health:
    """What a probe is told: whether the loop has begun, and how long ago it last beat."""

    started: bool
    age_s: float

    def live(self, max_age_s: float) -> bool:
        return self.age_s <= max_age_s


class Heartbeat:
    """The time of a loop's last round. One per process (``HEARTBEAT``): a process runs one
    loop, and its probe asks about that one. Assigning a float is atomic under the GIL, so
    the loop's thread and the server's thread need no lock."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._created = clock()
        self._last: float | None = None

    def beat(self) -> None:
        """The loop went round once more."""
        self._last = self._clock()

    def health(self) -> Health:
        last = self._last
        since = self._created if last is None else last
        return Health(started=last is not None, age_s=max(0.0, self._clock() - since))


HEARTBEAT = Heartbeat()


def beat() -> None:
    """Refresh this process's heartbeat (``HEARTBEAT``): call it on every turn of a loop."""
    HEARTBEAT.beat()
