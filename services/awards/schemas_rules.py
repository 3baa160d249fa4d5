"""Request and response shapes of rule packs, award types, bonuses, eligibility, quotas and
the registry import.

A rule pack document and an import document are validated by the domain (domain.packs,
domain.registry_import), every problem keyed by its JSON pointer: their trees are deeper
than a schema should be. Verdicts are documented by their outer shape.
"""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate

from kit.fields import Date, Text, Year
from kit.pagination import PageArgs, page_schema

CODE = {"validate": validate.Length(min=1, max=64)}


class RulePackArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(["draft", "published"]))


class RulePackDocument(Schema):
    """A whole rule pack (shape: services/awards/data/sample-award-rules.json)."""

    class Meta:
        unknown = INCLUDE


class RulePackRef(Schema):
    pack_id = fields.String()
    code = fields.String()
    version = fields.Integer()


class RulePackSummary(Schema):
    pack_id = fields.String()
    code = fields.String()
    version = fields.Integer()
    title = fields.String()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    status = fields.String(metadata={"description": "draft | published"})
    revision = fields.Integer()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()
    published_by = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)


RulePackPage = page_schema(RulePackSummary)


class RulePackSchema(RulePackSummary):
    document = fields.Dict(metadata={"description": "The pack as uploaded (validated, NFC)"})


class YearArgs(Schema):
    year = Year(required=True)


class AwardTypeSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "title | form"})
    recipient = fields.String(metadata={"description": "individual | collective"})
    level = fields.String()
    basis = fields.String()
    reference_day = fields.String(metadata={"format": "date", "description": "In the year asked"})
    quota = fields.Dict(allow_none=True)
    council = fields.Dict(allow_none=True)
    public_comment_working_days = fields.Integer(allow_none=True)
    once_per_recipient = fields.Boolean()
    bonus_multiple = fields.Float(allow_none=True)
    proposed_by = fields.String(metadata={"description": "unit | region"})
    rule_pack = fields.Nested(RulePackRef)


class AwardTypesOut(Schema):
    year = fields.Integer()
    items = fields.List(fields.Nested(AwardTypeSchema))


class BonusArgs(Schema):
    award = Text(required=True, **CODE)
    decided_on = Date(required=True)


class BonusOut(Schema):
    award = fields.String()
    decided_on = fields.Date()
    multiple = fields.Float()
    base_salary = fields.Integer(metadata={"description": "VND"})
    vnd = fields.Integer(metadata={"description": "The bonus, rounded up (VND)"})
    rule_pack = fields.Nested(RulePackRef)
    basis = fields.String()


class EligibilityArgs(Schema):
    award = Text(required=True, **CODE)
    year = Year(required=True)
    subject = Text(required=True, metadata={"description": "A staff code or a unit id"}, **CODE)


class Reason(Schema):
    vi = fields.String()
    en = fields.String()


class ConditionOut(Schema):
    type = fields.String()
    passed = fields.Boolean()
    reason = fields.Nested(Reason)
    found = fields.Dict(metadata={"description": "The facts behind the reason"})
    conditions = fields.List(
        fields.Dict(), metadata={"description": "Nested results (any_of, all_of)"}
    )


class OnceOut(Schema):
    passed = fields.Boolean()
    reason = fields.Nested(Reason)
    found = fields.Dict()


class VerdictSchema(Schema):
    award = fields.String()
    award_name = fields.String()
    year = fields.Integer()
    subject = fields.String()
    subject_kind = fields.String(metadata={"description": "individual | collective"})
    subject_name = fields.String()
    unit_id = fields.String()
    eligible = fields.Boolean()
    rule_pack = fields.Nested(RulePackRef)
    basis = fields.String()
    conditions = fields.List(fields.Nested(ConditionOut))
    once_per_recipient = fields.Nested(OnceOut, allow_none=True)


VerdictPage = page_schema(VerdictSchema)


class ScopeArgs(Schema):
    award = Text(required=True, **CODE)
    year = Year(required=True)
    unit = Text(**CODE)
    region = Text(validate=validate.Length(min=1, max=80))


class CandidateArgs(ScopeArgs, PageArgs):
    pass


class QuotaOut(Schema):
    award = fields.String()
    year = fields.Integer()
    unit = fields.String()
    region = fields.String()
    max = fields.Integer(allow_none=True, metadata={"description": "null: no quota"})
    used = fields.Integer()
    quota = fields.Dict(allow_none=True)
    basis = fields.String()
    rule_pack = fields.Nested(RulePackRef)


class Counts(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()


class ImportOut(Schema):
    people = fields.Nested(Counts)
    awards = fields.Nested(Counts)
