"""A unit's inputs for one criterion: what check_inputs refuses, and why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scoringrules import METHODS
from scoringrules.tests import samples
from scoringrules.tests.samples import node

TABLE = samples.table()
AT = "/entries/X"


def issues(code: str, inputs: Any) -> list[tuple[str, str]]:
    n = node(TABLE, code)
    found = METHODS[n["method"]["type"]].check_inputs(n, inputs, AT)
    return [(i.pointer, i.code) for i in found]


NOTE = "Chưa đạt tối đa do còn hạn chế"

# (criterion, inputs, expected issues) — A.I.1 bands_at_least 0..100 (not applicable allowed),
# B.1 bands_at_most, A.III.2 proportional, A.I.4 boolean, A.I.5 manual step 0.5 of 3 with notes.
CASES: list[tuple[str, Any, list[tuple[str, str]]]] = [
    # accepted
    ("A.I.1", {"value": 66.9}, []),
    ("A.I.1", {"value": 0}, []),
    ("A.I.1", {"value": 100}, []),
    ("A.I.1", {"value": Decimal("99.99")}, []),
    ("A.I.1", {"value": 80, "note": "theo báo cáo"}, []),
    ("A.I.1", {"value": 80, "not_applicable": False}, []),
    ("B.1", {"days_late": 3}, []),
    ("B.1", {"days_late": 3.0}, []),
    ("B.1", {"days_late": 400}, []),
    ("A.III.2", {"achieved": 0, "target": 10}, []),
    ("A.III.2", {"achieved": 12.5, "target": 0.5}, []),
    ("A.I.4", {"done": False}, []),
    ("A.I.5", {"points": 3}, []),
    ("A.I.5", {"points": 2.5, "note": NOTE}, []),
    ("A.I.5", {"points": 0, "note": NOTE}, []),
    ("A.I.1", {"not_applicable": True, "note": "Không phát sinh"}, []),
    # out of range
    ("A.I.1", {"value": 100.01}, [(f"{AT}/value", "input_out_of_range")]),
    ("A.I.1", {"value": -1}, [(f"{AT}/value", "input_out_of_range")]),
    ("B.1", {"days_late": -1}, [(f"{AT}/days_late", "input_out_of_range")]),
    ("A.III.2", {"achieved": -1, "target": 10}, [(f"{AT}/achieved", "input_out_of_range")]),
    ("A.III.2", {"achieved": 1, "target": 0}, [(f"{AT}/target", "input_out_of_range")]),
    ("A.III.2", {"achieved": 1, "target": -4}, [(f"{AT}/target", "input_out_of_range")]),
    ("A.I.5", {"points": 3.5, "note": NOTE}, [(f"{AT}/points", "input_out_of_range")]),
    ("A.I.5", {"points": -0.5, "note": NOTE}, [(f"{AT}/points", "input_out_of_range")]),
    # wrong types: strings and booleans are not numbers, numbers are not booleans
    ("A.I.1", {"value": "80"}, [(f"{AT}/value", "input_not_number")]),
    ("A.I.1", {"value": True}, [(f"{AT}/value", "input_not_number")]),
    ("A.I.1", {"value": None}, [(f"{AT}/value", "input_not_number")]),
    ("A.I.1", {"value": float("nan")}, [(f"{AT}/value", "input_not_number")]),
    ("B.1", {"days_late": "2"}, [(f"{AT}/days_late", "input_not_number")]),
    ("B.1", {"days_late": False}, [(f"{AT}/days_late", "input_not_number")]),
    ("B.1", {"days_late": 1.5}, [(f"{AT}/days_late", "input_not_whole")]),
    ("A.III.2", {"achieved": "7", "target": 10}, [(f"{AT}/achieved", "input_not_number")]),
    ("A.III.2", {"achieved": 7, "target": True}, [(f"{AT}/target", "input_not_number")]),
    ("A.I.4", {"done": 1}, [(f"{AT}/done", "input_not_boolean")]),
    ("A.I.4", {"done": "true"}, [(f"{AT}/done", "input_not_boolean")]),
    ("A.I.5", {"points": "3"}, [(f"{AT}/points", "input_not_number")]),
    ("A.I.5", {"points": True}, [(f"{AT}/points", "input_not_number")]),
    ("A.I.4", [True], [(AT, "inputs_not_object")]),
    ("A.I.4", {"done": True, "note": 5}, [(f"{AT}/note", "note_invalid")]),
    # missing and unknown inputs
    ("A.I.1", {}, [(f"{AT}/value", "input_missing")]),
    ("A.III.2", {"achieved": 3}, [(f"{AT}/target", "input_missing")]),
    ("A.I.4", {}, [(f"{AT}/done", "input_missing")]),
    ("A.I.1", {"value": 80, "days_late": 0}, [(f"{AT}/days_late", "input_unknown")]),
    # manual: multiples of step, a note below max
    ("A.I.5", {"points": 2.25, "note": NOTE}, [(f"{AT}/points", "points_not_multiple")]),
    ("A.I.5", {"points": 2.5}, [(f"{AT}/note", "note_required")]),
    ("A.I.5", {"points": 2.5, "note": "  "}, [(f"{AT}/note", "note_required")]),
    # not applicable: only with the table's permission, with a note, without other inputs
    (
        "A.I.4",
        {"not_applicable": True, "note": "Không phát sinh"},
        [(f"{AT}/not_applicable", "not_applicable_refused")],
    ),
    (
        "B.1",
        {"not_applicable": True, "note": "Không phát sinh"},
        [(f"{AT}/not_applicable", "not_applicable_refused")],
    ),
    ("A.I.1", {"not_applicable": True}, [(f"{AT}/note", "note_required")]),
    (
        "A.I.1",
        {"not_applicable": True, "note": "x", "value": 50},
        [(f"{AT}/value", "input_unexpected")],
    ),
    (
        "A.I.1",
        {"not_applicable": "yes", "note": "x"},
        [(f"{AT}/not_applicable", "not_applicable_invalid")],
    ),
]


@pytest.mark.parametrize(
    ("code", "inputs", "expected"), CASES, ids=[f"{c}:{i!r}" for c, i, _ in CASES]
)
def test_check_inputs(code: str, inputs: Any, expected: list[tuple[str, str]]) -> None:
    assert issues(code, inputs) == expected


def test_manual_without_the_note_flag_takes_points_below_max_without_a_note() -> None:
    n = node(samples.table(), "A.I.5")
    n["method"]["note_required_below_max"] = False
    assert METHODS["manual"].check_inputs(n, {"points": 1}, AT) == []
    del n["method"]["note_required_below_max"]
    assert METHODS["manual"].check_inputs(n, {"points": 1}, AT) == []


def test_input_bounds_come_from_the_table() -> None:
    n = node(samples.table(), "A.IX.1")
    n["method"]["input"] = {"name": "value", "unit": "số", "min": 10, "max": 1000}
    assert METHODS["bands_at_least"].check_inputs(n, {"value": 500}, AT) == []
    assert [i.code for i in METHODS["bands_at_least"].check_inputs(n, {"value": 5}, AT)] == [
        "input_out_of_range"
    ]
    del n["method"]["input"]  # no bounds at all
    assert METHODS["bands_at_least"].check_inputs(n, {"value": -5}, AT) == []


def test_not_applicable_earns_the_standard_points() -> None:
    n = node(TABLE, "A.I.1")
    inputs = {"not_applicable": True, "note": "Không phát sinh"}
    assert METHODS["bands_at_least"].points(n, inputs) == Decimal("2.00")


def test_the_messages_name_the_bounds() -> None:
    n = node(TABLE, "A.I.1")
    (issue,) = METHODS["bands_at_least"].check_inputs(n, {"value": 120}, AT)
    assert "[0, 100]" in issue.en and "0 đến 100" in issue.vi
