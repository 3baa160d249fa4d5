"""Every worked example of the reference data, criterion by criterion."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from scoringrules import check_sheet, score, validate
from scoringrules.tests import samples

EXAMPLES = samples.examples()
NAMES = [e["name"] for e in EXAMPLES]
LEAVES = [(e["name"], code) for e in EXAMPLES for code in e["expected"]["leaf_points"]]
SUBTOTALS = [(e["name"], code) for e in EXAMPLES for code in e["expected"]["subtotals"]]


@cache
def computed(name: str) -> dict[str, Any]:
    return score(samples.table(), samples.example(name)["sheet"]).as_json()


def expected(name: str) -> dict[str, Any]:
    return samples.example(name)["expected"]


def test_the_sample_table_is_valid() -> None:
    assert validate(samples.table()) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_sheet_has_no_issues(name: str) -> None:
    assert check_sheet(samples.table(), samples.example(name)["sheet"]) == []


@pytest.mark.parametrize(("name", "code"), LEAVES, ids=[f"{n}:{c}" for n, c in LEAVES])
def test_criterion_points(name: str, code: str) -> None:
    assert computed(name)["leaf_points"][code] == expected(name)["leaf_points"][code]


@pytest.mark.parametrize(("name", "code"), SUBTOTALS, ids=[f"{n}:{c}" for n, c in SUBTOTALS])
def test_subtotal(name: str, code: str) -> None:
    assert computed(name)["subtotals"][code] == expected(name)["subtotals"][code]


@pytest.mark.parametrize("field", ["bonus", "deduction", "total", "band"])
@pytest.mark.parametrize("name", NAMES)
def test_bonus_deduction_total_and_band(name: str, field: str) -> None:
    assert computed(name)[field] == expected(name)[field]


@pytest.mark.parametrize("name", NAMES)
def test_nothing_more_and_nothing_less(name: str) -> None:
    got, want = computed(name), expected(name)
    assert list(got["leaf_points"]) == list(want["leaf_points"])  # every criterion, document order
    assert list(got["subtotals"]) == list(want["subtotals"])  # every part and section
    assert set(got) == set(want)
