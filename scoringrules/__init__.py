"""The scoring rules of the Thi đua platform: one pure package (no I/O, standard library only).

The criteria service validates yearly tables and publishes the method definitions with them;
the scoring service computes units' points. Both use this package, so both compute identically
(docs/scoring-rules.md is the specification; docs/decisions/0008 says why one package).

Public surface:

- ``validate(document) -> list[Issue]`` — every issue in a criteria table document.
- ``check_sheet(document, sheet) -> list[Issue]`` — every issue in a unit's scoresheet.
- ``score(document, sheet) -> Result`` — points per criterion, subtotals, bonus, deduction,
  total and rank band (``Result.as_json()`` gives fixed-point strings).
- ``compile(document) -> CompiledTable`` — the table validated once (raises :class:`Invalid`
  with ``validate``'s issues) and prepared for many sheets: ``CompiledTable.check_sheet(sheet)``,
  ``.score(sheet, overrides)`` and ``.check_override(code, points)`` give exactly what the
  functions above give for that table, many times faster (``score`` stays the reference).
- ``rank(totals) -> dict`` — competition ranking (1, 2, 2, 4).
- ``leaves(document)``, ``definitions(document)`` — the criteria; the method definitions used.
- ``METHODS`` — the registry of scoring methods (type → method; ``Method.compile`` gives a
  criterion's ``Scorer``); ``Issue``; ``Invalid``.
- ``round_points(value, places=2)`` — exact half-up rounding.
- ``RULES_VERSION`` — bumped on any change of the arithmetic; consumers record it with every
  published table snapshot and every computed score.
"""

from scoringrules.compiled import CompiledTable, compile
from scoringrules.compute import Result, band, check_sheet, rank, score
from scoringrules.issues import Invalid, Issue
from scoringrules.methods import METHODS, Method, Scorer, register
from scoringrules.numbers import round_points
from scoringrules.table import definitions, leaves, sections, validate

RULES_VERSION = "2024.1"

__all__ = [
    "METHODS",
    "RULES_VERSION",
    "CompiledTable",
    "Invalid",
    "Issue",
    "Method",
    "Result",
    "Scorer",
    "band",
    "check_sheet",
    "compile",
    "definitions",
    "leaves",
    "rank",
    "register",
    "round_points",
    "score",
    "sections",
    "validate",
]
