"""Criteria tables (bảng tiêu chí): the list, a table's tree with every criterion's maximum and
scoring method in words, its versions, the difference between two versions, and Excel in and
out: the import with every row-level error in a table, the export, the empty template, and the
clone for next year.

Every signed-in user reads published tables; drafts, and every change, are the Ministry's
(``criteria.manage``): the platform answers 404 for a draft and 403 for a change to anyone
else, and the pages show the forms to ministry officers only. The API is criteria's
``/criteria/tables…`` (services/criteria/api/tables.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web import data, labels
from web import session as web_session
from web.api import ApiError, Invalid, client
from web.downloads import passed_on
from web.session import User
from web.views import require_user

blueprint = Blueprint("tables", __name__)
blueprint.context_processor(labels.for_templates)

PAGE_SIZE = 50
EDITORS = ("ministry_officer",)
UNIT_KINDS = ("so-tu-phap", "cuc-thads")
YEARS = range(2000, 2101)
DIFF_FIELD = {
    "title": _l("title"),
    "max_points": _l("maximum points"),
    "method": _l("scoring method"),
    "evidence_required": _l("evidence required"),
    "when_not_applicable": _l("may be declared not applicable"),
    "per_count": _l("points per count"),
    "max_count": _l("counted at most"),
    "rank_bands": _l("rank bands"),
    "rounding": _l("rounding"),
}
LIMIT = {
    "max_unpacked_bytes": _l("The workbook is too large once unpacked (at most 8 MB)."),
    "max_compression_ratio": _l("The workbook is compressed suspiciously much."),
    "max_zip_members": _l("The workbook holds too many parts."),
}


def editor(user: User) -> bool:
    return user.has_role(*EDITORS)


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) in YEARS else None


def _all_tables(**filters: Any) -> list[dict[str, Any]]:
    """Every table the user may see that matches (summaries, newest year first)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = (
            client()
            .get("/criteria/tables", params={**filters, "page": page, "page_size": 200})
            .data
        )
        items.extend(reply["items"])
        if page * reply["page_size"] >= reply["total"] or not reply["items"]:
            return items
        page += 1


def messages_of(error: ApiError) -> list[str]:
    """Every message of a problem's ``errors`` (whatever their nesting), else its detail."""
    found: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    collect(error.body.get("errors"))
    return found or [error.detail or _("The request could not be carried out.")]


# -- the list ----------------------------------------------------------------------------


