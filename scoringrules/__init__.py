"""The scoring rules of the Thi đua platform: one pure package (no I/O, standard library only).

The criteria service validates yearly tables and publishes the method definitions with them;
the scoring service computes units' points. Both use this package, so both compute identically
(docs/scoring-rules.md is the specification; docs/decisions/0008 says why one package).

Public surface:

- ``validate(document) -> list[Issue]`` — every issue in a criteria table document.
- ``check_sheet(document, sheet) -> list[Issue]`` — every issue in a unit's scoresheet.
- ``score(document, sheet) -> Result`` — points per criterion, subtotals, bonus, deduction,
  total and rank band (``Result.as_json()`` gives fixed-point strings).
- ``rank(totals) -> dict`` — competition ranking (1, 2, 2, 4).
- ``leaves(document)``, ``definitions(document)`` — the criteria; the method definitions used.
- ``METHODS`` — the registry of scoring methods (type → method); ``Issue``; ``Invalid``.
- ``round_points(value, places=2)`` — exact half-up rounding.
- ``RULES_VERSION`` — bumped on any change of the arithmetic; consumers record it with every
  published table snapshot and every computed score.
"""

from scoringrules.compute import Result, band, check_sheet, rank, score
from scoringrules.issues import Invalid, Issue
from scoringrules.methods import METHODS, Method, register
from scoringrules.numbers import round_points
from scoringrules.table import definitions, leaves, sections, validate

RULES_VERSION = "2024.1"

__all__ = [
    "METHODS",
    "RULES_VERSION",
    "Invalid",
    "Issue",
    "Method",
    "Result",
    "band",
    "check_sheet",
    "definitions",
    "leaves",
    "rank",
    "register",
    "round_points",
    "score",
    "sections",
    "validate",
]
