"""Request and response shapes of registrations, nomination files and region acclamations."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from kit.fields import Date, Text, Year
from kit.pagination import PageArgs, page_schema
from services.awards.domain.nominations import KINDS, STATES

CODE = validate.Length(min=1, max=64)
AWARD = validate.Length(min=1, max=32)
REGION = validate.Length(min=1, max=80)


# -- registrations ---------------------------------------------------------------------------


class RegistrationIn(Schema):
    unit = Text(required=True, validate=CODE)
    year = Year(required=True)
    award = Text(required=True, validate=AWARD)
    subject = Text(required=True, validate=CODE)


class RegistrationArgs(PageArgs):
    unit = Text(required=True, validate=CODE)
    year = Year(load_default=None)


class RegistrationSchema(Schema):
    id = fields.Integer()
    unit = fields.String(attribute="unit_id")
    year = fields.Integer()
    award = fields.String(attribute="award_code")
    subject = fields.String(attribute="subject_id")
    registered_by = fields.String()
    registered_at = fields.DateTime()


RegistrationPage = page_schema(RegistrationSchema)


# -- nominations -----------------------------------------------------------------------------


class NominationIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    award = Text(required=True, validate=AWARD)
    year = Year(required=True)
    unit = Text(load_default=None, validate=CODE)
    region = Text(load_default=None, validate=REGION)
    candidate_unit = Text(load_default=None, validate=CODE)
    title = Text(required=True, validate=validate.Length(min=1, max=300))
    cover_summary = Text(load_default=None, multiline=True, validate=validate.Length(max=20000))
    movement_id = Text(load_default=None, validate=CODE)
    act = Text(load_default=None, multiline=True, validate=validate.Length(min=1, max=5000))
    act_date = Date(load_default=None)


class NominationPatch(Schema):
    title = Text(validate=validate.Length(min=1, max=300))
    cover_summary = Text(allow_none=True, multiline=True, validate=validate.Length(max=20000))
    movement_id = Text(allow_none=True, validate=CODE)
    act = Text(allow_none=True, multiline=True, validate=validate.Length(min=1, max=5000))
    act_date = Date(allow_none=True)


class NominationArgs(PageArgs):
    unit = Text(load_default=None, validate=CODE)
    region = Text(load_default=None, validate=REGION)
    year = Year(load_default=None)
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    award = Text(load_default=None, validate=AWARD)


class NomineesIn(Schema):
    subjects = fields.List(
        Text(validate=CODE), required=True, validate=validate.Length(min=1, max=500)
    )
    # "from" is a Python keyword: the field is read from the key "from".
    added_from = fields.String(
        data_key="from",
        load_default="candidates",
        validate=validate.OneOf(["candidates", "manual"]),
    )


class NomineePatch(Schema):
    report_summary = Text(
        required=True, allow_none=True, multiline=True, validate=validate.Length(max=5000)
    )


class MoveIn(Schema):
    to = fields.String(required=True, validate=validate.OneOf(STATES))
    reason = Text(load_default=None, multiline=True, validate=validate.Length(max=2000))


class AttachmentSchema(Schema):
    attachment_id = fields.String()
    purpose = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class NomineeSchema(Schema):
    subject_id = fields.String()
    subject_kind = fields.String()
    name = fields.String(attribute="subject_name")
    position = fields.Integer()
    report_summary = fields.String(allow_none=True)
    added_from = fields.String()
    added_by = fields.String()
    added_at = fields.DateTime()
    registered = fields.Boolean()
    verdict = fields.Dict(allow_none=True)
    report = fields.Nested(AttachmentSchema, allow_none=True)


class MoveSchema(Schema):
    from_state = fields.String(data_key="from", allow_none=True)
    to_state = fields.String(data_key="to")
    actor = fields.String(attribute="actor_id")
    at = fields.DateTime()
    reason = fields.String(allow_none=True)


class AcclamationResult(Schema):
    in_favour = fields.Integer()
    against = fields.Integer()
    not_voted = fields.Integer()
    members = fields.Integer()
    carried = fields.Boolean()


class AcclamationSchema(Schema):
    acclamation_id = fields.String()
    region_id = fields.String()
    year = fields.Integer()
    award = fields.String()
    candidate_unit = fields.String()
    nomination_id = fields.String(allow_none=True)
    state = fields.String()
    voters = fields.List(fields.String())
    voted = fields.List(fields.String())
    result = fields.Nested(AcclamationResult, allow_none=True)
    opened_by = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class NominationSummary(Schema):
    nomination_id = fields.String()
    unit_id = fields.String()
    region_id = fields.String(allow_none=True)
    kind = fields.String()
    award = fields.String(attribute="award_code")
    year = fields.Integer()
    title = fields.String()
    state = fields.String()
    revision = fields.Integer()
    created_by = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)


NominationPage = page_schema(NominationSummary)


class RegistrationCheck(Schema):
    required = fields.Boolean()
    passed = fields.Boolean()
    registered = fields.List(fields.String())
    unregistered = fields.List(fields.String())


class NominationSchema(NominationSummary):
    movement_id = fields.String(allow_none=True)
    act = fields.String(allow_none=True)
    act_date = fields.Date(allow_none=True)
    cover_summary = fields.String(allow_none=True)
    award_name = fields.String()
    proposed_by = fields.String()
    rule_pack_id = fields.String(allow_none=True)
    nominees = fields.List(fields.Nested(NomineeSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    cover_letter = fields.Nested(AttachmentSchema, allow_none=True)
    acclamation = fields.Nested(AcclamationSchema, allow_none=True)
    registration = fields.Nested(RegistrationCheck)
    moves = fields.List(fields.Nested(MoveSchema))
    allowed_moves = fields.List(fields.String())


# -- acclamations ----------------------------------------------------------------------------


class AcclamationIn(Schema):
    region = Text(required=True, validate=REGION)
    year = Year(required=True)
    award = Text(required=True, validate=AWARD)
    candidate_unit = Text(required=True, validate=CODE)
    nomination_id = Text(load_default=None, validate=validate.Length(min=1, max=36))


class AcclamationPatch(Schema):
    nomination_id = Text(required=True, validate=validate.Length(min=1, max=36))


class AcclamationArgs(PageArgs):
    region = Text(load_default=None, validate=REGION)
    year = Year(load_default=None)


class VoteIn(Schema):
    in_favour = fields.Boolean(required=True, truthy={True}, falsy={False})


AcclamationPage = page_schema(AcclamationSchema)
