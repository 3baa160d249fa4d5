"""Notify's response shapes."""

from marshmallow import Schema, fields

from kit.pagination import page_schema


class InboxItemSchema(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    title = fields.String()
    body = fields.String()
    created_at = fields.DateTime()


InboxItemPage = page_schema(InboxItemSchema)
