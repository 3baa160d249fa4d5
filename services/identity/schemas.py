"""Identity's request and response shapes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.pagination import page_schema


class AnnouncementIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class AnnouncementSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)
