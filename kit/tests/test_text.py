"""kit.text and kit.fields on their own: folding, search keys, control characters, bounds.

The HTTP behaviour (422 naming the field, nothing changed) is tested through each service's
real app on both stacks (services/*/tests/test_hardening.py).
"""

from __future__ import annotations

import unicodedata

import pytest
from marshmallow import Schema, ValidationError

from kit import text
from kit.fields import Integer, Text, Year


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


@pytest.mark.parametrize(
    ("given", "folded"),
    [
        ("Trần Thị Bình", "tran thi binh"),
        (nfd("Trần Thị Bình"), "tran thi binh"),
        ("ĐÀ NẴNG", "da nang"),
        ("  Hà   Nội\t", "ha noi"),
        ("Thừa Thiên Huế", "thua thien hue"),
        ("Nguyễn Ỷ Lan", "nguyen y lan"),
    ],
)
def test_fold_ignores_case_diacritics_and_spacing(given: str, folded: str) -> None:
    assert text.fold(given) == folded


def test_search_words_match_from_the_start_of_words() -> None:
    assert text.matches("tran binh", "Trần Thị Bình")
    assert text.matches(nfd("Bình"), "Trần Thị Bình")
    assert text.matches("", "anything")
    assert not text.matches("an", "Trần Thị Bình")
    assert not text.matches("tran hoa", "Trần Thị Bình")


def test_control_characters_allow_tab_and_newline_only_in_multiline_text() -> None:
    assert text.control_characters("a\tb\nc") == ["\t", "\n"]
    assert text.control_characters("a\tb\nc", multiline=True) == []
    assert text.control_characters("a\x00\x7f\x9f\ud800", multiline=True) == [
        "\x00",
        "\x7f",
        "\x9f",
        "\ud800",
    ]


def test_json_depth_and_defects_are_found_without_recursing_on_depth() -> None:
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    assert text.json_depth(deep) == 5001
    assert text.json_depth({"a": [1, {"b": "c"}]}) == 3

    def message(kind: str, detail: str) -> str:
        return f"{kind}:{detail}"

    document = {"a": "ok", "b": ["x", "y\x00"], "c\ud800": 1, "d": float("nan"), "e": 1.5}
    assert text.json_defects(document, message) == {
        "b": {1: ["character:U+0000"]},
        "c\\ud800": ["character:U+D800"],
        "d": ["number:nan"],
    }


class Sample(Schema):
    name = Text()
    note = Text(multiline=True)
    year = Year()
    count = Integer(0, 1000)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "a\nb"}, "name"),
        ({"note": "a\x00b"}, "note"),
        ({"year": 2027.5}, "year"),
        ({"year": 1999}, "year"),
        ({"year": float("inf")}, "year"),
        ({"count": 1e300}, "count"),
        ({"count": -1}, "count"),
        ({"count": "1.5"}, "count"),
    ],
)
def test_fields_refuse_naming_the_field(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Sample().load(data)
    assert list(refused.value.messages) == [field]


def test_fields_normalise() -> None:
    loaded = Sample().load(
        {"name": nfd("Trần"), "note": "1\r\n2\r3", "year": 2026.0, "count": "12"}
    )
    assert loaded == {"name": "Trần", "note": "1\n2\n3", "year": 2026, "count": 12}
    assert len(loaded["name"]) == 4
