"""Nomination files: create, read, edit, nominees (from candidates or an .xlsx), their reports
and the cover letter, and the moves of the lifecycle (services.awards.domain.nominations).

Who may see a file: its unit's readers, the lead of the unit's region that year (a region's
file: that region's lead), the Ministry, the auditor and the council; to anyone else it does
not exist (404). Who may change it: the unit's admin and officer (a region's file: the
region's lead) while it is a draft or returned, the Ministry for its decisions; others who
may see it get 403. Every change sends the file's ETag back as If-Match.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Response, jsonify, send_file
from flask_smorest import Blueprint
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from kit.app import accepts, database, principal
from kit.errors import Conflict, Invalid, NotFound, Problem
from kit.pagination import paginate
from kit.policy import Target, allows, grants_for, require
from kit.preconditions import if_match, require_match, takes_if_match
from services.awards.api import uploads
from services.awards.domain import (
    acclamations,
    nominations,
    nominee_workbook,
    packs,
    registrations,
)
from services.awards.domain.nominations import NOMINATION
from services.awards.models import Nomination, Nominee, RegionCopy
from services.awards.schemas_nominations import (
    MoveIn,
    NominationArgs,
    NominationIn,
    NominationPage,
    NominationPatch,
    NominationSchema,
    NomineePatch,
    NomineesIn,
)

blueprint = Blueprint(
    "nominations",
    __name__,
    url_prefix="/nominations",
    description="Nomination files, their nominees and attachments, and their lifecycle",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
STALE = ("Hồ sơ đã được người khác sửa; hãy tải lại.", "Someone else changed the file; reload it.")


# -- who may do what ---------------------------------------------------------------------------


def read_target(session: Session, nomination: Nomination) -> Target:
    if nomination.region_id:
        return Target.of_unit(nomination.unit_id, {nomination.region_id})
    return Target.of_unit(
        nomination.unit_id,
        registrations.regions_of(session, nomination.unit_id, nomination.year),
    )


def editor_target(nomination: Nomination) -> tuple[str, Target]:
    if nomination.region_id:
        return "nomination.edit_region", Target(region_ids=frozenset({nomination.region_id}))
    return "nomination.edit", Target.of_unit(nomination.unit_id)


def can_for(session: Session, nomination: Nomination) -> nominations.Can:
    caller = principal()
    target = read_target(session, nomination)

    def can(grant: str) -> bool:
        if grant == "decide":
            return allows(caller, "nomination.decide", target)
        if grant != "edit":  # "council": only a closing session moves the file (part 2)
            return False
        action, where = editor_target(nomination)
        return allows(caller, action, where)

    return can


def readable(session: Session, nomination_id: str, *, lock: bool = False) -> Nomination:
    nomination = nominations.load(session, nomination_id, lock=lock)
    if not allows(principal(), "nomination.read", read_target(session, nomination)):
        raise NotFound(NOMINATION, nomination_id)
    return nomination


def editable(session: Session, nomination_id: str, sent: str | None = None) -> Nomination:
    """The file for an edit: 404 unseen, 403 seen but not the caller's to edit, 412 stale."""
    nomination = readable(session, nomination_id, lock=True)
    action, where = editor_target(nomination)
    require(principal(), action, where, visible=True)
    require_match(etag(nomination), sent, stale=STALE)
    return nomination


def etag(nomination: Nomination) -> str:
    return f'W/"nomination-{nomination.nomination_id}-{nomination.revision}"'


# -- the representation ------------------------------------------------------------------------


def _award_of(session: Session, nomination: Nomination) -> dict[str, Any]:
    try:
        return packs.in_force(session, nomination.award_code, nomination.year)[1]
    except (NotFound, Conflict):
        return {"code": nomination.award_code, "name": nomination.award_code}


def _attachment(a: Any) -> dict[str, Any]:
    return {
        "attachment_id": a.attachment_id,
        "purpose": a.purpose,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by,
        "uploaded_at": a.uploaded_at,
    }


