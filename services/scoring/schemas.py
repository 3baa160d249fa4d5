"""Scoring's response shapes."""

from marshmallow import Schema, fields

from kit.pagination import page_schema


class AnnouncementSchema(Schema):
    announcement_id = fields.Integer()
    title = fields.String()
    body = fields.String()
    published_at = fields.DateTime()
    received_at = fields.DateTime()


AnnouncementPage = page_schema(AnnouncementSchema)
