"""Compiled tables give exactly what scoringrules.score and check_sheet give, digit for digit.

``scoringrules.score`` is the reference: every test here computes both and compares them, on the
worked examples, on generated sheets (valid and broken), on generated tables, with overrides,
and on every broken table of test_table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scoringrules
from scoringrules import METHODS, Invalid, Method, Result, check_sheet, register, score, validate
from scoringrules.issues import Issue
from scoringrules.numbers import (
    is_number,
    number_value,
    round_points,
    round_ratio,
    to_decimal,
)
from scoringrules.tests import samples
from scoringrules.tests.test_inputs import CASES as INPUT_CASES
from scoringrules.tests.test_properties import (
    AMOUNTS,
    POINTS,
    STEPS,
    TARGETS,
    bands_nodes,
    proportional_nodes,
)
from scoringrules.tests.test_registry import Stars
from scoringrules.tests.test_table import RULES as TABLE_RULES

PROPERTY = settings(database=None, deadline=None, max_examples=100)
NOTE = "ghi chú"
TABLE = samples.table()
COMPILED = scoringrules.compile(TABLE)
LEAVES = scoringrules.leaves(TABLE)


# -- comparing the two paths -------------------------------------------------------------------


def decimals(result: Result) -> list[tuple[str, Decimal]]:
    """Every number of a result with its place, in order."""
    return [
        *(("leaf " + code, value) for code, value in result.leaf_points.items()),
        *(("subtotal " + code, value) for code, value in result.subtotals.items()),
        ("bonus", result.bonus),
        ("deduction", result.deduction),
        ("total", result.total),
    ]


def assert_identical(got: Result, want: Result) -> None:
    """Equal values, and the same digits, exponent and sign for every Decimal, in the same
    order: what a stored or published result would show."""
    assert got == want
    assert got.as_json() == want.as_json()
    got_numbers, want_numbers = decimals(got), decimals(want)
    assert [name for name, _ in got_numbers] == [name for name, _ in want_numbers]
    for (name, a), (_, b) in zip(got_numbers, want_numbers, strict=True):
        assert a.as_tuple() == b.as_tuple(), name


def outcome(compute: Callable[[], Result]) -> Result | list[Issue]:
    try:
        return compute()
    except Invalid as invalid:
        return invalid.issues


def assert_same_outcome(
    document: dict[str, Any],
    sheet: Any,
    overrides: Mapping[str, object] | None = None,
    compiled: scoringrules.CompiledTable | None = None,
) -> Result | list[Issue]:
    compiled = compiled or scoringrules.compile(document)
    want = outcome(lambda: score(document, sheet, overrides))
    got = outcome(lambda: compiled.score(sheet, overrides))
    if isinstance(want, Result):
        assert isinstance(got, Result), got
        assert_identical(got, want)
    else:
        assert got == want
    assert compiled.check_sheet(sheet) == check_sheet(document, sheet)
    return want


# -- the worked examples -----------------------------------------------------------------------


@pytest.mark.parametrize("example", samples.examples(), ids=lambda e: e["name"])
def test_every_worked_example_is_identical(example: dict[str, Any]) -> None:
    result = assert_same_outcome(TABLE, example["sheet"], compiled=COMPILED)
    assert isinstance(result, Result)
    assert COMPILED.score(example["sheet"]).as_json() == example["expected"]
    assert COMPILED.check_sheet(example["sheet"]) == []


def test_a_compiled_table_scores_many_sheets_the_same() -> None:
    sheets = [e["sheet"] for e in samples.examples()] * 3
    for sheet in sheets:
        assert_identical(COMPILED.score(sheet), score(TABLE, sheet))


def test_what_the_compiled_table_exposes() -> None:
    assert COMPILED.document == TABLE
    assert COMPILED.places == 2
    assert COMPILED.codes == tuple(LEAVES)
    assert COMPILED.definitions() == scoringrules.definitions(TABLE)


def test_changing_the_callers_table_afterwards_changes_nothing() -> None:
    document = samples.table()
    compiled = scoringrules.compile(document)
    sheet = samples.example("example-2024-1")["sheet"]
    before = compiled.score(sheet)
    samples.node(document, "A.I.1")["method"]["bands"][0]["points"] = 0
    document["rounding"]["places"] = 0
    assert_identical(compiled.score(sheet), before)
    assert compiled.document == TABLE


def test_the_callers_decimal_context_changes_nothing() -> None:
    sheet = samples.example("example-2024-3")["sheet"]
    want = score(TABLE, sheet)
    with localcontext(Context(prec=2)):
        assert_identical(COMPILED.score(sheet), want)


# -- invalid tables ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "pointer", "code"),
    [(change, pointer, code) for _, change, pointer, code in TABLE_RULES],
    ids=[name for name, *_ in TABLE_RULES],
)
def test_an_invalid_table_does_not_compile(
    change: Callable[[dict[str, Any]], None], pointer: str, code: str
) -> None:
    document = samples.table()
    change(document)
    with pytest.raises(Invalid) as raised:
        scoringrules.compile(document)
    assert raised.value.issues == validate(document)
    assert [(i.pointer, i.code) for i in raised.value.issues] == [(pointer, code)]


@pytest.mark.parametrize("document", [None, [], "table", 3, {}])
def test_what_is_not_a_table_does_not_compile(document: Any) -> None:
    with pytest.raises(Invalid) as raised:
        scoringrules.compile(document)
    assert raised.value.issues == validate(document)


# -- invalid sheets ----------------------------------------------------------------------------

CRITERIA = list(LEAVES)


def example_sheet(index: int) -> dict[str, Any]:
    return samples.examples()[index % 6]["sheet"]


@pytest.mark.parametrize(
    ("code", "inputs"),
    [(code, inputs) for code, inputs, _ in INPUT_CASES],
    ids=[f"{c}:{i!r}" for c, i, _ in INPUT_CASES],
)
def test_every_input_case_of_test_inputs(code: str, inputs: Any) -> None:
    """Each accepted and each refused input of test_inputs, put into a whole sheet."""
    sheet = example_sheet(0)
    sheet["entries"][code] = inputs
    assert_same_outcome(TABLE, sheet, compiled=COMPILED)


BROKEN_SHEETS: list[Any] = [
    None,
    [],
    "sheet",
    {},
    {"entries": None},
    {"entries": []},
    {"entries": {}},
    {"entries": {"A.I.1": {"value": 50}}},
]


@pytest.mark.parametrize("sheet", BROKEN_SHEETS, ids=repr)
def test_sheets_that_are_not_sheets(sheet: Any) -> None:
    assert_same_outcome(TABLE, sheet, compiled=COMPILED)


JUNK = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        "80",
        "",
        1.5,
        -0.0,
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        Decimal("-0"),
        Decimal("1E+3"),
        10**30,
        [],
        {},
        [1],
    ]
)
INPUT_KEYS = st.sampled_from(
    ["value", "days_late", "achieved", "target", "done", "points", "note", "not_applicable", "x"]
)


@st.composite
def valid_inputs(draw: st.DrawFn, node: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs the full check accepts, in every JSON type a client may send (int, float,
    Decimal), including the not-applicable declaration where the table allows it."""
    kind = node["method"]["type"]
    if node.get("when_not_applicable") == "full" and draw(st.integers(0, 3)) == 0:
        return {"not_applicable": True, "note": NOTE}
    extra: dict[str, Any] = draw(
        st.sampled_from([{}, {"note": NOTE}, {"not_applicable": False}, {"note": ""}])
    )
    if kind == "bands_at_least":
        spec = node["method"].get("input") or {}
        low, high = spec.get("min", -1000), spec.get("max", 1000)
        value = draw(
            st.one_of(
                st.integers(int(low), int(high)),
                st.decimals(low, high, places=3),
                st.floats(float(low), float(high), allow_nan=False),
                st.sampled_from([b["threshold"] for b in node["method"]["bands"]]),
            )
        )
        return {"value": value, **extra}
    if kind == "bands_at_most":
        days = draw(st.one_of(st.integers(0, 80), st.integers(0, 80).map(float)))
        return {"days_late": days, **extra}
    if kind == "proportional":
        return {
            "achieved": draw(st.one_of(AMOUNTS, st.floats(0, 1000), st.integers(0, 1000))),
            "target": draw(st.one_of(TARGETS, st.integers(1, 1000))),
            **extra,
        }
    if kind == "boolean":
        return {"done": draw(st.booleans()), **extra}
    step = to_decimal(node["method"]["step"])
    top = to_decimal(node["max_points"])
    k = draw(st.integers(0, int(top / step)))
    exact = step * k
    forms: list[Any] = [exact, float(exact)] + ([int(exact)] if exact == int(exact) else [])
    return {"points": draw(st.sampled_from(forms)), "note": NOTE}


