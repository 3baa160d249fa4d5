"""Decisions (services.awards.domain.decisions), their documents and certificates, and
revocations (domain.revocations).

Who may see what: the Ministry and the auditor (national ``decision.read``) every decision,
drafts included; a unit's admin and officer an issued decision that names someone of their
unit, and their own unit's certificates. To anyone else a decision, a certificate or a
revocation does not exist (404). Only the Ministry drafts, issues and revokes
(``decision.manage``, ``decision.revoke``): a reader who tries gets 403. Every change takes
the decision's ETag as If-Match.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask import Response, jsonify, request, send_file
from flask_smorest import Blueprint
from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm import Session

from kit import dates
from kit.app import accepts, database, principal, runtime
from kit.errors import Conflict, Invalid, NotFound
from kit.pagination import paginate
from kit.policy import NATIONAL, Target, allows, grants_for, require
from kit.preconditions import if_match, require_match, takes_if_match
from services.awards import documents
from services.awards.api import uploads
from services.awards.domain import decisions, nominations, revocations
from services.awards.domain.decisions import DECISION
from services.awards.models import Decision, DecisionRecipient, Revocation
from services.awards.schemas_decisions import (
    DecisionArgs,
    DecisionIn,
    DecisionPage,
    DecisionPatch,
    DecisionSchema,
    RecipientSchema,
    RecipientsIn,
    RecoveryIn,
    ReviewArgs,
    ReviewPage,
    RevocationSchema,
    SourceArgs,
    SourceList,
)

blueprint = Blueprint(
    "decisions",
    __name__,
    description="Commendation decisions, their documents and certificates, and revocations",
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
STALE = (
    "Quyết định đã được người khác sửa; hãy tải lại.",
    "Someone else changed the decision; reload it.",
)
REVOCATION_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "reason"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "reason": {"type": "string"},
                    "legal_basis": {"type": "string"},
                    "revoked_on": {"type": "string", "format": "date"},
                    "recipients": {
                        "type": "string",
                        "description": "recipient ids, comma-separated; absent: the whole decision",
                    },
                },
            }
        }
    },
}


# -- who may do what -------------------------------------------------------------------------


def national_reader() -> bool:
    return allows(principal(), "decision.read", NATIONAL)


def may_read(decision: Decision) -> bool:
    """The Ministry and the auditor: any; a unit: an issued decision naming its people."""
    if national_reader():
        return True
    if decision.state != "issued":
        return False
    caller = principal()
    return any(
        allows(caller, "decision.read", Target.of_unit(r.unit_id)) for r in decision.recipients
    )


def readable(session: Session, decision_id: str, *, lock: bool = False) -> Decision:
    decision = decisions.load(session, decision_id, lock=lock)
    if not may_read(decision):
        raise NotFound(DECISION, decision_id)
    return decision


def managed(
    session: Session,
    decision_id: str,
    sent: str,
    action: str = "decision.manage",
    *,
    lock: bool = True,
) -> Decision:
    """The decision for a change: 404 unseen, 403 seen but not the Ministry's, 412 stale."""
    decision = readable(session, decision_id, lock=lock)
    require(principal(), action, NATIONAL, visible=True)
    require_match(etag(decision), sent, stale=STALE)
    return decision


def etag(decision: Decision) -> str:
    return f'W/"decision-{decision.decision_id}-{decision.revision}"'


def _recipient(r: DecisionRecipient) -> dict[str, Any]:
    body = RecipientSchema().dump(r)
    body["revoked"] = r.revocation_id is not None
    return body


def describe(decision: Decision) -> dict[str, Any]:
    body = DecisionSchema().dump(decision)
    body["recipients"] = [_recipient(r) for r in decision.recipients]
    return body


def respond(decision: Decision, status: int = 200) -> Response:
    response = jsonify(describe(decision))
    response.status_code = status
    response.headers["ETag"] = etag(decision)
    return response