@blueprint.get("/tables")
def tables() -> str:
    user = require_user()
    filters: dict[str, Any] = {}
    year = _year(request.args.get("year"))
    if year:
        filters["year"] = year
    if request.args.get("unit_kind") in UNIT_KINDS:
        filters["unit_kind"] = request.args["unit_kind"]
    if request.args.get("status") in labels.TABLE_STATUS:
        filters["status"] = request.args["status"]
    page = _page()
    reply = (
        client()
        .get("/criteria/tables", params={**filters, "page": page, "page_size": PAGE_SIZE})
        .data
    )
    pages = max(1, -(-reply["total"] // PAGE_SIZE))
    return render_template(
        "tables/list.html",
        items=reply["items"],
        total=reply["total"],
        page=page,
        pages=pages,
        filters=filters,
        unit_kinds=UNIT_KINDS,
        editor=editor(user),
    )


def _page() -> int:
    text = (request.args.get("page") or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 1_000_000 else 1


@blueprint.get("/tables/template.xlsx")
def template() -> Response:
    require_user()
    return passed_on(client().get("/criteria/tables/template.xlsx"), "mau-bang-tieu-chi.xlsx")


# -- import ------------------------------------------------------------------------------


def _import_page(status: int = 200, **context: Any) -> tuple[str, int]:
    values = {"year": "", "unit_kind": "so-tu-phap", **context.pop("values", {})}
    body = render_template(
        "tables/import.html",
        values=values,
        unit_kinds=UNIT_KINDS,
        field_errors=context.pop("field_errors", {}),
        excel_errors=context.pop("excel_errors", []),
        issues=context.pop("issues", []),
        error_count=context.pop("error_count", 0),
        truncated=context.pop("truncated", False),
        message=context.pop("message", None),
    )
    return body, status


@blueprint.get("/tables/import")
def import_form() -> tuple[str, int]:
    require_user()
    return _import_page()


def excel_rows(body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    """The import's ``excel_errors`` as the errors table shows them, in the page's language."""
    return [
        {
            "sheet": e.get("sheet") or "",
            "row": e.get("row"),
            "column": e.get("column") or "",
            "message": e.get(language) or e.get("vi") or e.get("en") or "",
            "code": e.get("code") or "",
        }
        for e in body.get("excel_errors") or []
    ]


def issue_rows(body: Mapping[str, Any], language: str) -> list[dict[str, Any]]:
    """A table that read well but breaks the rules (sums, bands…): its issues by pointer."""
    return [
        {
            "pointer": i.get("pointer") or "/",
            "message": i.get(language) or i.get("vi") or "",
            "code": i.get("code") or "",
        }
        for i in body.get("issues") or []
    ]


@blueprint.post("/tables/import")
def import_table() -> Response | tuple[str, int]:
    require_user()
    values = {
        "year": (request.form.get("year") or "").strip(),
        "unit_kind": request.form.get("unit_kind") or "",
    }
    upload = request.files.get("file")
    field_errors: dict[str, str] = {}
    if _year(values["year"]) is None:
        field_errors["year"] = _("Enter a year from 2000 to 2100.")
    if values["unit_kind"] not in UNIT_KINDS:
        field_errors["unit_kind"] = _("Choose the kind of unit the table scores.")
    if upload is None or not upload.filename:
        field_errors["file"] = _("Choose the Excel file (.xlsx) to import.")
    if field_errors:
        return _import_page(422, values=values, field_errors=field_errors)
    assert upload is not None
    language = web_session.language()
    try:
        reply = client().post(
            "/criteria/tables/import",
            data={"year": values["year"], "unit_kind": values["unit_kind"]},
            files={"file": (upload.filename, upload.stream, upload.mimetype)},
        )
    except Invalid as invalid:
        body = invalid.body
        rows, issues = excel_rows(body, language), issue_rows(body, language)
        if not rows and not issues:
            errors = invalid.errors
            for name in ("year", "unit_kind", "file"):
                if name in errors:
                    field_errors[name] = " ".join(
                        messages_of(Invalid(422, {"errors": errors[name]}))
                    )
            if not field_errors:
                field_errors["file"] = " ".join(messages_of(invalid))
        return _import_page(
            422,
            values=values,
            field_errors=field_errors,
            excel_errors=rows,
            issues=issues,
            error_count=body.get("error_count") or len(rows) or len(issues),
            truncated=bool(body.get("errors_truncated")),
            message=invalid.detail,
        )
    except ApiError as error:
        if error.status != 413:
            raise
        limit = str(error.body.get("limit") or "")
        text = LIMIT.get(limit) or _("The file is too large (at most 1 MB).")
        return _import_page(413, values=values, field_errors={"file": str(text)})
    table = reply.data
    flash(
        _("The workbook was imported as a draft for %(year)s.", year=table["year"]),
        "success",
    )
    return redirect(url_for("tables.table", table_id=table["id"]))


# -- one table ---------------------------------------------------------------------------


def _node_rows(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "depth": depth,
            "node": node,
            "leaf": "method" in node,
            "count": len(data.leaf_codes_under(node)),
        }
        for depth, node in data.walk(document.get("parts", []))
    ]


def _table_context(table_id: str, user: User) -> dict[str, Any]:
    reply = client().get(f"/criteria/tables/{table_id}")
    table = reply.data
    document = table.get("document") or {}
    family = _all_tables(unit_kind=table["unit_kind"])
    versions = [t for t in family if t["year"] == table["year"]]
    versions.sort(key=lambda t: (t.get("version") is None, -(t.get("version") or 0)))
    others = [t for t in family if t["id"] != table["id"]]
    return {
        "table": table,
        "etag": reply.etag or "",
        "document": document,
        "rows": _node_rows(document),
        "criteria_count": len(data.leaves(document)),
        "versions": versions,
        "others": others,
        "previous": next((t for t in others if t["id"] == table.get("amends_id")), None)
        or (others[0] if others else None),
        "editor": editor(user),
        "next_year": table["year"] + 1,
        "errors": {},
    }


@blueprint.get("/tables/<table_id>")
def table(table_id: str) -> str:
    user = require_user()
    return render_template("tables/table.html", **_table_context(table_id, user))


@blueprint.get("/tables/<table_id>/export.xlsx")
def export(table_id: str) -> Response:
    require_user()
    return passed_on(client().get(f"/criteria/tables/{table_id}/export.xlsx"))


@blueprint.post("/tables/<table_id>/clone")
def clone(table_id: str) -> Response | tuple[str, int]:
    user = require_user()
    year = _year(request.form.get("year"))
    if year is None:
        context = _table_context(table_id, user)
        context["errors"] = {"clone-year": _("Enter a year from 2000 to 2100.")}
        return render_template("tables/table.html", **context), 422
    try:
        reply = client().post(f"/criteria/tables/{table_id}/clones", json={"year": year})
    except Invalid as invalid:
        context = _table_context(table_id, user)
        context["errors"] = {"clone-year": " ".join(messages_of(invalid))}
        return render_template("tables/table.html", **context), 422
    except ApiError as error:
        if error.status != 409:
            raise
        flash(_("This table cannot be cloned: only a published version can."), "error")
        return redirect(url_for("tables.table", table_id=table_id))
    flash(_("A draft for %(year)s was made from this table.", year=year), "success")
    return redirect(url_for("tables.table", table_id=reply.data["id"]))


@blueprint.post("/tables/<table_id>/publish")
def publish(table_id: str) -> Response | tuple[str, int]:
    user = require_user()
    note = (request.form.get("change_note") or "").strip()
    try:
        client().post(f"/criteria/tables/{table_id}/publish", json={"change_note": note or None})
    except Invalid as invalid:
        context = _table_context(table_id, user)
        context["errors"] = {"change-note": " ".join(messages_of(invalid))}
        context["change_note"] = note
        return render_template("tables/table.html", **context), 422
    except ApiError as error:
        if error.status != 409:
            raise
        flash(_("This table is no longer a draft; it cannot be published again."), "error")
        return redirect(url_for("tables.table", table_id=table_id))
    flash(_("The table has been published."), "success")
    return redirect(url_for("tables.table", table_id=table_id))


# -- differences -------------------------------------------------------------------------


def _against() -> str:
    against = (request.args.get("against") or "").strip()
    if not against:
        abort(404)
    return against


@blueprint.get("/tables/<table_id>/diff")
def diff(table_id: str) -> str:
    require_user()
    against = _against()
    difference = client().get(f"/criteria/tables/{table_id}/diff", params={"against": against}).data
    memo = client().get(
        f"/criteria/tables/{table_id}/diff", params={"against": against, "format": "text"}
    )
    new = client().get(f"/criteria/tables/{table_id}").data
    old = client().get(f"/criteria/tables/{against}").data
    return render_template(
        "tables/diff.html",
        difference=difference,
        memo=memo.content.decode("utf-8", "replace"),
        new=new,
        old=old,
        old_nodes=_by_code(old.get("document") or {}),
        new_nodes=_by_code(new.get("document") or {}),
        field_label=lambda name: labels.label(DIFF_FIELD, name),
    )


def _by_code(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    nodes = {node["code"]: node for _, node in data.walk(document.get("parts", []))}
    for section in ("bonus", "deduction"):
        for item in (document.get(section) or {}).get("items", []):
            nodes[item["code"]] = item
    return nodes


@blueprint.get("/tables/<table_id>/diff.txt")
def diff_text(table_id: str) -> Response:
    require_user()
    reply = client().get(
        f"/criteria/tables/{table_id}/diff", params={"against": _against(), "format": "text"}
    )
    response = passed_on(reply, "so-sanh-bang-tieu-chi.txt")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="so-sanh-bang-tieu-chi.txt"'
    return response
