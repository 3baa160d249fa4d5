"""Evidence: files and links attached to the criteria of a sheet.

``POST /sheets/<id>/entries/<code>/evidence`` takes either a file (multipart/form-data: ``file``
and an optional ``title``) or a link (JSON ``{"url": "https://…", "title": …}``); sending the
same bytes (or the same link) for the same criterion again answers 200 with the record already
there. Files up to ``SCORING_EVIDENCE_MAX_BYTES`` (413 above), of the allowed types only (415).
Downloads carry the type recorded at upload, as an attachment, never sniffed by browsers.
Who may do what follows the sheet: its readers see the evidence, its unit changes it while
the sheet is editable; to anyone else the sheet and its evidence do not exist (404).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, request, send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from kit.app import accepts, database, principal, runtime
from kit.errors import Invalid, NotFound, PayloadTooLarge, Problem
from services.scoring import storage
from services.scoring.api.access import EVIDENCE, readable_sheet, writable_sheet
from services.scoring.domain import evidence, lifecycle, sheets
from services.scoring.models import Evidence, Round, Sheet
from services.scoring.storage import EvidenceStore, Stored, TooLarge

log = logging.getLogger(__name__)

STORE = "scoring.evidence_store"  # app.extensions key (tests may put their own store there)
MULTIPART_SLACK = 64 * 1024  # room for the multipart framing and the title around the file

blueprint = Blueprint(
    "evidence", __name__, description="Files and links supporting a sheet's criteria"
)


class EvidenceSchema(Schema):
    id = fields.String()
    sheet_id = fields.String()
    code = fields.String()
    kind = fields.String(metadata={"enum": ["file", "link"]})
    filename = fields.String(allow_none=True)
    content_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()


class EvidenceList(Schema):
    items = fields.List(fields.Nested(EvidenceSchema))


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "title": {"type": "string", "maxLength": evidence.MAX_TITLE},
                },
            }
        },
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["url"],
                "properties": {
                    "url": {"type": "string", "format": "uri", "maxLength": evidence.MAX_URL},
                    "title": {"type": "string", "maxLength": evidence.MAX_TITLE},
                },
            }
        },
    },
}


def evidence_store() -> EvidenceStore:
    extensions = current_app.extensions
    if STORE not in extensions:
        extensions[STORE] = storage.store_for(runtime().settings)
    return extensions[STORE]


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        (
            f"Tệp minh chứng vượt quá giới hạn {limit} byte ({limit / 1048576:.0f} MiB).",
            f"The evidence file exceeds the limit of {limit} bytes ({limit / 1048576:.0f} MiB).",
        ),
        max_bytes=limit,
    )


def _editable(
    session: Session, sheet_id: str, code: str | None, *, lock: bool = False
) -> tuple[Sheet, Round]:
    """The sheet the caller's unit may change evidence on now: 404 unseen (or no such
    criterion), 403 seen but not the unit's, 409 not editable in this state or phase."""
    if lock:  # serialise with submissions of the same sheet
        lifecycle.lock(session, sheet_id)
    sheet, round_ = writable_sheet(session, sheet_id, "self_assess")
    if code is not None:
        sheets.entry_of(sheet, code)
    lifecycle.require_step(sheet, round_, "edit")
    return sheet, round_


def _visible_evidence(session: Session, evidence_id: str) -> Evidence:
    record = session.get(Evidence, evidence_id)
    if record is None:
        raise NotFound(EVIDENCE, evidence_id)
    try:
        readable_sheet(session, record.sheet_id)
    except NotFound:  # say nothing about the sheet it belongs to
        raise NotFound(EVIDENCE, evidence_id) from None
    return record


@blueprint.route("/sheets/<sheet_id>/entries/<code>/evidence", methods=["POST"])
@accepts("multipart/form-data", "application/json")
@blueprint.doc(requestBody=UPLOAD_BODY)
@blueprint.response(201, EvidenceSchema)
@blueprint.alt_response(200, schema=EvidenceSchema, description="Already attached")
def add_evidence(sheet_id: str, code: str) -> tuple[Evidence, int]:
    """Attach a file (multipart: file, title) or a link (JSON: url, title) to a criterion."""
    if request.mimetype == "multipart/form-data":
        return _add_file(sheet_id, code)
    if request.mimetype == "application/json":
        return _add_link(sheet_id, code)
    raise Problem(
        415,
        "unsupported-media-type",
        (
            "Gửi tệp bằng multipart/form-data hoặc đường dẫn bằng application/json.",
            "Send a file as multipart/form-data or a link as application/json.",
        ),
    )


