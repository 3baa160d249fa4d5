"""The yearly criteria table document: validation and the views other modules need.

A table is ``{title, year, unit_kind, basis?, max_points, rounding, rank_bands, parts, bonus?,
deduction?}``; parts are nodes ``{code, title, max_points, children | method, ...}`` of any
depth (see docs/scoring-rules.md). :func:`validate` returns every issue with a JSON Pointer
into the document; the other functions assume a valid document (and skip what is malformed).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any

from scoringrules.issues import Issue, pointer
from scoringrules.methods import METHODS, Node, show
from scoringrules.numbers import is_number, to_fraction

ROUNDING_MODES = ("half_up",)
MAX_PLACES = 4
ADJUSTMENTS = ("bonus", "deduction")
#: Texts that may run over several lines (tab and newline allowed); every other is one line.
MULTILINE_KEYS = frozenset({"basis", "guidance", "description", "note"})

_KINDS: dict[str, tuple[str, str]] = {
    "string": ("một chuỗi ký tự khác rỗng", "a non-empty string"),
    "number": ("một số", "a number"),
    "integer": ("một số nguyên", "an integer"),
    "boolean": ("true hoặc false", "true or false"),
    "object": ("một đối tượng", "an object"),
    "array": ("một danh sách", "a list"),
}


def _is(kind: str, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str) and bool(value.strip())
    if kind == "number":
        return is_number(value)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, Mapping)
    return isinstance(value, list)


def _field(
    obj: Mapping[str, Any], key: str, kind: str, at: str, issues: list[Issue], *, required: bool
) -> Any:
    """``obj[key]`` when it is of ``kind``; otherwise record an issue and return None."""
    if key not in obj:
        if required:
            issues.append(
                Issue(pointer(at, key), "field_missing", f"Thiếu «{key}»", f"“{key}” is missing")
            )
        return None
    value = obj[key]
    if not _is(kind, value):
        vi, en = _KINDS[kind]
        issues.append(
            Issue(pointer(at, key), "field_type", f"«{key}» phải là {vi}", f"“{key}” must be {en}")
        )
        return None
    return value


def _positive(
    obj: Mapping[str, Any], key: str, at: str, issues: list[Issue], code: str
) -> Fraction | None:
    value = _field(obj, key, "number", at, issues, required=True)
    if value is None:
        return None
    if to_fraction(value) <= 0:
        issues.append(Issue(pointer(at, key), code, f"«{key}» phải > 0", f"“{key}” must be > 0"))
        return None
    return to_fraction(value)


class _Codes:
    """Codes seen so far: one table-wide namespace for nodes, bonus and deduction items."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def add(self, obj: Mapping[str, Any], at: str, issues: list[Issue]) -> None:
        code = _field(obj, "code", "string", at, issues, required=True)
        if code is None:
            return
        if code in self.seen:
            first = self.seen[code] or "/"
            issues.append(
                Issue(
                    pointer(at, "code"),
                    "code_duplicate",
                    f"Mã «{code}» đã dùng tại {first}",
                    f"Code “{code}” is already used at {first}",
                )
            )
        else:
            self.seen[code] = at


def validate(document: object) -> list[Issue]:
    """Every issue in a criteria table document (an empty list means it is valid)."""
    if not isinstance(document, Mapping):
        return [
            Issue(
                "",
                "field_type",
                "Bảng phải là một đối tượng JSON",
                "The table must be a JSON object",
            )
        ]
    issues: list[Issue] = []
    for key in ("title", "unit_kind"):
        _field(document, key, "string", "", issues, required=True)
    _field(document, "year", "integer", "", issues, required=True)
    _field(document, "basis", "string", "", issues, required=False)
    total = _positive(document, "max_points", "", issues, "max_points_not_positive")
    _check_rounding(document, issues)
    _check_rank_bands(document, issues)
    codes = _Codes()
    parts = _field(document, "parts", "array", "", issues, required=True)
    if parts is not None and not parts:
        issues.append(
            Issue(
                "/parts", "parts_empty", "Bảng phải có ít nhất một phần", "The table has no parts"
            )
        )
    elif parts:
        sums = [
            _check_node(node, pointer("", "parts", i), codes, issues)
            for i, node in enumerate(parts)
        ]
        if total is not None and None not in sums and sum(sums, Fraction(0)) != total:
            issues.append(
                _sum_mismatch("/max_points", "parts_sum_mismatch", sums, total, "phần", "parts")
            )
    for section in ADJUSTMENTS:
        if section in document:
            _check_adjustment(document, section, codes, issues)
    _check_texts(document, "", None, issues)
    return issues


