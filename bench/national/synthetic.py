"""The national scenario's synthetic data: a wide criteria table and every unit's filled sheet.

The table has ``criteria`` criteria in parts of ten; criterion ``p`` (its position) is a copy
of the sample table's criterion ``p mod 38`` (same method, bands, standard points), so the
methods are mixed as in the sample (graded bands both ways, proportional, boolean, manual).
The table's standard points are the sum of its criteria's; its rank bands are the sample's
thresholds scaled to that sum.

Unit ``u`` fills criterion ``p`` with the inputs the worked example ``(u + p) mod 6`` gives the
sample criterion it copies, and takes the bonus and deduction counts of example ``u mod 6``:
totals then spread over the bands and many units tie, as real rankings do. Everything here
is a pure function of the unit number, so the benchmark can recompute any sheet's expected
result with ``scoringrules.score`` to check what the workers stored.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import scoringrules
from scoringrules.table import leaves

PER_PART = 10
REGIONS = 355  # regions of ~28 units (as many as the regional civil-judgment offices)


def unit_id(number: int) -> str:
    return f"nat-{number:05d}"


def region_id(number: int) -> str:
    return f"nat-region-{number % REGIONS:03d}"


@dataclass(frozen=True)
class Synthetic:
    """The table document and what it takes to fill any unit's sheet against it."""

    document: dict[str, Any]
    codes: list[str]  # criterion codes in position order
    sources: list[str]  # the sample criterion each copies, by position
    examples: list[dict[str, Any]]  # the worked examples' sheets

    @property
    def variants(self) -> int:
        return len(self.examples)

    def inputs(self, variant: int, position: int) -> Any:
        """The inputs of criterion ``position`` filled as example ``variant`` fills its source."""
        return self.examples[variant]["entries"][self.sources[position]]

    def sheet(self, number: int) -> dict[str, Any]:
        """Unit ``number``'s sheet in scoringrules' shape."""
        counts = self.examples[number % self.variants]
        return {
            "entries": {
                code: self.inputs((number + position) % self.variants, position)
                for position, code in enumerate(self.codes)
            },
            "bonus": dict(counts.get("bonus", {})),
            "deduction": dict(counts.get("deduction", {})),
        }

    def counts(self, number: int) -> tuple[dict[str, int], dict[str, int]]:
        example = self.examples[number % self.variants]
        return dict(example.get("bonus", {})), dict(example.get("deduction", {}))


def build(criteria: int) -> Synthetic:
    """A valid table of ``criteria`` criteria (a multiple of ten) mixing the sample's methods."""
    # Imported here: bench.scoring's scale test imports this module, and bench.scoring's
    # package imports that test, so a module-level import would be circular.
    from bench.scoring.setup import UNIT_KIND, YEAR, sample_sheets, sample_table

    if criteria % PER_PART:
        raise ValueError(f"criteria must be a multiple of {PER_PART}")
    sample = sample_table()
    sample_leaves = list(leaves(sample).items())
    parts, codes, sources = [], [], []
    for part in range(criteria // PER_PART):
        children = []
        for k in range(PER_PART):
            source, node = sample_leaves[(part * PER_PART + k) % len(sample_leaves)]
            leaf = copy.deepcopy(node)
            leaf["code"] = f"N{part + 1}.{k + 1}"
            children.append(leaf)
            codes.append(leaf["code"])
            sources.append(source)
        parts.append(
            {
                "code": f"N{part + 1}",
                "title": f"Phần {part + 1} (tổng hợp)",
                "max_points": sum(Fraction(str(c["max_points"])) for c in children),
                "children": children,
            }
        )
    total = sum((p["max_points"] for p in parts), Fraction(0))
    scale = total / Fraction(str(sample["max_points"]))
    for part in parts:
        part["max_points"] = _number(part["max_points"])
    document = {
        **{k: v for k, v in sample.items() if k not in ("parts", "rank_bands", "max_points")},
        "title": f"Bảng tiêu chí tổng hợp {criteria} tiêu chí (benchmark)",
        "year": YEAR,
        "unit_kind": UNIT_KIND,
        "max_points": _number(total),
        "rank_bands": [
            {
                "code": band["code"],
                "min_total": None
                if band["min_total"] is None
                else int(Fraction(str(band["min_total"])) * scale),
            }
            for band in sample["rank_bands"]
        ],
        "parts": parts,
    }
    if issues := scoringrules.validate(document):
        raise RuntimeError(f"the synthetic table is invalid: {issues[:3]}")
    return Synthetic(document, codes, sources, sample_sheets())


def _number(value: Fraction) -> int | float:
    """A JSON number that is exactly ``value`` (standard points have at most 2 decimals)."""
    return int(value) if value.denominator == 1 else float(value)
