"""Validation of the table document: each rule broken once, on a copy of the sample."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scoringrules import METHODS, definitions, leaves, sections, validate
from scoringrules.tests import samples
from scoringrules.tests.samples import node

Doc = dict[str, Any]

A_I = "/parts/0/children/0"
A_I_1 = f"{A_I}/children/0"  # bands_at_least, max 2, may be not applicable
A_I_4 = f"{A_I}/children/3"  # boolean, max 2
A_I_5 = f"{A_I}/children/4"  # manual, step 0.5, max 3
A_II_2 = "/parts/0/children/1/children/1"  # proportional, cap 1.0
B_1 = "/parts/1/children/0"  # bands_at_most, max 4


def bands(doc: Doc, code: str = "A.I.1") -> list[dict[str, Any]]:
    return node(doc, code)["method"]["bands"]


def set_(obj: Callable[[Doc], dict[str, Any]], key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        obj(doc)[key] = value

    return change


def delete(obj: Callable[[Doc], dict[str, Any]], key: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        del obj(doc)[key]

    return change


def top(doc: Doc) -> Doc:
    return doc


def at(code: str) -> Callable[[Doc], dict[str, Any]]:
    return lambda doc: node(doc, code)


def method(code: str) -> Callable[[Doc], dict[str, Any]]:
    return lambda doc: node(doc, code)["method"]


def band(i: int, code: str = "A.I.1") -> Callable[[Doc], dict[str, Any]]:
    return lambda doc: bands(doc, code)[i]


def rank_band(i: int) -> Callable[[Doc], dict[str, Any]]:
    return lambda doc: doc["rank_bands"][i]


def item(section: str, i: int) -> Callable[[Doc], dict[str, Any]]:
    return lambda doc: doc[section]["items"][i]


def add_child(doc: Doc) -> None:
    node(doc, "A.I.4")["children"] = [
        {"code": "A.I.4.a", "title": "Con", "max_points": 2, "method": {"type": "boolean"}}
    ]


# (id, change, pointer, code): each change must produce exactly that one issue.
RULES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    # required fields and types
    ("title missing", delete(top, "title"), "/title", "field_missing"),
    ("year as text", set_(top, "year", "2024"), "/year", "field_type"),
    ("year as boolean", set_(top, "year", True), "/year", "field_type"),
    ("unit_kind blank", set_(top, "unit_kind", " "), "/unit_kind", "field_type"),
    ("max_points as text", set_(top, "max_points", "200"), "/max_points", "field_type"),
    ("parts missing", delete(top, "parts"), "/parts", "field_missing"),
    ("parts empty", set_(top, "parts", []), "/parts", "parts_empty"),
    (
        "node not an object",
        lambda d: d["parts"][1]["children"].__setitem__(0, "B.1"),
        B_1,
        "field_type",
    ),
    ("node title missing", delete(at("A.I.4"), "title"), f"{A_I_4}/title", "field_missing"),
    (
        "node max_points zero",
        set_(at("A.I.4"), "max_points", 0),
        f"{A_I_4}/max_points",
        "max_points_not_positive",
    ),
    (
        "evidence_required as text",
        set_(at("A.I.4"), "evidence_required", "yes"),
        f"{A_I_4}/evidence_required",
        "field_type",
    ),
    # codes unique across the whole table
    (
        "duplicate criterion code",
        set_(at("A.I.4"), "code", "A.I.1"),
        f"{A_I_4}/code",
        "code_duplicate",
    ),
    (
        "section code reused by a criterion",
        set_(at("A.I.4"), "code", "B"),
        "/parts/1/code",
        "code_duplicate",
    ),
    (
        "bonus item reuses a criterion code",
        set_(item("bonus", 0), "code", "D.5"),
        "/bonus/items/0/code",
        "code_duplicate",
    ),
    (
        "deduction reuses the bonus code",
        set_(lambda d: d["deduction"], "code", "E"),
        "/deduction/code",
        "code_duplicate",
    ),
    # sums
    (
        "children do not sum",
        set_(at("A.I.1"), "max_points", 3),
        f"{A_I}/max_points",
        "children_sum_mismatch",
    ),
    ("parts do not sum", set_(top, "max_points", 201), "/max_points", "parts_sum_mismatch"),
    # empty sections, leaves and inner nodes
    (
        "section without children",
        set_(at("A.I"), "children", []),
        f"{A_I}/children",
        "section_empty",
    ),
    ("node without children or method", delete(at("A.I.4"), "method"), A_I_4, "node_empty"),
    ("node with children and method", add_child, A_I_4, "node_both"),
    (
        "unknown method",
        set_(method("A.I.4"), "type", "stars"),
        f"{A_I_4}/method/type",
        "method_unknown",
    ),
    (
        "method not an object",
        set_(at("A.I.4"), "method", "boolean"),
        f"{A_I_4}/method",
        "field_type",
    ),
    (
        "when_not_applicable other than full",
        set_(at("A.I.4"), "when_not_applicable", "zero"),
        f"{A_I_4}/when_not_applicable",
        "when_not_applicable_invalid",
    ),
    (
        "when_not_applicable on a section",
        set_(at("A.I"), "when_not_applicable", "full"),
        f"{A_I}/when_not_applicable",
        "when_not_applicable_on_section",
    ),
    # method parameters: bands_at_least
    (
        "equal thresholds",
        set_(band(1), "threshold", 100),
        f"{A_I_1}/method/bands/1",
        "bands_not_ordered",
    ),
    (
        "ascending thresholds",
        set_(band(4), "threshold", 75),
        f"{A_I_1}/method/bands/4",
        "bands_not_ordered",
    ),
    (
        "band points increase",
        set_(band(2), "points", 1.8),
        f"{A_I_1}/method/bands/2/points",
        "band_points_increase",
    ),
    (
        "top band above max_points",
        set_(band(0), "points", 2.5),
        f"{A_I_1}/method/bands/0/points",
        "band_points_out_of_range",
    ),
    (
        "negative band points",
        set_(band(4), "points", -0.5),
        f"{A_I_1}/method/bands/4/points",
        "band_points_out_of_range",
    ),
    (
        "band threshold as text",
        set_(band(0), "threshold", "100"),
        f"{A_I_1}/method/bands/0/threshold",
        "param_type",
    ),
    (
        "band with an unknown key",
        set_(band(0), "label", "Tốt"),
        f"{A_I_1}/method/bands/0/label",
        "param_unknown",
    ),
    ("no bands", set_(method("A.I.1"), "bands", []), f"{A_I_1}/method/bands", "bands_empty"),
    ("bands missing", delete(method("A.I.1"), "bands"), f"{A_I_1}/method/bands", "param_missing"),
    (
        "misspelt parameter",
        set_(method("A.I.1"), "tresholds", []),
        f"{A_I_1}/method/tresholds",
        "param_unknown",
    ),
    (
        "input named otherwise",
        set_(lambda d: node(d, "A.I.1")["method"]["input"], "name", "rate"),
        f"{A_I_1}/method/input/name",
        "input_name_invalid",
    ),
    (
        "input min above max",
        set_(lambda d: node(d, "A.I.1")["method"]["input"], "min", 101),
        f"{A_I_1}/method/input/max",
        "input_range_invalid",
    ),
    # bands_at_most
    (
        "days thresholds not ascending",
        set_(band(2, "B.1"), "threshold", 1),
        f"{B_1}/method/bands/2",
        "bands_not_ordered",
    ),
    (
        "days band points increase",
        set_(band(3, "B.1"), "points", 2.5),
        f"{B_1}/method/bands/3/points",
        "band_points_increase",
    ),
    # proportional
    (
        "cap below one",
        set_(method("A.II.2"), "over_achievement_cap", 0.9),
        f"{A_II_2}/method/over_achievement_cap",
        "cap_below_one",
    ),
    (
        "cap as text",
        set_(method("A.II.2"), "over_achievement_cap", "1.2"),
        f"{A_II_2}/method/over_achievement_cap",
        "param_type",
    ),
    (
        "inputs renamed",
        set_(method("A.II.2"), "inputs", ["done", "planned"]),
        f"{A_II_2}/method/inputs",
        "param_type",
    ),
    # manual
    ("step zero", set_(method("A.I.5"), "step", 0), f"{A_I_5}/method/step", "step_not_positive"),
    ("step missing", delete(method("A.I.5"), "step"), f"{A_I_5}/method/step", "param_missing"),
    (
        "max_points not a multiple of step",
        set_(method("A.I.5"), "step", 0.4),
        f"{A_I_5}/method/step",
        "step_not_divisor",
    ),
    (
        "note flag as text",
        set_(method("A.I.5"), "note_required_below_max", "yes"),
        f"{A_I_5}/method/note_required_below_max",
        "param_type",
    ),
    # boolean
    (
        "boolean with a parameter",
        set_(method("A.I.4"), "bands", []),
        f"{A_I_4}/method/bands",
        "param_unknown",
    ),
    # rank bands
    (
        "rank bands not descending",
        set_(rank_band(1), "min_total", 190),
        "/rank_bands/1",
        "rank_bands_not_ordered",
    ),
    (
        "no final null",
        set_(rank_band(3), "min_total", 50),
        "/rank_bands/3/min_total",
        "rank_band_final_missing",
    ),
    (
        "null before the end",
        set_(rank_band(1), "min_total", None),
        "/rank_bands/1/min_total",
        "rank_band_null_not_last",
    ),
    (
        "min_total missing",
        delete(rank_band(0), "min_total"),
        "/rank_bands/0/min_total",
        "field_missing",
    ),
    (
        "rank band code twice",
        set_(rank_band(1), "code", "A"),
        "/rank_bands/1/code",
        "rank_band_code_duplicate",
    ),
    ("no rank bands", set_(top, "rank_bands", []), "/rank_bands", "rank_bands_empty"),
    # rounding
    (
        "five places",
        set_(lambda d: d["rounding"], "places", 5),
        "/rounding/places",
        "rounding_places_invalid",
    ),
    (
        "places as float",
        set_(lambda d: d["rounding"], "places", 2.0),
        "/rounding/places",
        "rounding_places_invalid",
    ),
    (
        "half-even rounding",
        set_(lambda d: d["rounding"], "mode", "half_even"),
        "/rounding/mode",
        "rounding_mode_unsupported",
    ),
    ("rounding missing", delete(top, "rounding"), "/rounding", "field_missing"),
    # bonus and deduction
    ("negative bonus cap", set_(lambda d: d["bonus"], "cap", -1), "/bonus/cap", "cap_negative"),
    (
        "deduction cap missing",
        delete(lambda d: d["deduction"], "cap"),
        "/deduction/cap",
        "field_missing",
    ),
    (
        "per_count zero",
        set_(item("deduction", 0), "per_count", 0),
        "/deduction/items/0/per_count",
        "per_count_not_positive",
    ),
    (
        "max_count zero",
        set_(item("bonus", 1), "max_count", 0),
        "/bonus/items/1/max_count",
        "max_count_invalid",
    ),
    (
        "max_count fractional",
        set_(item("bonus", 1), "max_count", 1.5),
        "/bonus/items/1/max_count",
        "max_count_invalid",
    ),
    ("bonus items missing", delete(lambda d: d["bonus"], "items"), "/bonus/items", "field_missing"),
    (
        "control character in a title",
        set_(at("A.I.1"), "title", "Tỷ lệ\x07 hoàn thành"),
        f"{A_I_1}/title",
        "text_control_character",
    ),
    (
        "line break in a single-line text",
        set_(item("bonus", 0), "title", "Khen thưởng\ncấp Bộ"),
        "/bonus/items/0/title",
        "text_control_character",
    ),
    (
        "lone surrogate in the basis",
        set_(top, "basis", "QĐ \ud800"),
        "/basis",
        "text_control_character",
    ),
    (
        "control character in a string no rule reads",
        set_(method("A.I.1"), "input", {"name": "value", "unit": "%\x00"}),
        f"{A_I_1}/method/input/unit",
        "text_control_character",
    ),
]


def test_the_sample_table_has_no_issues() -> None:
    assert validate(samples.table()) == []


@pytest.mark.parametrize(
    ("change", "pointer", "code"), [r[1:] for r in RULES], ids=[r[0] for r in RULES]
)
def test_each_rule(change: Callable[[Doc], None], pointer: str, code: str) -> None:
    doc = samples.table()
    change(doc)
    assert [(i.pointer, i.code) for i in validate(doc)] == [(pointer, code)]


def test_every_issue_speaks_both_languages() -> None:
    for _, change, _, _ in RULES:
        doc = samples.table()
        change(doc)
        for issue in validate(doc):
            assert issue.vi and issue.en and issue.vi != issue.en
            assert json.dumps(issue.as_json())


def test_multi_line_texts_take_tab_and_newline() -> None:
    doc = samples.table()
    doc["basis"] = "Dòng 1\n\tDòng 2"
    node(doc, "A.I.1")["guidance"] = "Bước 1\nBước 2"
    assert validate(doc) == []


def test_a_document_that_is_not_an_object() -> None:
    assert [(i.pointer, i.code) for i in validate([])] == [("", "field_type")]


def test_several_issues_are_all_reported() -> None:
    doc = samples.table()
    del doc["title"]
    bands(doc)[1]["threshold"] = 100
    doc["rounding"]["places"] = 9
    assert {i.code for i in validate(doc)} == {
        "field_missing",
        "bands_not_ordered",
        "rounding_places_invalid",
    }


def test_bonus_and_deduction_are_optional() -> None:
    doc = samples.table()
    del doc["bonus"], doc["deduction"]
    assert validate(doc) == []


def test_deeper_trees_are_checked_at_every_level() -> None:
    doc = samples.table()
    a_i_4 = node(doc, "A.I.4")
    del a_i_4["method"]
    a_i_4["children"] = [
        {"code": "A.I.4.a", "title": "a", "max_points": 1.25, "method": {"type": "boolean"}},
        {
            "code": "A.I.4.b",
            "title": "b",
            "max_points": 0.75,
            "children": [
                {
                    "code": "A.I.4.b.1",
                    "title": "b1",
                    "max_points": 0.5,
                    "method": {"type": "boolean"},
                },
                {
                    "code": "A.I.4.b.2",
                    "title": "b2",
                    "max_points": 0.5,
                    "method": {"type": "boolean"},
                },
            ],
        },
    ]
    assert [(i.pointer, i.code) for i in validate(doc)] == [
        (f"{A_I_4}/children/1/max_points", "children_sum_mismatch")
    ]
    a_i_4["children"][1]["max_points"] = 1.0
    a_i_4["children"][0]["max_points"] = 1.0
    assert validate(doc) == []
    assert "A.I.4.b.2" in leaves(doc) and "A.I.4" not in leaves(doc)
    assert list(sections(doc))[:3] == ["A", "A.I", "A.I.4"]


def test_sums_are_exact_decimals() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point; the table must still validate.
    doc = samples.table()
    a_i_4 = node(doc, "A.I.4")
    del a_i_4["method"]
    a_i_4["children"] = [
        {"code": "x", "title": "x", "max_points": 0.1, "method": {"type": "boolean"}},
        {"code": "y", "title": "y", "max_points": 0.2, "method": {"type": "boolean"}},
        {"code": "z", "title": "z", "max_points": 1.7, "method": {"type": "boolean"}},
    ]
    assert validate(doc) == []


def test_leaves_in_document_order() -> None:
    codes = list(leaves(samples.table()))
    assert len(codes) == 38
    assert codes[:3] == ["A.I.1", "A.I.2", "A.I.3"] and codes[-1] == "D.5"


def test_definitions_are_the_methods_used_and_json() -> None:
    found = definitions(samples.table())
    assert list(found) == ["bands_at_least", "boolean", "manual", "proportional", "bands_at_most"]
    for kind, definition in found.items():
        assert definition["type"] == kind
        assert definition["version"] == METHODS[kind].version
        assert {"vi", "en"} <= set(definition["description"])
        assert definition["parameters_schema"]["type"] == "object"
        assert json.loads(json.dumps(definition)) == definition
    doc = samples.table()
    for n in leaves(doc).values():
        if n["method"]["type"] == "manual":
            n["method"] = {"type": "boolean"}
    assert "manual" not in definitions(doc)


def test_published_schemas_accept_the_table_and_the_worked_examples() -> None:
    """The JSON Schemas in the snapshot agree with the checks (external systems rely on them)."""
    jsonschema = pytest.importorskip("jsonschema")
    doc = samples.table()
    found = definitions(doc)
    for definition in found.values():
        jsonschema.Draft202012Validator.check_schema(definition["parameters_schema"])
        jsonschema.Draft202012Validator.check_schema(definition["inputs_schema"])
    for code, n in leaves(doc).items():
        definition = found[n["method"]["type"]]
        jsonschema.validate(n["method"], definition["parameters_schema"])
        for example in samples.examples():
            jsonschema.validate(example["sheet"]["entries"][code], definition["inputs_schema"])
    not_applicable = {"not_applicable": True, "note": "Không phát sinh"}
    jsonschema.validate(not_applicable, found["boolean"]["inputs_schema"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"value": "80"}, found["bands_at_least"]["inputs_schema"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"done": 1}, found["boolean"]["inputs_schema"])
