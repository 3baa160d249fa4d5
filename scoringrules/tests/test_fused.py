"""The compiled one-pass scorers refuse exactly what the full check refuses, and otherwise give
exactly the reference points, digit for digit.

``Scorer.scores`` takes short ways (floats compared as floats, a manual criterion's allowed
points in a table, fixed-point text by ``str``); each is tested here against the reference
(``Method.check_inputs`` and ``Method.points``, ``numbers.format_points``), on generated values
and on the edges where a short way could go wrong.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scoringrules
from scoringrules import METHODS, Result, check_sheet
from scoringrules.methods import MANUAL_MULTIPLES
from scoringrules.numbers import (
    FLOAT_EXACT_INT,
    comparable_float,
    float_for,
    format_points,
    to_decimal,
)
from scoringrules.tests.test_compiled import (
    COMPILED,
    LEAF_NODES,
    NOTE,
    TABLE,
    broken_sheets,
    valid_sheets,
)

PROPERTY = settings(database=None, deadline=None, max_examples=300)

FLOATS = st.floats(allow_nan=False, allow_infinity=False)
EDGE_INTS = st.sampled_from(
    [FLOAT_EXACT_INT, -FLOAT_EXACT_INT, FLOAT_EXACT_INT + 1, -FLOAT_EXACT_INT - 1, 10**30]
)
NUMBERS = st.one_of(FLOATS, st.integers(), EDGE_INTS, st.floats(-200, 200))


def same_digits(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.as_tuple() == b.as_tuple()


# -- floats compared as floats -----------------------------------------------------------------


@PROPERTY
@given(NUMBERS, NUMBERS)
def test_comparable_floats_order_as_their_decimals(a: Any, b: Any) -> None:
    fa, fb = comparable_float(a), comparable_float(b)
    if fa is None or fb is None:  # only an int too large to be a float exactly
        refused = [v for v, f in ((a, fa), (b, fb)) if f is None]
        assert all(type(v) is int and abs(v) > FLOAT_EXACT_INT for v in refused)
        return
    da, db = to_decimal(a), to_decimal(b)
    assert (fa < fb) == (da < db)
    assert (fa == fb) == (da == db)


@pytest.mark.parametrize("value", [True, False, None, "1", Decimal(1), math.nan, math.inf, []])
def test_what_is_not_a_plain_number_has_no_comparable_float(value: Any) -> None:
    assert comparable_float(value) is None


DECIMALS = st.one_of(
    st.decimals(-1000, 1000, places=2),
    st.decimals(allow_nan=False, allow_infinity=False),
    FLOATS.map(lambda f: Decimal(repr(f))),
    st.sampled_from([Decimal("66.90000000000000001"), Decimal("1E+400"), Decimal("-0")]),
)


@PROPERTY
@given(DECIMALS, NUMBERS)
def test_a_decimal_a_float_prints_as_orders_with_floats_as_itself(
    threshold: Decimal, value: Any
) -> None:
    as_float = float_for(threshold)
    if as_float is None:
        assert not math.isfinite(float(threshold)) or Decimal(repr(float(threshold))) != threshold
        return
    for near in (value, as_float, math.nextafter(as_float, math.inf), math.nextafter(as_float, 0)):
        given_float = comparable_float(near)
        if given_float is not None:
            assert (as_float <= given_float) == (threshold <= to_decimal(near))
            assert (as_float >= given_float) == (threshold >= to_decimal(near))


# -- each method's one pass against its full check and points ------------------------------------

JUNK = st.sampled_from(
    [None, True, False, "3", "", [], {}, math.nan, math.inf, -math.inf, Decimal("NaN"), -1, -0.5]
)
VALUES = st.one_of(
    NUMBERS,
    st.decimals(-100, 1000, places=3),
    st.integers(-5, 120),
    st.integers(0, 60).map(float),
    st.decimals(0, 20, places=2).map(float),
    JUNK,
)
KEYS = ["value", "days_late", "achieved", "target", "done", "points"]


@st.composite
def inputs_for(draw: st.DrawFn, node: dict[str, Any]) -> dict[str, Any]:
    """Inputs of every shape: the method's own keys (and others) with any values."""
    inputs: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True)):
        inputs[key] = draw(st.one_of(VALUES, st.booleans()))
    extra = draw(
        st.sampled_from(
            [{}, {"note": NOTE}, {"note": " "}, {"note": 3}, {"not_applicable": False}, {"x": 1}]
        )
    )
    if draw(st.integers(0, 9)) == 0:
        return {"not_applicable": draw(st.sampled_from([True, 1, "yes"])), **extra}
    return {**inputs, **extra}


def assert_one_pass_is_the_reference(node: dict[str, Any], inputs: Any, places: int) -> None:
    method = METHODS[node["method"]["type"]]
    scorer = method.compile(node, places)
    issues = method.check_inputs(node, inputs, "/entries/X")
    got = scorer.scores(inputs)
    if issues:
        assert got is None, issues
        return
    assert got is not None, inputs  # the built-in methods vouch for every valid dict
    assert same_digits(got, method.points(node, inputs, places))
    assert same_digits(scorer.points(inputs), got)


@PROPERTY
@given(st.data())
def test_each_methods_one_pass_is_its_full_check_and_points(data: st.DataObject) -> None:
    node = {**data.draw(LEAF_NODES), "code": "X", "title": "x"}
    if data.draw(st.booleans()):
        node["when_not_applicable"] = "full"
    inputs = data.draw(inputs_for(node))
    assert_one_pass_is_the_reference(node, inputs, data.draw(st.integers(0, 4)))


