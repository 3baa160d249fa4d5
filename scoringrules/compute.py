"""A unit's scoresheet against a criteria table: checking it, scoring it, ranking totals.

A sheet is ``{"entries": {criterion code: inputs}, "bonus": {item code: count}, "deduction":
{item code: count}}``; other top-level keys (the unit, the year…) are ignored. Missing bonus
or deduction counts are 0.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from scoringrules.issues import Invalid, Issue, pointer
from scoringrules.methods import METHODS, Method, Node
from scoringrules.numbers import (
    exact_decimal,
    format_points,
    is_number,
    is_whole,
    round_points,
    to_fraction,
)
from scoringrules.table import ADJUSTMENTS, leaves, validate

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Result:
    """A unit's points. Every Decimal carries at least the table's ``places`` decimals."""

    leaf_points: dict[str, Decimal]  # criterion code → rounded points, document order
    subtotals: dict[str, Decimal]  # part/section code → exact sum of its criteria's points
    bonus: Decimal  # exact, after the cap
    deduction: Decimal  # exact, after the cap (a positive number, subtracted)
    total: Decimal  # Σ criteria + bonus − deduction, rounded half-up
    band: str  # the rank band's code
    places: int = 2

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: every number a fixed-point string ("114.27"), as in the worked examples."""
        places = self.places

        def text(value: Decimal) -> str:
            # ``format_points(value, places)``, the short way for the usual value: str() of a
            # finite Decimal with exactly ``places`` ≤ 6 decimals is its fixed-point text
            # (no exponent: an "E" or, in a context without capitals, an "e" sends it on).
            shown = str(value)
            if (
                places <= 6
                and value.is_finite()
                and (shown[-places - 1 : -places] == "." if places else "." not in shown)
                and "E" not in shown
                and "e" not in shown
            ):
                return shown
            return format_points(value, places)

        return {
            "leaf_points": {code: text(v) for code, v in self.leaf_points.items()},
            "subtotals": {code: text(v) for code, v in self.subtotals.items()},
            "bonus": text(self.bonus),
            "deduction": text(self.deduction),
            "total": text(self.total),
            "band": self.band,
        }


def check_sheet(document: Mapping[str, Any], sheet: object) -> list[Issue]:
    """Every issue in a unit's scoresheet (pointers into the sheet).

    Raises :class:`Invalid` when the table itself is invalid: that is the table's fault, not the
    sheet's.
    """
    table_issues = validate(document)
    if table_issues:
        raise Invalid(table_issues)
    return _check_sheet(document, sheet)


def _check_sheet(document: Mapping[str, Any], sheet: object) -> list[Issue]:
    if not isinstance(sheet, Mapping):
        return [
            Issue(
                "",
                "field_type",
                "Phiếu chấm phải là một đối tượng JSON",
                "The sheet must be a JSON object",
            )
        ]
    entries = sheet.get("entries")
    if isinstance(entries, Mapping):
        issues = _check_entries(leaves(document), entries)
    elif entries is None:
        issues = [Issue("/entries", "field_missing", "Thiếu «entries»", "“entries” is missing")]
    else:
        issues = [
            Issue(
                "/entries",
                "field_type",
                "«entries» phải là một đối tượng",
                "“entries” must be an object",
            )
        ]
    for section in ADJUSTMENTS:
        issues.extend(_check_counts(document, sheet, section))
    return issues


def _check_entries(criteria: Mapping[str, Node], entries: Mapping[str, Any]) -> list[Issue]:
    issues: list[Issue] = []
    for code, node in criteria.items():
        at = pointer("/entries", code)
        if code in entries:
            issues.extend(_method(node).check_inputs(node, entries[code], at))
        else:
            issues.append(
                Issue(
                    at,
                    "entry_missing",
                    f"Chưa có dữ liệu cho tiêu chí {code}",
                    f"No inputs for criterion {code}",
                )
            )
    issues.extend(
        Issue(
            pointer("/entries", code),
            "entry_unknown",
            f"«{code}» không phải là tiêu chí của bảng",
            f"“{code}” is not a criterion of the table",
        )
        for code in entries
        if code not in criteria
    )
    return issues


def _check_counts(
    document: Mapping[str, Any], sheet: Mapping[str, Any], section: str
) -> list[Issue]:
    counts = sheet.get(section)
    if counts is None:
        return []
    at = pointer("", section)
    if not isinstance(counts, Mapping):
        return [
            Issue(
                at,
                "field_type",
                f"«{section}» phải là một đối tượng",
                f"“{section}” must be an object",
            )
        ]
    known = {item["code"] for item in (document.get(section) or {}).get("items", [])}
    issues: list[Issue] = []
    for code, count in counts.items():
        here = pointer(at, code)
        if code not in known:
            issues.append(
                Issue(
                    here,
                    "item_unknown",
                    f"«{code}» không phải là mục {section} của bảng",
                    f"“{code}” is not a {section} item of the table",
                )
            )
        elif not is_whole(count) or to_fraction(count) < 0:
            issues.append(
                Issue(
                    here,
                    "count_invalid",
                    "Số lần phải là số nguyên ≥ 0",
                    "A count must be a whole number ≥ 0",
                )
            )
    return issues