def describe(session: Session, nomination: Nomination) -> dict[str, Any]:
    award = _award_of(session, nomination)
    files = nominations.attachments(session, nomination.nomination_id)
    reports = {a.nominee_id: a for a in files if a.purpose == "report"}
    cover = next((a for a in files if a.purpose == "cover_letter"), None)
    check = nominations.registration_check(session, nomination, award)
    registered = set(check["registered"])
    acclamation = nominations.acclamation_of(session, nomination.nomination_id)
    body = {
        **{
            c: getattr(nomination, c)
            for c in (
                "nomination_id",
                "unit_id",
                "region_id",
                "kind",
                "award_code",
                "year",
                "title",
                "state",
                "revision",
                "created_by",
                "created_at",
                "updated_at",
                "submitted_at",
                "movement_id",
                "act",
                "act_date",
                "cover_summary",
                "rule_pack_id",
            )
        },
        "award_name": award.get("name"),
        "proposed_by": nominations.proposed_by(award) if "kind" in award else None,
        "nominees": [
            {
                "subject_id": n.subject_id,
                "subject_kind": n.subject_kind,
                "subject_name": n.subject_name,
                "position": n.position,
                "report_summary": n.report_summary,
                "added_from": n.added_from,
                "added_by": n.added_by,
                "added_at": n.added_at,
                "registered": n.subject_id in registered,
                "verdict": n.verdict,
                "report": _attachment(reports[n.id]) if n.id in reports else None,
            }
            for n in nomination.nominees
        ],
        "attachments": [_attachment(a) for a in files],
        "cover_letter": _attachment(cover) if cover else None,
        "acclamation": acclamations.view(session, acclamation) if acclamation else None,
        "registration": check,
        "moves": nominations.history(session, nomination.nomination_id),
        "allowed_moves": nominations.allowed_moves(nomination, can_for(session, nomination)),
    }
    return body


def respond(session: Session, nomination: Nomination, status: int = 200) -> Response:
    response = jsonify(NominationSchema().dump(describe(session, nomination)))
    response.status_code = status
    response.headers["ETag"] = etag(nomination)
    return response


# -- the file ----------------------------------------------------------------------------------


@blueprint.route("", methods=["POST"])
@blueprint.arguments(NominationIn)
@blueprint.response(201, NominationSchema)
def create(payload: dict[str, Any]) -> Response:
    """A draft file: a unit's (``unit``) or, for an award its region proposes, the region's
    (``region``; the region's lead files it)."""
    caller = principal()
    with database().transaction() as session:
        _, award = packs.in_force(session, payload["award"], payload["year"])
        if nominations.proposed_by(award) == "region":
            region = payload["region"]
            if not region:
                raise Invalid(
                    {
                        "region": [
                            (
                                f"{award['name']} do cụm/khu vực thi đua đề nghị: cần region.",
                                f"{award['name']} is proposed by a region: send region.",
                            )
                        ]
                    }
                )
            where = Target(region_ids=frozenset({region}))
            require(
                caller,
                "nomination.edit_region",
                where,
                visible=allows(caller, "nomination.read", where),
            )
        else:
            unit = payload["unit"]
            if not unit:
                raise Invalid({"unit": [("Bắt buộc.", "Required.")]})
            seen = Target.of_unit(unit, registrations.regions_of(session, unit, payload["year"]))
            require(
                caller,
                "nomination.edit",
                Target.of_unit(unit),
                visible=allows(caller, "nomination.read", seen),
            )
        nomination = nominations.create(
            session,
            caller.subject,
            award,
            kind=payload["kind"],
            year=payload["year"],
            unit_id=payload["unit"],
            region_id=payload["region"],
            title=payload["title"],
            cover_summary=payload["cover_summary"],
            movement_id=payload["movement_id"],
            act=payload["act"],
            act_date=payload["act_date"],
            candidate_unit=payload["candidate_unit"],
        )
        return respond(session, nomination, 201)


def visible_clause(session: Session) -> Any:
    """The files the caller may see, as a WHERE clause (None: every file)."""
    clauses = []
    for grant in grants_for(principal(), "nomination.read"):
        if grant.scope == "national":
            return None
        if grant.scope == "unit" and grant.scope_id:
            clauses.append(Nomination.unit_id == grant.scope_id)
        if grant.scope == "region" and grant.scope_id:
            clauses.append(Nomination.region_id == grant.scope_id)
            region = session.get(RegionCopy, grant.scope_id)
            if region is not None and region.member_ids:
                clauses.append(
                    and_(
                        Nomination.unit_id.in_(list(region.member_ids)),
                        Nomination.year == region.year,
                        Nomination.region_id.is_(None),
                    )
                )
    return or_(*clauses) if clauses else false()


