"""Request and response shapes of users, roles, lockouts, the audit log and API clients.

Shape checks live here (types, lengths, known roles); the rules that need the database or
come with Vietnamese and English reasons (username form, password policy, scopes, units) are
the domain's, and answer 422 with field errors the same way.
"""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from contracts.roles import ROLES
from kit.fields import AwareDateTime, Date, Text
from kit.pagination import PageArgs, page_schema

SCOPES = ("national", "unit", "region")


# -- users -----------------------------------------------------------------------------------


class UserIn(Schema):
    username = Text(
        required=True,
        validate=validate.Length(min=3, max=64),
        metadata={"description": "3–64 of a-z 0-9 . _ -; stored lowercase"},
    )
    full_name = Text(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    unit_id = Text(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(
        load_default=None,
        allow_none=True,
        load_only=True,
        metadata={
            "description": "Optional initial password (12–128 characters, not common, not "
            "containing the username); without one the user cannot sign in yet"
        },
    )


class UserPatch(Schema):
    full_name = Text(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class PasswordIn(Schema):
    password = fields.String(required=True, load_only=True)


class UserArgs(PageArgs):
    unit_id = Text(validate=validate.Length(max=64))
    q = Text(
        validate=validate.Length(max=100),
        metadata={
            "description": "Part of the username, full name or e-mail address, ignoring case "
            "and diacritics ('tran' finds 'Trần')"
        },
    )


class RoleIn(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    scope_id = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"description": "The unit id (scope unit) or region id (scope region)"},
    )
    valid_from = Date(load_default=None, allow_none=True, metadata={"description": "Today"})
    valid_to = Date(load_default=None, allow_none=True, metadata={"description": "Open"})


class RoleAssignmentSchema(Schema):
    id = fields.String()
    role = fields.String()
    scope = fields.String()
    scope_id = fields.String(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    granted_by = fields.String(allow_none=True)
    granted_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)


class LockoutStateSchema(Schema):
    failures = fields.Integer(metadata={"description": "Consecutive failed sign-ins"})
    blocked_until = fields.DateTime(allow_none=True, metadata={"description": "While blocked"})
    locked = fields.Boolean(metadata={"description": "Locked after repeated failures"})
    last_failure_at = fields.DateTime(allow_none=True)


class UserSchema(Schema):
    id = fields.String()
    username = fields.String()
    full_name = fields.String()
    email = fields.String(allow_none=True)
    unit_id = fields.String()
    is_active = fields.Boolean()
    has_password = fields.Function(
        lambda user: user.password_hash is not None,
        metadata={"type": "boolean", "description": "Whether the user can sign in yet"},
    )
    created_at = fields.DateTime()
    password_changed_at = fields.DateTime(allow_none=True)
    last_login_at = fields.DateTime(allow_none=True)
    roles = fields.List(
        fields.Nested(RoleAssignmentSchema),
        metadata={"description": "Every assignment, revoked ones included (history)"},
    )


class UserDetailSchema(UserSchema):
    lockout = fields.Nested(LockoutStateSchema)


UserPage = page_schema(UserSchema)


class LockoutSchema(Schema):
    kind = fields.String(metadata={"description": "account or address"})
    key = fields.String(metadata={"description": "The username or the source address"})
    user_id = fields.String(allow_none=True, metadata={"description": "None: no such user"})
    unit_id = fields.String(allow_none=True)
    failures = fields.Integer()
    last_failure_at = fields.DateTime()
    blocked_until = fields.DateTime()
    locked = fields.Boolean()


LockoutPage = page_schema(LockoutSchema)


# -- the audit log ---------------------------------------------------------------------------


class AuditArgs(PageArgs):
    action = Text(validate=validate.Length(max=64))
    actor_id = Text(validate=validate.Length(max=64))
    target_type = Text(validate=validate.Length(max=32))
    target_id = Text(validate=validate.Length(max=80))
    outcome = fields.String(validate=validate.OneOf(("success", "failure", "denied")))
    from_ = AwareDateTime(
        data_key="from",
        default_timezone=UTC,
        metadata={"description": "From this instant (inclusive; UTC unless a zone is given)"},
    )
    to = AwareDateTime(
        default_timezone=UTC, metadata={"description": "Before this instant (exclusive)"}
    )


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor_id = fields.String(allow_none=True)
    action = fields.String()
    outcome = fields.String()
    target_type = fields.String(allow_none=True)
    target_id = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    source_address = fields.String(allow_none=True)
    details = fields.Dict()


AuditPage = page_schema(AuditEntrySchema)


# -- API clients -----------------------------------------------------------------------------


class ClientIn(Schema):
    client_id = Text(required=True, validate=validate.Length(min=3, max=64))
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(
        Text(validate=validate.Length(max=64)),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "<service>:read or <service>:write"},
    )
    unit_id = Text(load_default=None, allow_none=True, validate=validate.Length(max=64))


class ClientSchema(Schema):
    client_id = fields.String(attribute="id")
    name = fields.String()
    scopes = fields.Function(
        lambda client: client.scopes.split(),
        metadata={"type": "array", "items": {"type": "string"}},
    )
    unit_id = fields.String(allow_none=True)
    is_active = fields.Boolean()
    created_at = fields.DateTime()


class ClientCreatedSchema(ClientSchema):
    client_secret = fields.String(
        metadata={"description": "Shown this once; only its hash is kept"},
    )


ClientPage = page_schema(ClientSchema)