def _check_texts(value: object, at: str, key: str | None, issues: list[Issue]) -> None:
    """Every string of the document, wherever it is: no control characters (C0, C1, DEL),
    except tab and newline in the multi-line texts (MULTILINE_KEYS)."""
    if isinstance(value, Mapping):
        for name, child in value.items():
            _check_texts(child, pointer(at, name), str(name), issues)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _check_texts(child, pointer(at, i), key, issues)
    elif isinstance(value, str):
        allowed = "\t\n" if key in MULTILINE_KEYS else ""
        bad = sorted(
            {c for c in value if c not in allowed and unicodedata.category(c) in ("Cc", "Cs")}
        )
        if bad:
            points = ", ".join(f"U+{ord(c):04X}" for c in bad)
            label = key if key is not None else "…"
            issues.append(
                Issue(
                    at,
                    "text_control_character",
                    f"«{label}» chứa ký tự điều khiển ({points}); "
                    + ("chỉ nhận tab và xuống dòng" if allowed else "văn bản một dòng"),
                    f"“{label}” contains control characters ({points}); "
                    + ("only tab and newline are allowed" if allowed else "it is a single line"),
                )
            )


def _sum_mismatch(
    at: str, code: str, sums: list[Fraction | None], total: Fraction, vi: str, en: str
) -> Issue:
    got = show(sum((s for s in sums if s is not None), Fraction(0)))
    return Issue(
        at,
        code,
        f"Tổng điểm các {vi} là {got}, khác điểm chuẩn {show(total)}",
        f"The {en} sum to {got}, not the standard points {show(total)}",
    )


def _check_rounding(document: Mapping[str, Any], issues: list[Issue]) -> None:
    rounding = _field(document, "rounding", "object", "", issues, required=True)
    if rounding is None:
        return
    places = rounding.get("places")
    if not _is("integer", places) or not 0 <= places <= MAX_PLACES:
        issues.append(
            Issue(
                "/rounding/places",
                "rounding_places_invalid",
                f"«places» phải là số nguyên từ 0 đến {MAX_PLACES}",
                f"“places” must be a whole number from 0 to {MAX_PLACES}",
            )
        )
    if rounding.get("mode") not in ROUNDING_MODES:
        issues.append(
            Issue(
                "/rounding/mode",
                "rounding_mode_unsupported",
                "Chỉ hỗ trợ làm tròn «half_up»",
                "Only “half_up” rounding is supported",
            )
        )


