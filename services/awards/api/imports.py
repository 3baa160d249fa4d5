"""Importing the award registry: the JSON document, or the same content as an .xlsx workbook.

All or nothing: one bad row and nothing is written; the 422 names every problem, by JSON
pointer for a document and by cell for a workbook. A unit admin imports only its own unit's
people; a ministry officer any unit's.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from kit.app import accepts, database, principal
from kit.errors import Invalid, PayloadTooLarge, Problem, Text
from kit.policy import grants_for, require_somewhere
from services.awards.api import uploads
from services.awards.domain import registry_import, workbook
from services.awards.schemas_rules import ImportOut

blueprint = Blueprint(
    "registry-import",
    __name__,
    description="The award registry's import (JSON document or Excel workbook)",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A unit's whole registry as a workbook: a 2,000-person unit with ten years of awards is a few
# MiB, past the platform's general body limit (THIDUA_MAX_BODY_BYTES, 1 MiB by default, which
# still bounds a JSON document). The workbook's own limits (domain.workbook) bound what it
# unpacks to.
MAX_WORKBOOK_BYTES = 16 * 1024 * 1024
IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "The import document (shape: sample-award-history.json): "
                "people[] and awards[]",
                "properties": {
                    "people": {"type": "array", "items": {"type": "object"}},
                    "awards": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "The workbook (GET /registry/template.xlsx)",
                    }
                },
            }
        },
    },
}


def _allowed_units() -> set[str] | None:
    """None for a national editor (the Ministry); else the units the caller administers."""
    grants = grants_for(principal(), "registry.edit")
    if any(g.scope == "national" for g in grants):
        return None
    return {g.scope_id for g in grants if g.scope == "unit" and g.scope_id}


def _by_cell(refused: Invalid, locate: workbook.Locate) -> Invalid:
    """The document's errors (by JSON pointer) said at the cells the values came from."""
    by_cell: dict[str, list[Text]] = {}
    listed: list[dict[str, Any]] = []
    for pointer, messages in refused.extra.get("errors", {}).items():
        ref = locate(pointer) or pointer
        for message in messages:
            by_cell.setdefault(ref, []).append(message)
            vi, en = message if isinstance(message, tuple) else (message, message)
            parts = workbook.address_parts(ref)
            listed.append(  # kit.problems.WorkbookErrorSchema's shape
                {
                    "sheet": parts["sheet"] or "",
                    "row": parts["row"],
                    "column": parts["column"],
                    "code": "invalid",
                    "vi": vi,
                    "en": en,
                    "ref": ref,
                }
            )
    return Invalid(by_cell, refused.detail, excel_errors=listed, error_count=len(listed))


def _workbook_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        (
            f"Tệp Excel vượt quá {MAX_WORKBOOK_BYTES // 1048576} MiB.",
            f"The workbook exceeds {MAX_WORKBOOK_BYTES // 1048576} MiB.",
        ),
        limit="upload",
        limit_value=MAX_WORKBOOK_BYTES,
    )


@blueprint.route("/registry/import", methods=["POST"])
@accepts("application/json", "multipart/form-data")
@blueprint.doc(requestBody=IMPORT_BODY)
@blueprint.response(200, ImportOut)
def import_registry() -> dict[str, Any]:
    """Import people and the awards they hold, upserted by staff code and by (recipient,
    award, year); re-importing the same content changes nothing."""
    require_somewhere(principal(), "registry.edit")
    allowed = _allowed_units()
    if request.mimetype == "multipart/form-data":
        uploads.allow_body(MAX_WORKBOOK_BYTES, _workbook_too_large)
        upload = request.files.get("file")
        if upload is None:
            raise Invalid(
                {"file": [("Bắt buộc.", "Required.")]},
                ("Thiếu tệp Excel (trường file).", "No Excel file (field 'file')."),
            )
        document, locate = workbook.read_registry_workbook(upload.read())
        try:
            with database().transaction() as session:
                return registry_import.import_document(
                    session, principal().subject, document, allowed_units=allowed
                )
        except Invalid as refused:
            raise _by_cell(refused, locate) from None
    if request.mimetype != "application/json":
        raise Problem(
            415,
            "unsupported-media-type",
            (
                "Gửi tài liệu JSON (application/json) hoặc tệp Excel (multipart/form-data).",
                "Send a JSON document (application/json) or an Excel file (multipart/form-data).",
            ),
        )
    document = request.get_json(silent=True)
    with database().transaction() as session:
        return registry_import.import_document(
            session, principal().subject, document, allowed_units=allowed
        )
