"""Request and response shapes of webhooks and the feed (they make the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import AwareDateTime, Integer, Text
from kit.pagination import PageArgs, page_schema


def event_types() -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(max=50),
    )


class EndpointIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    event_types = event_types()
    description = Text(load_default="", validate=validate.Length(max=500))


class EndpointPatch(Schema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=50)
    )
    description = Text(validate=validate.Length(max=500))
    enabled = fields.Boolean()


class EndpointSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True)
    disabled_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class EndpointCreated(EndpointSchema):
    secret = fields.String(metadata={"description": "Shown this once: keep it."})


class SecretSchema(Schema):
    secret = fields.String(metadata={"description": "The new secret, shown this once."})
    previous_valid_until = fields.DateTime()


class AttemptSchema(Schema):
    attempted_at = fields.DateTime()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    duration_ms = fields.Integer()
    response_excerpt = fields.String()
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    subject = fields.String()
    sequence = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    last_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryDetail(DeliverySchema):
    log = fields.List(fields.Nested(AttemptSchema))


DeliveryPage = page_schema(DeliverySchema)
EndpointPage = page_schema(EndpointSchema)


class DeliveryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["pending", "delivered", "failed"]))


class RecoverIn(Schema):
    since = AwareDateTime(required=True)


class RecoverOut(Schema):
    recovered = fields.Integer()


class FeedArgs(Schema):
    after = fields.String(validate=validate.Length(max=100))
    types = fields.String(
        validate=validate.Length(max=4000),
        metadata={"description": "Comma-separated event types; every public type if absent."},
    )
    limit = Integer(1, 500, load_default=100)


class FeedPage(Schema):
    items = fields.List(fields.Dict(), metadata={"description": "CloudEvents, in feed order."})
    next = fields.String(metadata={"description": "The cursor to pass as after= next time."})