def _check_rank_bands(document: Mapping[str, Any], issues: list[Issue]) -> None:
    bands = _field(document, "rank_bands", "array", "", issues, required=True)
    if bands is None:
        return
    if not bands:
        issues.append(
            Issue(
                "/rank_bands",
                "rank_bands_empty",
                "Phải có ít nhất một mức xếp loại",
                "At least one rank band is required",
            )
        )
        return
    seen: set[str] = set()
    previous: Fraction | None = None
    last = len(bands) - 1
    for i, band in enumerate(bands):
        at = pointer("/rank_bands", i)
        if not isinstance(band, Mapping):
            issues.append(
                Issue(
                    at,
                    "field_type",
                    "Mức xếp loại phải là một đối tượng",
                    "A rank band must be an object",
                )
            )
            continue
        code = _field(band, "code", "string", at, issues, required=True)
        if code is not None and code in seen:
            issues.append(
                Issue(
                    pointer(at, "code"),
                    "rank_band_code_duplicate",
                    f"Mã xếp loại «{code}» bị trùng",
                    f"Rank band code “{code}” is used twice",
                )
            )
        elif code is not None:
            seen.add(code)
        if "min_total" not in band:
            _field(band, "min_total", "number", at, issues, required=True)
            continue
        floor = band["min_total"]
        if floor is None:
            if i != last:
                issues.append(
                    Issue(
                        pointer(at, "min_total"),
                        "rank_band_null_not_last",
                        "Chỉ mức xếp loại cuối cùng có min_total null",
                        "Only the last rank band may have a null min_total",
                    )
                )
            previous = None
            continue
        if not _is("number", floor):
            _field(band, "min_total", "number", at, issues, required=True)
            continue
        if i == last:
            issues.append(
                Issue(
                    pointer(at, "min_total"),
                    "rank_band_final_missing",
                    "Mức xếp loại cuối cùng phải có min_total null (nhận mọi tổng điểm còn lại)",
                    "The last rank band must have a null min_total (it catches every other total)",
                )
            )
        value = to_fraction(floor)
        if previous is not None and value >= previous:
            issues.append(
                Issue(
                    at,
                    "rank_bands_not_ordered",
                    "Các mức xếp loại phải xếp theo min_total giảm dần nghiêm ngặt",
                    "Rank bands must be in strictly descending order of min_total",
                )
            )
        previous = value


def _check_node(node: object, at: str, codes: _Codes, issues: list[Issue]) -> Fraction | None:
    """Check one node and its subtree; return its max_points when valid (for the parent's sum)."""
    if not isinstance(node, Mapping):
        issues.append(
            Issue(at, "field_type", "Mục phải là một đối tượng", "A node must be an object")
        )
        return None
    codes.add(node, at, issues)
    _field(node, "title", "string", at, issues, required=True)
    points = _positive(node, "max_points", at, issues, "max_points_not_positive")
    for key in ("guidance", "responsible_unit"):
        _field(node, key, "string", at, issues, required=False)
    _field(node, "evidence_required", "boolean", at, issues, required=False)
    has_children, has_method = "children" in node, "method" in node
    if "when_not_applicable" in node:
        if node["when_not_applicable"] != "full":
            issues.append(
                Issue(
                    pointer(at, "when_not_applicable"),
                    "when_not_applicable_invalid",
                    "«when_not_applicable» chỉ nhận giá trị «full»",
                    "“when_not_applicable” can only be “full”",
                )
            )
        elif has_children:
            issues.append(
                Issue(
                    pointer(at, "when_not_applicable"),
                    "when_not_applicable_on_section",
                    "Chỉ tiêu chí (không phải nhóm) mới có «when_not_applicable»",
                    "Only a criterion, not a section, can have “when_not_applicable”",
                )
            )
    if has_children and has_method:
        issues.append(
            Issue(
                at,
                "node_both",
                "Một mục có tiêu chí con thì không có phương pháp chấm",
                "A node has either children or a method, not both",
            )
        )
    elif not has_children and not has_method:
        issues.append(
            Issue(
                at,
                "node_empty",
                "Mục không có tiêu chí con cũng không có phương pháp chấm",
                "A node has neither children nor a method",
            )
        )
    if has_children:
        _check_children(node, at, points, codes, issues)
    if has_method:
        _check_method(node, at, points, issues)
    return points


def _check_children(
    node: Mapping[str, Any], at: str, points: Fraction | None, codes: _Codes, issues: list[Issue]
) -> None:
    children = _field(node, "children", "array", at, issues, required=True)
    if children is None:
        return
    if not children:
        issues.append(
            Issue(
                pointer(at, "children"),
                "section_empty",
                "Nhóm tiêu chí không có tiêu chí nào",
                "A section has no children",
            )
        )
        return
    sums = [
        _check_node(child, pointer(at, "children", i), codes, issues)
        for i, child in enumerate(children)
    ]
    if points is not None and None not in sums and sum(sums, Fraction(0)) != points:
        issues.append(
            _sum_mismatch(
                pointer(at, "max_points"),
                "children_sum_mismatch",
                sums,
                points,
                "mục con",
                "children",
            )
        )


