"""Exact decimal arithmetic for points.

Numbers arrive from JSON as int, float or (from a database or an earlier result) str. A float is
converted through its shortest repr, so 66.9 is 66.9 and not 66.900000000000005684…. Arithmetic
is done in :class:`fractions.Fraction` — exact, and independent of the caller's ``decimal``
context — and comes back as :class:`decimal.Decimal` only when rounded or when the value is a
terminating decimal (sums of rounded points always are).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import cast

Number = int | float | str | Decimal


def is_number(value: object) -> bool:
    """True for a finite JSON number (int or float, never bool) or a finite Decimal."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return False


def is_whole(value: object) -> bool:
    """True for a number with an integral value (3 or 3.0), never bool."""
    if not is_number(value):
        return False
    return to_fraction(cast(Number, value)).denominator == 1


def to_decimal(value: Number) -> Decimal:
    """The exact decimal value of a JSON number or a numeric string.

    Raises TypeError for anything else (bool included) and ValueError for a string that is not a
    finite number.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise TypeError(f"not a number: {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def to_fraction(value: Number | Fraction) -> Fraction:
    """The exact rational value of a number (see :func:`to_decimal`)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(to_decimal(value))


def round_points(value: Number | Fraction, places: int = 2) -> Decimal:
    """Round half-up (ties away from zero) to ``places`` decimals, exactly.

    ``round_points(Decimal("0.125")) == Decimal("0.13")``, ``round_points(0.124999) ==
    Decimal("0.12")``, ``round_points(Fraction(133, 15)) == Decimal("8.87")``. The result always
    carries exactly ``places`` decimals ("3.00").
    """
    if places < 0:
        raise ValueError("places must be ≥ 0")
    exact = to_fraction(value)
    scaled = abs(exact) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    sign = "-" if exact < 0 and whole else ""
    return Decimal(f"{sign}{whole}E-{places}")


def exact_decimal(value: Fraction) -> Decimal:
    """The Decimal equal to ``value``; ValueError when it has no finite decimal expansion."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        raise ValueError(f"{value} has no finite decimal expansion")
    places = max(twos, fives)
    numerator = value.numerator * 10**places // value.denominator
    return Decimal(f"{numerator}E-{places}")


def format_points(value: Decimal, places: int = 2) -> str:
    """Fixed-point text with at least ``places`` decimals, never dropping a digit ("5.00")."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    shown = max(places, -exponent)
    return format(value, f".{shown}f")


# -- for compiled tables (scoringrules.compiled): the same values, fewer Fractions ------------


def number_value(value: object) -> Decimal | None:
    """``to_decimal(value)`` when ``is_number(value)``, else None, in one step.

    Compiled tables check and read a unit's inputs with it: the plain JSON types take a short
    way, anything else goes through :func:`is_number` and :func:`to_decimal` themselves.
    """
    kind = type(value)
    if kind is int:
        return Decimal(value)  # type: ignore[arg-type]
    if kind is float:
        return Decimal(repr(value)) if math.isfinite(value) else None  # type: ignore[arg-type]
    if kind is Decimal:
        return value if value.is_finite() else None  # type: ignore[union-attr,return-value]
    return to_decimal(cast(Number, value)) if is_number(value) else None


def round_ratio(numerator: int, denominator: int, places: int = 2) -> Decimal:
    """:func:`round_points` of ``numerator / denominator`` (denominator > 0), in integers.

    The same half-up rule and the same result, digit for digit and sign for sign:
    ⌊|n| × 10^places / d + 1/2⌋ = ⌊(2 |n| 10^places + d) / 2d⌋, negative only when not zero.
    """
    if places < 0:
        raise ValueError("places must be ≥ 0")
    whole = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    sign = "-" if numerator < 0 and whole else ""
    return Decimal(f"{sign}{whole}E-{places}")


#: Integers up to this size are floats exactly, and print as themselves.
FLOAT_EXACT_INT = 2**53


def comparable_float(value: object) -> float | None:
    """A JSON number as a float that orders exactly as ``to_decimal(value)`` does, or None.

    A finite float reads as the Decimal of its shortest repr (``to_decimal``), and the shortest
    repr is strictly increasing over floats (each lies inside its float's rounding interval,
    and those intervals do not overlap): so two such floats compare as their Decimals. An int
    within ±2**53 is a float exactly and prints as itself. Anything else (bool, a larger int,
    Decimal, str, nan, ±inf) gives None: the caller takes the Decimal way.
    """
    kind = type(value)
    if kind is float:
        return value if -math.inf < value < math.inf else None  # type: ignore[operator,return-value]
    if kind is int and -FLOAT_EXACT_INT <= value <= FLOAT_EXACT_INT:  # type: ignore[operator]
        return float(value)  # type: ignore[arg-type]
    return None


def float_for(value: Decimal) -> float | None:
    """The float whose shortest repr is ``value`` exactly, or None when there is none.

    A table's threshold or bound given so compares with :func:`comparable_float` values as the
    Decimals do (both sides are then shortest reprs of floats)."""
    as_float = float(value)
    if not math.isfinite(as_float) or Decimal(repr(as_float)) != value:
        return None
    return as_float
