"""The registry's request and response shapes (search, profiles, exports, the audit trail)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import Text, Year
from kit.pagination import PageArgs, page_schema

CODE = validate.Length(min=1, max=64)


class PeopleArgs(PageArgs):
    q = Text(validate=validate.Length(max=200), metadata={"description": "words of the name"})
    unit = Text(validate=CODE)
    award = Text(validate=validate.Length(min=1, max=32))
    year = Year()


class ExportArgs(Schema):
    unit = Text(required=True, validate=CODE)


class ChangesArgs(PageArgs):
    subject = Text(validate=CODE, metadata={"description": "a staff code or a unit id"})
    unit = Text(validate=CODE)


class PersonRow(Schema):
    staff_code = fields.String()
    full_name = fields.String()
    gender = fields.String()
    unit_id = fields.String()
    revision = fields.Integer()


PersonPage = page_schema(PersonRow)


class HeldAward(Schema):
    award = fields.String()
    award_name = fields.String(allow_none=True)
    year = fields.Integer()
    decision = fields.String()
    decided_on = fields.Date(allow_none=True)
    revoked = fields.Boolean()
    source = fields.String()


class TimelineYear(Schema):
    year = fields.Integer()
    awards = fields.List(fields.Nested(HeldAward))
    assessment = fields.String(allow_none=True)
    service_months = fields.Integer(
        allow_none=True, metadata={"description": "null: the whole year (12)"}
    )
    discipline = fields.List(fields.String())
    initiatives = fields.List(fields.Dict())
    positions_started = fields.List(fields.Dict())


class ProfileOut(Schema):
    staff_code = fields.String()
    full_name = fields.String()
    gender = fields.String()
    unit_id = fields.String()
    unit_name = fields.String(allow_none=True)
    transferred_from_other_sector = fields.Boolean()
    positions = fields.List(fields.Dict())
    assessments = fields.Dict(keys=fields.String(), values=fields.String())
    service_months = fields.Dict(keys=fields.String(), values=fields.Integer())
    discipline = fields.List(fields.Dict())
    initiatives = fields.List(fields.Dict())
    awards = fields.List(fields.Nested(HeldAward))
    timeline = fields.List(fields.Nested(TimelineYear))
    revision = fields.Integer()
    updated_at = fields.DateTime()
    updated_by = fields.String()


class PersonIn(Schema):
    """One person as the import document has it (``id`` may be left out: the path's)."""

    class Meta:
        unknown = "include"  # the import's validation names every field it refuses


class Member(Schema):
    staff_code = fields.String()
    full_name = fields.String()
    gender = fields.String()


class UnitResult(Schema):
    year = fields.Integer()
    round_id = fields.String()
    unit_kind = fields.String()
    region_id = fields.String(allow_none=True)
    total = fields.String(metadata={"format": "decimal", "example": "150.00"})
    band = fields.String()
    national_rank = fields.Integer()
    region_rank = fields.Integer(allow_none=True)
    published_at = fields.DateTime()


class UnitOut(Schema):
    unit_id = fields.String()
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    member_count = fields.Integer()
    members = fields.List(fields.Nested(Member), metadata={"description": "the first 20"})
    awards = fields.List(fields.Nested(HeldAward))
    results = fields.List(fields.Nested(UnitResult))


class ChangeRow(Schema):
    id = fields.Integer()
    subject_id = fields.String()
    unit_id = fields.String()
    action = fields.String()
    detail = fields.Dict()
    actor_id = fields.String()
    at = fields.DateTime()


ChangePage = page_schema(ChangeRow)


class RegistryDocument(Schema):
    """The import document (sample-award-history.json): ``people`` and ``awards``."""

    people = fields.List(fields.Dict())
    awards = fields.List(fields.Dict())