@blueprint.route("", methods=["GET"])
@blueprint.arguments(NominationArgs, location="query")
@blueprint.response(200, NominationPage)
def list_files(args: dict[str, Any]) -> dict[str, Any]:
    """The files the caller may see, newest first."""
    with database().read() as session:
        query = select(Nomination).order_by(Nomination.created_at.desc(), Nomination.nomination_id)
        clause = visible_clause(session)
        if clause is not None:
            query = query.where(clause)
        for name, column in (
            ("unit", Nomination.unit_id),
            ("region", Nomination.region_id),
            ("year", Nomination.year),
            ("state", Nomination.state),
            ("award", Nomination.award_code),
        ):
            if args.get(name) is not None:
                query = query.where(column == args[name])
        return paginate(session, query, args)


@blueprint.route("/nominees-template.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX, description="The workbook of nominees to fill in")
def nominees_template() -> Response:
    """The .xlsx to list nominees in (Mã cán bộ/đơn vị, Tóm tắt thành tích)."""
    return send_file(
        io.BytesIO(nominee_workbook.template()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="nguoi-duoc-de-nghi.xlsx",
    )


@blueprint.route("/<nomination_id>", methods=["GET"])
@blueprint.response(200, NominationSchema)
def get_file(nomination_id: str) -> Response:
    with database().read() as session:
        return respond(session, readable(session, nomination_id))


@blueprint.route("/<nomination_id>", methods=["PATCH"])
@takes_if_match
@blueprint.arguments(NominationPatch)
@blueprint.response(200, NominationSchema)
def patch_file(payload: dict[str, Any], nomination_id: str) -> Response:
    """Title, cover summary, the act and its date (draft or returned only)."""
    sent = if_match()
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        nominations.update(nomination, payload)
        return respond(session, nomination)


# -- nominees ------------------------------------------------------------------------------


@blueprint.route("/<nomination_id>/nominees", methods=["POST"])
@takes_if_match
@blueprint.arguments(NomineesIn)
@blueprint.response(200, NominationSchema)
def add_nominees(payload: dict[str, Any], nomination_id: str) -> Response:
    """Name people or units (each must belong to the unit, or the region, and fit the award's
    recipient kind: 422 naming the subject otherwise)."""
    sent = if_match()
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        award = packs.in_force(session, nomination.award_code, nomination.year)[1]
        nominations.add_nominees(
            session,
            principal().subject,
            nomination,
            award,
            [(s, None) for s in payload["subjects"]],
            payload["added_from"],
        )
        return respond(session, nomination)


def _upload(limit: int) -> tuple[str, bytes]:
    """The multipart ``file``: 413 past ``limit`` before reading it whole, 422 when absent."""
    return uploads.read_file(limit, nominations.too_large)


@blueprint.route("/<nomination_id>/nominees/import", methods=["POST"])
@accepts("multipart/form-data")
@takes_if_match
@blueprint.doc(requestBody=UPLOAD_BODY)
@blueprint.response(200, NominationSchema)
def import_nominees(nomination_id: str) -> Response:
    """Nominees from an .xlsx (the template's layout): every row's problem keyed by its
    Excel address, and nobody is added when there is one."""
    sent = if_match()
    with database().read() as session:
        editable(session, nomination_id, sent)  # refuse before reading the file
    _, content = _upload(nominations.MAX_FILE_BYTES)
    rows = nominee_workbook.read(content)
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        award = packs.in_force(session, nomination.award_code, nomination.year)[1]
        nominations.add_nominees(
            session,
            principal().subject,
            nomination,
            award,
            [(r.subject_id, r.summary) for r in rows],
            "import",
            field=lambda i: rows[i].ref,
        )
        return respond(session, nomination)


@blueprint.route("/<nomination_id>/nominees/<subject_id>", methods=["PATCH"])
@takes_if_match
@blueprint.arguments(NomineePatch)
@blueprint.response(200, NominationSchema)
def patch_nominee(payload: dict[str, Any], nomination_id: str, subject_id: str) -> Response:
    """A nominee's achievement summary."""
    sent = if_match()
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        nominee = nominations.nominee_of(nomination, subject_id)
        nominations.update_nominee(nomination, nominee, payload["report_summary"])
        return respond(session, nomination)


@blueprint.route("/<nomination_id>/nominees/<subject_id>", methods=["DELETE"])
@takes_if_match
@blueprint.response(200, NominationSchema)
def remove_nominee(nomination_id: str, subject_id: str) -> Response:
    sent = if_match()
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        nominee = nominations.nominee_of(nomination, subject_id)
        nominations.remove_nominee(session, nomination, nominee)
        return respond(session, nomination)


# -- the files of the file -----------------------------------------------------------------------


def _put_file(nomination_id: str, subject_id: str | None) -> Response:
    sent = if_match()
    with database().read() as session:
        nomination = editable(session, nomination_id, sent)  # refuse before receiving it
        if subject_id is not None:
            nominations.nominee_of(nomination, subject_id)
        nominations.require_editable(nomination)
    filename, content = _upload(nominations.MAX_FILE_BYTES)
    with database().transaction() as session:
        nomination = editable(session, nomination_id, sent)
        nominee: Nominee | None = None
        if subject_id is not None:
            nominee = nominations.nominee_of(nomination, subject_id)
        nominations.put_attachment(
            session, principal().subject, nomination, nominee, filename=filename, content=content
        )
        return respond(session, nomination)


def _get_file(nomination_id: str, subject_id: str | None) -> Response:
    with database().read() as session:
        nomination = readable(session, nomination_id)
        nominee = nominations.nominee_of(nomination, subject_id) if subject_id else None
        found = nominations.attachment_of(session, nomination, nominee)
        response = send_file(
            io.BytesIO(found.content),
            mimetype=found.content_type,
            as_attachment=True,
            download_name=found.filename,
            etag=found.sha256,
        )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/<nomination_id>/nominees/<subject_id>/report", methods=["PUT"])
@accepts("multipart/form-data")
@takes_if_match
@blueprint.doc(requestBody=UPLOAD_BODY)
@blueprint.response(200, NominationSchema)
def put_report(nomination_id: str, subject_id: str) -> Response:
    """The nominee's achievement report (PDF, DOCX, ODT, PNG or JPEG; at most 10 MiB)."""
    return _put_file(nomination_id, subject_id)


@blueprint.route("/<nomination_id>/nominees/<subject_id>/report", methods=["GET"])
@blueprint.response(200, content_type="application/octet-stream", description="The file")
def get_report(nomination_id: str, subject_id: str) -> Response:
    return _get_file(nomination_id, subject_id)


@blueprint.route("/<nomination_id>/cover-letter", methods=["PUT"])
@accepts("multipart/form-data")
@takes_if_match
@blueprint.doc(requestBody=UPLOAD_BODY)
@blueprint.response(200, NominationSchema)
def put_cover_letter(nomination_id: str) -> Response:
    """The file's cover letter (tờ trình), same rules as a report."""
    return _put_file(nomination_id, None)


@blueprint.route("/<nomination_id>/cover-letter", methods=["GET"])
@blueprint.response(200, content_type="application/octet-stream", description="The file")
def get_cover_letter(nomination_id: str) -> Response:
    return _get_file(nomination_id, None)


# -- moves -------------------------------------------------------------------------------------


@blueprint.route("/<nomination_id>/moves", methods=["POST"])
@takes_if_match
@blueprint.arguments(MoveIn)
@blueprint.response(200, NominationSchema)
def move(payload: dict[str, Any], nomination_id: str) -> Response:
    """Move the file (submitted, returned with a reason, received, forwarded, withdrawn):
    409 naming the allowed moves when this one is not; 409 with ``reasons`` when the file
    cannot be submitted."""
    sent = if_match()
    with database().transaction() as session:
        nomination = readable(session, nomination_id, lock=True)
        can = can_for(session, nomination)
        if not (can("edit") or can("decide")):
            raise Problem(
                403,
                "forbidden",
                ("Bạn không có quyền thực hiện thao tác này.", "You may not do this."),
            )
        require_match(etag(nomination), sent, stale=STALE)
        nominations.move(
            session, principal().subject, nomination, payload["to"], payload["reason"], can
        )
        return respond(session, nomination)
