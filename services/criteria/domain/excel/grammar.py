"""The ``Tham số`` cell: how a scoring method's parameters are written and parsed back.

:func:`params_text` writes the cell for a method, :func:`parse_params` reads it; export and
import rely on each being the other's inverse. :data:`PARAM_SYNTAX` is the short form the
instructions and the error messages show.

The syntax (clauses separated by ``;`` or line breaks; keywords are matched ignoring case and
Vietnamese diacritics; numbers take a decimal point or comma):

* ``bands_at_least`` — ``≥100%: 2; ≥95%: 1.75; ≥80%: 1.5`` (``>=`` for ``≥``, the sign may be
  left out). The text after the threshold is the unit (``%``, ``ngày``, ``văn bản`` …, the
  same on every band, optional). Optional range clause ``từ X``, ``đến Y`` or ``từ X đến Y``:
  the input's min and max, by default 0 and, for ``%``, 100 (no max for other units).
* ``bands_at_most`` — ``≤0 ngày: 4; ≤2 ngày: 3`` (``<=`` for ``≤``); same rules.
* ``proportional`` — ``vượt tối đa 1.2`` (over_achievement_cap; ``120%`` also reads 1.2).
* ``boolean`` — empty.
* ``manual`` — ``bước 0.5; ghi chú khi dưới điểm tối đa`` (the second clause sets
  note_required_below_max; without it, false).
* ``per_count`` (a bonus or deduction item) — ``tối đa 2 lần`` (max_count, optional).

A bands input always gets its ``min`` (default 0) and the method's input name (``value`` /
``days_late``); ``manual`` always has ``note_required_below_max``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from services.criteria.domain.excel.cells import (
    NUMBER,
    fold,
    json_number,
    number_text,
    quoted,
    to_decimal,
)
from services.criteria.domain.excel.layout import METHODS

PARAM_SYNTAX: Mapping[str, tuple[str, str]] = {  # method → (syntax, example)
    "bands_at_least": (
        "≥ngưỡng[đơn vị]: điểm; … [; từ X đến Y]",
        "≥100%: 2; ≥95%: 1.75; ≥80%: 1.5",
    ),
    "bands_at_most": ("≤ngưỡng[đơn vị]: điểm; … [; từ X đến Y]", "≤0 ngày: 4; ≤2 ngày: 3"),
    "proportional": ("vượt tối đa K", "vượt tối đa 1.2"),
    "boolean": ("(để trống)", ""),
    "manual": ("bước S[; ghi chú khi dưới điểm tối đa]", "bước 0.5; ghi chú khi dưới điểm tối đa"),
    "per_count": ("[tối đa N lần]", "tối đa 1 lần"),
}
BAND_INPUT_NAMES = {"bands_at_least": "value", "bands_at_most": "days_late"}
NOTE_CLAUSE = "ghi chú khi dưới điểm tối đa"


def _clauses(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


def params_text(method: Mapping[str, Any]) -> str:
    """The ``Tham số`` cell for a method (what :func:`parse_params` reads back)."""
    kind = method.get("type")
    if kind in BAND_INPUT_NAMES:
        source = method.get("input") or {}
        unit = source.get("unit") or ""
        sign = "≥" if kind == "bands_at_least" else "≤"
        suffix = "" if not unit else unit if unit in ("%", "‰") else f" {unit}"
        clauses = [
            f"{sign}{number_text(band.get('threshold'))}{suffix}: {number_text(band.get('points'))}"
            for band in method.get("bands") or []
        ]
        low, high = source.get("min"), source.get("max")
        default_high = 100 if unit == "%" else None
        range_parts = []
        if low is not None and low != 0:
            range_parts.append(f"từ {number_text(low)}")
        if high is not None and high != default_high:
            range_parts.append(f"đến {number_text(high)}")
        if range_parts:
            clauses.append(" ".join(range_parts))
        return "; ".join(clauses)
    if kind == "proportional":
        cap = method.get("over_achievement_cap")
        return "" if cap is None else f"vượt tối đa {number_text(cap)}"
    if kind == "manual":
        clauses = []
        if method.get("step") is not None:
            clauses.append(f"bước {number_text(method['step'])}")
        if method.get("note_required_below_max"):
            clauses.append(NOTE_CLAUSE)
        return "; ".join(clauses)
    return ""


def _part_problem(index: int, clause: str, vi: str, en: str) -> tuple[str, str]:
    shown = quoted(clause)
    return (f"phần {index} «{shown}»: {vi}", f"part {index} “{shown}”: {en}")


_BAND_LEFT = re.compile(
    rf"^(?P<sign>≥|>=|=>|≤|<=|=<|>|<|=)?\s*(?P<num>{NUMBER})\s*(?P<unit>[^\d]*)$"
)
_POINTS_RE = re.compile(rf"^(?P<num>{NUMBER})\s*(?:điểm|diem|đ)?\.?$", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"^(?:tu\s*(?P<low>{NUMBER})\s*(?P<lu>[^\d]*?))?\s*"
    rf"(?:den\s*(?P<high>{NUMBER})\s*(?P<hu>[^\d]*))?$"
)


def parse_params(kind: str, text: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The method's parameters from a ``Tham số`` cell: (fields to merge into the method,
    problems as (vi, en), each naming the clause). ``kind`` is a method name or per_count."""
    clauses = _clauses(text)
    if kind in BAND_INPUT_NAMES:
        return _parse_bands(kind, clauses)
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    if kind == "boolean":
        if clauses:
            problems.append(
                (
                    "Đạt / Không đạt không có tham số; hãy để trống",
                    "pass/fail takes no parameters; leave the cell empty",
                )
            )
        return out, problems
    for index, clause in enumerate(clauses, start=1):
        folded = fold(clause)
        if kind == "proportional":
            match = re.match(
                rf"^(?:vuot toi da|cap)\s*:?\s*(?P<num>{NUMBER})\s*(?P<pct>%)?$", folded
            )
            if not match:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «vượt tối đa 1.2»",
                        "expected “vượt tối đa 1.2” (over-achievement cap)",
                    )
                )
            elif "over_achievement_cap" in out:
                problems.append(
                    _part_problem(
                        index, clause, "hệ số vượt đã ghi ở phần trước", "the cap is given twice"
                    )
                )
            else:
                cap = to_decimal(match["num"])
                out["over_achievement_cap"] = json_number(cap / 100 if match["pct"] else cap)
        elif kind == "manual":
            match = re.match(rf"^(?:buoc|step)\s*:?\s*(?P<num>{NUMBER})$", folded)
            if match and "step" not in out:
                out["step"] = json_number(to_decimal(match["num"]))
            elif folded in (fold(NOTE_CLAUSE), "ghi chu khi duoi toi da", "note below max"):
                out["note_required_below_max"] = True
            else:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "bước đã ghi ở phần trước"
                        if match
                        else f"cần «bước 0.5» hoặc «{NOTE_CLAUSE}»",
                        "the step is given twice"
                        if match
                        else f"expected “bước 0.5” (step) or “{NOTE_CLAUSE}” (note below max)",
                    )
                )
        elif kind == "per_count":
            match = re.match(rf"^(?:toi da|max)\s*:?\s*(?P<num>{NUMBER})\s*(?:lan)?$", folded)
            number = to_decimal(match["num"]) if match else None
            if number is None or number != number.to_integral_value() or number < 1:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «tối đa 2 lần» (số nguyên ≥ 1)",
                        "expected “tối đa 2 lần” (a whole number ≥ 1)",
                    )
                )
            elif "max_count" in out:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "số lần tối đa đã ghi ở phần trước",
                        "max count is given twice",
                    )
                )
            else:
                out["max_count"] = int(number)
    if kind == "proportional" and "over_achievement_cap" not in out and not problems:
        problems.append(
            (
                "thiếu hệ số vượt, ví dụ «vượt tối đa 1» (không được vượt) hoặc «vượt tối đa 1.2»",
                "the over-achievement cap is missing, e.g. “vượt tối đa 1” (none) or "
                "“vượt tối đa 1.2”",
            )
        )
    if kind == "manual":
        if "step" not in out and not problems:
            problems.append(
                ("thiếu bước chấm, ví dụ «bước 0.5»", "the step is missing, e.g. “bước 0.5”")
            )
        out["note_required_below_max"] = out.get("note_required_below_max", False)
    return out, problems


