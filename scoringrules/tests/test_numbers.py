"""Decimal helpers: parsing JSON numbers exactly, rounding half-up, formatting."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from scoringrules.numbers import (
    exact_decimal,
    format_points,
    is_number,
    is_whole,
    round_points,
    to_decimal,
)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (66.9, "66.9"),
        (0.1, "0.1"),
        (2, "2"),
        ("1.75", "1.75"),
        (" 3 ", "3"),
        (1e-7, "1E-7"),
        (Decimal("2.50"), "2.50"),
    ],
)
def test_to_decimal_is_exact(raw: Any, value: str) -> None:
    assert to_decimal(raw) == Decimal(value)
    assert str(to_decimal(raw)) == value


@pytest.mark.parametrize("raw", [True, None, [1], {}])
def test_to_decimal_refuses_what_is_not_a_number(raw: Any) -> None:
    with pytest.raises(TypeError):
        to_decimal(raw)


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "", float("inf"), float("nan")])
def test_to_decimal_refuses_non_finite_text_and_floats(raw: Any) -> None:
    with pytest.raises(ValueError):
        to_decimal(raw)


def test_is_number_and_is_whole() -> None:
    assert is_number(1) and is_number(1.5) and is_number(Decimal("1"))
    assert not any(is_number(v) for v in (True, "1", None, float("nan"), Decimal("NaN")))
    assert is_whole(3) and is_whole(3.0) and not is_whole(3.5) and not is_whole(False)


@pytest.mark.parametrize(
    ("value", "places", "rounded"),
    [
        (Decimal("0.125"), 2, "0.13"),
        (Decimal("0.124999"), 2, "0.12"),
        (Decimal("0.145"), 2, "0.15"),  # half-even ("banker's") would give 0.14
        (Decimal("2.5"), 0, "3"),
        (Decimal("-0.125"), 2, "-0.13"),  # ties away from zero
        (Decimal("-0.001"), 2, "0.00"),
        (Fraction(133, 15), 2, "8.87"),
        (Fraction(1, 3), 4, "0.3333"),
        (1.005, 2, "1.01"),  # binary 1.005 is 1.00499999999999989…; the JSON text says 1.005
        (3, 2, "3.00"),
    ],
)
def test_round_points(value: Any, places: int, rounded: str) -> None:
    result = round_points(value, places)
    assert str(result) == rounded


def test_round_points_ignores_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_DOWN
        assert str(round_points(Decimal("12345.675"))) == "12345.68"
        assert str(exact_decimal(Fraction(123456789, 100))) == "1234567.89"


def test_round_points_refuses_negative_places() -> None:
    with pytest.raises(ValueError):
        round_points(1, -1)


def test_exact_decimal() -> None:
    assert exact_decimal(Fraction(1, 8)) == Decimal("0.125")
    with pytest.raises(ValueError):
        exact_decimal(Fraction(1, 3))


@pytest.mark.parametrize(
    ("value", "text"),
    [("5", "5.00"), ("0", "0.00"), ("114.27", "114.27"), ("0.125", "0.125"), ("-5.0", "-5.00")],
)
def test_format_points(value: str, text: str) -> None:
    assert format_points(Decimal(value)) == text
