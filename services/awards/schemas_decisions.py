"""Request and response shapes of decisions, certificates, revocations and reports."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import Date, Text, Year
from kit.pagination import PageArgs, page_schema
from services.awards.domain.decisions import CERTIFICATE_KINDS, STATES
from services.awards.domain.revocations import RECOVERY_STATES

LINE = validate.Length(min=1, max=500)
LINES = validate.Length(max=30)


def _lines(**kwargs: object) -> fields.List:
    return fields.List(Text(validate=LINE), validate=LINES, **kwargs)


class DecisionIn(Schema):
    number = Text(required=True, validate=validate.Length(min=3, max=64))
    issuer = Text(required=True, validate=validate.Length(min=1, max=32))
    issuer_name = Text(required=True, validate=validate.Length(min=1, max=300))
    governing_body = Text(load_default="", validate=validate.Length(max=300))
    place = Text(load_default="Hà Nội", validate=validate.Length(min=1, max=100))
    decided_on = Date(required=True)
    title = Text(required=True, validate=validate.Length(min=1, max=500))
    authority = Text(required=True, validate=validate.Length(min=1, max=300))
    legal_bases = _lines(load_default=list)
    proposal = Text(load_default="", validate=validate.Length(max=500))
    award_statement = Text(required=True, multiline=True, validate=validate.Length(min=1, max=2000))
    bonus_source = Text(load_default="", multiline=True, validate=validate.Length(max=1000))
    executors = _lines(load_default=list)
    copies_to = _lines(load_default=list)
    signer_name = Text(required=True, validate=validate.Length(min=1, max=200))
    signer_title = Text(required=True, validate=validate.Length(min=1, max=200))
    signing_for = Text(load_default="", validate=validate.Length(max=200))
    certificate_kind = fields.String(
        load_default="bang-khen", validate=validate.OneOf(CERTIFICATE_KINDS)
    )
    citation = Text(load_default="", multiline=True, validate=validate.Length(max=1000))


class DecisionPatch(Schema):
    number = Text(validate=validate.Length(min=3, max=64))
    issuer = Text(validate=validate.Length(min=1, max=32))
    issuer_name = Text(validate=validate.Length(min=1, max=300))
    governing_body = Text(validate=validate.Length(max=300))
    place = Text(validate=validate.Length(min=1, max=100))
    decided_on = Date()
    title = Text(validate=validate.Length(min=1, max=500))
    authority = Text(validate=validate.Length(min=1, max=300))
    legal_bases = _lines()
    proposal = Text(validate=validate.Length(max=500))
    award_statement = Text(multiline=True, validate=validate.Length(min=1, max=2000))
    bonus_source = Text(multiline=True, validate=validate.Length(max=1000))
    executors = _lines()
    copies_to = _lines()
    signer_name = Text(validate=validate.Length(min=1, max=200))
    signer_title = Text(validate=validate.Length(min=1, max=200))
    signing_for = Text(validate=validate.Length(max=200))
    certificate_kind = fields.String(validate=validate.OneOf(CERTIFICATE_KINDS))
    citation = Text(multiline=True, validate=validate.Length(max=1000))


class PickIn(Schema):
    nomination_id = Text(required=True, validate=validate.Length(min=1, max=36))
    # absent: every nominee of the file a decision may take
    subject = Text(load_default=None, validate=validate.Length(min=1, max=64))


class RecipientsIn(Schema):
    picks = fields.List(
        fields.Nested(PickIn), required=True, validate=validate.Length(min=1, max=500)
    )


class DecisionArgs(PageArgs):
    year = Year(load_default=None)
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    unit = Text(load_default=None, validate=validate.Length(min=1, max=64))


class SourceArgs(Schema):
    award = Text(load_default=None, validate=validate.Length(min=1, max=32))
    year = Year(load_default=None)


class BonusSchema(Schema):
    decided_on = fields.String()
    multiple = fields.Raw()
    base_salary = fields.Integer()
    base_salary_from = fields.String()
    base_salary_basis = fields.String()
    rounding_step = fields.Integer()
    rounding_basis = fields.String()
    vnd = fields.Integer()
    rule_pack = fields.Dict()
    basis = fields.String()


class RecipientSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    nomination_id = fields.String()
    subject = fields.String(attribute="subject_id")
    subject_kind = fields.String()
    name = fields.String(attribute="subject_name")
    unit_id = fields.String()
    unit_name = fields.String()
    award = fields.String(attribute="award_code")
    award_name = fields.String()
    year = fields.Integer()
    bonus = fields.Nested(BonusSchema, allow_none=True)
    bonus_vnd = fields.Integer()
    award_id = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    revoked = fields.Boolean()
    revocation_id = fields.String(allow_none=True)
    recovery_vnd = fields.Integer(allow_none=True)
    recovery_status = fields.String(allow_none=True)
    recovery_note = fields.String(allow_none=True)


class DecisionSchema(Schema):
    decision_id = fields.String()
    number = fields.String()
    year = fields.Integer()
    issuer = fields.String()
    issuer_name = fields.String()
    governing_body = fields.String()
    place = fields.String()
    decided_on = fields.Date()
    title = fields.String()
    authority = fields.String()
    legal_bases = fields.List(fields.String())
    proposal = fields.String()
    award_statement = fields.String()
    bonus_source = fields.String()
    executors = fields.List(fields.String())
    copies_to = fields.List(fields.String())
    signer_name = fields.String()
    signer_title = fields.String()
    signing_for = fields.String()
    certificate_kind = fields.String()
    citation = fields.String()
    state = fields.String()
    total_vnd = fields.Integer()
    revision = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    issued_by = fields.String(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    recipients = fields.List(fields.Nested(RecipientSchema))


class DecisionSummary(Schema):
    decision_id = fields.String()
    number = fields.String()
    year = fields.Integer()
    issuer = fields.String()
    decided_on = fields.Date()
    title = fields.String()
    state = fields.String()
    total_vnd = fields.Integer()


DecisionPage = page_schema(DecisionSummary)


class SourceSchema(Schema):
    nomination_id = fields.String()
    nomination_state = fields.String()
    unit_id = fields.String()
    subject = fields.String()
    subject_kind = fields.String()
    subject_name = fields.String()
    award = fields.String()
    award_name = fields.String()
    year = fields.Integer()
    council_outcome = fields.String(allow_none=True)


class SourceList(Schema):
    items = fields.List(fields.Nested(SourceSchema))


class RecoveryIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(RECOVERY_STATES))
    note = Text(load_default=None, multiline=True, validate=validate.Length(max=2000))


class ReviewBrief(Schema):
    recipient_id = fields.Integer()
    award_id = fields.String(allow_none=True)
    subject = fields.String()
    subject_name = fields.String()
    unit_id = fields.String()
    award = fields.String()
    award_name = fields.String()
    year = fields.Integer()
    decision_id = fields.String()
    decision_number = fields.String(allow_none=True)


class ReviewSchema(Schema):
    id = fields.Integer()
    revocation_id = fields.String()
    status = fields.String()
    flagged_at = fields.DateTime()
    award = fields.Nested(ReviewBrief)
    revoked_award = fields.Nested(ReviewBrief)
    relied_on = fields.List(fields.Dict())


ReviewPage = page_schema(ReviewSchema)


class ReviewArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    revocation = Text(load_default=None, validate=validate.Length(min=1, max=36))


class RevocationSchema(Schema):
    revocation_id = fields.String()
    decision_id = fields.String()
    scope = fields.String()
    reason = fields.String()
    legal_basis = fields.String()
    revoked_on = fields.Date()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    revoked_by = fields.String()
    revoked_at = fields.DateTime()
    recipients = fields.List(fields.Nested(RecipientSchema))
    flagged = fields.List(fields.Nested(ReviewSchema))


class VerificationSchema(Schema):
    serial = fields.String()
    status = fields.String()  # valid | revoked
    valid = fields.Boolean()
    recipient_name = fields.String()
    recipient_kind = fields.String()
    unit_name = fields.String()
    award_name = fields.String()
    year = fields.Integer()
    decision_number = fields.String()
    decision_date = fields.Date()
    issuer_name = fields.String()
    revoked_on = fields.Date(allow_none=True)
    message = fields.Dict()


class ReportArgs(Schema):
    year = Year(required=True)
    unit = Text(load_default=None, validate=validate.Length(min=1, max=64))


class ReportForm(Schema):
    code = fields.String()
    title = fields.String()
    path = fields.String()


class ReportList(Schema):
    items = fields.List(fields.Nested(ReportForm))
