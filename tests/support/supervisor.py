"""A small supervisor of real OS processes, as Kubernetes or systemd would be for the platform.

It starts named commands (``Process`` of tests/support/processes.py, each incarnation with a
log file of its own), watches them from a thread, and starts again, after a short backoff,
any that exits or dies, whatever the cause. A caller (the fault injector) may SIGKILL one by
name: the whole process group (a container dying: for gunicorn, the master and its workers)
or one of its child processes (a gunicorn worker, which the master replaces by itself).

Every kill and every restart is recorded, with the time and the exit status, so a campaign
can report what happened and tell a process that died by itself (a defect to look at) from
one it killed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import Process, wait_until

BACKOFF_S = 0.5  # first wait before a restart; doubles while a process keeps dying young
MAX_BACKOFF_S = 4.0
HEALTHY_AFTER_S = 10.0  # a process that lived this long starts its next backoff afresh


@dataclass(frozen=True)
class Program:
    """What to run: a name, the kind of process it is (relay, worker, api, ...), its command."""

    name: str
    kind: str
    args: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Kill:
    at: float  # seconds since the supervisor started
    name: str
    kind: str  # the program's kind, or "<kind>-child" for one of its child processes
    pid: int


@dataclass(frozen=True)
class Exit:
    at: float
    name: str
    returncode: int  # negative: the signal that ended it
    killed: bool  # True when the supervisor's kill() caused it


@dataclass
class _Running:
    program: Program
    process: Process
    started: float
    backoff: float = BACKOFF_S
    restart_at: float | None = None  # set while it waits to be started again
    kill_pending: bool = False
    incarnations: list[Process] = field(default_factory=list)


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc), e.g. a gunicorn master's workers."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the task ended while we looked
    return sorted(set(children))


class Supervisor:
    def __init__(self, logs: Path, poll_s: float = 0.1) -> None:
        self.logs = logs
        self.poll_s = poll_s
        self.began = time.monotonic()
        self.kills: list[Kill] = []
        self.exits: list[Exit] = []
        self.restarts: dict[str, int] = {}
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def now(self) -> float:
        return time.monotonic() - self.began

    # -- what runs ------------------------------------------------------------------------

    def add(self, program: Program) -> Process:
        """Start ``program`` and keep it running until ``stop``."""
        process = Process(program.name, program.args, program.env, self.logs)
        with self._lock:
            self._running[program.name] = _Running(
                program, process, time.monotonic(), incarnations=[process]
            )
            self.restarts.setdefault(program.name, 0)
        return process

    def names(self, kind: str | None = None) -> list[str]:
        with self._lock:
            return [n for n, r in self._running.items() if kind in (None, r.program.kind)]

    def kind_of(self, name: str) -> str:
        return self._running[name].program.kind

    def process(self, name: str) -> Process:
        """The current incarnation of ``name``."""
        with self._lock:
            return self._running[name].process

    def alive(self, name: str) -> bool:
        with self._lock:
            running = self._running[name]
            return running.restart_at is None and running.process.alive()

    def wait_all_alive(self, timeout: float = 60) -> None:
        """Until every program runs (its current incarnation started and not dead)."""
        wait_until(
            lambda: all(self.alive(n) for n in self.names()),
            timeout=timeout,
            interval=0.1,
            what="every supervised process to run",
        )

    # -- faults ---------------------------------------------------------------------------

    def kill(self, name: str) -> Kill | None:
        """SIGKILL the program's whole process group: no cleanup runs, as in a crash. None
        when it is not running (dead, waiting for its restart)."""
        with self._lock:
            running = self._running[name]
            process = running.process
            if running.restart_at is not None or not process.alive():
                return None
            running.kill_pending = True
            kill = Kill(self.now(), name, running.program.kind, process.pid)
            self.kills.append(kill)
        process.kill()
        return kill

    def kill_child(self, name: str, choose: int) -> Kill | None:
        """SIGKILL one child of the program's main process (``choose`` picks which, modulo
        their number); None when it has no child right now (a gunicorn master that is still
        spawning its workers)."""
        with self._lock:
            running = self._running[name]
            children = child_pids(running.process.pid) if running.process.alive() else []
            if not children:
                return None
            pid = children[choose % len(children)]
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                return None
            kill = Kill(self.now(), name, f"{running.program.kind}-child", pid)
            self.kills.append(kill)
            return kill

    # -- the watch ------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            with self._lock:
                for running in self._running.values():
                    self._look_after(running)

    def _look_after(self, running: _Running) -> None:
        now = time.monotonic()
        if running.restart_at is not None:
            if now >= running.restart_at:
                program = running.program
                running.process = Process(program.name, program.args, program.env, self.logs)
                running.incarnations.append(running.process)
                running.started = now
                running.restart_at = None
                self.restarts[program.name] += 1
            return
        code = running.process.popen.poll()
        if code is None:
            return
        self.exits.append(Exit(self.now(), running.program.name, code, running.kill_pending))
        running.kill_pending = False
        running.process.stop()  # closes its log file
        if now - running.started > HEALTHY_AFTER_S:
            running.backoff = BACKOFF_S
        running.restart_at = now + running.backoff
        running.backoff = min(running.backoff * 2, MAX_BACKOFF_S)

    def unexpected_exits(self) -> list[Exit]:
        """Exits the supervisor did not cause: a process that died by itself."""
        return [e for e in self.exits if not e.killed]

    def logs_of(self, name: str, tail: int = 3000) -> str:
        """The end of every incarnation's log, oldest first (for a failure's message)."""
        with self._lock:
            incarnations = list(self._running[name].incarnations)
        parts = []
        for process in incarnations:
            try:
                parts.append(f"--- {process.log_path.name}\n{process.output(tail)}")
            except OSError:
                continue
        return "\n".join(parts)

    def grep(self, names: Iterable[str], needle: str) -> int:
        """How many lines of these programs' logs (every incarnation) contain ``needle``."""
        with self._lock:
            processes = [p for n in names for p in self._running[n].incarnations]
        count = 0
        for process in processes:
            try:
                text = process.log_path.read_text(errors="replace")
            except OSError:
                continue
            count += sum(1 for line in text.splitlines() if needle in line)
        return count

    def stop(self, timeout: float = 10) -> None:
        """Stop watching, then stop every program (SIGTERM, SIGKILL after ``timeout``)."""
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            processes = [r.process for r in self._running.values()]
        for process in processes:
            process.stop(timeout=timeout)
