"""Request shapes of councils, their sessions, ballots and public comment (answers are built by
api.councils and api.public_comment, dates as ISO 8601)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import AwareDateTime, Date, Text, Year
from kit.pagination import PageArgs
from services.awards.domain.ballots import CHOICES
from services.awards.domain.councils import FUNCTIONS, LEVELS

ID = validate.Length(min=1, max=36)
USER = validate.Length(min=1, max=64)
NAME = validate.Length(min=1, max=300)


class CouncilIn(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    unit_id = Text(load_default=None, validate=validate.Length(min=1, max=64))
    name = Text(required=True, validate=NAME)


class CouncilArgs(PageArgs):
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    unit_id = Text(load_default=None, validate=validate.Length(min=1, max=64))


class MemberIn(Schema):
    user_id = Text(required=True, validate=USER)
    full_name = Text(required=True, validate=validate.Length(min=1, max=200))
    function = fields.String(required=True, validate=validate.OneOf(FUNCTIONS))
    term_from = Date(required=True)
    term_to = Date(load_default=None)


class SessionIn(Schema):
    title = Text(required=True, validate=NAME)
    starts_at = AwareDateTime(required=True)
    location = Text(required=True, validate=NAME)
    nomination_ids = fields.List(Text(validate=ID), load_default=list)


class SessionPatch(Schema):
    title = Text(load_default=None, validate=NAME)
    starts_at = AwareDateTime(load_default=None)
    location = Text(load_default=None, validate=NAME)


class SessionArgs(PageArgs):
    state = fields.String(
        load_default=None, validate=validate.OneOf(("scheduled", "open", "closed"))
    )


class AgendaIn(Schema):
    nomination_ids = fields.List(
        Text(validate=ID), required=True, validate=validate.Length(min=1, max=200)
    )


class PresentIn(Schema):
    present = fields.List(Text(validate=USER), required=True, validate=validate.Length(max=500))


class BallotIn(Schema):
    nomination_id = Text(required=True, validate=ID)
    subject_id = Text(required=True, validate=validate.Length(min=1, max=64))
    choice = fields.String(required=True, validate=validate.OneOf(CHOICES))


class BallotPaperIn(Schema):
    votes = fields.List(
        fields.Nested(BallotIn), required=True, validate=validate.Length(min=1, max=500)
    )


class ReceiptIn(Schema):
    receipt = Text(required=True, validate=validate.Length(min=1, max=40))


class PostingIn(Schema):
    award = Text(required=True, validate=validate.Length(min=1, max=32))
    year = Year(required=True)
    starts_on = Date(required=True)
    nomination_ids = fields.List(Text(validate=ID), load_default=None)


class PostingArgs(PageArgs):
    award = Text(load_default=None, validate=validate.Length(min=1, max=32))
    year = Year(load_default=None)


class CommentIn(Schema):
    entry_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    # Length is checked after NFC by the domain (2,000 characters); this bound only stops
    # a huge body early.
    text = fields.String(required=True, validate=validate.Length(max=20000))
    author = fields.String(load_default=None, validate=validate.Length(max=1000))
    contact = fields.String(load_default=None, validate=validate.Length(max=1000))


CommentArgs = PageArgs
