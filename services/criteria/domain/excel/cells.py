"""Cell values, as the grammar, the reader and the writer all see them.

Keywords and labels are matched folded (``kit.text.fold``: case, spacing and Vietnamese diacritics
ignored). Numbers take a decimal point or comma, come back as ``int`` when whole and ``float``
otherwise (``1.0`` → ``1``), and are written as plain decimal text (:func:`number_text`). Text
is NFC-normalised and stripped (:func:`cell_text`); quoted in a message, it is cut to
:data:`~.limits.MAX_QUOTED_CHARS` (:func:`quoted`).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from kit.text import fold  # lower case, no diacritics (đ → d), single spaces
from services.criteria.domain.excel.limits import MAX_QUOTED_CHARS


def fold_key(text: str) -> str:
    """:func:`fold` keeping letters and digits only: "Đạt / Không đạt" → "datkhongdat"."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


# A number as typed in a cell or a clause: decimal point or comma, no exponent.
NUMBER = r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)"
_NUMBER_RE = re.compile(rf"^{NUMBER}$")


def to_decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def json_number(value: Decimal) -> int | float:
    """A JSON number: int when whole, else the float with that decimal's shortest repr."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def number_text(value: Any) -> str:
    """A number as plain decimal text, no exponent, no trailing zeros (1.0 → "1", 1.75)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    exact = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if not exact.is_finite():
        return str(value)
    text = format(exact.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class BadNumber(ValueError):
    """A cell that does not read as the number wanted; args are (vi, en)."""


def cell_number(value: Any) -> int | float:
    """A cell as a number: int, float (binary noise from Excel removed: 12 significant digits)
    or numeric text ("1,75" too). Raises :class:`BadNumber`."""
    if isinstance(value, bool):
        raise BadNumber("là giá trị đúng/sai, không phải số", "is TRUE/FALSE, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadNumber("không phải số hữu hạn", "is not a finite number")
        return json_number(Decimal(format(value, ".12g")))
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if _NUMBER_RE.match(text):
            try:
                return json_number(to_decimal(text))
            except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
                pass
    raise BadNumber(f"«{quoted(value)}» không phải là số", f"“{quoted(value)}” is not a number")


def cell_integer(value: Any) -> int:
    number = cell_number(value)
    if not isinstance(number, int):
        raise BadNumber(
            f"{number_text(number)} không phải số nguyên",
            f"{number_text(number)} is not a whole number",
        )
    return number


def cell_text(value: Any) -> str:
    """A cell as text: NFC, stripped, Windows line ends made plain; numbers as decimal text."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float | Decimal):
        text = number_text(value)
    else:
        text = str(value)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def quoted(value: Any) -> str:
    """A cell's text to quote in a message: :func:`cell_text`, cut to :data:`MAX_QUOTED_CHARS`."""
    text = cell_text(value)
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 1] + "…"


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