def _file_name(decision: Decision, extension: str) -> str:
    return "QD-" + re.sub(r"[^0-9A-Za-zĐđ-]+", "-", decision.number).strip("-") + extension


def _download(content: bytes, mimetype: str, name: str) -> Response:
    response = send_file(
        io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


# -- decisions -------------------------------------------------------------------------------


@blueprint.route("/decisions", methods=["POST"])
@blueprint.arguments(DecisionIn)
@blueprint.response(201, DecisionSchema)
def create(payload: dict[str, Any]) -> Response:
    """A draft decision (number unique per issuer and year: 409 ``number_taken`` naming the
    decision that has it)."""
    require(principal(), "decision.manage", NATIONAL, visible=True)
    with database().transaction() as session:
        decision = decisions.create(session, principal().subject, payload)
        return respond(decision, 201)


def _visible_clause() -> Any:
    clauses = []
    for grant in grants_for(principal(), "decision.read"):
        if grant.scope == "national":
            return None
        if grant.scope == "unit" and grant.scope_id:
            clauses.append(
                exists().where(
                    DecisionRecipient.decision_id == Decision.decision_id,
                    DecisionRecipient.unit_id == grant.scope_id,
                )
                & (Decision.state == "issued")
            )
    return or_(*clauses) if clauses else false()


@blueprint.route("/decisions", methods=["GET"])
@blueprint.arguments(DecisionArgs, location="query")
@blueprint.response(200, DecisionPage)
def list_decisions(args: dict[str, Any]) -> dict[str, Any]:
    """The decisions the caller may see, newest first (``unit``: those naming its people)."""
    query = select(Decision)
    clause = _visible_clause()
    if clause is not None:
        query = query.where(clause)
    if args["year"]:
        query = query.where(Decision.year == args["year"])
    if args["state"]:
        query = query.where(Decision.state == args["state"])
    if args["unit"]:
        query = query.where(
            exists().where(
                DecisionRecipient.decision_id == Decision.decision_id,
                DecisionRecipient.unit_id == args["unit"],
            )
        )
    query = query.order_by(Decision.decided_on.desc(), Decision.created_at.desc())
    with database().read() as session:
        return paginate(session, query, args)


@blueprint.route("/decisions/sources", methods=["GET"])
@blueprint.arguments(SourceArgs, location="query")
@blueprint.response(200, SourceList)
def sources(args: dict[str, Any]) -> dict[str, Any]:
    """The nominees a decision may name now and no decision names yet (the Ministry's)."""
    require(principal(), "decision.manage", NATIONAL, visible=True)
    with database().read() as session:
        return {"items": decisions.sources(session, award=args["award"], year=args["year"])}


@blueprint.route("/decisions/<decision_id>", methods=["GET"])
@blueprint.response(200, DecisionSchema)
def get(decision_id: str) -> Response:
    with database().read() as session:
        return respond(readable(session, decision_id))


@blueprint.route("/decisions/<decision_id>", methods=["PATCH"])
@takes_if_match
@blueprint.arguments(DecisionPatch)
@blueprint.response(200, DecisionSchema)
def patch(payload: dict[str, Any], decision_id: str) -> Response:
    """A draft's words, number or date (a new date recomputes every bonus)."""
    sent = if_match()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent)
        decisions.update(session, decision, payload)
        return respond(decision)


@blueprint.route("/decisions/<decision_id>/recipients", methods=["POST"])
@takes_if_match
@blueprint.arguments(RecipientsIn)
@blueprint.response(200, DecisionSchema)
def add_recipients(payload: dict[str, Any], decision_id: str) -> Response:
    """Name nominees (``picks``: a file and a subject, or a file alone for every nominee the
    decision may take of it); each with its bonus computed on the decision's date."""
    sent = if_match()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent)
        picks = [(p["nomination_id"], p["subject"]) for p in payload["picks"]]
        decisions.add_recipients(session, decision, picks)
        return respond(decision)


