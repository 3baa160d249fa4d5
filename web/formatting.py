"""How the pages write dates and numbers and sort and search names, the Vietnamese way.

- Dates are dd/mm/yyyy and times 24-hour, in Vietnam's time zone (UTC+7), whatever the language:
  that is how every document of the sector writes them.
- Numbers follow the page's language: ``1.234,5`` in Vietnamese, ``1,234.5`` in English (Babel).
  What a user types is read back the same way (:func:`parse_number`).
- Names sort in Vietnamese alphabetical order (a ă â b c d đ e ê … o ô ơ … u ư …, then by tone:
  none, huyền, hỏi, ngã, sắc, nặng), not by code point, which puts "Đ" after "Z" and "Ă" after
  "B" (:func:`sort_key`).
- Searches ignore case and diacritics: "ha noi" finds "Hà Nội" (:func:`matches`, with the
  platform's one folding function, ``kit.text.fold``, so the web and the services agree).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from kit.text import fold

VIETNAM = timezone(timedelta(hours=7), "ICT")

# -- dates -----------------------------------------------------------------------------------


def _as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def format_date(value: Any) -> str:
    """``2026-12-15`` or an ISO date-time → ``15/12/2026`` (the day in Vietnam)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    moment = _as_datetime(value)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y") if moment else ""


def format_datetime(value: Any) -> str:
    """An ISO date-time → ``15/12/2026 17:00`` in Vietnam's time."""
    moment = _as_datetime(value)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if moment else ""


# -- numbers ---------------------------------------------------------------------------------


def format_number(value: Any, language: str = "vi", places: int | None = None) -> str:
    """``1234.5`` → ``1.234,5`` (vi) or ``1,234.5`` (en); ``places`` fixes the decimals."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is None:
        pattern = None
        number = number.normalize() if number == number.to_integral() else number
    else:
        pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(number, format=pattern, locale=language, decimal_quantization=False)


_GROUPED = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(text: str, language: str = "vi") -> Decimal | None:
    """What a user typed → a number, or None when it is not one.

    Vietnamese writes ``95,5`` and groups thousands with dots (``1.234``); people also type
    ``95.5``. So in Vietnamese a comma is the decimal mark (dots are then grouping), and
    without a comma a dot is a decimal mark unless it groups exactly by three (``1.234``). In
    English commas group and the dot is the decimal mark.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if language == "vi":
        if "," in cleaned:
            cleaned = cleaned.replace(".", "").replace(",", ".")
        elif _GROUPED.match(cleaned):
            cleaned = cleaned.replace(".", "")
    else:
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    return Decimal(cleaned)


# -- names -----------------------------------------------------------------------------------

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER = {letter: i for i, letter in enumerate(ALPHABET)}
# Marks that make another letter (ă â ê ô ơ ư) and marks that are tones, in dictionary order.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
_OUTSIDE = 0x110000  # past every code point: what is not a letter ranks below the letters
_SPACE = -_OUTSIDE - 1
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> list[tuple[str, int, bool]]:
    """(letter with its letter-making marks, tone rank, was upper case) per base character."""
    out: list[tuple[str, int, bool]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and out:
            letter, tone, upper = out[-1]
            if char in _LETTER_MARKS:
                out[-1] = (unicodedata.normalize("NFC", letter + char), tone, upper)
            elif char in _TONES:
                out[-1] = (letter, _TONES[char], upper)
            continue
        out.append((char.lower(), 0, char != char.lower()))
    return out


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A key that sorts Vietnamese names alphabetically: letters first (đ after d, ơ after
    ô), then tones, then case. A space comes before any letter ("Hà Nội" before "Hàm"), and
    digits and signs before the letters, by code point."""
    letters = _letters(" ".join(text.split()))
    primary = tuple(
        _LETTER[c] if c in _LETTER else _SPACE if c == " " else ord(c) - _OUTSIDE
        for c, _, _ in letters
    )
    return primary, tuple(t for _, t, _ in letters), tuple(int(u) for _, _, u in letters)


def sort_names(items: list[Any], key: Any = None) -> list[Any]:
    """``items`` sorted in Vietnamese order of ``key(item)`` (the item itself by default)."""
    return sorted(items, key=lambda item: sort_key(key(item) if key else item))


def matches(query: str, *texts: str | None) -> bool:
    """Whether every word of ``query`` appears in one of ``texts``, ignoring case and
    diacritics ("ha noi" matches "Sở Tư pháp thành phố Hà Nội")."""
    haystack = " ".join(fold(t) for t in texts if t)
    return all(word in haystack for word in fold(query).split())
