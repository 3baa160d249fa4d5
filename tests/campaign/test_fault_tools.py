"""The campaign's own tools: the supervisor restarts what dies and tells a kill from a crash;
the injector's choices are replayable from its seed."""

from __future__ import annotations

from pathlib import Path

from tests.support.faults import FaultInjector
from tests.support.processes import python, wait_until
from tests.support.supervisor import Kill, Program, Supervisor

SLEEPER = python("-c", "import time; time.sleep(120)")


def test_a_killed_process_is_started_again_and_the_kill_is_recorded(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    try:
        first = supervisor.add(Program("sleeper", "worker", SLEEPER, {}))
        supervisor.wait_all_alive()
        kill = supervisor.kill("sleeper")
        assert kill is not None and kill.pid == first.pid
        wait_until(lambda: supervisor.restarts["sleeper"] == 1, what="the restart")
        supervisor.wait_all_alive()
        assert supervisor.process("sleeper").pid != first.pid
        assert [(e.name, e.killed) for e in supervisor.exits] == [("sleeper", True)]
        assert supervisor.unexpected_exits() == []
    finally:
        supervisor.stop()


def test_a_process_that_exits_by_itself_is_restarted_and_reported(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    try:
        supervisor.add(Program("quitter", "relay", python("-c", "raise SystemExit(3)"), {}))
        wait_until(lambda: supervisor.restarts["quitter"] >= 2, what="two restarts")
        crashes = supervisor.unexpected_exits()
        assert crashes and all(e.returncode == 3 and not e.killed for e in crashes)
    finally:
        supervisor.stop()


def test_a_child_process_is_killed_alone(tmp_path: Path) -> None:
    parent = python(
        "-c",
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        "child.wait(); time.sleep(120)",
    )
    supervisor = Supervisor(tmp_path)
    try:
        main = supervisor.add(Program("master", "api", parent, {}))
        killed = wait_until(lambda: supervisor.kill_child("master", 0), what="a child to kill")
        assert killed.kind == "api-child" and killed.pid != main.pid
        assert supervisor.alive("master") and supervisor.restarts["master"] == 0
    finally:
        supervisor.stop()


class _FakeSupervisor:
    """Names and kills without processes: the injector's choices alone."""

    def __init__(self) -> None:
        self.programs = {"relay-a": "relay", "relay-b": "relay", "worker-1": "worker", "api": "api"}

    def names(self, kind: str | None = None) -> list[str]:
        return [n for n, k in self.programs.items() if kind in (None, k)]

    def now(self) -> float:
        return 0.0

    def kill(self, name: str) -> Kill:
        return Kill(0.0, name, self.programs[name], 1)

    def kill_child(self, name: str, choose: int) -> Kill:
        return Kill(0.0, name, f"{self.programs[name]}-child", 2)


class _FakeProxy:
    def cut(self, seconds: float) -> None:
        pass


def _choices(seed: int) -> list[tuple[str, str, str]]:
    injector = FaultInjector(
        _FakeSupervisor(),  # type: ignore[arg-type]
        {"database": _FakeProxy(), "broker": _FakeProxy()},  # type: ignore[dict-item]
        seed,
        kinds=["relay", "worker", "api"],
        pause_s=(0.0, 0.001),
        cut_share=0.3,
    )
    injector.start()
    injector.until(kills=20, cuts=4, pause_s=(0.0, 0.001))
    kills = [(f.action, f.kind, f.target) for f in injector.faults if f.action == "kill"]
    return kills[:20]


def test_the_same_seed_makes_the_same_kills() -> None:
    first, again, other = _choices(1234), _choices(1234), _choices(4321)
    assert first == again
    assert first != other
    assert {kind for _, kind, _ in first} >= {"relay", "worker"}