@blueprint.route("/decisions/<decision_id>/recipients/<int:recipient_id>", methods=["DELETE"])
@takes_if_match
@blueprint.response(200, DecisionSchema)
def remove_recipient(decision_id: str, recipient_id: int) -> Response:
    sent = if_match()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent)
        recipient = decisions.recipient_of(decision, recipient_id)
        decisions.remove_recipient(session, decision, recipient)
        return respond(decision)


@blueprint.route("/decisions/<decision_id>/issue", methods=["POST"])
@takes_if_match
@blueprint.response(200, DecisionSchema)
def issue(decision_id: str) -> Response:
    """Issue the draft: the awards into the registry, a certificate serial each, the files
    moved to decided and awards.award.granted per recipient; 409 ``not_issuable`` with
    every reason otherwise, and nothing changes."""
    sent = if_match()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent)
        decisions.issue(session, principal().subject, decision)
        return respond(decision)


@blueprint.route("/decisions/<decision_id>/document.docx", methods=["GET"])
@blueprint.response(200, content_type=DOCX, description="The decision as .docx")
def document_docx(decision_id: str) -> Response:
    with database().read() as session:
        decision = readable(session, decision_id)
        content = documents.decision_docx(decisions.document(decision))
        return _download(content, DOCX, _file_name(decision, ".docx"))


@blueprint.route("/decisions/<decision_id>/document.pdf", methods=["GET"])
@blueprint.response(200, content_type=PDF, description="The decision as PDF")
def document_pdf(decision_id: str) -> Response:
    with database().read() as session:
        decision = readable(session, decision_id)
        content = documents.decision_pdf(decisions.document(decision))
        return _download(content, PDF, _file_name(decision, ".pdf"))


# -- certificates ----------------------------------------------------------------------------


def _certificate_target(recipient: DecisionRecipient) -> Target:
    return Target.of_unit(recipient.unit_id)


@blueprint.route("/certificates/<serial>.pdf", methods=["GET"])
@blueprint.response(200, content_type=PDF, description="The certificate as PDF")
def certificate(serial: str) -> Response:
    """A recipient's certificate (``?blank=true`` for the issuer's pre-printed blanks): the
    Ministry's, the auditor's, and the recipient's unit's. A revoked award's is 409."""
    settings = runtime().settings
    with database().read() as session:
        recipient = decisions.by_serial(session, serial)
        if not allows(principal(), "decision.read", _certificate_target(recipient)):
            raise NotFound(("chứng nhận", "certificate"), serial)
        decision = decisions.load(session, recipient.decision_id)
        if recipient.revocation_id is not None:
            raise Conflict(
                (
                    "Khen thưởng này đã bị hủy bỏ: không in lại chứng nhận.",
                    "This award was revoked: its certificate is not printed again.",
                ),
                code="revoked",
            )
        content = documents.certificate_pdf(
            decisions.certificate(decision, recipient),
            public_base_url=settings.public_base_url,
            print_offset_mm=settings.print_offset(decision.issuer),
            blank=request.args.get("blank") == "true",
        )
        return _download(content, PDF, f"{serial}.pdf")


# -- revocations -----------------------------------------------------------------------------


def _form_date(name: str) -> date:
    text = (request.form.get(name) or "").strip()
    if not text:
        return dates.today()  # revoked today in Viet Nam
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid({name: [("Ngày dạng YYYY-MM-DD.", "A date as YYYY-MM-DD.")]}) from None


def _form_ids(name: str) -> list[int] | None:
    values = [v for raw in request.form.getlist(name) for v in raw.split(",") if v.strip()]
    if not values:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        raise Invalid(
            {name: [("Các số hiệu cách nhau bởi dấu phẩy.", "Comma-separated ids.")]}
        ) from None


def _upload() -> tuple[str, bytes]:
    """The revocation's document (multipart ``file``), bounded like a nomination's files."""
    return uploads.read_file(
        nominations.MAX_FILE_BYTES,
        nominations.too_large,
        ("Cần văn bản quyết định hủy bỏ.", "The revocation's document is required."),
    )