def counts(items: list[Mapping[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            item["code"]: st.one_of(st.integers(0, 12), st.integers(0, 12).map(float))
            for item in items
        },
    )


@st.composite
def valid_sheets(draw: st.DrawFn, document: Mapping[str, Any]) -> dict[str, Any]:
    entries = {
        code: draw(valid_inputs(node)) for code, node in scoringrules.leaves(document).items()
    }
    sheet: dict[str, Any] = {"unit": "u", "entries": entries}
    for section in ("bonus", "deduction"):
        block = document.get(section)
        if block and draw(st.booleans()):
            sheet[section] = draw(counts(block["items"]))
    return sheet


@st.composite
def broken_sheets(draw: st.DrawFn, document: Mapping[str, Any]) -> dict[str, Any]:
    """A valid sheet with one to three things broken (or not: some changes keep it valid)."""
    sheet = draw(valid_sheets(document))
    codes = list(scoringrules.leaves(document))
    for _ in range(draw(st.integers(1, 3))):
        code = draw(st.sampled_from(codes))
        change = draw(st.integers(0, 6))
        entry = sheet["entries"].get(code)
        if change == 0:
            sheet["entries"].pop(code, None)
        elif change == 1:
            sheet["entries"][draw(st.sampled_from(["Z.1", "A", "E.1"]))] = {"done": True}
        elif change == 2:
            sheet["entries"][code] = draw(JUNK)
        elif change == 3 and isinstance(entry, dict):
            entry[draw(INPUT_KEYS)] = draw(JUNK)
        elif change == 4 and isinstance(entry, dict):
            entry.pop(draw(INPUT_KEYS), None)
        elif change == 5:
            sheet["entries"][code] = {
                "not_applicable": True,
                **draw(
                    st.sampled_from([{}, {"note": " "}, {"note": NOTE}, {"note": NOTE, "value": 1}])
                ),
            }
        elif change == 6:
            section = draw(st.sampled_from(["bonus", "deduction"]))
            item = draw(st.sampled_from(["E.1", "E.2", "F.1", "F.3", "Q"]))
            sheet[section] = {
                **(sheet.get(section) or {}),
                item: draw(st.one_of(JUNK, st.integers(-2, 3))),
            }
    if draw(st.integers(0, 7)) == 0:  # last, so that the changes above have entries to change
        sheet[draw(st.sampled_from(["bonus", "deduction", "entries"]))] = draw(JUNK)
    return sheet


@PROPERTY
@given(valid_sheets(TABLE))
def test_generated_valid_sheets_of_the_sample(sheet: dict[str, Any]) -> None:
    result = assert_same_outcome(TABLE, sheet, compiled=COMPILED)
    assert isinstance(result, Result), result


@PROPERTY
@given(broken_sheets(TABLE))
def test_generated_broken_sheets_of_the_sample(sheet: dict[str, Any]) -> None:
    assert_same_outcome(TABLE, sheet, compiled=COMPILED)


# -- overrides ---------------------------------------------------------------------------------

OVERRIDE_VALUES = st.one_of(
    st.decimals(0, 13, places=3),
    st.floats(0, 13, allow_nan=False),
    st.integers(-1, 13),
    JUNK,
)


@PROPERTY
@given(
    st.integers(0, 5),
    st.dictionaries(st.sampled_from([*CRITERIA, "A.I", "Q.9"]), OVERRIDE_VALUES, max_size=4),
)
def test_overrides(index: int, overrides: dict[str, Any]) -> None:
    assert_same_outcome(TABLE, example_sheet(index), overrides, compiled=COMPILED)
    for code, points in overrides.items():
        want = scoringrules.compute.check_override(TABLE, code, points)
        assert COMPILED.check_override(code, points) == want


def test_an_override_within_the_ceiling_stands() -> None:
    sheet = example_sheet(0)
    overrides = {"A.IV.3": 11.5, "A.I.1": Decimal("1.255"), "B.3": 0}
    result = assert_same_outcome(TABLE, sheet, overrides, compiled=COMPILED)
    assert isinstance(result, Result)
    assert result.leaf_points["A.I.1"] == Decimal("1.26")


# -- generated tables --------------------------------------------------------------------------


def boolean_nodes() -> st.SearchStrategy[dict[str, Any]]:
    return POINTS.map(lambda top: {"max_points": top, "method": {"type": "boolean"}})


@st.composite
def manual_nodes(draw: st.DrawFn) -> dict[str, Any]:
    step = draw(STEPS)
    method: dict[str, Any] = {"type": "manual", "step": step}
    if draw(st.booleans()):
        method["note_required_below_max"] = draw(st.booleans())
    return {"max_points": step * draw(st.integers(1, 30)), "method": method}


LEAF_NODES = st.one_of(
    bands_nodes("bands_at_least"),
    bands_nodes("bands_at_most"),
    proportional_nodes(),
    boolean_nodes(),
    manual_nodes(),
)


@st.composite
def tables(draw: st.DrawFn) -> dict[str, Any]:
    """A valid table: 1–3 parts, each a leaf or a section of 1–5 leaves (some may be not
    applicable), any rounding places, bonus and deduction with fine-grained per_count."""
    counter = iter(range(1000))
    parts = []
    for p in range(draw(st.integers(1, 3))):
        leaves = []
        for _ in range(draw(st.integers(1, 5))):
            leaf = {**draw(LEAF_NODES), "code": f"P{p}.{next(counter)}", "title": "x"}
            if draw(st.integers(0, 3)) == 0:
                leaf["when_not_applicable"] = "full"
            leaves.append(leaf)
        if len(leaves) == 1 and draw(st.booleans()):
            parts.append({**leaves[0], "code": f"P{p}"})
            continue
        total = sum((to_decimal(n["max_points"]) for n in leaves), Decimal(0))
        parts.append({"code": f"P{p}", "title": "p", "max_points": total, "children": leaves})
    grand = sum((to_decimal(n["max_points"]) for n in parts), Decimal(0))
    document: dict[str, Any] = {
        "title": "t",
        "year": 2024,
        "unit_kind": "so-tu-phap",
        "max_points": grand,
        "rounding": {"places": draw(st.integers(0, 4)), "mode": "half_up"},
        "rank_bands": [
            {"code": "A", "min_total": grand * Decimal("0.9")},
            {"code": "B", "min_total": draw(st.sampled_from([grand / 2, float(grand / 2)]))},
            {"code": "C", "min_total": None},
        ],
        "parts": parts,
    }
    for section, letter in (("bonus", "E"), ("deduction", "F")):
        if draw(st.booleans()):
            items = [
                {
                    "code": f"{letter}.{i}",
                    "title": "i",
                    "per_count": draw(
                        st.decimals(Decimal("0.000001"), 5, places=6) | st.sampled_from([0.1, 3])
                    ),
                    **({"max_count": draw(st.integers(1, 4))} if draw(st.booleans()) else {}),
                }
                for i in range(draw(st.integers(0, 3)))
            ]
            cap = draw(st.decimals(0, 30, places=3) | st.integers(0, 30))
            document[section] = {"code": letter, "title": section, "cap": cap, "items": items}
    assert validate(document) == [], validate(document)
    return document


@PROPERTY
@given(st.data())
def test_generated_tables_and_sheets(data: st.DataObject) -> None:
    document = data.draw(tables())
    compiled = scoringrules.compile(document)
    for _ in range(3):
        result = assert_same_outcome(document, data.draw(valid_sheets(document)), compiled=compiled)
        assert isinstance(result, Result), result
    assert_same_outcome(document, data.draw(broken_sheets(document)), compiled=compiled)


# -- registered methods without a compiled step --------------------------------------------------


class Unrounded(Method):
    """A toy method whose points keep every decimal of the input (no rounding at all)."""

    type = "unrounded"
    version = 1
    title: ClassVar[dict[str, str]] = {"vi": "x", "en": "x"}
    description: ClassVar[dict[str, str]] = {"vi": "x", "en": "x"}
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"type": {"const": "unrounded"}},
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"share": {"type": "number"}, "note": {"type": "string"}},
    }

    def check_values(self, node: Mapping[str, Any], inputs: Any, at: str) -> list[Issue]:
        return [] if is_number(inputs.get("share")) else [Issue(at, "x", "x", "x")]

    def points(self, node: Mapping[str, Any], inputs: Any, places: int = 2) -> Decimal:
        return to_decimal(inputs["share"]) * to_decimal(node["max_points"])


