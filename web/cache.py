"""A small in-process cache for what rarely changes and every user reads alike.

Published criteria tables never change (an amendment is a new table id), so a table is kept
as long as the process lives; the organisation's unit names change a few times a year, so they
are kept for minutes. Nothing a user may not see is cached across users: only answers every
signed-in user gets the same (the organisation tree and published tables are readable by all).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class TtlCache:
    def __init__(self, ttl: float | None, max_items: int = 256) -> None:
        self.ttl = ttl  # None: for the life of the process
        self.max_items = max_items
        self._items: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and (self.ttl is None or now - hit[0] < self.ttl):
                return hit[1]
        value = load()  # outside the lock: a slow load does not hold other readers
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.pop(next(iter(self._items)))
            self._items[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
