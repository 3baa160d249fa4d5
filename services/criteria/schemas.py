"""Criteria's request and response shapes.

The table document itself is validated by ``scoringrules`` (with JSON Pointers to every
problem), not by marshmallow: its tree is the Ministry's and deeper than a schema should be.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import Text, Year
from kit.pagination import PageArgs, page_schema
from services.criteria.domain.tables import UNIT_KINDS


class TableArgs(PageArgs):
    year = Year()
    unit_kind = fields.String(validate=validate.OneOf(list(UNIT_KINDS)))
    status = fields.String(validate=validate.OneOf(["draft", "published", "superseded"]))


class TableSummary(Schema):
    id = fields.String()
    year = fields.Integer()
    unit_kind = fields.String()
    status = fields.String()
    version = fields.Integer(allow_none=True)
    title = fields.String()
    amends_id = fields.String(allow_none=True)
    change_note = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)
    rules_version = fields.String(allow_none=True)


TablePage = page_schema(TableSummary)


class TableSchema(TableSummary):
    revision = fields.Integer()
    document = fields.Dict(metadata={"description": "The table (format: docs/scoring-rules.md)"})


class TableIn(Schema):
    year = Year(required=True)
    unit_kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    document = fields.Dict(required=True)


class DocumentIn(Schema):
    document = fields.Dict(required=True)


class PublishIn(Schema):
    change_note = Text(multiline=True, load_default=None, validate=validate.Length(max=2000))


class CloneIn(Schema):
    year = Year(required=True)


class DiffArgs(Schema):
    against = Text(
        required=True,
        validate=validate.Length(max=64),
        metadata={"description": "The older table's id"},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "text"]))


class ImportForm(Schema):
    year = Year(required=True)
    unit_kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
