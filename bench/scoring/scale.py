"""The national synthetic scale test: the scoring workers' computation alone, in process.

What a worker does per job besides reading and writing one sheet is scoring the sheet against
the pinned table. Two ways are measured side by side in one run:

- today's path, ``scoringrules.score(table, sheet)``, which validates the table and parses every
  parameter again for each sheet;
- the compiled path, ``scoringrules.compile(table)`` once, then ``compiled.score(sheet)``.

Both score the same sheets for 34, 340 and 3,400 synthetic units (today's provinces and 10x,
100x of them, e.g. lower-level units), on the 38-criterion sample table and on the national
scenario's synthetic 200-criterion table (bench.national.synthetic: the sample's criteria
repeated, mixed methods), so the growth in units x criteria and the gain of compiling both show
without the HTTP and database costs around them.

Load on the machine hits both paths alike: the sheets are scored in alternating chunks (a chunk
by today's path, the same chunk compiled, and so on), and each path's time is the sum of its
chunks, in CPU time of this process (``time.process_time``: other processes' load does not count)
and in wall time. The compiled path's results are checked equal to today's before timing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import scoringrules
from bench import cpu
from bench.national.synthetic import build as synthetic_table
from bench.scoring.setup import sample_sheets, sample_table

TODAY = "scoringrules.score"
COMPILED = "compiled"
PATHS = (TODAY, COMPILED)
SYNTHETIC_CRITERIA = 200
CHUNK = 17  # sheets per alternation: small enough that drift in load reaches both paths alike


@dataclass(frozen=True)
class Point:
    """One path over ``units`` sheets of one table."""

    table: str
    criteria: int
    units: int
    path: str  # TODAY or COMPILED
    seconds: float  # wall time, the sum of the path's chunks
    cpu_seconds: float  # this process's CPU time, the same chunks
    compile_seconds: float = 0.0  # COMPILED only: scoringrules.compile(table), once per table
    machine: str = ""  # how busy the machine was while both paths ran (bench.cpu.describe)

    @property
    def per_sheet(self) -> float:
        """CPU seconds per sheet."""
        return self.cpu_seconds / self.units


@dataclass(frozen=True)
class Workload:
    name: str
    table: dict[str, Any]
    sheets: list[dict[str, Any]]


def workloads() -> list[Workload]:
    """The sample table with its six worked examples, and the synthetic 200-criterion table
    with six of its units' sheets (each criterion filled as a worked example fills its source)."""
    synthetic = synthetic_table(SYNTHETIC_CRITERIA)
    return [
        Workload("sample", sample_table(), sample_sheets()),
        Workload(
            f"synthetic {SYNTHETIC_CRITERIA}",
            synthetic.document,
            [synthetic.sheet(number) for number in range(synthetic.variants)],
        ),
    ]


def _timed(
    score: Callable[[dict[str, Any]], object], sheets: list[dict[str, Any]], first: int, count: int
) -> tuple[float, float]:
    """Wall and CPU seconds to score sheets ``first`` … ``first + count - 1`` (cycling)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(first, first + count):
        score(sheets[i % len(sheets)])
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(unit_counts: list[int], progress: Callable[[str], None]) -> list[Point]:
    points = []
    for load in workloads():
        if issues := scoringrules.validate(load.table):
            raise RuntimeError(f"the {load.name} table is invalid: {issues[:3]}")
        began = time.process_time()
        compiled = scoringrules.compile(load.table)
        compile_seconds = time.process_time() - began
        for sheet in load.sheets:  # warm-up, and the promise: the same results, digit for digit
            today = scoringrules.score(load.table, sheet).as_json()
            if compiled.score(sheet).as_json() != today:
                raise RuntimeError(f"the compiled {load.name} table scores a sheet differently")
        paths: dict[str, Callable[[dict[str, Any]], object]] = {
            TODAY: lambda sheet, table=load.table: scoringrules.score(table, sheet),
            COMPILED: compiled.score,
        }
        criteria = len(compiled.codes)
        for units in unit_counts:
            progress(f"scoring: scale, {load.name}, {units:,} units, both paths")
            totals = {path: [0.0, 0.0] for path in PATHS}
            before = cpu.Snapshot.take()
            for first in range(0, units, CHUNK):
                count = min(CHUNK, units - first)
                for path in PATHS:
                    wall, cpu_seconds = _timed(paths[path], load.sheets, first, count)
                    totals[path][0] += wall
                    totals[path][1] += cpu_seconds
            machine = cpu.describe(before, cpu.Snapshot.take(), others="other helpers' work")
            for path in PATHS:
                wall, cpu_seconds = totals[path]
                points.append(
                    Point(
                        load.name,
                        criteria,
                        units,
                        path,
                        wall,
                        cpu_seconds,
                        compile_seconds if path == COMPILED else 0.0,
                        machine,
                    )
                )
    return points


def ratios(points: list[Point]) -> dict[tuple[str, int], float]:
    """Today's CPU per sheet over the compiled path's, by (table, units)."""
    by_key = {(p.table, p.units, p.path): p for p in points}
    return {
        (p.table, p.units): p.per_sheet / by_key[(p.table, p.units, COMPILED)].per_sheet
        for p in points
        if p.path == TODAY and (p.table, p.units, COMPILED) in by_key
    }
