"""Dates, numbers, Vietnamese order and diacritic-free search, as the pages write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from web.formatting import (
    format_date,
    format_datetime,
    format_number,
    matches,
    parse_number,
    sort_names,
)


def test_dates_are_day_month_year_in_vietnam_time() -> None:
    assert format_date("2026-12-15") == "15/12/2026"
    assert format_date("2026-12-15T18:30:00+00:00") == "16/12/2026"  # past midnight in Hà Nội
    assert format_datetime("2026-12-15T10:00:00+00:00") == "15/12/2026 17:00"
    assert format_date(None) == "" and format_datetime("not a date") == ""


def test_numbers_use_the_languages_separators() -> None:
    assert format_number(1234.5) == "1.234,5"
    assert format_number("1234.50", places=2) == "1.234,50"
    assert format_number(Decimal("150")) == "150"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(None) == ""


@pytest.mark.parametrize(
    ("typed", "language", "number"),
    [
        ("95,5", "vi", Decimal("95.5")),
        ("95.5", "vi", Decimal("95.5")),
        ("1.234", "vi", Decimal("1234")),
        ("1.234,5", "vi", Decimal("1234.5")),
        (" 7 ", "vi", Decimal("7")),
        ("1,234.5", "en", Decimal("1234.5")),
        ("abc", "vi", None),
        ("", "vi", None),
        ("1,2,3", "vi", None),
    ],
)
def test_what_people_type_is_read_their_way(typed: str, language: str, number: Decimal) -> None:
    assert parse_number(typed, language) == number


def test_names_sort_in_vietnamese_alphabetical_order() -> None:
    names = ["Đồng Nai", "Hà Nội", "An Giang", "Bắc Ninh", "Bà Rịa", "Ân Thi", "Cần Thơ", "Dung"]
    assert sort_names(names) == [
        "An Giang",
        "Ân Thi",  # â after a
        "Bà Rịa",
        "Bắc Ninh",  # ă after a
        "Cần Thơ",
        "Dung",
        "Đồng Nai",  # đ after d, not after z
        "Hà Nội",
    ]
    # Tones order words of the same letters: none, huyền, hỏi, ngã, sắc, nặng.
    assert sort_names(["ma", "mạ", "má", "mã", "mả", "mà"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sort_names(["Hàm", "Hà Nội"]) == ["Hà Nội", "Hàm"]


def test_search_ignores_case_and_diacritics() -> None:
    assert matches("ha noi", "Sở Tư pháp thành phố Hà Nội")
    assert matches("DA NANG", "Đà Nẵng")
    assert matches("tu phap ha", "Sở Tư pháp", "Hà Nội")
    assert not matches("hai phong", "Hà Nội")
