"""Identity's request and response shapes."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from kit.pagination import PageArgs, page_schema
from services.identity.domain.org import KINDS


class AnnouncementIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnnouncementSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)


# -- organisations and regions ------------------------------------------------------------


class AsOfArgs(PageArgs):
    as_of = fields.Date(metadata={"description": "The day the structure is asked for (today)"})
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    province_code = fields.String(validate=validate.Length(max=8))
    parent_id = fields.String(validate=validate.Length(max=64))


class TreeArgs(Schema):
    as_of = fields.Date()


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


class UnitIn(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$"))
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)))
    name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    parent_id = fields.String(load_default=None)
    province_code = fields.String(load_default=None, validate=validate.Length(max=8))
    valid_from = fields.Date(required=True)


class UnitChangeIn(Schema):
    effective_date = fields.Date(required=True)
    name = fields.String(validate=validate.Length(min=2, max=300))
    parent_id = fields.String()
    reason = fields.String(validate=validate.Length(max=500))


class NewSuccessorIn(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$"))
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    province_code = fields.String(load_default=None, validate=validate.Length(max=8))
    parent_id = fields.String(load_default=None)


class MergerIn(Schema):
    effective_date = fields.Date(required=True)
    merged_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    successor_id = fields.String(load_default=None)
    new_successor = fields.Nested(NewSuccessorIn, load_default=None)
    successor_name = fields.String(load_default=None, validate=validate.Length(min=2, max=300))
    decision = fields.String(load_default=None, validate=validate.Length(max=200))


class MergerOut(Schema):
    successor = fields.Nested(UnitSchema)
    merged = fields.List(fields.Nested(UnitSchema))


class RegionArgs(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class RegionSchema(Schema):
    id = fields.String()
    year = fields.Integer()
    code = fields.String()
    name = fields.String()
    lead_unit_id = fields.String(allow_none=True)
    deputy_unit_ids = fields.List(fields.String())
    member_ids = fields.List(fields.String())


class RegionIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    member_ids = fields.List(fields.String(), required=True)
    lead_unit_id = fields.String(load_default=None)
    deputy_unit_ids = fields.List(fields.String(), load_default=list)


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
