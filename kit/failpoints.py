"""Failpoints: named places where a fault test can make a process pause or crash on purpose.

Off unless ``THIDUA_FAILPOINTS`` names them, e.g. ``relay.after_publish=sleep:60``; the
actions are ``sleep:<seconds>``, ``exit:<code>`` and ``kill`` (SIGKILL to the process itself).
The fault tests use them to stop a real process at the one moment that matters (say, after
the broker confirmed but before the outbox row was marked), which no outside timing can hit
reliably.

``THIDUA_FAILPOINTS`` is a process setting read from the environment (once): it is for the fault
tests only, which set it on the one process they mean to stop, and never part of a service's
settings.
"""

from __future__ import annotations

import os
import signal
import time
from functools import cache

__all__ = ["hit"]


@cache
def _configured() -> dict[str, str]:
    spec = os.environ.get("THIDUA_FAILPOINTS", "")
    points = (item.partition("=") for item in spec.split(",") if item.strip())
    return {name.strip(): action.strip() for name, _, action in points}


def hit(name: str) -> None:
    """Do what the failpoint ``name`` is set to do (nothing, when it is not set)."""
    action = _configured().get(name)
    if action is None:
        return
    kind, _, argument = action.partition(":")
    if kind == "sleep":
        time.sleep(float(argument or "3600"))
    elif kind == "exit":
        os._exit(int(argument or "1"))
    elif kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    else:
        raise ValueError(f"unknown failpoint action {action!r} for {name}")
