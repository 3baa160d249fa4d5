"""How busy the machine was while a benchmark ran, and how much of that was the benchmark.

The machine is shared: a test suite running next to a benchmark can double its latencies. The
figures therefore come with the CPU the whole machine used during the run, the part this
benchmark's own processes used (this one and every child it has waited for), and the steal a
virtual machine's host took, so a reader can tell a slow system from a busy machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Snapshot:
    busy: float  # seconds of CPU the whole machine spent busy, all cores
    total: float  # seconds of CPU the whole machine had, all cores
    steal: float
    ours: float  # this process and its waited-for children

    @classmethod
    def take(cls) -> Snapshot | None:
        """Now, or None where there is no /proc/stat (not Linux)."""
        if not Path("/proc/stat").exists():
            return None
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        tick = os.sysconf("SC_CLK_TCK")
        busy = (user + nice + system + irq + softirq) / tick
        times = os.times()
        return cls(
            busy=busy,
            total=busy + (idle + iowait + steal) / tick,
            steal=steal / tick,
            ours=times.user + times.system + times.children_user + times.children_system,
        )


def describe(
    before: Snapshot | None,
    after: Snapshot | None,
    others: str = "PostgreSQL and RabbitMQ included",
) -> str:
    """E.g. "machine 71% busy; this benchmark's processes 0.9 cores, everything else 0.5"."""
    if before is None or after is None:
        return "not measured"
    wall = (after.total - before.total) / (os.cpu_count() or 1)
    if wall <= 0:
        return "not measured"
    ours = (after.ours - before.ours) / wall
    busy = (after.busy - before.busy) / wall
    steal = (after.steal - before.steal) / wall
    return (
        f"machine {busy / (os.cpu_count() or 1):.0%} busy; this benchmark's processes "
        f"{ours:.1f} cores, everything else ({others}) "
        f"{max(0.0, busy - ours):.1f} cores; steal {steal:.1f} cores"
    )
