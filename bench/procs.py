"""Relay and consumer processes that are always stopped, whatever happens to the benchmark.

A process is asked to stop with SIGTERM (the kit's loops finish the current message and
return) and killed if it has not exited after a timeout. Its output goes to a log file in
the stack's THIDUA_VAR, whose tail is shown when it dies early.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_TIMEOUT_S = 10.0


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
