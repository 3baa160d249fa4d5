"""The national synthetic scale test: the scoring workers' computation alone, in process.

What a worker does per job besides reading and writing one sheet is ``scoringrules.score`` of
the sheet against the pinned table (which validates the table first, every time). Here it runs
for 34, 340 and 3,400 synthetic units (today's provinces and 10x, 100x of them, e.g. lower-level
units), on the sample table and on a table of twice its criteria, so the growth in
units x criteria shows without the HTTP and database costs around it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import scoringrules
from bench.scoring.setup import sample_sheets, sample_table
from scoringrules.table import leaves

PREFIX = "Z"  # the duplicated parts' codes: ZA, ZA.I, ZA.I.1, ...


@dataclass(frozen=True)
class Point:
    table: str
    criteria: int
    units: int
    seconds: float

    @property
    def per_sheet(self) -> float:
        return self.seconds / self.units


def _renamed(node: dict[str, Any]) -> dict[str, Any]:
    node = copy.deepcopy(node)

    def walk(item: dict[str, Any]) -> None:
        item["code"] = PREFIX + item["code"]
        for child in item.get("children", []):
            walk(child)

    walk(node)
    return node


def doubled(table: dict[str, Any]) -> dict[str, Any]:
    """The table with every part repeated under new codes: twice the criteria and points."""
    wide = copy.deepcopy(table)
    wide["parts"] = table["parts"] + [_renamed(part) for part in table["parts"]]
    wide["max_points"] = 2 * table["max_points"]
    return wide


def _doubled_sheet(sheet: dict[str, Any]) -> dict[str, Any]:
    entries = {**sheet["entries"], **{PREFIX + k: v for k, v in sheet["entries"].items()}}
    return {**sheet, "entries": entries}


def measure(unit_counts: list[int], progress: Callable[[str], None]) -> list[Point]:
    base = sample_table()
    examples = sample_sheets()
    tables = [
        ("sample", base, examples),
        ("sample x2 criteria", doubled(base), [_doubled_sheet(s) for s in examples]),
    ]
    points = []
    for name, table, sheets in tables:
        if issues := scoringrules.validate(table):
            raise RuntimeError(f"the {name} table is invalid: {issues[:3]}")
        scoringrules.score(table, sheets[0])  # warm-up: imports, caches
        for units in unit_counts:
            progress(f"scoring: scale, {name}, {units:,} units")
            began = time.perf_counter()
            for i in range(units):
                scoringrules.score(table, sheets[i % len(sheets)])
            points.append(Point(name, len(leaves(table)), units, time.perf_counter() - began))
    return points
