"""Text as the platform keeps it: NFC, without control characters, folded for search.

Vietnamese reaches us in two Unicode forms that look alike: composed ("Trần" as 4 code
points, NFC: most keyboards and browsers) and decomposed ("Tra" + combining grave and circumflex
+ "n", NFD: macOS, some input methods, copied PDFs). They compare unequal, so a name typed one
way is not found when searched the other. Every text is therefore stored NFC, and searches
compare *folded* text (:func:`fold`: no case, no diacritics, đ → d, single spaces), word by
word from the start of words (:func:`search_key`), so "tran" finds "Trần" and "ha noi" finds
"Hà Nội" on SQLite and PostgreSQL alike, without extensions.

Control characters (U+0000–U+001F, U+007F–U+009F) have no place in names and titles; in
multi-line text (comments, notes, reasons) tab and newline are allowed. NUL and lone UTF-16
surrogates are refused everywhere: PostgreSQL text cannot hold NUL and a lone surrogate cannot be
encoded as UTF-8 at all.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = [
    "MULTILINE_ALLOWED",
    "code_points",
    "control_characters",
    "fold",
    "is_control",
    "json_defects",
    "json_depth",
    "matches",
    "nfc",
    "nfc_json",
    "search_key",
    "search_words",
    "unstorable",
]

MULTILINE_ALLOWED = frozenset("\t\n")


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C (composed), the form every stored text is in."""
    return unicodedata.normalize("NFC", text)


def is_control(char: str) -> bool:
    """A C0 or C1 control character, DEL, or a lone surrogate (not a character at all)."""
    return unicodedata.category(char) in ("Cc", "Cs")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The distinct control characters in ``text`` (tab and newline allowed when multi-line)."""
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    found = {c for c in text if c not in allowed and is_control(c)}
    return sorted(found)


def code_points(chars: list[str]) -> str:
    """``["\\x00", "\\x07"]`` → ``"U+0000, U+0007"``, for messages."""
    return ", ".join(f"U+{ord(c):04X}" for c in chars)


def fold(text: str) -> str:
    """Text for comparing in searches: NFC, case-folded, diacritics removed, đ → d, one space.

    ``fold("  Trần  Thị Bình ") == "tran thi binh"``; ``fold("Đà Nẵng") == "da nang"``. The same
    function folds the stored column and the search term, so they always agree.
    """
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", plain).split())


def search_key(text: str) -> str:
    """What to store beside a text for searching it: its fold with a leading space.

    A search word then matches where ``" " + word`` occurs in the key, that is at the start
    of a word: "tran" and "bin" find "Trần Thị Bình", but "an" does not (it is inside "tran").
    A plain ``LIKE '% tran%'``, the same on SQLite and PostgreSQL, without extensions.
    """
    return " " + fold(text)


def search_words(query: str | None) -> list[str]:
    """The words of a search, folded like the keys: ``" " + word`` is what to look for."""
    return fold(query or "").split()


def matches(query: str | None, text: str) -> bool:
    """Whether every word of ``query`` begins a word of ``text`` (for lists filtered in Python)."""
    key = search_key(text)
    return all(f" {word}" in key for word in search_words(query))


def nfc_json(value: Any) -> Any:
    """A JSON value with every string (keys too) in NFC; other values unchanged."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc(k) if isinstance(k, str) else k: nfc_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_json(v) for v in value]
    return value


def unstorable(text: str) -> list[str]:
    """The characters of ``text`` no database can store: NUL and lone surrogates."""
    return sorted({c for c in text if c == "\x00" or unicodedata.category(c) == "Cs"})


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0).

    Iterative, so a document nested too deeply for Python's recursion can still be measured.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth) for child in children)
    return deepest


def json_defects(value: Any, message: Callable[[str, str], str]) -> dict[Any, Any]:
    """What in a parsed JSON value no database can store, as marshmallow-style nested errors:
    ``{"title": [message("character", "U+0000")], "items": {0: {"n": [message("number",
    "NaN")]}}}``.

    Strings holding NUL or a lone surrogate are reported with ``("character", code points)``;
    NaN and ±Infinity (Python's json accepts them, JSON does not) with ``("number", repr)``. A
    key holding such characters is reported under its escaped form ("a\\ud800"), a bare value
    under ``_schema``. Call it on a value of bounded depth (it recurses).
    """
    if not isinstance(value, dict | list):
        defect = _defect(value, message)
        return {"_schema": [defect]} if defect else {}
    errors: dict[Any, Any] = {}
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        if isinstance(key, str) and (bad := unstorable(key)):
            escaped = "".join(f"\\u{ord(c):04x}" if c in bad else c for c in key)
            errors[escaped] = [message("character", code_points(bad))]
        elif isinstance(child, dict | list):
            if nested := json_defects(child, message):
                errors[key] = nested
        elif defect := _defect(child, message):
            errors[key] = [defect]
    return errors


def _defect(value: Any, message: Callable[[str, str], str]) -> str | None:
    if isinstance(value, str) and (bad := unstorable(value)):
        return message("character", code_points(bad))
    if isinstance(value, float) and not math.isfinite(value):
        return message("number", repr(value))
    return None