def describe_revocation(session: Session, revocation: Revocation) -> dict[str, Any]:
    body = RevocationSchema().dump(revocation)
    body["recipients"] = [
        _recipient(r)
        for r in session.scalars(
            select(DecisionRecipient)
            .where(DecisionRecipient.revocation_id == revocation.revocation_id)
            .order_by(DecisionRecipient.position)
        )
    ]
    body["flagged"] = [
        revocations.describe_review(session, review)
        for review in session.scalars(revocations.reviews_of(session, revocation.revocation_id))
    ]
    return body


@blueprint.route("/decisions/<decision_id>/revocations", methods=["POST"])
@accepts("multipart/form-data")
@takes_if_match
@blueprint.doc(requestBody=REVOCATION_BODY)
@blueprint.response(201, RevocationSchema)
def revoke(decision_id: str) -> Response:
    """Revoke awards of an issued decision (``recipients``; absent: all of them) with the
    legal reason and the document ordering it; the awards granted on their strength are
    flagged for review (``flagged``)."""
    sent = if_match()
    with database().read() as session:
        # refuse before reading the upload
        managed(session, decision_id, sent, "decision.revoke", lock=False)
    filename, content = _upload()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent, "decision.revoke")
        revocation, _ = revocations.revoke(
            session,
            principal().subject,
            decision,
            recipient_ids=_form_ids("recipients"),
            reason=request.form.get("reason") or "",
            legal_basis=request.form.get("legal_basis") or "",
            revoked_on=_form_date("revoked_on"),
            filename=filename,
            content=content,
        )
        response = jsonify(describe_revocation(session, revocation))
        response.status_code = 201
        response.headers["ETag"] = etag(decision)
        return response


def _readable_revocation(session: Session, revocation_id: str) -> Revocation:
    revocation = revocations.load(session, revocation_id)
    decision = decisions.load(session, revocation.decision_id)
    if not may_read(decision):
        raise NotFound(revocations.REVOCATION, revocation_id)
    return revocation


@blueprint.route("/revocations/<revocation_id>", methods=["GET"])
@blueprint.response(200, RevocationSchema)
def get_revocation(revocation_id: str) -> Response:
    with database().read() as session:
        return jsonify(describe_revocation(session, _readable_revocation(session, revocation_id)))


@blueprint.route("/revocations/<revocation_id>/document", methods=["GET"])
@blueprint.response(200, content_type="application/octet-stream", description="The document")
def revocation_document(revocation_id: str) -> Response:
    with database().read() as session:
        revocation = _readable_revocation(session, revocation_id)
        response = _download(revocation.content, revocation.content_type, revocation.filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@blueprint.route("/reviews", methods=["GET"])
@blueprint.arguments(ReviewArgs, location="query")
@blueprint.response(200, ReviewPage)
def list_reviews(args: dict[str, Any]) -> dict[str, Any]:
    """The granted awards flagged for review after a revocation (the Ministry's list)."""
    require(principal(), "decision.revoke", NATIONAL, visible=True)
    with database().read() as session:
        query = revocations.reviews_of(session, args["revocation"], args["status"])
        page = paginate(session, query, args)
        page["items"] = [revocations.describe_review(session, r) for r in page["items"]]
        return page


@blueprint.route("/decisions/<decision_id>/recipients/<int:recipient_id>/recovery", methods=["PUT"])
@takes_if_match
@blueprint.arguments(RecoveryIn)
@blueprint.response(200, DecisionSchema)
def record_recovery(payload: dict[str, Any], decision_id: str, recipient_id: int) -> Response:
    """The recovery of a revoked award's bonus: recovered, or waived (with the reason)."""
    sent = if_match()
    with database().transaction() as session:
        decision = managed(session, decision_id, sent, "decision.revoke")
        recipient = decisions.recipient_of(decision, recipient_id)
        revocations.record_recovery(
            session, principal().subject, recipient, payload["status"], payload["note"]
        )
        decisions.touch(decision)
        session.flush()
        return respond(decision)
