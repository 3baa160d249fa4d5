"""Scoresheets: the unit's self-assessment, the region's review, the Ministry's appraisal.

Writes carry optimistic concurrency: a sheet's ETag is its revision, an entry's its own; send
it back as If-Match (412 when someone else changed it meanwhile, 428 when missing).
Submitting answers 202 with a link where the scoring workers' computation can be followed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, url_for
from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.pagination import PageArgs, paginate
from kit.preconditions import require_match, takes_if_match
from services.scoring.api.access import readable_sheet, writable_sheet
from services.scoring.domain import lifecycle, sheets
from services.scoring.models import Change, Round, Sheet
from services.scoring.schemas import (
    ChangePage,
    ComputationSchema,
    CountsIn,
    EntryIn,
    EntrySchema,
    PointsIn,
    ReasonIn,
    SheetSchema,
    entry_etag,
)

blueprint = Blueprint(
    "sheets",
    __name__,
    url_prefix="/sheets",
    description="Scoresheets and their entries, at every stage",
)


def sheet_etag(sheet: Sheet) -> str:
    return f'W/"sheet-{sheet.id}-{sheet.revision}"'


def _sheet_response(sheet: Sheet, round_: Round, status: int = 200) -> Response:
    body = SheetSchema(exclude=["allowed"]).dump(sheet)
    body["allowed"] = lifecycle.allowed(sheet, round_)
    response = jsonify(body)
    response.status_code = status
    response.headers["ETag"] = sheet_etag(sheet)
    return response


@blueprint.route("/<sheet_id>", methods=["GET"])
@blueprint.response(200, SheetSchema)
def get_sheet(sheet_id: str) -> Response:
    with database().read() as session:
        return _sheet_response(*readable_sheet(session, sheet_id))


@blueprint.route("/<sheet_id>/entries/<code>", methods=["PUT"])
@takes_if_match
@blueprint.arguments(EntryIn)
@blueprint.response(200, EntrySchema)
def save_entry(payload: dict[str, Any], sheet_id: str, code: str) -> Response:
    """The unit's inputs for one criterion (autosave); If-Match: the entry's ETag."""
    with database().transaction() as session:
        sheet, round_ = writable_sheet(session, sheet_id, "self_assess")
        require_match(entry_etag(sheets.entry_of(sheet, code)))
        entry = sheets.save_entry(
            session,
            principal().subject,
            sheet,
            round_,
            code,
            payload["inputs"],
            payload.get("comment"),
        )
        response = jsonify(EntrySchema().dump(entry))
        response.headers["ETag"] = entry_etag(entry)
        return response


@blueprint.route("/<sheet_id>/counts", methods=["PUT"])
@takes_if_match
@blueprint.arguments(CountsIn)
@blueprint.response(200, SheetSchema)
def save_counts(payload: dict[str, Any], sheet_id: str) -> Response:
    """Counts for the bonus and deduction items; If-Match: the sheet's ETag."""
    with database().transaction() as session:
        sheet, round_ = writable_sheet(session, sheet_id, "self_assess")
        require_match(sheet_etag(sheet))
        sheets.save_counts(
            session, principal().subject, sheet, round_, payload["bonus"], payload["deduction"]
        )
        return _sheet_response(sheet, round_)


def _transition(
    sheet_id: str, action: str, step: Callable[..., Any], *args: Any, status: int = 200
) -> Response:
    with database().transaction() as session:
        sheet, round_ = writable_sheet(session, sheet_id, action)
        require_match(sheet_etag(sheet))
        step(session, principal().subject, sheet, round_, *args)
        response = _sheet_response(sheet, round_, status)
    if status == 202:
        response.headers["Location"] = url_for("sheets.computation", sheet_id=sheet_id)
    return response


@blueprint.route("/<sheet_id>/submit", methods=["POST"])
@takes_if_match
@blueprint.response(202, SheetSchema)
def submit(sheet_id: str) -> Response:
    """Submit for review: 422 names every criterion still missing or invalid; 202 when the
    computation is queued (Location: where to follow it)."""
    return _transition(sheet_id, "self_assess", sheets.submit, status=202)


@blueprint.route("/<sheet_id>/computation", methods=["GET"])
@blueprint.response(200, ComputationSchema)
def computation(sheet_id: str) -> dict[str, Any]:
    """Whether the scoring workers have computed the sheet's current revision."""
    with database().read() as session:
        sheet, _ = readable_sheet(session, sheet_id)
        return {
            "sheet_id": sheet.id,
            "revision": sheet.revision,
            "compute_status": sheet.compute_status,
            "computed_revision": sheet.computed_revision,
            "total": sheet.total,
            "band": sheet.band,
        }


@blueprint.route("/<sheet_id>/entries/<code>/review", methods=["POST"])
@takes_if_match
@blueprint.arguments(PointsIn)
@blueprint.response(200, SheetSchema)
def review_entry(payload: dict[str, Any], sheet_id: str, code: str) -> Response:
    """The region lead proposes other points for a criterion, with the reason."""
    return _transition(
        sheet_id, "review", sheets.set_points, code, payload["points"], payload["reason"], "review"
    )


@blueprint.route("/<sheet_id>/return", methods=["POST"])
@takes_if_match
@blueprint.arguments(ReasonIn)
@blueprint.response(200, SheetSchema)
def return_sheet(payload: dict[str, Any], sheet_id: str) -> Response:
    """The region lead sends the sheet back to the unit for revision."""
    return _transition(sheet_id, "review", sheets.return_for_revision, payload["reason"])


@blueprint.route("/<sheet_id>/reviewed", methods=["POST"])
@takes_if_match
@blueprint.response(200, SheetSchema)
def mark_reviewed(sheet_id: str) -> Response:
    return _transition(sheet_id, "review", sheets.mark_reviewed)


@blueprint.route("/<sheet_id>/entries/<code>/appraisal", methods=["POST"])
@takes_if_match
@blueprint.arguments(PointsIn)
@blueprint.response(200, SheetSchema)
def appraise_entry(payload: dict[str, Any], sheet_id: str, code: str) -> Response:
    """The Ministry sets the final points of a criterion, with the reason."""
    return _transition(
        sheet_id,
        "appraise",
        sheets.set_points,
        code,
        payload["points"],
        payload["reason"],
        "appraisal",
    )


@blueprint.route("/<sheet_id>/finalise", methods=["POST"])
@takes_if_match
@blueprint.response(200, SheetSchema)
def finalise(sheet_id: str) -> Response:
    return _transition(sheet_id, "appraise", sheets.finalise)


@blueprint.route("/<sheet_id>/history", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, ChangePage)
def history(args: dict[str, int], sheet_id: str) -> dict[str, Any]:
    """Every change of the sheet and its entries: who, when, old, new, why."""
    with database().read() as session:
        readable_sheet(session, sheet_id)
        query = select(Change).where(Change.sheet_id == sheet_id).order_by(Change.id)
        return paginate(session, query, args)
