"""Marshmallow fields for what callers send, so that every service refuses and normalises alike.

- :class:`Text`: a string people write. Stored NFC; control characters refused with a 422
  naming the field (tab and newline allowed in a ``multiline`` field, whose CR LF and CR
  become LF). Names, titles and codes are single-line; comments, notes, reasons multi-line.
- :class:`Integer`: an integer with bounds, always (PostgreSQL's integer columns overflow at
  2^31, and a count of 1e300 is nonsense); ``2027.5`` is refused, not truncated to 2027.
- :class:`Year`: an :class:`Integer` from 2000 to 2100; :func:`check_year` for path parameters;
  :class:`Date` and :class:`AwareDateTime` hold days and instants of those years only.
- :class:`Range`: marshmallow's, with its message in the caller's language.

Messages are chosen when the request is validated: Vietnamese unless the caller prefers English.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from marshmallow import ValidationError, fields, validate

from kit import text
from kit.problems import Problem, prefers_vietnamese

__all__ = [
    "AwareDateTime",
    "Date",
    "Integer",
    "Range",
    "Text",
    "Year",
    "check_year",
    "control_message",
    "localised",
    "range_message",
    "year_message",
]

MIN_YEAR, MAX_YEAR = 2000, 2100


def localised(vi: str, en: str) -> str:
    """The message in the current caller's language (Vietnamese outside a request)."""
    return en if has_request_context() and not prefers_vietnamese() else vi


class Text(fields.String):
    """A user-written string: NFC, without control characters (see the module)."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        result = text.nfc(super()._deserialize(value, attr, data, **kwargs))
        if self.multiline:
            result = result.replace("\r\n", "\n").replace("\r", "\n")
        if bad := text.control_characters(result, multiline=self.multiline):
            raise ValidationError(control_message(bad, multiline=self.multiline))
        return result


def control_message(chars: list[str], *, multiline: bool) -> str:
    points = text.code_points(chars)
    if multiline:
        return localised(
            f"Không được chứa ký tự điều khiển ({points}); chỉ nhận tab và xuống dòng.",
            f"Must not contain control characters ({points}); only tab and newline are allowed.",
        )
    return localised(
        f"Không được chứa ký tự điều khiển hay xuống dòng ({points}).",
        f"Must not contain control characters or line breaks ({points}).",
    )


def range_message(minimum: Any, maximum: Any) -> str:
    """The bounds in words: from 2000 to 2100, at least 1, at most 200."""
    if minimum is not None and maximum is not None:
        return localised(
            f"Phải từ {minimum} đến {maximum}.", f"Must be from {minimum} to {maximum}."
        )
    if minimum is not None:
        return localised(f"Phải từ {minimum} trở lên.", f"Must be at least {minimum}.")
    return localised(f"Không được quá {maximum}.", f"Must be at most {maximum}.")


class Range(validate.Range):
    """marshmallow's Range, saying "from … to …" in the caller's language."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.error:
            return super()._format_error(value, message)
        return range_message(self.min, self.max)


class Integer(fields.Integer):
    """A whole number from ``minimum`` to ``maximum`` (both required: no unbounded integer)."""

    def __init__(self, minimum: int, maximum: int, **kwargs: Any) -> None:
        extra = kwargs.pop("validate", None)
        extra = [] if extra is None else [extra] if callable(extra) else list(extra)
        super().__init__(validate=[Range(minimum, maximum), *extra], **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, float | Decimal) and not _whole(value):
            raise self.make_error("invalid", input=value)  # 2027.5 is no year, 1.5 no count
        return super()._validated(value)


def _whole(value: float | Decimal) -> bool:
    if isinstance(value, float):
        return value.is_integer()  # False for NaN and infinities too
    return value.is_finite() and value == value.to_integral_value()


class Year(Integer):
    """A calendar year the platform can hold (2000–2100)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(MIN_YEAR, MAX_YEAR, **kwargs)


def year_message() -> str:
    return localised(
        f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.",
        f"The year must be from {MIN_YEAR} to {MAX_YEAR}.",
    )


class Date(fields.Date):
    """A day of a year :class:`Year` accepts: 0001-01-01 overflowed date arithmetic (a 500)
    and 9999-12-31 means nothing to the platform."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValidationError(year_message())
        return day


class AwareDateTime(fields.AwareDateTime):
    """An instant of a year :class:`Year` accepts (see :class:`Date`)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not MIN_YEAR <= instant.year <= MAX_YEAR:
            raise ValidationError(year_message())
        return instant


def check_year(year: int, field: str = "year") -> None:
    """422 naming ``field`` unless ``year`` is one :class:`Year` accepts (for path parameters)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Problem(
            422,
            "validation-failed",
            ("Một số trường không hợp lệ, xem errors.", "Some fields are invalid, see errors."),
            errors={field: [range_message(MIN_YEAR, MAX_YEAR)]},
        )
