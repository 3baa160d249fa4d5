"""The award registry: search the people of the units the user may see (name without
diacritics, unit, an award held and its year), import a unit's people and the awards they
hold (the JSON document or the same content as an .xlsx workbook, all or nothing: a 422 lists
every error by JSON pointer or by sheet, row and column), the empty template, and the export.

Awards' ``/registry/...`` and ``/people`` (docs/awards.md, "The registry").
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext as _

from web.api import ApiError, Invalid, client
from web.downloads import passed_on
from web.views import require_user
from web.views.awards import (
    PAGE_SIZE,
    blueprint,
    edits_registry,
    error_rows,
    own_units,
    page_number,
    pages_of,
    problem_text,
    unit_label,
    year_of,
)

MAX_IMPORT_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blueprint.get("/people")
def people() -> str:
    user = require_user()
    filters: dict[str, Any] = {}
    for name in ("q", "unit", "award"):
        value = (request.args.get(name) or "").strip()
        if value:
            filters[name] = value
    year = year_of(request.args.get("year"))
    if year:
        filters["year"] = year
    page = page_number()
    reply = (
        client()
        .get("/awards/people", params={**filters, "page": page, "page_size": PAGE_SIZE})
        .data
    )
    items = [
        {**item, "unit_name": unit_label(item.get("unit_id"))} for item in reply.get("items", [])
    ]
    return render_template(
        "awards/people.html",
        items=items,
        total=reply.get("total", len(items)),
        page=page,
        pages=pages_of(reply),
        filters=filters,
        edits=edits_registry(user),
        units=own_units(user),
    )


@blueprint.get("/registry/template.xlsx")
def template() -> Response:
    require_user()
    return passed_on(client().get("/awards/registry/template.xlsx"), "mau-so-khen-thuong.xlsx")


@blueprint.get("/registry/export.xlsx")
def export_xlsx() -> Response:
    require_user()
    unit = (request.args.get("unit") or "").strip()
    reply = client().get("/awards/registry/export", params={"unit": unit}, headers={"Accept": XLSX})
    return passed_on(reply, f"so-khen-thuong-{unit}.xlsx")


@blueprint.get("/registry/export.json")
def export_json() -> Response:
    require_user()
    unit = (request.args.get("unit") or "").strip()
    reply = client().get("/awards/registry/export", params={"unit": unit})
    response = passed_on(reply, f"so-khen-thuong-{unit}.json")
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="so-khen-thuong-{unit}.json"'
    return response


def _import_page(status: int = 200, **context: Any) -> tuple[str, int]:
    user = require_user()
    body = render_template(
        "awards/import.html",
        errors=context.get("errors", []),
        file_error=context.get("file_error"),
        message=context.get("message"),
        counts=context.get("counts"),
        units=own_units(user),
    )
    return body, status


@blueprint.get("/registry/import")
def import_form() -> tuple[str, int]:
    require_user()
    return _import_page()


@blueprint.post("/registry/import")
def import_registry() -> tuple[str, int]:
    require_user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(422, file_error=_("Choose the file to import (.json or .xlsx)."))
    name = upload.filename.lower()
    content = upload.stream.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        return _import_page(413, file_error=_("The file is too large (at most 5 MB)."))
    try:
        if name.endswith(".json"):
            try:
                document = json.loads(content.decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError) as error:
                return _import_page(
                    422,
                    file_error=_("The file is not valid JSON: %(reason)s", reason=str(error)),
                )
            reply = client().post("/awards/registry/import", json=document)
        elif name.endswith(".xlsx"):
            reply = client().post(
                "/awards/registry/import", files={"file": (upload.filename, content, XLSX)}
            )
        else:
            return _import_page(
                422, file_error=_("Only a JSON document (.json) or an Excel workbook (.xlsx).")
            )
    except Invalid as invalid:
        rows = error_rows(invalid.body)
        return _import_page(
            422,
            errors=rows,
            message=invalid.detail,
            file_error=None if rows else problem_text(invalid),
        )
    except ApiError as error:
        if error.status not in (400, 409, 413):
            raise
        return _import_page(error.status, file_error=problem_text(error))
    return _import_page(200, counts=reply.data)
