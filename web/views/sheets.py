"""A unit's scoresheet: the self-assessment form, its autosave, evidence, submission, and the
read-only sheet with its history once submitted.

Every criterion is its own small form that htmx posts on each change (``POST
/sheets/<id>/entries/<code>``); the web application turns the text into the method's inputs
(web.scoresheet), saves them with ``If-Match`` (the entry's ETag, kept in the form) and answers
with the criterion's result (points, or errors next to their fields, or the conflict message)
plus out-of-band swaps: the entry's new ETag, the running totals and the subtotals above it.
A sheet the user may not see is the platform's 404, shown as the 404 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from web import data, scoresheet
from web import session as web_session
from web.api import ApiError, Invalid, NotFound, PreconditionFailed, client
from web.formatting import format_datetime
from web.session import User
from web.views import require_user

blueprint = Blueprint("sheets", __name__)

HISTORY_PAGE = 200


# -- reading -------------------------------------------------------------------------------


def _points(entry: Mapping[str, Any]) -> Decimal | None:
    value = entry.get("self_points")
    return Decimal(value) if value is not None else None


def can_self_assess(user: User, sheet: Mapping[str, Any]) -> bool:
    """Whether the user's roles let them fill this sheet in (the platform decides again)."""
    unit = sheet["unit_id"]
    return unit in user.scope_ids("unit_officer", "unit") | user.scope_ids("unit_admin", "unit")


def load(sheet_id: str) -> dict[str, Any]:
    """Everything the sheet's page shows, from four calls (the table from the cache)."""
    reply = client().get(f"/scoring/sheets/{sheet_id}")
    sheet = reply.data
    round_ = client().get(f"/scoring/rounds/{sheet['round_id']}").data
    table = data.table(round_["table_id"])
    evidence = client().get(f"/scoring/sheets/{sheet_id}/evidence").data["items"]
    by_code: dict[str, list[dict[str, Any]]] = {}
    for item in evidence:
        by_code.setdefault(item["code"], []).append(item)
    entries = {e["code"]: e for e in sheet["entries"]}
    document = table["document"]
    return {
        "sheet": sheet,
        "sheet_etag": reply.etag or "",
        "round": round_,
        "table": table,
        "document": document,
        "entries": entries,
        "evidence": by_code,
        "totals": totals_of(document, sheet),
        "unit_name": data.unit_name(sheet["unit_id"], data.year_end(round_["year"])),
    }


def totals_of(
    document: Mapping[str, Any], sheet: Mapping[str, Any], official: bool = False
) -> dict[str, Any]:
    """The running totals of the entries while the sheet is edited; for a sheet that is not
    (``official``), the platform's own totals once its workers computed them (with the
    region's and the Ministry's points)."""
    result = sheet.get("result") or {}
    if official and sheet.get("compute_status") == "done" and "subtotals" in result:
        return {
            "official": True,
            "subtotals": {k: Decimal(v) for k, v in result["subtotals"].items()},
            "bonus": Decimal(result["bonus"]),
            "deduction": Decimal(result["deduction"]),
            "total": Decimal(result["total"]),
            "count": len(result.get("leaf_points", {})),
            "done": len(result.get("leaf_points", {})),
        }
    points = {code: None for code in data.leaves(document)}
    points.update({e["code"]: _points(e) for e in sheet["entries"] if e["code"] in points})
    counts = {"bonus": sheet.get("bonus_counts"), "deduction": sheet.get("deduction_counts")}
    return data.running_totals(document, points, counts)


