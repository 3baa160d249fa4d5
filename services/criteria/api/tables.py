"""Criteria tables: read (everyone signed in; drafts: ministry officers only), write, publish,
amend, clone, compare, and Excel in and out."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Response, jsonify, request
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.app import accepts, database, principal
from kit.errors import Invalid, NotFound, PayloadTooLarge, Text
from kit.pagination import paginate
from kit.policy import allows, require
from kit.preconditions import if_match, require_match, takes_if_match
from services.criteria.domain import excel, tables
from services.criteria.models import CriteriaTable
from services.criteria.schemas import (
    CloneIn,
    DiffArgs,
    DocumentIn,
    ImportForm,
    PublishIn,
    TableArgs,
    TableIn,
    TablePage,
    TableSchema,
)

blueprint = Blueprint(
    "tables",
    __name__,
    url_prefix="/tables",
    description="Yearly criteria tables, their versions and their Excel form",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _editor() -> bool:
    return allows(principal(), "criteria.manage")


def _visible(session: Session, table_id: str) -> CriteriaTable:
    """The table, if the caller may know it: drafts exist only for ministry officers."""
    table = session.get(CriteriaTable, table_id)
    if table is None or (table.status == "draft" and not _editor()):
        raise NotFound(("bảng tiêu chí", "criteria table"), table_id)
    return table


CHANGED = (
    "Bảng đã được người khác sửa; hãy tải lại.",
    "Someone else changed the table; reload it.",
)


def _etag(table: CriteriaTable) -> str:
    return f'W/"{table.id}-{table.revision}"'


def _with_etag(table: CriteriaTable, status: int = 200) -> Response:
    response = jsonify(TableSchema().dump(table))
    response.status_code = status
    response.headers["ETag"] = _etag(table)
    return response


@blueprint.route("", methods=["GET"])
@blueprint.arguments(TableArgs, location="query")
@blueprint.response(200, TablePage)
def list_tables(args: dict[str, Any]) -> dict[str, Any]:
    """Tables by year, unit kind and status; drafts appear only to ministry officers."""
    query = select(CriteriaTable).order_by(
        CriteriaTable.year.desc(),
        CriteriaTable.unit_kind,
        CriteriaTable.version.desc(),
        CriteriaTable.created_at,
    )
    for field in ("year", "unit_kind", "status"):
        if args.get(field) is not None:
            query = query.where(getattr(CriteriaTable, field) == args[field])
    if not _editor():
        query = query.where(CriteriaTable.status != "draft")
    with database().read() as session:
        return paginate(session, query, args)


@blueprint.route("/<table_id>", methods=["GET"])
@blueprint.response(200, TableSchema)
def get_table(table_id: str) -> Response:
    """One table with its document; the ETag goes with If-Match when saving a draft."""
    with database().read() as session:
        return _with_etag(_visible(session, table_id))


@blueprint.route("", methods=["POST"])
@blueprint.arguments(TableIn)
@blueprint.response(201, TableSchema)
def create_table(payload: dict[str, Any]) -> Response:
    """Start a draft from a whole document (validated: 422 names every problem's pointer)."""
    require(principal(), "criteria.manage", visible=True)
    with database().transaction() as session:
        table = tables.create_draft(session, principal().subject, **payload)
        return _with_etag(table, 201)


@blueprint.route("/<table_id>", methods=["PUT"])
@takes_if_match
@blueprint.arguments(DocumentIn)
@blueprint.response(200, TableSchema)
def save_table(payload: dict[str, Any], table_id: str) -> Response:
    """Replace a draft's document. Send the ETag you read as If-Match: 412 if it moved on."""
    require(principal(), "criteria.manage", visible=True)
    sent = if_match()
    with database().transaction() as session:
        table = _visible(session, table_id)
        require_match(_etag(table), sent, stale=CHANGED)
        tables.update_draft(session, table, payload["document"])
        return _with_etag(table)


@blueprint.route("/<table_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_table(table_id: str) -> Response:
    require(principal(), "criteria.manage", visible=True)
    with database().transaction() as session:
        tables.delete_draft(session, _visible(session, table_id))
    return Response(status=204)


@blueprint.route("/<table_id>/publish", methods=["POST"])
@blueprint.arguments(PublishIn)
@blueprint.response(200, TableSchema)
def publish_table(payload: dict[str, Any], table_id: str) -> Response:
    """Publish a draft as the next version (a change note is required for an amendment)."""
    require(principal(), "criteria.manage", visible=True)
    with database().transaction() as session:
        table = tables.publish(
            session, principal().subject, _visible(session, table_id), payload.get("change_note")
        )
        return _with_etag(table)


@blueprint.route("/<table_id>/amendments", methods=["POST"])
@blueprint.response(201, TableSchema)
def amend_table(table_id: str) -> Response:
    """A draft of the next version, starting from this published one."""
    require(principal(), "criteria.manage", visible=True)
    with database().transaction() as session:
        return _with_etag(
            tables.amend(session, principal().subject, _visible(session, table_id)), 201
        )


@blueprint.route("/<table_id>/clones", methods=["POST"])
@blueprint.arguments(CloneIn)
@blueprint.response(201, TableSchema)
def clone_table(payload: dict[str, Any], table_id: str) -> Response:
    """Next year's draft from this table."""
    require(principal(), "criteria.manage", visible=True)
    with database().transaction() as session:
        return _with_etag(
            tables.clone(
                session, principal().subject, _visible(session, table_id), payload["year"]
            ),
            201,
        )


@blueprint.route("/<table_id>/diff", methods=["GET"])
@blueprint.arguments(DiffArgs, location="query")
@blueprint.response(200)
def diff_tables(args: dict[str, Any], table_id: str) -> Any:
    """What changed from ``against`` to this table: JSON, or text for a memo (format=text)."""
    with database().read() as session:
        new, old = _visible(session, table_id), _visible(session, args["against"])
        difference = tables.diff(old.document, new.document)
        if args["format"] == "text":
            text = tables.diff_text(
                difference,
                f"{old.year} v{old.version or 'nháp'}",
                f"{new.year} v{new.version or 'nháp'}",
            )
            return Response(text, mimetype="text/plain")
        return {"from": old.id, "to": new.id, **difference}


@blueprint.route("/<table_id>/export.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX)
def export_table(table_id: str) -> Response:
    """The table in the Ministry's annex layout (Excel)."""
    with database().read() as session:
        table = _visible(session, table_id)
        data = excel.export_table(table.document)
    name = f"bang-tieu-chi-{table.year}-{table.unit_kind}-v{table.version or 'draft'}.xlsx"
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blueprint.route("/template.xlsx", methods=["GET"])
@blueprint.response(200, content_type=XLSX)
def template() -> Response:
    """An empty table to fill in, with instructions (sheet "Hướng dẫn")."""
    return Response(
        excel.TEMPLATE_PATH.read_bytes(),
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="mau-bang-tieu-chi.xlsx"'},
    )


@blueprint.route("/import", methods=["POST"])
@accepts("multipart/form-data")
@blueprint.arguments(ImportForm, location="form")
@blueprint.response(201, TableSchema)
@blueprint.alt_response(
    413, description="The workbook unpacks past the import limits; it was not read (problem+json)"
)
def import_table(form: dict[str, Any]) -> Response:
    """A draft from an Excel file laid out like the annex. Errors are reported with their sheet,
    row and column (the first 100, with ``error_count`` and ``errors_truncated``); nothing is
    saved when there is any. A file that unpacks past the limits is refused unread (413)."""
    require(principal(), "criteria.manage", visible=True)
    upload = request.files.get("file")
    if upload is None:
        raise Invalid(
            {"file": [("Bắt buộc.", "Required.")]},
            ("Thiếu tệp Excel (trường file).", "No Excel file (field 'file')."),
        )
    try:
        result = excel.import_table(upload.read())
    except excel.WorkbookTooLarge as refused:
        raise PayloadTooLarge(
            (refused.vi, refused.en), limit=refused.limit, limit_value=refused.maximum
        ) from None
    if result.errors:
        by_cell: dict[str, list[Text]] = {}
        for error in result.errors:  # keyed by Excel address: 'Bảng tiêu chí'!E12
            by_cell.setdefault(error.ref, []).append((error.vi, error.en))
        listed_vi, listed_en = "", ""
        if result.errors_truncated:
            listed_vi = f" (liệt kê {len(result.errors)} lỗi đầu)"
            listed_en = f" (the first {len(result.errors)} are listed)"
        raise Invalid(
            by_cell,
            (
                f"Tệp có {result.error_count} lỗi{listed_vi}; chưa lưu gì.",
                f"The file has {result.error_count} errors{listed_en}; nothing was saved.",
            ),
            excel_errors=[{**dataclasses.asdict(e), "ref": e.ref} for e in result.errors],
            error_count=result.error_count,
            errors_truncated=result.errors_truncated,
        )
    with database().transaction() as session:
        table = tables.create_draft(
            session,
            principal().subject,
            year=form["year"],
            unit_kind=form["unit_kind"],
            document=result.document,
        )
        return _with_etag(table, 201)
