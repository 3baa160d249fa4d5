"""Scoring's request and response shapes.

Every number a unit or a reviewer sends has bounds: counts 0 to 100,000, points 0 to 10,000
(the table's own ceiling is checked by scoringrules), inputs within ±10^15 (more than any
count or amount in đồng a province reports; floats are still exact integers there).
"""

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from kit.fields import AwareDateTime, Integer, Text, Year, localised, range_message
from kit.pagination import page_schema

MAX_COUNT = 100_000
MAX_POINTS = 10_000
MAX_INPUT = 10**15
CODE = validate.Length(min=1, max=64)


class AnnouncementSchema(Schema):
    announcement_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()
    received_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)


# -- rounds and sheets --------------------------------------------------------------------


class RoundIn(Schema):
    year = Year(required=True)
    unit_kind = fields.String(required=True, validate=validate.OneOf(["so-tu-phap", "cuc-thads"]))
    name = Text(required=True, validate=validate.Length(min=2, max=200))
    table_id = Text(load_default=None, validate=CODE)
    self_assessment_due = AwareDateTime(required=True)
    review_due = AwareDateTime(required=True)
    appraisal_due = AwareDateTime(required=True)


class RoundSchema(Schema):
    id = fields.String()
    year = fields.Integer()
    unit_kind = fields.String()
    name = fields.String()
    table_id = fields.String()
    phase = fields.String()
    self_assessment_due = fields.DateTime()
    review_due = fields.DateTime()
    appraisal_due = fields.DateTime()
    revision = fields.Integer()
    published_at = fields.DateTime(allow_none=True)


class PhaseIn(Schema):
    to = Text(required=True, validate=CODE)
    reason = Text(multiline=True, load_default=None, validate=validate.Length(max=1000))


class TableMoveIn(Schema):
    table_id = Text(required=True, validate=CODE)
    reason = Text(multiline=True, required=True, validate=validate.Length(min=3, max=1000))


def entry_etag(entry: Any) -> str:
    """An entry's ETag: send it back as If-Match when saving the entry."""
    return f'W/"entry-{entry.id}-{entry.revision}"'


class EntrySchema(Schema):
    code = fields.String()
    etag = fields.Function(entry_etag, metadata={"description": "If-Match for saving it"})
    inputs = fields.Dict(allow_none=True)
    comment = fields.String(allow_none=True)
    self_points = fields.Decimal(as_string=True, allow_none=True)
    review_points = fields.Decimal(as_string=True, allow_none=True)
    review_reason = fields.String(allow_none=True)
    final_points = fields.Decimal(as_string=True, allow_none=True)
    final_reason = fields.String(allow_none=True)
    revision = fields.Integer()


class SheetSummary(Schema):
    id = fields.String()
    round_id = fields.String()
    unit_id = fields.String()
    region_id = fields.String(allow_none=True)
    status = fields.String()
    revision = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    compute_status = fields.String()
    total = fields.Decimal(as_string=True, allow_none=True)
    band = fields.String(allow_none=True)


SheetPage = page_schema(SheetSummary)


class SheetSchema(SheetSummary):
    bonus_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    deduction_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    result = fields.Dict(
        allow_none=True,
        metadata={"description": "The computation: every number in it is a decimal string"},
    )
    entries = fields.List(fields.Nested(EntrySchema))
    allowed = fields.List(fields.String())


class Inputs(fields.Dict):
    """A criterion's inputs as its method takes them (scoringrules checks their shape), with
    texts NFC and free of control characters (``note`` multi-line) and numbers within
    ±MAX_INPUT; refusals name the input (``{"inputs": {"achieved": [...]}}``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        inputs = super()._deserialize(value, attr, data, **kwargs)
        cleaned, errors = {}, {}
        for key, item in inputs.items():
            try:
                cleaned[key] = self._clean(key, item)
            except ValidationError as error:
                errors[key] = error.messages
        if errors:
            raise ValidationError(errors)
        return cleaned

    @staticmethod
    def _clean(key: str, item: Any) -> Any:
        if isinstance(item, str):
            return Text(multiline=key == "note").deserialize(item)
        number = isinstance(item, int | float | Decimal) and not isinstance(item, bool)
        if number and not -MAX_INPUT <= item <= MAX_INPUT:
            raise ValidationError(
                localised("Không được vượt quá ±10^15.", "Must be within ±10^15.")
            )
        return item


class EntryIn(Schema):
    inputs = Inputs(keys=Text(validate=CODE), allow_none=True, required=True)
    comment = Text(multiline=True, load_default=None, validate=validate.Length(max=4000))


class CountsIn(Schema):
    bonus = fields.Dict(keys=Text(validate=CODE), values=Integer(0, MAX_COUNT), load_default=dict)
    deduction = fields.Dict(
        keys=Text(validate=CODE), values=Integer(0, MAX_COUNT), load_default=dict
    )


def points_in_range(points: Decimal) -> None:
    """Bounds and at most two decimals: points are kept to the hundredth, and a reviewer's
    0.125 must not be rounded silently (marshmallow's ``places`` rounds half to even).

    Not a Range: apispec would write a Decimal field's bounds as strings ("10000.00").
    """
    if not 0 <= points <= MAX_POINTS:
        raise ValidationError(range_message(0, MAX_POINTS))
    if points != points.quantize(Decimal("0.01")):
        raise ValidationError(
            localised(
                "Điểm chỉ có tối đa hai chữ số thập phân.", "Points have at most two decimals."
            )
        )


class PointsIn(Schema):
    points = fields.Decimal(
        required=True,
        validate=points_in_range,
        metadata={"minimum": 0, "maximum": MAX_POINTS},
    )
    reason = Text(multiline=True, required=True, validate=validate.Length(min=3, max=2000))


class ReasonIn(Schema):
    reason = Text(multiline=True, required=True, validate=validate.Length(min=3, max=2000))


class ComputationSchema(Schema):
    sheet_id = fields.String()
    revision = fields.Integer()
    compute_status = fields.String()
    computed_revision = fields.Integer(allow_none=True)
    total = fields.Decimal(as_string=True, allow_none=True)
    band = fields.String(allow_none=True)


class ChangeSchema(Schema):
    code = fields.String(allow_none=True)
    stage = fields.String()
    field = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
    reason = fields.String(allow_none=True)
    actor_id = fields.String()
    at = fields.DateTime()


ChangePage = page_schema(ChangeSchema)