def history(sheet_id: str) -> list[dict[str, Any]]:
    """The sheet's changes, newest first (the last HISTORY_PAGE of them)."""
    first = (
        client().get(f"/scoring/sheets/{sheet_id}/history", params={"page_size": HISTORY_PAGE}).data
    )
    items = first["items"]
    last_page = max(1, -(-first["total"] // HISTORY_PAGE))
    if last_page > 1:
        items = (
            client()
            .get(
                f"/scoring/sheets/{sheet_id}/history",
                params={"page": last_page, "page_size": HISTORY_PAGE},
            )
            .data["items"]
        )
    return list(reversed(items))


def _context(user: User, loaded: dict[str, Any], **extra: Any) -> dict[str, Any]:
    sheet = loaded["sheet"]
    editable = "edit" in sheet.get("allowed", []) and can_self_assess(user, sheet)
    return {
        **loaded,
        "editable": editable,
        "totals": totals_of(loaded["document"], sheet, official=not editable),
        "leaves": data.leaves(loaded["document"]),
        "errors": {},
        "problems": [],
        **extra,
    }


@blueprint.get("/sheets/<sheet_id>")
def sheet(sheet_id: str) -> str:
    user = require_user()
    loaded = load(sheet_id)
    context = _context(user, loaded)
    if not context["editable"]:
        context["history"] = history(sheet_id)
    return render_template("sheets/sheet.html", **context)


# -- autosave ------------------------------------------------------------------------------


def _node(table_id: str, code: str) -> Mapping[str, Any]:
    node = data.leaves(data.table(table_id)["document"]).get(code)
    if node is None:
        abort(404)
    return node


def who_changed(sheet_id: str, code: str, user: User) -> tuple[str, str]:
    """Who last changed criterion ``code`` and when, for the conflict message."""
    for change in history(sheet_id):
        if change.get("code") == code:
            if change.get("actor_id") == user.id:
                who = _("You (in another window or on another computer)")
            else:
                who = (
                    _("Another user of your unit")
                    if change.get("stage") == "self"
                    else _("Another user")
                )
            return who, format_datetime(change.get("at"))
    return _("Another user"), ""


def _criterion_reply(
    sheet_id: str,
    table_id: str,
    node: Mapping[str, Any],
    *,
    entry: Mapping[str, Any] | None,
    errors: Mapping[str, str],
    message: str | None = None,
    conflict: tuple[str, str] | None = None,
    status: str = "",
) -> Response:
    """The criterion's result area, and the out-of-band parts that change with it."""
    sheet_reply = client().get(f"/scoring/sheets/{sheet_id}") if entry is not None else None
    document = data.table(table_id)["document"]
    body = render_template(
        "sheets/_saved.html",
        sheet_id=sheet_id,
        node=node,
        entry=entry,
        errors=errors,
        message=message,
        conflict=conflict,
        status=status,
        document=document,
        sheet=sheet_reply.data if sheet_reply else None,
        sheet_etag=sheet_reply.etag if sheet_reply else None,
        totals=totals_of(document, sheet_reply.data) if sheet_reply else None,
        ancestors=_ancestors(document, node["code"]),
    )
    return make_response(body, 200)


def _ancestors(document: Mapping[str, Any], code: str) -> list[Mapping[str, Any]]:
    def search(nodes: list[Mapping[str, Any]], trail: list[Mapping[str, Any]]) -> list | None:
        for node in nodes:
            if node["code"] == code:
                return trail
            found = search(node.get("children", []), [*trail, node])
            if found is not None:
                return found
        return None

    return search(document.get("parts", []), []) or []


@blueprint.post("/sheets/<sheet_id>/entries/<code>")
def save_entry(sheet_id: str, code: str) -> Response:
    user = require_user()
    table_id = request.form.get("table_id", "")
    node = _node(table_id, code)
    reading = scoresheet.inputs_from_form(node, request.form, web_session.language())
    if not reading.savable:
        message = _("Fill in every figure to see the points.") if reading.incomplete else None
        return _criterion_reply(
            sheet_id,
            table_id,
            node,
            entry=None,
            errors=reading.errors,
            message=message,
            status="incomplete" if reading.incomplete else "invalid",
        )
    try:
        reply = client().put(
            f"/scoring/sheets/{sheet_id}/entries/{code}",
            json={"inputs": reading.inputs},
            headers={"If-Match": request.form.get("etag", "")},
        )
    except PreconditionFailed:
        return _criterion_reply(
            sheet_id,
            table_id,
            node,
            entry=None,
            errors={},
            conflict=who_changed(sheet_id, code, user),
            status="conflict",
        )
    except Invalid as invalid:
        errors = scoresheet.field_errors(code, invalid.body, node, web_session.language())
        if not errors:
            errors = {"": invalid.detail or _("These figures cannot be saved.")}
        return _criterion_reply(
            sheet_id, table_id, node, entry=None, errors=errors, status="invalid"
        )
    except NotFound:
        raise
    except ApiError as error:
        if error.status != 409:
            raise
        return _criterion_reply(
            sheet_id,
            table_id,
            node,
            entry=None,
            errors={},
            message=_("The sheet can no longer be changed (it was submitted). Reload the page."),
            status="conflict",
        )
    return _criterion_reply(sheet_id, table_id, node, entry=reply.data, errors={}, status="saved")


@blueprint.post("/sheets/<sheet_id>/counts")
def save_counts(sheet_id: str) -> Response:
    """The bonus and deduction counts (If-Match: the sheet's ETag)."""
    require_user()
    table = data.table(request.form.get("table_id", ""))
    document = table["document"]
    counts: dict[str, dict[str, int]] = {"bonus": {}, "deduction": {}}
    errors: dict[str, str] = {}
    for section in counts:
        for item in (document.get(section) or {}).get("items", []):
            raw = (request.form.get(f"count-{item['code']}") or "").strip()
            if not raw:
                continue
            if not raw.isdigit():
                errors[item["code"]] = _("Enter a whole number (0, 1, 2 …).")
                continue
            counts[section][item["code"]] = int(raw)
    message, status = _("Saved."), "saved"
    if not errors:
        try:
            client().put(
                f"/scoring/sheets/{sheet_id}/counts",
                json=counts,
                headers={"If-Match": request.form.get("sheet_etag", "")},
            )
        except PreconditionFailed:
            message = _("Someone changed the sheet meanwhile; reload the page to see it.")
            status = "conflict"
        except Invalid as invalid:
            message, status = invalid.detail or _("These counts cannot be saved."), "invalid"
    else:
        message, status = _("Some counts are not whole numbers."), "invalid"
    reply = client().get(f"/scoring/sheets/{sheet_id}")
    body = render_template(
        "sheets/_counts_saved.html",
        message=message,
        status=status,
        errors=errors,
        document=document,
        sheet=reply.data,
        sheet_etag=reply.etag,
        totals=totals_of(document, reply.data),
    )
    return make_response(body, 200)


# -- submission ----------------------------------------------------------------------------


def problems_of(invalid: Invalid, loaded: Mapping[str, Any]) -> tuple[list[dict], dict]:
    """The 422 of a submission → (the list above the button, errors per criterion)."""
    language = web_session.language()
    leaves = data.leaves(loaded["document"])
    listed: list[dict[str, Any]] = []
    by_code: dict[str, dict[str, str]] = {}
    for code, node in leaves.items():
        errors = scoresheet.field_errors(code, invalid.body, node, language)
        if errors:
            by_code[code] = errors
            listed.append({"code": code, "title": node.get("title", ""), "errors": errors})
    others = [
        i
        for i in invalid.body.get("issues", [])
        if not str(i.get("pointer")).startswith("/entries")
    ]
    for issue in others:
        listed.append(
            {"code": "", "title": "", "errors": {"": issue.get(language) or issue.get("vi")}}
        )
    return listed, by_code


@blueprint.post("/sheets/<sheet_id>/submit")
def submit(sheet_id: str) -> Response | tuple[str, int]:
    user = require_user()
    try:
        client().post(
            f"/scoring/sheets/{sheet_id}/submit",
            headers={"If-Match": request.form.get("sheet_etag", "")},
        )
    except Invalid as invalid:
        loaded = load(sheet_id)
        listed, by_code = problems_of(invalid, loaded)
        page = render_template(
            "sheets/sheet.html", **_context(user, loaded, problems=listed, errors=by_code)
        )
        return page, 422
    except PreconditionFailed:
        flash(
            _("Someone changed the sheet just before you submitted it. Check it and submit again."),
            "warning",
        )
        return redirect(url_for("sheets.sheet", sheet_id=sheet_id))
    flash(_("The sheet has been submitted to the region for review."), "success")
    return redirect(url_for("sheets.sheet", sheet_id=sheet_id))


# -- evidence ------------------------------------------------------------------------------


def _evidence_reply(sheet_id: str, code: str, message: str | None, status: str) -> Response:
    items = client().get(f"/scoring/sheets/{sheet_id}/evidence").data["items"]
    node = _node(request.form.get("table_id", ""), code) if request.form.get("table_id") else {}
    body = render_template(
        "sheets/_evidence.html",
        sheet_id=sheet_id,
        code=code,
        items=[i for i in items if i["code"] == code],
        required=bool(node.get("evidence_required")),
        open_evidence=True,
        table_id=request.form.get("table_id", ""),
        editable=True,
        message=message,
        status=status,
    )
    return make_response(body, 200)


@blueprint.post("/sheets/<sheet_id>/entries/<code>/evidence")
def add_evidence(sheet_id: str, code: str) -> Response:
    """A file (multipart ``file``) or a link (``url``) for one criterion."""
    require_user()
    upload = request.files.get("file")
    title = (request.form.get("title") or "").strip() or None
    try:
        if upload is not None and upload.filename:
            client().post(
                f"/scoring/sheets/{sheet_id}/entries/{code}/evidence",
                files={"file": (upload.filename, upload.stream, upload.mimetype)},
                data={"title": title} if title else None,
            )
            message = _("File attached.")
        else:
            url = (request.form.get("url") or "").strip()
            if not url:
                return _evidence_reply(
                    sheet_id, code, _("Choose a file or enter a link."), "invalid"
                )
            body = {"url": url, **({"title": title} if title else {})}
            client().post(f"/scoring/sheets/{sheet_id}/entries/{code}/evidence", json=body)
            message = _("Link attached.")
    except ApiError as error:
        if error.status == 413:
            text = _("The file is too large (at most 20 MB).")
        elif error.status == 415:
            text = _(
                "This kind of file is not accepted: PDF, images, Word, Excel or OpenDocument only."
            )
        elif error.status == 422:
            text = error.detail or _("This evidence cannot be attached.")
            errors = getattr(error, "errors", {}) or {}
            if "url" in errors:
                text = _("The link must be a full https:// address.")
        elif error.status == 409:
            text = _("The sheet can no longer be changed.")
        else:
            raise
        return _evidence_reply(sheet_id, code, text, "invalid")
    return _evidence_reply(sheet_id, code, message, "saved")


@blueprint.post("/sheets/<sheet_id>/entries/<code>/evidence/<evidence_id>/delete")
def delete_evidence(sheet_id: str, code: str, evidence_id: str) -> Response:
    require_user()
    try:
        client().delete(f"/scoring/evidence/{evidence_id}")
    except ApiError as error:
        if error.status != 409:
            raise
        return _evidence_reply(sheet_id, code, _("The sheet can no longer be changed."), "invalid")
    return _evidence_reply(sheet_id, code, _("Evidence removed."), "saved")


@blueprint.get("/evidence/<evidence_id>")
def download_evidence(evidence_id: str) -> Response:
    """The file, fetched with the user's token and passed on as an attachment."""
    require_user()
    reply = client().get(f"/scoring/evidence/{evidence_id}/content")
    response = make_response(reply.content)
    for header in ("Content-Type", "Content-Disposition", "ETag", "Last-Modified"):
        if header in reply.headers:
            response.headers[header] = reply.headers[header]
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
