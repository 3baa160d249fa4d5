"""Compiled tables: a criteria table validated once and prepared for scoring many sheets.

:func:`scoringrules.score` validates the whole table and parses every parameter again for each
sheet, which is right for one sheet and wasteful for a year-end of thousands. ``compile(table)``
validates once (raising :class:`Invalid` with ``validate``'s issues) and keeps what every sheet
needs, already parsed: each criterion's :class:`~scoringrules.methods.Scorer` (its method's
parameters as Decimals and integers), the document order of the codes, the subtotal tree as
slot lists, the bonus and deduction items, the rank bands' floors.

The results are those of :func:`scoringrules.score`, digit for digit, which stays the reference
(the tests compare the two). How the compiled path keeps to it:

- A sheet is scored in one pass over its criteria: each scorer gives a criterion's points
  only for inputs the full check accepts, so the pass only ever completes for a sheet the full
  check accepts; on any doubt the full check of :mod:`scoringrules.compute` runs, so issues
  are its own, and points then come from each scorer's ``points``.
- Criterion points come from the scorers (half-up rounding in integers, ``round_ratio``).
- Sums of rounded points are exact Decimal additions in a private context that traps any
  rounding; bonus, deduction and total likewise. Should a sum ever need rounding (hundreds of
  digits), or a method without a compiled step return points not rounded to the table's places,
  the sheet is scored by :func:`scoringrules.score` itself.

The table is deep-copied at compile time: changing the caller's dict afterwards changes nothing
here (compile the new version instead). A CompiledTable is immutable and safe to share between
threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
)
from fractions import Fraction
from typing import Any

from scoringrules import compute
from scoringrules.compute import Result
from scoringrules.issues import Invalid, Issue
from scoringrules.methods import METHODS, Node, Scorer
from scoringrules.numbers import is_number, round_points, round_ratio, to_decimal, to_fraction
from scoringrules.table import ADJUSTMENTS, definitions, leaves, validate

#: Exact Decimal arithmetic, whatever the caller's decimal context: any rounding raises, and the
#: sheet is then scored by the reference path.
EXACT = Context(prec=400, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded, InvalidOperation])
#: What EXACT raises when a value does not fit: the signal to use the reference path.
NOT_EXACT = (Inexact, Rounded, InvalidOperation)


@dataclass(frozen=True)
class Criterion:
    """One leaf of the table, compiled."""

    code: str
    node: Node
    scorer: Scorer


@dataclass(frozen=True)
class Adjustment:
    """A bonus or deduction block, parsed: items (code, per_count, max_count or None), cap."""

    items: tuple[tuple[str, Decimal, int | None], ...]
    cap: Decimal


def _plain_copy(value: object) -> object:
    """A deep copy of a JSON-like value: mappings become dicts, lists are copied, the rest (str,
    numbers, None) is immutable and shared."""
    if isinstance(value, Mapping):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_copy(item) for item in value]
    return value


def compile(document: object) -> CompiledTable:
    """The table validated and compiled; raises :class:`Invalid` with ``validate``'s issues."""
    copied = _plain_copy(document)
    issues = validate(copied)
    if issues:
        raise Invalid(issues)
    assert isinstance(copied, dict)
    return CompiledTable(copied)