def _add_link(sheet_id: str, code: str) -> tuple[Evidence, int]:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise Invalid(
            {"url": ["Bắt buộc. / Required."]},
            ("Cần một đối tượng JSON {url, title}.", "Send a JSON object {url, title}."),
        )
    unknown = sorted(set(payload) - {"url", "title"})
    if unknown:
        raise Invalid({name: ["Trường không được hỗ trợ. / Unknown field."] for name in unknown})
    url = evidence.check_link(payload.get("url"))
    title = evidence.clean_title(payload.get("title"))
    with database().transaction() as session:
        sheet, _ = _editable(session, sheet_id, code, lock=True)
        record, created = evidence.add_link(session, principal().subject, sheet, code, url, title)
    return record, 201 if created else 200


def _add_file(sheet_id: str, code: str) -> tuple[Evidence, int]:
    limit = runtime().settings.evidence_max_bytes
    if request.content_length and request.content_length > limit + MULTIPART_SLACK:
        raise _too_large(limit)  # refused before reading a byte of it
    request.max_content_length = limit + MULTIPART_SLACK  # this view's own body limit
    with database().read() as session:
        _editable(session, sheet_id, code)  # refuse before receiving the file
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(
            {"file": ["Bắt buộc. / Required."]},
            ("Thiếu tệp minh chứng (trường file).", "No evidence file (field 'file')."),
        )
    title = evidence.clean_title(request.form.get("title"))
    head = upload.stream.read(evidence.SNIFF_BYTES)
    upload.stream.seek(0)
    kind = evidence.file_type(upload.mimetype, upload.filename, head)
    filename = evidence.clean_filename(upload.filename, kind)

    store = evidence_store()
    try:
        stored = store.put(upload.stream, limit)
    except TooLarge:
        raise _too_large(limit) from None

    def restore() -> Stored:
        upload.stream.seek(0)
        return store.put(upload.stream, limit)

    try:
        with database().transaction() as session:
            sheet, _ = _editable(session, sheet_id, code, lock=True)
            record, created = evidence.add_file(
                session,
                store,
                principal().subject,
                sheet,
                code,
                stored,
                kind=kind,
                filename=filename,
                title=title,
                restore=restore,
            )
    except BaseException:
        _discard(store, stored.key)
        raise
    return record, 201 if created else 200


def _discard(store: EvidenceStore, key: str) -> None:
    try:
        with database().transaction() as session:
            evidence.discard_if_unused(session, store, key)
    except Exception:  # the upload's own error matters more; an orphan file is harmless
        log.warning("could not discard unreferenced evidence", exc_info=True)


@blueprint.route("/sheets/<sheet_id>/evidence", methods=["GET"])
@blueprint.response(200, EvidenceList)
def list_evidence(sheet_id: str) -> dict[str, Any]:
    """Every file and link of the sheet, in the order of its criteria."""
    with database().read() as session:
        readable_sheet(session, sheet_id)
        return {"items": evidence.of_sheet(session, sheet_id)}


@blueprint.route("/evidence/<evidence_id>/content", methods=["GET"])
@blueprint.response(200, content_type="application/octet-stream", description="The file")
def download(evidence_id: str) -> Response:
    """The file as uploaded, with the type recorded then (ETag: its SHA-256)."""
    with database().read() as session:
        record = _visible_evidence(session, evidence_id)
    if record.kind != "file" or not record.storage_key:
        raise NotFound(
            detail=(
                "Minh chứng này là một đường dẫn, không có tệp; hãy mở url của nó.",
                "This evidence is a link with no file; follow its url.",
            )
        )
    try:
        handle = evidence_store().open(record.storage_key)
    except FileNotFoundError:
        log.error("evidence file missing", extra={"evidence_id": record.id})
        raise NotFound(
            detail=("Tệp minh chứng không còn được lưu.", "The evidence file is no longer stored.")
        ) from None
    response = send_file(
        handle,
        mimetype=record.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=record.filename or "minh-chung",
        conditional=True,
        etag=record.sha256 or False,
        last_modified=record.uploaded_at,
    )
    if response.status_code == 200 and record.size is not None:
        response.content_length = record.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"  # a unit's evidence: no cache keeps a copy
    return response


@blueprint.route("/evidence/<evidence_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_evidence(evidence_id: str) -> None:
    """Remove a file or link (the unit, while its sheet is editable); the stored file goes
    too when no other record uses the same bytes."""
    store = evidence_store()
    with database().transaction() as session:
        record = _visible_evidence(session, evidence_id)
        _editable(session, record.sheet_id, None, lock=True)
        # Read again under the sheet's lock: a concurrent removal may have won.
        record = session.get(Evidence, evidence_id, populate_existing=True)
        if record is None:
            raise NotFound(EVIDENCE, evidence_id)
        evidence.remove(session, store, principal().subject, record)
