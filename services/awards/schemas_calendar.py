"""The calendar of public holidays and the working-day question: request and response shapes.

A year's days are validated by ``domain.calendar.validate`` (each problem named by its JSON
Pointer, ``/days/3/date``), not by marshmallow, so the request takes them as they come.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from kit.fields import Date, Integer
from kit.pagination import page_schema
from services.awards.domain.calendar import KINDS, MAX_COUNT, MAX_DAYS


class HolidayDaySchema(Schema):
    date = fields.String(metadata={"format": "date", "example": "2026-04-26"})
    name = fields.String(metadata={"example": "Giỗ Tổ Hùng Vương"})
    kind = fields.String(
        metadata={
            "enum": list(KINDS),
            "description": "holiday: a day off of Điều 112; substitute: a day off in lieu or "
            "swapped; makeup: a Saturday or Sunday worked in exchange",
        }
    )
    lunar = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The lunar date {day, month, leap?}",
            "example": {"day": 10, "month": 3},
        },
    )
    basis = fields.String(allow_none=True)


class HolidayCalendarSchema(Schema):
    year = fields.Integer()
    version = fields.Integer()
    basis = fields.String()
    days = fields.List(fields.Nested(HolidayDaySchema))
    note = fields.String(allow_none=True)
    source = fields.String(metadata={"enum": ["file", "edit"]})
    changed_by = fields.String()
    changed_at = fields.DateTime()


HolidayCalendarPage = page_schema(HolidayCalendarSchema)


class HolidayCalendarIn(Schema):
    """A year's whole calendar; every version replaces the whole list of days."""

    basis = fields.Raw(
        required=True,
        metadata={"type": "string", "description": "The legal texts the days come from"},
    )
    days = fields.Raw(
        required=True,
        metadata={
            "type": "array",
            "maxItems": MAX_DAYS,
            "items": {"$ref": "#/components/schemas/HolidayDay"},
            "description": "Every day off and make-up day of the year (dates inside it, "
            "each once; names non-empty)",
        },
    )
    note = fields.Raw(
        load_default=None,
        metadata={"type": "string", "nullable": True, "description": "Why this version"},
    )


class WorkingDaysArgs(Schema):
    start = Date(required=True, metadata={"description": "The day the list is posted"})
    count = Integer(1, MAX_COUNT, required=True, metadata={"description": "Working days"})


class WorkingDaysSchema(Schema):
    start = fields.Date()
    count = fields.Integer()
    ends_on = fields.Date(
        metadata={
            "description": "The count-th working day from start (start included when it is "
            "one): the period is over from the next day on"
        }
    )
    holidays_skipped = fields.List(
        fields.Nested(HolidayDaySchema),
        metadata={"description": "The listed days off from start to ends_on"},
    )
    makeup_days = fields.List(
        fields.Nested(HolidayDaySchema),
        metadata={"description": "Weekend days worked in exchange, counted as working days"},
    )