def band(kind: str, thresholds: list[Any], **spec: Any) -> dict[str, Any]:
    name = "value" if kind == "bands_at_least" else "days_late"
    points = [len(thresholds) - i for i in range(len(thresholds))]
    return {
        "code": "X",
        "title": "x",
        "max_points": points[0],
        "method": {
            "type": kind,
            "input": {"name": name, **spec},
            "bands": [
                {"threshold": t, "points": p} for t, p in zip(thresholds, points, strict=True)
            ],
        },
    }


ON_THE_EDGE = [
    66.9,
    math.nextafter(66.9, 0),
    math.nextafter(66.9, 100),
    67,
    66,
    0.1 + 0.2,
    0.3,
    -0.0,
    0,
    100,
    100.0,
    math.nextafter(100.0, 200),
    FLOAT_EXACT_INT + 1,
    Decimal("66.9"),
    Decimal("66.90000000000000001"),
    Decimal("66.89999999999999999"),
]


@pytest.mark.parametrize("value", ON_THE_EDGE, ids=repr)
@pytest.mark.parametrize(
    "node",
    [
        band("bands_at_least", [66.9, 0.3, 0], min=0, max=100),
        band("bands_at_least", [Decimal("66.90000000000000001"), 0.3], min=0, max=100),
        band("bands_at_least", [66.9, 0.3], min=Decimal("-0.00000000000000000001")),
        band("bands_at_least", [66.9], max=Decimal("100.0000000000000000001")),
    ],
    ids=["printable", "a threshold no float prints as", "such a min", "such a max"],
)
def test_band_thresholds_on_the_edge_of_a_float(node: dict[str, Any], value: Any) -> None:
    assert_one_pass_is_the_reference(node, {"value": value}, 2)


@pytest.mark.parametrize(
    "days", [0, 3, 3.0, 3.5, 7, 7.0000000001, 10**20, 10**20 * 1.0, -1, -0.0, 1e300]
)
def test_days_late_whole_or_not(days: Any) -> None:
    node = band("bands_at_most", [3, 7, 30])
    assert_one_pass_is_the_reference(node, {"days_late": days}, 2)


def manual(step: Any, top: Any, **method: Any) -> dict[str, Any]:
    return {
        "code": "X",
        "title": "x",
        "max_points": top,
        "method": {"type": "manual", "step": step, **method},
    }


@pytest.mark.parametrize(
    "points",
    [0.3, 0.1 + 0.2, 0.30000000000000004, 1, 1.0, 0.75, 0, -0.0, 1.1, 2, Decimal("0.3"), 0.35],
    ids=repr,
)
@pytest.mark.parametrize(
    "node",
    [
        manual(0.1, 1),
        manual(0.05, 1, note_required_below_max=True),
        manual(Decimal("0.001"), 5),  # 5000 allowed points: more than the table keeps
        manual(0.25, 1, note_required_below_max=True),
        # 0.1 as a float is, exactly, the step below; 0.1 as a client's JSON is not a multiple
        manual(
            Decimal("0.1000000000000000055511151231257827"),
            Decimal("1.000000000000000055511151231257827"),
        ),
    ],
    ids=[
        "step 0.1",
        "step 0.05, note below max",
        "step 0.001",
        "step 0.25, note below max",
        "a step no float prints as",
    ],
)
@pytest.mark.parametrize("note", [None, NOTE, " "])
def test_manual_points_on_the_edge_of_a_float(
    node: dict[str, Any], points: Any, note: str | None
) -> None:
    inputs = {"points": points} if note is None else {"points": points, "note": note}
    assert_one_pass_is_the_reference(node, inputs, 2)


def test_a_manual_step_with_more_multiples_than_the_table_keeps_is_still_scored() -> None:
    node = manual(Decimal("0.001"), 5)
    assert int(to_decimal(5) / Decimal("0.001")) > MANUAL_MULTIPLES
    assert METHODS["manual"].compile(node, 2).scores({"points": 2.345}) == Decimal("2.35")


# -- a whole sheet in one pass -----------------------------------------------------------------


@PROPERTY
@given(st.one_of(broken_sheets(TABLE), valid_sheets(TABLE)))
def test_the_one_pass_completes_only_for_a_sheet_the_full_check_accepts(sheet: Any) -> None:
    found = COMPILED._points(sheet)
    if found is None:
        return
    assert check_sheet(TABLE, sheet) == []
    want = scoringrules.score(TABLE, sheet).leaf_points
    assert list(found) == list(want)
    assert all(same_digits(found[code], want[code]) for code in want)


# -- fixed-point text --------------------------------------------------------------------------


@PROPERTY
@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False),
        st.decimals(-1000, 1000, places=2),
        st.sampled_from([Decimal("-0.00"), Decimal("0"), Decimal("1E+2"), Decimal("1.5E-7")]),
    ),
    st.integers(0, 8),
    st.sampled_from([0, 1]),
)
def test_result_text_is_format_points(value: Decimal, places: int, capitals: int) -> None:
    result = Result({"X": value}, {"P": value}, value, value, value, "A", places)
    with localcontext(Context(capitals=capitals)):
        shown = result.as_json()
    want = format_points(value, places)
    assert shown["leaf_points"] == {"X": want}
    assert shown["subtotals"] == {"P": want}
    assert shown["bonus"] == shown["deduction"] == shown["total"] == want
