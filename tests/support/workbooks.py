"""Checks on workbooks that a reader would notice: every exported text is a string cell, and an
upload refused for its size was refused without being unpacked."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any, TypeVar

from openpyxl import load_workbook

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
T = TypeVar("T")


def peak_allocated(call: Callable[[], T]) -> tuple[T, int]:
    """What ``call`` returns, and the most memory Python held for it at once, in bytes.

    "Refused unread" is a statement about memory, not time: an archive that unpacks to 64 MiB
    and is refused after reading its directory never holds more than a few MiB. (A time bound
    said the same on a quiet machine and failed on a loaded one.)"""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def formulas(data: bytes) -> list[str]:
    """The worksheets of an .xlsx (by member name) whose XML holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and _FORMULA.search(archive.read(name))
        ]


def string_cells(data: bytes) -> dict[str, str]:
    """Every cell holding text, by ``'Sheet'!A1``, checking it is a string cell (type "s")."""
    out: dict[str, str] = {}
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value: Any = cell.value
                if isinstance(value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, value)
                    out[f"'{ws.title}'!{cell.coordinate}"] = value
    return out


def assert_only_text(data: bytes, *texts: str) -> dict[str, str]:
    """The workbook holds no formula and each of ``texts`` as a string cell's whole value or
    part of it; returns the text cells (see :func:`string_cells`)."""
    assert formulas(data) == []
    cells = string_cells(data)
    for text in texts:
        assert any(text in value for value in cells.values()), (text, cells)
    return cells
