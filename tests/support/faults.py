"""A fault injector: SIGKILLs supervised processes and cuts connections, at random moments.

It runs in a thread beside a scenario. At each moment (a random pause between
``pause_s``), it either SIGKILLs a process of the ``Supervisor`` or cuts one of the
``TcpProxy``s through which the processes reach PostgreSQL and RabbitMQ, for a few seconds
(every open connection closed, new ones refused, then the server is back).

Which process: first a kind, uniformly among those present (so a scenario with one scheduler
and two workers still kills the scheduler as often as the workers), then a program of that
kind. A program of a kind listed in ``child_kinds`` (gunicorn's ``api``) is killed either
whole (``api``: the master's process group, i.e. the container dies and the supervisor
starts it again) or in one of its child processes (``api-child``: one gunicorn worker,
which the master replaces); half of the time each.

Everything random comes from one ``random.Random(seed)``; the seed is printed at the start
(and kept in ``seed``), so a failing run's choices can be replayed with the same seed
(``THIDUA_FAULT_SEED``). The moments fall differently against the processes' own timing, so
a replay repeats the faults, not every interleaving.
"""

from __future__ import annotations

import os
import random
import threading
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from tests.support.supervisor import Supervisor
from tests.support.tcpproxy import TcpProxy

SEED_VARIABLE = "THIDUA_FAULT_SEED"


@dataclass(frozen=True)
class Fault:
    at: float  # seconds since the supervisor started
    action: str  # "kill" or "cut"
    kind: str  # the process kind killed (relay, worker, api, api-child...) or the proxy's name
    target: str  # the program's name, or the proxy's name
    seconds: float = 0.0  # how long a cut lasted


def seed_from_environment() -> int:
    """``THIDUA_FAULT_SEED`` when set (to replay a run), else a fresh random seed."""
    chosen = os.environ.get(SEED_VARIABLE)
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


class FaultInjector:
    def __init__(
        self,
        supervisor: Supervisor,
        proxies: Mapping[str, TcpProxy],
        seed: int,
        *,
        kinds: Collection[str],
        child_kinds: Collection[str] = ("api",),
        pause_s: tuple[float, float] = (1.0, 4.0),
        cut_s: tuple[float, float] = (1.5, 4.0),
        cut_share: float = 0.25,
    ) -> None:
        self.supervisor = supervisor
        self.proxies = dict(proxies)
        self.seed = seed
        self.kinds = sorted(kinds)
        self.child_kinds = set(child_kinds)
        self.pause_s = pause_s
        self.cut_s = cut_s
        self.cut_share = cut_share
        self.random = random.Random(seed)
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._cutting: dict[str, threading.Thread] = {}
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)
        print(f"fault injector seed {seed} (replay with {SEED_VARIABLE}={seed})", flush=True)

    # -- control --------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """No new fault; wait for a cut in progress to end (its server is back after)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
        for cut in list(self._cutting.values()):
            cut.join(timeout=30)

    def until(self, kills: int, cuts: int, pause_s: tuple[float, float] = (0.5, 1.5)) -> None:
        """Go on (faster) until at least ``kills`` kills and ``cuts`` cuts were made, then
        stop: a scenario that ended early still gets its quota of faults before it settles."""
        self.pause_s = pause_s
        while True:
            counts = self.counts()
            if counts["kill"] >= kills and counts["cut"] >= cuts:
                break
            if not self._thread.is_alive():
                raise RuntimeError("the fault injector stopped before its quota")
            self._stop.wait(0.2)
        self.stop()

    # -- what happened --------------------------------------------------------------------

    def counts(self) -> Counter[str]:
        """Faults by action ("kill", "cut")."""
        with self._lock:
            return Counter(f.action for f in self.faults)

    def by_kind(self) -> Counter[str]:
        """Kills by process kind and cuts by proxy, e.g. {"kill relay": 3, "cut database": 2}."""
        with self._lock:
            return Counter(f"{f.action} {f.kind}" for f in self.faults)

    def describe(self) -> str:
        """Every fault, one per line: what a failure message shows to replay the run."""
        with self._lock:
            lines = [
                f"{f.at:7.2f} s  {f.action:4}  {f.kind:10} {f.target}"
                + (f" for {f.seconds:.1f} s" if f.action == "cut" else "")
                for f in self.faults
            ]
        return f"seed {self.seed}:\n" + "\n".join(lines)

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.wait(self.random.uniform(*self.pause_s)):
            # Draw every choice first, so the sequence depends on the seed alone.
            cut = self.random.random() < self.cut_share
            kind = self.random.choice(self.kinds)
            whole = self.random.random() < 0.5
            pick = self.random.randrange(1 << 30)
            proxy_name = self.random.choice(sorted(self.proxies)) if self.proxies else None
            seconds = self.random.uniform(*self.cut_s)
            if cut and proxy_name is not None:
                if proxy_name not in self._cutting:  # else that server is still cut: skip
                    self._cut(proxy_name, seconds)
            else:
                self._kill(kind, whole, pick)

    def _kill(self, kind: str, whole: bool, pick: int) -> None:
        names = sorted(self.supervisor.names(kind))
        if not names:
            return
        name = names[pick % len(names)]
        if kind in self.child_kinds and not whole:
            killed = self.supervisor.kill_child(name, pick)
        else:
            killed = self.supervisor.kill(name)
        if killed is None:  # not running right now (restarting): no fault made
            return
        with self._lock:
            self.faults.append(Fault(killed.at, "kill", killed.kind, name))

    def _cut(self, proxy_name: str, seconds: float) -> None:
        proxy = self.proxies[proxy_name]
        at = self.supervisor.now()

        def cut() -> None:
            try:
                proxy.cut(seconds)
            finally:
                with self._lock:
                    self.faults.append(Fault(at, "cut", proxy_name, proxy_name, seconds))
                self._cutting.pop(proxy_name, None)

        thread = threading.Thread(target=cut, name=f"cut-{proxy_name}", daemon=True)
        self._cutting[proxy_name] = thread
        thread.start()
