"""Notify's response shapes."""

from marshmallow import Schema, fields, validate

from kit.pagination import PageArgs
from services.notify.domain.inbox import ANNOUNCEMENT
from services.notify.domain.preferences import MODES
from services.notify.domain.rules import KINDS

INBOX_KINDS = [ANNOUNCEMENT, *KINDS]


# -- people: the inbox and preferences


class InboxItemSchema(Schema):
    id = fields.String(
        metadata={"description": "n<number>: a notification; a<number>: an announcement"}
    )
    kind = fields.String(metadata={"description": "announcement, or a kind of GET /preferences"})
    event_id = fields.String(allow_none=True)
    event_type = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    link = fields.String(
        metadata={"description": "the path of what it is about, in the web application"}
    )
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
    unread = fields.Integer(metadata={"description": "unread items in the whole inbox"})


InboxItemPage = InboxPageSchema


class InboxArgs(PageArgs):
    kind = fields.List(
        fields.String(validate=validate.OneOf(INBOX_KINDS)),
        load_default=None,
        metadata={"description": "only these kinds (repeat the parameter for several)"},
    )
    read = fields.Boolean(
        load_default=None, metadata={"description": "only read, or unread, items"}
    )


class UnreadSchema(Schema):
    unread = fields.Integer()


class MarkSchema(Schema):
    read = fields.Boolean(required=True)


class MarkAllSchema(Schema):
    kind = fields.List(fields.String(validate=validate.OneOf(INBOX_KINDS)), load_default=None)


class MarkedSchema(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class PreferenceSchema(Schema):
    kind = fields.String()
    name = fields.String()
    email = fields.String(metadata={"description": "instant, digest or off"})
    default = fields.Boolean()


class PreferenceChoiceSchema(Schema):
    email = fields.String(required=True, validate=validate.OneOf(MODES))