@pytest.fixture
def toy_methods() -> Any:
    register(Stars)
    register(Unrounded)
    try:
        yield
    finally:
        del METHODS["stars"], METHODS["unrounded"]


@pytest.mark.usefixtures("toy_methods")
@pytest.mark.parametrize(
    ("kind", "inputs"),
    [
        ("stars", {"stars": 3}),
        ("stars", {"stars": 9}),
        ("unrounded", {"share": 0.333}),
        ("unrounded", {"share": 1}),
        ("unrounded", {"share": "a third"}),
    ],
)
def test_a_registered_method_without_a_compiled_step_still_scores(
    kind: str, inputs: dict[str, Any]
) -> None:
    document = samples.table()
    samples.node(document, "A.I.4")["method"] = {"type": kind}
    sheet = example_sheet(1)
    sheet["entries"]["A.I.4"] = inputs
    assert_same_outcome(document, sheet)


class Halved(scoringrules.methods.Proportional):
    """A subclass that changes the arithmetic but not the compiled step it inherits."""

    type = "halved"

    def exact(self, node: Mapping[str, Any], inputs: Any) -> Fraction:
        return super().exact(node, inputs) / 2


@pytest.fixture
def halved() -> Any:
    register(Halved)
    try:
        yield
    finally:
        del METHODS["halved"]