class CompiledTable:
    """A valid table, ready to check and score sheets. Build it with :func:`compile`."""

    def __init__(self, document: dict[str, Any]) -> None:
        """``document`` must be valid and owned by this object (``compile`` sees to both)."""
        self.document = document
        self.places: int = document["rounding"]["places"]
        criteria = leaves(document)
        self.criteria: tuple[Criterion, ...] = tuple(
            Criterion(code, node, METHODS[node["method"]["type"]].compile(node, self.places))
            for code, node in criteria.items()
        )
        #: The criteria's codes in document order (the order of Result.leaf_points).
        self.codes: tuple[str, ...] = tuple(criteria)
        self._by_code = {criterion.code: criterion for criterion in self.criteria}
        self._scores = tuple((c.code, c.scorer.scores) for c in self.criteria)
        self._quantum = Decimal(f"1E-{self.places}")
        self._rounded = all(c.scorer.rounded for c in self.criteria)
        self._ceilings: dict[str, Fraction] = {}
        # The subtotal tree as slots: 0…n-1 the criteria, then one slot per inner node in
        # post-order (children before their parent), each summing its children's slots.
        self._sums: list[tuple[int, ...]] = []
        self._subtotals: list[tuple[str, int]] = []  # (code, slot) in document pre-order
        slots = {code: i for i, code in enumerate(self.codes)}
        self._parts = tuple(self._plan(part, slots) for part in document["parts"])
        self._adjustments = tuple(self._adjustment(document.get(s)) for s in ADJUSTMENTS)
        self._known_items = tuple(
            frozenset(item["code"] for item in (document.get(s) or {}).get("items", []))
            for s in ADJUSTMENTS
        )
        self._bands = tuple(
            (str(band["code"]), None if (floor := band["min_total"]) is None else to_decimal(floor))
            for band in document["rank_bands"]
        )

    def _plan(self, node: Node, slots: dict[str, int]) -> int:
        if "children" not in node:
            return slots[node["code"]]
        index = len(self._subtotals)
        self._subtotals.append((node["code"], -1))
        children = tuple(self._plan(child, slots) for child in node["children"])
        slot = len(self.codes) + len(self._sums)
        self._sums.append(children)
        self._subtotals[index] = (node["code"], slot)
        return slot

    @staticmethod
    def _adjustment(block: Mapping[str, Any] | None) -> Adjustment | None:
        if not block:
            return None
        items = tuple(
            (item["code"], to_decimal(item["per_count"]), item.get("max_count"))
            for item in block["items"]
        )
        return Adjustment(items, to_decimal(block["cap"]))

    # -- what the table is --

    def definitions(self) -> dict[str, dict[str, Any]]:
        """The method definitions the table uses (:func:`scoringrules.definitions`)."""
        return definitions(self.document)

    # -- checking --

    def check_sheet(self, sheet: object) -> list[Issue]:
        """Every issue in a unit's sheet: ``scoringrules.check_sheet(document, sheet)``."""
        if self._points(sheet) is not None:
            return []
        return compute._check_sheet(self.document, sheet)

    def _points(self, sheet: object) -> dict[str, Decimal] | None:
        """Each criterion's points, in one pass, only when the full check would find no issue
        in the sheet (None sends it to that check)."""
        if not isinstance(sheet, Mapping):
            return None
        entries = sheet.get("entries")
        if not isinstance(entries, Mapping) or len(entries) != len(self._scores):
            return None
        leaf_points = {}
        for code, scores in self._scores:  # every criterion present, so nothing unknown either
            points = scores(entries.get(code))
            if points is None:
                return None
            leaf_points[code] = points
        for section, known in zip(ADJUSTMENTS, self._known_items, strict=True):
            counts = sheet.get(section)
            if counts is None:
                continue
            if not isinstance(counts, Mapping):
                return None
            for code, count in counts.items():
                if code not in known or type(count) is not int or count < 0:
                    return None
        return leaf_points

    def check_override(self, code: str, points: object) -> list[Issue]:
        """``scoringrules.compute.check_override`` against this table."""
        if (
            code in self._by_code
            and is_number(points)
            and 0 <= to_fraction(points) <= self._ceiling(code)  # type: ignore[arg-type]
        ):
            return []
        return compute.check_override(self.document, code, points)

    def _ceiling(self, code: str) -> Fraction:
        """The criterion's ceiling, computed the first time an override asks for it."""
        if code not in self._ceilings:
            node = self._by_code[code].node
            self._ceilings[code] = METHODS[node["method"]["type"]].ceiling(node)
        return self._ceilings[code]

    # -- scoring --

    def score(
        self, sheet: Mapping[str, Any], overrides: Mapping[str, object] | None = None
    ) -> Result:
        """``scoringrules.score(document, sheet, overrides)``: the same Result, the same
        :class:`Invalid` issues."""
        places = self.places
        found = self._points(sheet)
        issues = [] if found is not None else compute._check_sheet(self.document, sheet)
        for code, points in (overrides or {}).items():
            issues += self.check_override(code, points)
        if issues:
            raise Invalid(issues)
        if found is not None:
            leaf_points = found  # every scorer gave its points: all compiled, all rounded
        else:
            entries = sheet["entries"]
            leaf_points = {c.code: c.scorer.points(entries[c.code]) for c in self.criteria}
            if not self._rounded and not all(_at_places(v, places) for v in leaf_points.values()):
                return compute.score(self.document, sheet, overrides)
        for code, points in (overrides or {}).items():
            leaf_points[code] = round_points(to_fraction(points), places)  # type: ignore[arg-type]
        try:
            return self._finish(sheet, leaf_points)
        except NOT_EXACT:
            return compute.score(self.document, sheet, overrides)

    def _finish(self, sheet: Mapping[str, Any], leaf_points: dict[str, Decimal]) -> Result:
        """Subtotals, bonus, deduction, total and band from the rounded criterion points."""
        places = self.places
        add = EXACT.add
        values = list(leaf_points.values())
        for children in self._sums:
            exact = values[children[0]]
            for slot in children[1:]:
                exact = add(exact, values[slot])
            values.append(exact)  # a sum of points at `places` decimals: exact at `places`
        subtotals = {code: values[slot] for code, slot in self._subtotals}
        criteria = values[self._parts[0]]
        for slot in self._parts[1:]:
            criteria = add(criteria, values[slot])
        bonus, deduction = (
            self._adjust(adjustment, sheet.get(section) or {})
            for adjustment, section in zip(self._adjustments, ADJUSTMENTS, strict=True)
        )
        exact_total = EXACT.subtract(add(criteria, bonus), deduction)
        total = round_ratio(*exact_total.as_integer_ratio(), places)
        return Result(
            leaf_points=leaf_points,
            subtotals=subtotals,
            bonus=self._shown(bonus),
            deduction=self._shown(deduction),
            total=total,
            band=self._band(total),
            places=places,
        )

    @staticmethod
    def _adjust(adjustment: Adjustment | None, counts: Mapping[str, Any]) -> Decimal:
        """Σ min(count, max_count) × per_count, capped (``compute._adjustment``), exactly."""
        if adjustment is None:
            return Decimal(0)
        raw = Decimal(0)
        for code, per_count, max_count in adjustment.items:
            count = to_decimal(counts.get(code, 0))
            if max_count is not None:
                count = min(count, Decimal(max_count))
            raw = EXACT.add(raw, EXACT.multiply(count, per_count))
        return min(raw, adjustment.cap)

    def _shown(self, value: Decimal) -> Decimal:
        """``compute._exact``: ``places`` decimals, or all of them when it has more."""
        reduced = value.normalize(EXACT)
        exponent = reduced.as_tuple().exponent
        assert isinstance(exponent, int)
        if exponent >= -self.places:
            return reduced.quantize(self._quantum, context=EXACT)
        return reduced

    def _band(self, total: Decimal) -> str:
        for code, floor in self._bands:
            if floor is None or floor <= total:
                return code
        raise ValueError("the table's rank bands have no final band with a null min_total")


def _at_places(value: Decimal, places: int) -> bool:
    """True for a Decimal with exactly ``places`` decimals that is not −0 (what round_points
    gives), so that sums of such values are the reference's sums digit for digit."""
    return value.as_tuple().exponent == -places and not (value.is_zero() and value.is_signed())
