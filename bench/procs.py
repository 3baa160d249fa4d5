"""Relay and consumer processes that are always stopped, whatever happens to the benchmark.

A process is asked to stop with SIGTERM (the kit's loops finish the current message and
return) and killed if it has not exited after a timeout. Its output goes to a log file in
the stack's THIDUA_VAR, whose tail is shown when it dies early. ``wait_until`` polls for
what a benchmark waits on while it watches those processes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

STOP_TIMEOUT_S = 10.0
T = TypeVar("T")


class ProcessDied(RuntimeError):
    pass


class Running:
    def __init__(self, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log

    def check(self) -> None:
        """Raise if the process has exited: a benchmark waiting on it would wait forever."""
        code = self.process.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise ProcessDied(f"{self.name} exited with {code}; its log ends with:\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def python_module(
    name: str, module: str, args: list[str], env: dict[str, str], logs: Path
) -> Iterator[Running]:
    """``python -m <module> <args...>`` (this interpreter) for the duration of the block."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Running(name, process, log)
    try:
        yield running
    finally:
        running.stop()


class TimedOut(RuntimeError):
    """What a benchmark waited for did not happen in time."""


def wait_until(
    probe: Callable[[], T],
    ready: Callable[[T], bool],
    *,
    timeout: float,
    every: float,
    watch: Iterable[Running] = (),
    failure: Callable[[T], str],
) -> T:
    """Ask ``probe`` every ``every`` seconds until ``ready`` takes what it says; that value.

    Raises ``TimedOut(failure(value))`` once ``timeout`` seconds have passed, and
    ``ProcessDied`` as soon as a process in ``watch`` has exited (it will never come)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if ready(value):
            return value
        if time.monotonic() > deadline:
            raise TimedOut(failure(value))
        for process in watch:
            process.check()
        time.sleep(every)
