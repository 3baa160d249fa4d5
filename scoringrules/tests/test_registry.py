"""The method registry: every method describes itself; a new method is one registered class."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any, ClassVar

import pytest

import scoringrules
from scoringrules import METHODS, Method, definitions, register, score, validate
from scoringrules.issues import Issue
from scoringrules.tests import samples
from scoringrules.tests.samples import node


def test_the_registered_methods() -> None:
    assert list(METHODS) == ["bands_at_least", "bands_at_most", "proportional", "boolean", "manual"]
    assert scoringrules.RULES_VERSION == "2024.1"


@pytest.mark.parametrize("kind", list(METHODS))
def test_every_method_describes_itself(kind: str) -> None:
    definition = METHODS[kind].describe()
    assert json.loads(json.dumps(definition, ensure_ascii=False)) == definition
    assert definition["type"] == kind and isinstance(definition["version"], int)
    assert set(definition["title"]) == set(definition["description"]) == {"vi", "en"}
    assert definition["parameters_schema"]["properties"]["type"] == {"const": kind}
    assert len(definition["inputs_schema"]["oneOf"]) == 2


def test_a_type_is_registered_once() -> None:
    with pytest.raises(ValueError, match="twice"):
        register(type(METHODS["boolean"]))


class Stars(Method):
    """A toy method: 1 to 5 stars, a fifth of the points per star."""

    type = "stars"
    version = 1
    title: ClassVar[dict[str, str]] = {"vi": "Số sao", "en": "Stars"}
    description: ClassVar[dict[str, str]] = {"vi": "1–5 sao", "en": "1–5 stars"}
    parameters_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"type": {"const": "stars"}},
    }
    inputs_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"stars": {"type": "integer"}, "note": {"type": "string"}},
    }

    def check_values(self, node: Mapping[str, Any], inputs: Any, at: str) -> list[Issue]:
        if inputs.get("stars") not in (1, 2, 3, 4, 5):
            return [Issue(at + "/stars", "input_out_of_range", "1–5 sao", "1–5 stars")]
        return []

    def exact(self, node: Mapping[str, Any], inputs: Any) -> Fraction:
        return Fraction(node["max_points"]) * inputs["stars"] / 5


@pytest.fixture
def stars() -> Iterator[None]:
    register(Stars)
    try:
        yield
    finally:
        del METHODS["stars"]


@pytest.mark.usefixtures("stars")
def test_a_new_method_is_one_registered_class() -> None:
    doc = samples.table()
    node(doc, "A.I.4")["method"] = {"type": "stars"}
    assert validate(doc) == []
    assert "stars" in definitions(doc)
    sheet = samples.example("example-2024-1")["sheet"]
    sheet["entries"]["A.I.4"] = {"stars": 3}
    assert score(doc, sheet).leaf_points["A.I.4"] == scoringrules.round_points(Fraction(6, 5))
    node(doc, "A.I.4")["method"] = {"type": "stars", "colour": "gold"}
    assert [(i.pointer, i.code) for i in validate(doc)] == [
        ("/parts/0/children/0/children/3/method/colour", "param_unknown")
    ]


def test_without_registration_the_method_is_unknown() -> None:
    doc = samples.table()
    node(doc, "A.I.4")["method"] = {"type": "stars"}
    assert [i.code for i in validate(doc)] == ["method_unknown"]


@pytest.mark.parametrize(
    ("code", "ceiling"), [("A.I.1", 2), ("A.II.2", 5), ("A.IV.3", 12), ("A.I.4", 2), ("A.I.5", 3)]
)
def test_ceiling_is_max_points_times_the_cap(code: str, ceiling: int) -> None:
    n = node(samples.table(), code)
    assert METHODS[n["method"]["type"]].ceiling(n) == ceiling