@pytest.mark.usefixtures("halved")
def test_a_subclass_that_changes_the_arithmetic_is_not_scored_by_its_parents_step() -> None:
    document = samples.table()
    samples.node(document, "A.II.2")["method"]["type"] = "halved"
    compiled = scoringrules.compile(document)
    assert compiled.score(example_sheet(1)).leaf_points["A.II.2"] == Decimal("2.05")  # 4.10 / 2
    assert_same_outcome(document, example_sheet(1), compiled=compiled)


# -- the integer helpers -------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)


@PROPERTY
@given(NUMBERS)
def test_number_value_is_is_number_then_to_decimal(value: Any) -> None:
    got = number_value(value)
    if is_number(value):
        assert got is not None and got.as_tuple() == to_decimal(value).as_tuple()
    else:
        assert got is None


@PROPERTY
@given(st.integers(-(10**9), 10**9), st.integers(1, 10**6), st.integers(0, 4))
def test_round_ratio_is_round_points(numerator: int, denominator: int, places: int) -> None:
    got = round_ratio(numerator, denominator, places)
    assert got.as_tuple() == round_points(Fraction(numerator, denominator), places).as_tuple()


def test_a_valid_sheet_in_plain_json_takes_the_quick_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worked examples never need the full check (which is what makes compiling pay)."""

    def full_check(document: object, sheet: object) -> list[Issue]:
        raise AssertionError("the full check ran")

    monkeypatch.setattr(scoringrules.compute, "_check_sheet", full_check)
    for example in samples.examples():
        assert COMPILED.score(example["sheet"]).as_json() == example["expected"]