def _check_method(
    node: Mapping[str, Any], at: str, points: Fraction | None, issues: list[Issue]
) -> None:
    method = _field(node, "method", "object", at, issues, required=True)
    if method is None:
        return
    kind = method.get("type")
    if kind not in METHODS:
        known = ", ".join(METHODS)
        issues.append(
            Issue(
                pointer(at, "method", "type"),
                "method_unknown",
                f"Phương pháp chấm «{kind}» không có; các phương pháp: {known}",
                f"Unknown method “{kind}”; known: {known}",
            )
        )
        return
    issues.extend(METHODS[kind].check_params(node, at))


def _check_adjustment(
    document: Mapping[str, Any], section: str, codes: _Codes, issues: list[Issue]
) -> None:
    at = pointer("", section)
    block = _field(document, section, "object", "", issues, required=True)
    if block is None:
        return
    codes.add(block, at, issues)
    _field(block, "title", "string", at, issues, required=True)
    cap = _field(block, "cap", "number", at, issues, required=True)
    if cap is not None and cap < 0:
        issues.append(
            Issue(pointer(at, "cap"), "cap_negative", "«cap» phải ≥ 0", "“cap” must be ≥ 0")
        )
    items = _field(block, "items", "array", at, issues, required=True) or []
    for i, item in enumerate(items):
        here = pointer(at, "items", i)
        if not isinstance(item, Mapping):
            issues.append(
                Issue(here, "field_type", "Mục phải là một đối tượng", "An item must be an object")
            )
            continue
        codes.add(item, here, issues)
        _field(item, "title", "string", here, issues, required=True)
        _field(item, "evidence_required", "boolean", here, issues, required=False)
        _positive(item, "per_count", here, issues, "per_count_not_positive")
        if "max_count" in item:
            limit = item["max_count"]
            if not _is("integer", limit) or limit < 1:
                issues.append(
                    Issue(
                        pointer(here, "max_count"),
                        "max_count_invalid",
                        "«max_count» phải là số nguyên ≥ 1",
                        "“max_count” must be a whole number ≥ 1",
                    )
                )


# -- views of a valid table ------------------------------------------------------------------


def walk(document: Mapping[str, Any]) -> Iterator[tuple[str, Node]]:
    """Every node, depth first in document order, with its JSON Pointer."""

    def visit(nodes: object, at: str) -> Iterator[tuple[str, Node]]:
        if not isinstance(nodes, list):
            return
        for i, node in enumerate(nodes):
            here = pointer(at, i)
            if isinstance(node, Mapping):
                yield here, node
                yield from visit(node.get("children"), pointer(here, "children"))

    yield from visit(document.get("parts"), "/parts")


def is_leaf(node: Node) -> bool:
    return "method" in node and "children" not in node


def leaves(document: Mapping[str, Any]) -> dict[str, Node]:
    """The criteria (nodes with a method), code → node, in document order."""
    return {node["code"]: node for _, node in walk(document) if is_leaf(node) and "code" in node}


def sections(document: Mapping[str, Any]) -> dict[str, Node]:
    """The inner nodes (parts and sections), code → node, in document order."""
    return {
        node["code"]: node for _, node in walk(document) if "children" in node and "code" in node
    }


def definitions(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The definitions (:meth:`Method.describe`) of the methods the table uses, in order of
    first use, keyed by type: what the criteria snapshot publishes next to RULES_VERSION."""
    used: dict[str, dict[str, Any]] = {}
    for node in leaves(document).values():
        method = node.get("method")
        kind = method.get("type") if isinstance(method, Mapping) else None
        if kind in METHODS and kind not in used:
            used[kind] = METHODS[kind].describe()
    return used