def _parse_bands(kind: str, clauses: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    at_least = kind == "bands_at_least"
    want, wrong = ("≥", ("≤", "<=", "=<", "<")) if at_least else ("≤", ("≥", ">=", "=>", ">"))
    bands: list[dict[str, Any]] = []
    unit: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    seen_range = False
    range_units: list[tuple[int, str, str]] = []
    for index, clause in enumerate(clauses, start=1):
        folded = fold(clause)
        if re.match(r"^(tu|den)\b", folded):
            match = _RANGE_RE.match(folded)
            if not match or (match["low"] is None and match["high"] is None):
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «từ 0 đến 100»",
                        "expected “từ 0 đến 100” (input range)",
                    )
                )
            elif seen_range:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "khoảng giá trị đã ghi ở phần trước",
                        "the range is given twice",
                    )
                )
            else:
                seen_range = True
                low = to_decimal(match["low"]) if match["low"] else None
                high = to_decimal(match["high"]) if match["high"] else None
                range_units += [(index, clause, (match[g] or "").strip()) for g in ("lu", "hu")]
            continue
        if ":" not in clause:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"thiếu dấu «:» giữa ngưỡng và điểm (ví dụ «{want}95%: 1.75»)",
                    f"no “:” between threshold and points (e.g. “{want}95%: 1.75”)",
                )
            )
            continue
        left, right = (part.strip() for part in clause.split(":", 1))
        left_match = _BAND_LEFT.match(left)
        points_match = _POINTS_RE.match(right)
        if not left_match:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"ngưỡng «{left}» không phải là số",
                    f"threshold “{left}” is not a number",
                )
            )
        elif left_match["sign"] in wrong or left_match["sign"] in (">", "<", "="):
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"dấu «{left_match['sign']}» không dùng cho {METHODS[kind]}; "
                    f"dùng «{want}» hoặc bỏ dấu",
                    f"sign “{left_match['sign']}” does not fit {kind}; use “{want}” or none",
                )
            )
        if not points_match:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"điểm «{right}» không phải là số",
                    f"points “{right}” is not a number",
                )
            )
        if not left_match or not points_match:
            continue
        band_unit = left_match["unit"].strip()
        if band_unit:
            if unit is None:
                unit = band_unit
            elif band_unit != unit:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        f"đơn vị «{band_unit}» khác đơn vị «{unit}» của mức trước",
                        f"unit “{band_unit}” differs from “{unit}” of the band before",
                    )
                )
        bands.append(
            {
                "threshold": json_number(to_decimal(left_match["num"])),
                "points": json_number(to_decimal(points_match["num"])),
            }
        )
    for index, clause, range_unit in range_units:
        if range_unit and range_unit != fold(unit or ""):
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"đơn vị «{range_unit}» khác đơn vị của các mức «{unit or ''}»",
                    f"unit “{range_unit}” differs from the bands' unit “{unit or ''}”",
                )
            )
    if not bands and not problems:
        example = PARAM_SYNTAX[kind][1]
        problems.append(
            (
                f"cần ít nhất một mức, ví dụ «{example}»",
                f"at least one band is needed, e.g. “{example}”",
            )
        )
    source: dict[str, Any] = {"name": BAND_INPUT_NAMES[kind]}
    if unit:
        source["unit"] = unit
    source["min"] = json_number(low) if low is not None else 0
    if high is not None:
        source["max"] = json_number(high)
    elif unit == "%":
        source["max"] = 100
    return {"input": source, "bands": bands}, problems
