"""Request and response shapes of emulation movements and region covenants.

Marshmallow checks each field on its own; the rules between fields and against the read models
(phases inside the period, units in force, a published table, a known region) are the domain's
(services/criteria/domain/movements.py and covenants.py), which answer 422 with the same
``errors`` shape.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import Date, Text, Year
from kit.pagination import PageArgs, page_schema

KINDS = ("regular", "thematic")
LEVELS = ("ministry", "region", "unit")
MOVEMENT_STATUSES = ("draft", "launched")
UNIT_ID = validate.Length(min=1, max=64)


# -- movements ----------------------------------------------------------------------------


class PhaseSchema(Schema):
    """A peak emulation period (đợt thi đua cao điểm) inside the movement's period."""

    name = Text(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Đợt 1"}
    )
    starts_on = Date(required=True, metadata={"example": "2026-01-01"})
    ends_on = Date(required=True, metadata={"example": "2026-06-30"})


class StoredPhase(Schema):
    """A phase as stored and answered (dates as ISO strings)."""

    name = fields.String()
    starts_on = fields.String(metadata={"format": "date", "example": "2026-01-01"})
    ends_on = fields.String(metadata={"format": "date", "example": "2026-06-30"})


class MovementIn(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=500))
    theme = Text(multiline=True, required=True, validate=validate.Length(min=1, max=5000))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    launching_level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    launching_unit_id = Text(required=True, validate=UNIT_ID)
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    phases = fields.List(
        fields.Nested(PhaseSchema), load_default=list, validate=validate.Length(max=24)
    )
    participant_unit_ids = fields.List(
        Text(validate=UNIT_ID), load_default=list, validate=validate.Length(max=2000)
    )
    table_id = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={"description": "A published criteria table"},
    )


class MovementArgs(PageArgs):
    year = Year(metadata={"description": "Movements whose period meets this year"})
    kind = fields.String(validate=validate.OneOf(KINDS))
    status = fields.String(validate=validate.OneOf(MOVEMENT_STATUSES))


class MovementSchema(Schema):
    id = fields.String()
    title = fields.String()
    theme = fields.String()
    kind = fields.String()
    launching_level = fields.String()
    launching_unit_id = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    phases = fields.List(fields.Nested(StoredPhase))
    participant_unit_ids = fields.List(fields.String())
    table_id = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()
    launched_at = fields.DateTime(allow_none=True)


MovementPage = page_schema(MovementSchema)


# -- covenants ----------------------------------------------------------------------------


class CovenantItemSchema(Schema):
    code = Text(required=True, validate=validate.Length(min=1, max=32), metadata={"example": "1"})
    content = Text(multiline=True, required=True, validate=validate.Length(min=1, max=5000))


class CovenantChange(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=500))
    items = fields.List(
        fields.Nested(CovenantItemSchema), required=True, validate=validate.Length(min=1, max=200)
    )


class CovenantIn(CovenantChange):
    region_id = Text(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata={"example": "2026-dong-bang-bac-bo"},
    )


class CovenantArgs(PageArgs):
    year = Year()
    region_id = Text(validate=validate.Length(min=1, max=80))


class SignatureIn(Schema):
    signer_name = Text(required=True, validate=validate.Length(min=1, max=200))
    signer_title = Text(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"example": "Giám đốc Sở Tư pháp"},
    )


class SignatureSchema(SignatureIn):
    id = fields.String()
    covenant_id = fields.String()
    unit_id = fields.String()
    signed_by_user = fields.String()
    signed_at = fields.DateTime()


class CovenantSchema(Schema):
    id = fields.String()
    region_id = fields.String()
    year = fields.Integer()
    title = fields.String()
    items = fields.List(fields.Nested(CovenantItemSchema))
    created_at = fields.DateTime()
    member_count = fields.Integer(metadata={"description": "Members of the region now"})
    signed_count = fields.Integer()
    unsigned_unit_ids = fields.List(
        fields.String(), metadata={"description": "Members yet to sign"}
    )
    signatures = fields.List(fields.Nested(SignatureSchema))


CovenantPage = page_schema(CovenantSchema)
