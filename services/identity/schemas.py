"""Identity's request and response shapes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from kit.fields import Date, Text, Year
from kit.pagination import PageArgs, page_schema
from services.identity.domain.org import KINDS


class AnnouncementIn(Schema):
    title = Text(required=True, validate=validate.Length(min=1, max=200))
    body = Text(multiline=True, required=True, validate=validate.Length(min=1, max=5000))


class AnnouncementSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)


# -- organisations and regions ------------------------------------------------------------


class AsOfArgs(PageArgs):
    as_of = Date(metadata={"description": "The day the structure is asked for (today)"})
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    province_code = Text(validate=validate.Length(max=8))
    parent_id = Text(validate=validate.Length(max=64))
    q = Text(
        validate=validate.Length(max=100),
        metadata={
            "description": "Part of the name or code, ignoring case and diacritics "
            "('ha noi' finds 'Hà Nội')"
        },
    )


class TreeArgs(Schema):
    as_of = Date()


class UnitSchema(Schema):
    id = fields.String()
    code = fields.String()
    kind = fields.String()
    name = fields.String(metadata={"description": "The name in force on the day asked"})
    parent_id = fields.String(allow_none=True)
    province_code = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    successor_id = fields.String(allow_none=True)


UnitPage = page_schema(UnitSchema)


class VersionSchema(Schema):
    valid_from = fields.Date(allow_none=True)
    name = fields.String()
    parent_id = fields.String(allow_none=True)


class UnitDetailSchema(UnitSchema):
    versions = fields.List(fields.Nested(VersionSchema))
    region_ids = fields.List(fields.String())


class TreeNodeSchema(UnitSchema):
    children = fields.List(fields.Nested(lambda: TreeNodeSchema()))


UNIT_ID = validate.Length(min=1, max=64)


class UnitIn(Schema):
    id = Text(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$"))
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    name = Text(required=True, validate=validate.Length(min=2, max=300))
    parent_id = Text(load_default=None, validate=UNIT_ID)
    province_code = Text(load_default=None, validate=validate.Length(max=8))
    valid_from = Date(required=True)


class UnitChangeIn(Schema):
    effective_date = Date(required=True)
    name = Text(validate=validate.Length(min=2, max=300))
    parent_id = Text(
        validate=UNIT_ID, metadata={"description": "The new parent unit (omit to keep it)"}
    )
    reason = Text(multiline=True, validate=validate.Length(max=500))


class NewSuccessorIn(Schema):
    id = Text(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$"))
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    name = Text(required=True, validate=validate.Length(min=2, max=300))
    province_code = Text(load_default=None, validate=validate.Length(max=8))
    parent_id = Text(load_default=None, validate=UNIT_ID)


class MergerIn(Schema):
    effective_date = Date(required=True)
    merged_ids = fields.List(Text(validate=UNIT_ID), required=True, validate=validate.Length(min=1))
    successor_id = Text(load_default=None, validate=UNIT_ID)
    new_successor = fields.Nested(NewSuccessorIn, load_default=None)
    successor_name = Text(load_default=None, validate=validate.Length(min=2, max=300))
    decision = Text(load_default=None, validate=validate.Length(max=200))


class MergerOut(Schema):
    successor = fields.Nested(UnitSchema)
    merged = fields.List(fields.Nested(UnitSchema))


class RegionArgs(Schema):
    year = Year()


class RegionSchema(Schema):
    id = fields.String()
    year = fields.Integer()
    code = fields.String()
    name = fields.String()
    lead_unit_id = fields.String(allow_none=True)
    deputy_unit_ids = fields.List(fields.String())
    member_ids = fields.List(fields.String())


class RegionIn(Schema):
    name = Text(required=True, validate=validate.Length(min=2, max=300))
    member_ids = fields.List(Text(validate=UNIT_ID), required=True)
    lead_unit_id = Text(load_default=None, validate=UNIT_ID)
    deputy_unit_ids = fields.List(Text(validate=UNIT_ID), load_default=list)


# -- tokens and the caller ----------------------------------------------------------------


class TokenForm(Schema):
    """RFC 6749 token request (application/x-www-form-urlencoded)."""

    class Meta:
        unknown = EXCLUDE

    grant_type = fields.String(required=True)
    username = fields.String()
    password = fields.String()
    refresh_token = fields.String()
    client_id = fields.String()
    client_secret = fields.String()
    scope = fields.String()


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    refresh_token = fields.String()
    scope = fields.String()


class RevokeForm(Schema):
    class Meta:
        unknown = EXCLUDE

    token = fields.String(required=True)
    token_type_hint = fields.String()


class LogoutIn(Schema):
    refresh_token = fields.String(load_default=None)


class GrantSchema(Schema):
    role = fields.String()
    scope = fields.String()
    scope_id = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class PermissionSchema(Schema):
    action = fields.String()
    scope = fields.String()
    scope_id = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.String()
    kind = fields.String()
    username = fields.String(allow_none=True)
    full_name = fields.String(allow_none=True)
    unit = fields.Nested(UnitSchema, allow_none=True)
    roles = fields.List(fields.Nested(GrantSchema))
    permissions = fields.List(fields.Nested(PermissionSchema))
    scopes = fields.List(fields.String())
    token_expires_at = fields.DateTime()
