"""Scoring's response shapes."""

from typing import Any

from marshmallow import Schema, fields, validate

from kit.pagination import page_schema


class AnnouncementSchema(Schema):
    announcement_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()
    received_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)


# -- rounds and sheets --------------------------------------------------------------------


class RoundIn(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    unit_kind = fields.String(required=True, validate=validate.OneOf(["so-tu-phap", "cuc-thads"]))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    table_id = fields.String(load_default=None)
    self_assessment_due = fields.AwareDateTime(required=True)
    review_due = fields.AwareDateTime(required=True)
    appraisal_due = fields.AwareDateTime(required=True)


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
    to = fields.String(required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=1000))


class TableMoveIn(Schema):
    table_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))


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
    result = fields.Dict(allow_none=True)
    entries = fields.List(fields.Nested(EntrySchema))
    allowed = fields.List(fields.String())


class EntryIn(Schema):
    inputs = fields.Dict(allow_none=True, required=True)
    comment = fields.String(load_default=None, validate=validate.Length(max=4000))


class CountsIn(Schema):
    bonus = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)
    deduction = fields.Dict(keys=fields.String(), values=fields.Integer(), load_default=dict)


class PointsIn(Schema):
    points = fields.Decimal(required=True, places=2)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


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
