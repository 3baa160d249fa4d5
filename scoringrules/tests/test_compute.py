"""Scoring a sheet: the sheet's own checks, bonus and deduction, bands, errors and ranking."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from scoringrules import Invalid, check_sheet, rank, score
from scoringrules.tests import samples


def sheet() -> dict[str, Any]:
    return samples.example("example-2024-1")["sheet"]


def found(doc: dict[str, Any], s: Any) -> list[tuple[str, str]]:
    return [(i.pointer, i.code) for i in check_sheet(doc, s)]


# -- the sheet -------------------------------------------------------------------------------


def test_every_criterion_must_be_present() -> None:
    s = sheet()
    del s["entries"]["A.I.1"]
    assert found(samples.table(), s) == [("/entries/A.I.1", "entry_missing")]


@pytest.mark.parametrize("code", ["Z.9", "A.I", "E.1"])
def test_unknown_codes_are_refused(code: str) -> None:
    s = sheet()
    s["entries"][code] = {"done": True}
    assert found(samples.table(), s) == [(f"/entries/{code}", "entry_unknown")]


def test_pointers_escape_codes() -> None:
    s = sheet()
    s["entries"]["A/B~1"] = {}
    assert found(samples.table(), s) == [("/entries/A~1B~01", "entry_unknown")]


def test_inputs_are_checked_with_pointers_into_the_sheet() -> None:
    s = sheet()
    s["entries"]["A.I.1"] = {"value": "66.9"}
    s["entries"]["A.I.4"] = {"not_applicable": True, "note": "Không phát sinh"}
    assert found(samples.table(), s) == [
        ("/entries/A.I.1/value", "input_not_number"),
        ("/entries/A.I.4/not_applicable", "not_applicable_refused"),
    ]


@pytest.mark.parametrize("count", [-1, 1.5, "1", True, None])
@pytest.mark.parametrize(("section", "item"), [("bonus", "E.1"), ("deduction", "F.2")])
def test_counts_are_whole_and_not_negative(section: str, item: str, count: Any) -> None:
    s = sheet()
    s[section][item] = count
    assert found(samples.table(), s) == [(f"/{section}/{item}", "count_invalid")]


def test_a_whole_float_count_is_a_count() -> None:
    s = sheet()
    s["bonus"]["E.1"] = 2.0
    assert check_sheet(samples.table(), s) == []


@pytest.mark.parametrize(("section", "item"), [("bonus", "F.1"), ("deduction", "E.9")])
def test_unknown_items_are_refused(section: str, item: str) -> None:
    s = sheet()
    s[section][item] = 1
    assert found(samples.table(), s) == [(f"/{section}/{item}", "item_unknown")]


def test_missing_counts_are_zero_and_other_keys_ignored() -> None:
    s = sheet()
    del s["bonus"], s["deduction"]["F.1"]
    s["unit"] = "so-tu-phap-ha-noi"
    assert check_sheet(samples.table(), s) == []
    assert score(samples.table(), s).bonus == Decimal("0.00")


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ([], [("", "field_type")]),
        ({}, [("/entries", "field_missing")]),
        ({"entries": []}, [("/entries", "field_type")]),
        ({"entries": {}, "bonus": [1]}, [("/bonus", "field_type")]),
    ],
)
def test_the_sheet_shape(bad: Any, expected: list[tuple[str, str]]) -> None:
    got = found(samples.table(), bad)
    assert [i for i in got if i[1] != "entry_missing"] == expected


def test_an_invalid_table_raises_rather_than_blaming_the_sheet() -> None:
    doc = samples.table()
    doc["max_points"] = 199
    with pytest.raises(Invalid) as raised:
        check_sheet(doc, sheet())
    assert [(i.pointer, i.code) for i in raised.value.issues] == [
        ("/max_points", "parts_sum_mismatch")
    ]


def test_score_refuses_an_invalid_sheet() -> None:
    s = sheet()
    s["entries"]["A.I.4"] = {"done": "yes"}
    with pytest.raises(Invalid) as raised:
        score(samples.table(), s)
    assert [i.code for i in raised.value.issues] == ["input_not_boolean"]
    assert "/entries/A.I.4/done" in str(raised.value)
    assert isinstance(raised.value, ValueError)


# -- bonus and deduction ---------------------------------------------------------------------


def with_counts(bonus: dict[str, Any], deduction: dict[str, Any]) -> dict[str, Any]:
    s = sheet()
    s["bonus"], s["deduction"] = bonus, deduction
    return s


def test_bonus_is_limited_by_max_count_and_capped() -> None:
    doc = samples.table()
    assert score(doc, with_counts({"E.2": 3}, {})).bonus == Decimal("4.00")  # max_count 1
    assert score(doc, with_counts({"E.1": 2, "E.2": 1}, {})).bonus == Decimal("8.00")
    assert score(doc, with_counts({"E.1": 4, "E.2": 1}, {})).bonus == Decimal("10.00")  # cap


def test_deduction_is_capped_and_subtracted() -> None:
    doc = samples.table()
    without = score(doc, with_counts({}, {})).total
    result = score(doc, with_counts({}, {"F.1": 1, "F.3": 1}))
    assert result.deduction == Decimal("12.00")
    assert result.total == without - 12
    assert score(doc, with_counts({}, {"F.3": 3})).deduction == Decimal("20.00")  # cap


def test_max_count_limits_a_deduction_item_too() -> None:
    doc = samples.table()
    doc["deduction"]["items"][0]["max_count"] = 2
    assert score(doc, with_counts({}, {"F.1": 5})).deduction == Decimal("4.00")


def test_fractional_adjustments_keep_every_digit() -> None:
    doc = samples.table()
    doc["bonus"]["items"][0]["per_count"] = 0.125
    result = score(doc, with_counts({"E.1": 1}, {}))
    assert result.bonus == Decimal("0.125")
    assert result.as_json()["bonus"] == "0.125"
    # criteria 124.27 + bonus 0.125 = 124.395, and the total is rounded half-up
    assert result.total == Decimal("124.40")


def test_a_table_without_bonus_or_deduction() -> None:
    doc = samples.table()
    del doc["bonus"], doc["deduction"]
    s = sheet()
    del s["bonus"], s["deduction"]
    result = score(doc, s)
    assert (result.bonus, result.deduction) == (Decimal("0.00"), Decimal("0.00"))
    assert result.total == Decimal("124.27")


# -- band ------------------------------------------------------------------------------------


def one_criterion_table(max_points: Any = 200) -> dict[str, Any]:
    doc = samples.table()
    doc["max_points"] = max_points
    doc["parts"] = [
        {
            "code": "P",
            "title": "Một tiêu chí",
            "max_points": max_points,
            "method": {"type": "manual", "step": 0.01},
        }
    ]
    return doc


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("200", "A"),
        ("180", "A"),
        ("179.99", "B"),
        ("150", "B"),
        ("100", "C"),
        ("99.99", "D"),
        ("0", "D"),
    ],
)
def test_band_boundaries(total: str, band: str) -> None:
    doc = one_criterion_table()
    s = {"entries": {"P": {"points": Decimal(total)}}}
    assert score(doc, s).band == band


def test_a_negative_total_falls_in_the_last_band() -> None:
    doc = one_criterion_table()
    s = {"entries": {"P": {"points": 5}}, "deduction": {"F.3": 1}}
    result = score(doc, s)
    assert (result.total, result.band) == (Decimal("-5.00"), "D")
    assert result.as_json()["total"] == "-5.00"


# -- rounding the table's way ----------------------------------------------------------------


def proportional_table(places: int) -> dict[str, Any]:
    doc = one_criterion_table(1)
    doc["rounding"]["places"] = places
    doc["parts"][0]["method"] = {"type": "proportional"}
    doc["rank_bands"] = [{"code": "-", "min_total": None}]
    return doc


@pytest.mark.parametrize(
    ("places", "achieved", "target", "points"),
    [
        (2, 1, 8, "0.13"),
        (2, 1, 3, "0.33"),
        (2, 2, 3, "0.67"),
        (0, 1, 2, "1"),
        (3, 1, 16, "0.063"),
        (4, 1, 3, "0.3333"),
        (2, 11, 8, "1.00"),
    ],
)
def test_each_criterion_is_rounded_half_up_to_the_tables_places(
    places: int, achieved: int, target: int, points: str
) -> None:
    doc = proportional_table(places)
    result = score(doc, {"entries": {"P": {"achieved": achieved, "target": target}}})
    assert result.as_json()["leaf_points"]["P"] == points
    assert result.as_json()["total"] == points


# -- ranking ---------------------------------------------------------------------------------


def test_equal_totals_share_a_rank_and_the_next_is_skipped() -> None:
    totals = {
        "hanoi": Decimal("171.27"),
        "hue": Decimal("140.32"),
        "danang": Decimal("171.27"),
        "camau": Decimal("179.70"),
        "laocai": Decimal("128.42"),
    }
    assert rank(totals) == {"camau": 1, "hanoi": 2, "danang": 2, "hue": 4, "laocai": 5}
    assert list(rank(totals)) == ["camau", "hanoi", "danang", "hue", "laocai"]


def test_ranking_the_worked_examples() -> None:
    doc = samples.table()
    totals = {e["name"]: score(doc, e["sheet"]).total for e in samples.examples()}
    assert list(rank(totals).values()) == [1, 2, 3, 4, 5, 6]
    assert rank({}) == {}
    assert rank({"a": Decimal("1.00"), "b": Decimal("1")}) == {"a": 1, "b": 1}


def test_overrides_stand_instead_of_the_methods_points_and_are_bounded() -> None:
    from scoringrules import compute
    from scoringrules.tests import samples

    TABLE, example = samples.table(), samples.examples()[0]
    plain = compute.score(TABLE, example["sheet"])
    code = next(iter(plain.leaf_points))
    changed = compute.score(TABLE, example["sheet"], overrides={code: 0})
    assert changed.leaf_points[code] == 0
    assert changed.total == plain.total - plain.leaf_points[code]
    assert compute.check_override(TABLE, code, -1)[0].code == "points_out_of_range"
    assert compute.check_override(TABLE, code, "x")[0].code == "not_a_number"
    assert compute.check_override(TABLE, "Z.9", 1)[0].code == "unknown_code"