def _method(node: Node) -> Method:
    return METHODS[node["method"]["type"]]


def check_override(document: Mapping[str, Any], code: str, points: object) -> list[Issue]:
    """Points set by a reviewer or the appraisal for a criterion: a number from 0 to the
    most the criterion can earn (its standard points, or more with over-achievement)."""
    criteria = leaves(document)
    where = f"/entries/{code}"
    if code not in criteria:
        return [Issue(where, "unknown_code", f"Không có tiêu chí {code}.", f"No criterion {code}.")]
    if not is_number(points):
        return [Issue(where, "not_a_number", "Điểm phải là số.", "Points must be a number.")]
    value = to_fraction(points)  # type: ignore[arg-type]
    ceiling = _method(criteria[code]).ceiling(criteria[code])
    if not 0 <= value <= ceiling:
        return [
            Issue(
                where,
                "points_out_of_range",
                f"Điểm phải từ 0 đến {float(ceiling):g}.",
                f"Points must be between 0 and {float(ceiling):g}.",
            )
        ]
    return []


def score(
    document: Mapping[str, Any],
    sheet: Mapping[str, Any],
    overrides: Mapping[str, object] | None = None,
) -> Result:
    """A unit's points against a table. Raises :class:`Invalid` if either has issues.

    ``overrides`` are points set by a reviewer or the appraisal for some criteria; they stand
    instead of what the method gives from the unit's inputs (each checked by check_override).
    """
    issues = validate(document) or _check_sheet(document, sheet)
    for code, points in (overrides or {}).items():
        issues += check_override(document, code, points)
    if issues:
        raise Invalid(issues)
    places = document["rounding"]["places"]
    entries = sheet["entries"]
    leaf_points = {
        code: _method(node).points(node, entries[code], places)
        for code, node in leaves(document).items()
    }
    for code, points in (overrides or {}).items():
        leaf_points[code] = round_points(to_fraction(points), places)  # type: ignore[arg-type]
    subtotals: dict[str, Decimal] = {}

    def subtotal(node: Node) -> Fraction:
        if "children" not in node:
            return Fraction(leaf_points[node["code"]])
        subtotals[node["code"]] = Decimal(0)  # keeps document (pre-)order
        exact = sum((subtotal(child) for child in node["children"]), Fraction(0))
        subtotals[node["code"]] = round_points(exact, places)  # exact: a sum of rounded points
        return exact

    criteria = sum((subtotal(part) for part in document["parts"]), Fraction(0))
    bonus = _adjustment(document.get("bonus"), sheet.get("bonus") or {})
    deduction = _adjustment(document.get("deduction"), sheet.get("deduction") or {})
    total = round_points(criteria + bonus - deduction, places)
    return Result(
        leaf_points=leaf_points,
        subtotals=subtotals,
        bonus=_exact(bonus, places),
        deduction=_exact(deduction, places),
        total=total,
        band=band(document, total),
        places=places,
    )


def _adjustment(block: Mapping[str, Any] | None, counts: Mapping[str, Any]) -> Fraction:
    """Σ min(count, max_count) × per_count over the items, capped at the block's cap."""
    if not block:
        return Fraction(0)
    raw = Fraction(0)
    for item in block["items"]:
        count = to_fraction(counts.get(item["code"], 0))
        if "max_count" in item:
            count = min(count, Fraction(item["max_count"]))
        raw += count * to_fraction(item["per_count"])
    return min(raw, to_fraction(block["cap"]))


def _exact(value: Fraction, places: int) -> Decimal:
    """``value`` as a Decimal with at least ``places`` decimals and no digit lost."""
    decimal = exact_decimal(value)
    exponent = decimal.as_tuple().exponent
    assert isinstance(exponent, int)
    return decimal if -exponent >= places else round_points(value, places)


def band(document: Mapping[str, Any], total: Decimal) -> str:
    """The code of the first rank band whose min_total ≤ total (the last, null, catches all)."""
    for rank_band in document["rank_bands"]:
        floor = rank_band["min_total"]
        if floor is None or (is_number(floor) and to_fraction(floor) <= to_fraction(total)):
            return str(rank_band["code"])
    raise ValueError("the table's rank bands have no final band with a null min_total")


def rank(totals: Mapping[K, Decimal]) -> dict[K, int]:
    """Competition ranking by total, highest first: equal totals share a rank and the next
    ranks are skipped (1, 2, 2, 4). Returned in rank order (ties in the given order)."""
    ordered = sorted(totals.items(), key=lambda item: item[1], reverse=True)
    ranks: dict[K, int] = {}
    for position, (key, value) in enumerate(ordered, start=1):
        if position > 1 and value == ordered[position - 2][1]:
            ranks[key] = ranks[ordered[position - 2][0]]
        else:
            ranks[key] = position
    return ranks
