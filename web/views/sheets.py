"""A unit's scoresheet: the self-assessment form, its autosave, evidence, submission, and the
read-only sheet with its history once submitted.

Every criterion is its own small form that htmx posts on each change (``POST
/sheets/<id>/entries/<code>``); the web application turns the text into the method's inputs
(web.scoresheet), saves them with ``If-Match`` (the entry's ETag, kept in the form) and answers
with the criterion's result (points, or errors next to their fields, or the conflict message)
plus out-of-band swaps: the entry's new ETag, the running totals and the subtotals above it.
A sheet the user may not see is the platform's 404, shown as the 404 page.

The same page shows a submitted sheet to the region lead and to the Ministry with what each may
do now (the sheet's ``allowed``, and the user's roles): next to each criterion a small form
for other points with their reason (the region's proposal, ``stage="review"``; the Ministry's
appraisal, ``stage="appraisal"``), saved in place by htmx; below the criteria, plain forms to
return the sheet to the unit with a reason, to mark it reviewed, or to finalise it. Each of
these writes carries the sheet's ETag (If-Match), which every answer swaps in anew; a move the
sheet no longer allows (409) says what it allows now.
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

from web import data, labels, scoresheet
from web import session as web_session
from web.api import ApiError, Invalid, NotFound, PreconditionFailed, client
from web.formatting import format_datetime, parse_number
from web.session import User
from web.views import require_user

blueprint = Blueprint("sheets", __name__)

HISTORY_PAGE = 200


# -- reading -------------------------------------------------------------------------------


def _points(entry: Mapping[str, Any]) -> Decimal | None:
    """The points that count for the entry: the Ministry's, else the region's proposal, else
    the unit's own (as the scoring workers choose them)."""
    for key in ("final_points", "review_points", "self_points"):
        if entry.get(key) is not None:
            return Decimal(entry[key])
    return None


def can_self_assess(user: User, sheet: Mapping[str, Any]) -> bool:
    """Whether the user's roles let them fill this sheet in (the platform decides again)."""
    unit = sheet["unit_id"]
    return unit in user.scope_ids("unit_officer", "unit") | user.scope_ids("unit_admin", "unit")


def reviews(user: User, sheet: Mapping[str, Any]) -> bool:
    """Whether the user leads the sheet's emulation region (the platform decides again)."""
    return sheet.get("region_id") in user.scope_ids("region_lead", "region")


def appraises(user: User) -> bool:
    return user.has_role("ministry_officer")


def may(user: User, sheet: Mapping[str, Any]) -> dict[str, bool]:
    """What the page offers this user on this sheet now: what the sheet allows (``allowed``)
    and the user's roles let them do."""
    allowed = set(sheet.get("allowed", []))
    region, ministry = reviews(user, sheet), appraises(user)
    return {
        "review": region and "review" in allowed,
        "return": region and "return" in allowed,
        "mark_reviewed": region and "mark_reviewed" in allowed,
        "appraise": ministry and "appraise" in allowed,
        "finalise": ministry and "finalise" in allowed,
    }


def points_stage(can: Mapping[str, bool]) -> str | None:
    """Which points the criteria's forms set: the region's proposal or the appraisal."""
    return "review" if can["review"] else "appraisal" if can["appraise"] else None


def return_reason(changes: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The last return for revision in the sheet's history (newest first): reason, when."""
    for change in changes:
        if change.get("field") == "status" and change.get("new") == "returned":
            return change
    return None


def not_now(error: ApiError) -> str:
    """A 409 of a sheet in words: its status, the round's phase, what it allows now."""
    body = error.body
    allowed = [labels.label(labels.SHEET_ACTION, a) for a in body.get("allowed", [])]
    return _(
        "This is no longer possible: the sheet is “%(status)s” and the round is in the phase "
        "“%(phase)s”. What can be done now: %(allowed)s.",
        status=labels.label(labels.SHEET_STATUS, body.get("sheet_status")),
        phase=labels.label(labels.PHASE, body.get("phase")),
        allowed=", ".join(allowed) or _("nothing"),
    )


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
    can = may(user, sheet)
    return {
        **loaded,
        "editable": editable,
        "can": can,
        "points_stage": points_stage(can),
        "totals": totals_of(loaded["document"], sheet, official=not editable),
        "leaves": data.leaves(loaded["document"]),
        "errors": {},
        "problems": [],
        "return_error": "",
        "return_text": "",
        **extra,
    }


def _page(
    user: User,
    sheet_id: str,
    status: int = 200,
    loaded: dict[str, Any] | None = None,
    **extra: Any,
) -> tuple[str, int]:
    """The sheet's page: the form while the unit may edit it, else the read-only sheet with
    its history and the forms of the region lead or the Ministry; a returned sheet says why."""
    context = _context(user, loaded or load(sheet_id), **extra)
    returned = context["sheet"]["status"] == "returned"
    changes = history(sheet_id) if returned or not context["editable"] else []
    if not context["editable"]:
        context["history"] = changes
    if returned:
        context["returned"] = return_reason(changes)
    return render_template("sheets/sheet.html", **context), status


@blueprint.get("/sheets/<sheet_id>")
def sheet(sheet_id: str) -> tuple[str, int]:
    return _page(require_user(), sheet_id)


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
        return _page(user, sheet_id, 422, loaded, problems=listed, errors=by_code)
    except PreconditionFailed:
        flash(
            _("Someone changed the sheet just before you submitted it. Check it and submit again."),
            "warning",
        )
        return redirect(url_for("sheets.sheet", sheet_id=sheet_id))
    flash(_("The sheet has been submitted to the region for review."), "success")
    return redirect(url_for("sheets.sheet", sheet_id=sheet_id))


# -- the region's review and the Ministry's appraisal ----------------------------------------

STAGE_PATH = {"review": "review", "appraisal": "appraisal"}


def points_errors(invalid: Invalid, reason: str) -> dict[str, str]:
    """A 422 of points for a criterion → the messages next to the points and the reason."""
    errors: dict[str, str] = {}
    for name, messages in invalid.errors.items():
        key = "reason" if name == "reason" else "points"
        text = " ".join(messages) if isinstance(messages, list) else str(messages)
        errors[key] = " ".join(filter(None, [errors.get(key), text]))
    if "reason" in errors and not 3 <= len(reason) <= 2000:
        errors["reason"] = _("Write the reason in 3 to 2,000 characters.")
    language = web_session.language()
    for issue in invalid.body.get("issues", []):
        if str(issue.get("pointer", "")).startswith("/entries"):
            errors["points"] = issue.get(language) or issue.get("vi") or errors.get("points", "")
    if not errors:
        errors["points"] = invalid.detail or _("These points cannot be saved.")
    return errors


@blueprint.post("/sheets/<sheet_id>/entries/<code>/<any(review, appraisal):stage>")
def set_points(sheet_id: str, code: str, stage: str) -> Response:
    """The region lead's proposal or the Ministry's points for one criterion, with the
    reason (htmx): the answer is the criterion's points area, its error lines, the sheet's new
    ETag and the totals, all swapped in place."""
    require_user()
    table_id = request.form.get("table_id", "")
    node = _node(table_id, code)
    text = (request.form.get("points") or "").strip()
    reason = (request.form.get("reason") or "").strip()
    points = parse_number(text, web_session.language())
    errors: dict[str, str] = {}
    if points is None:
        errors["points"] = _("Enter the points as a number, e.g. 2,5.")
    if not reason:
        errors["reason"] = _("Give the reason for these points.")
    message, status, entry = None, "invalid", None
    if not errors:
        try:
            client().post(
                f"/scoring/sheets/{sheet_id}/entries/{code}/{STAGE_PATH[stage]}",
                json={"points": str(points), "reason": reason},
                headers={"If-Match": request.form.get("sheet_etag", "")},
            )
        except PreconditionFailed:
            message, status = _("Someone changed the sheet meanwhile; reload the page."), "conflict"
        except Invalid as invalid:
            errors = points_errors(invalid, reason)
        except NotFound:
            raise
        except ApiError as error:
            if error.status != 409:
                raise
            message, status = not_now(error), "conflict"
        else:
            status = "saved"
    reply = client().get(f"/scoring/sheets/{sheet_id}")
    entries = {e["code"]: e for e in reply.data["entries"]}
    entry = entries.get(code)
    document = data.table(table_id)["document"]
    body = render_template(
        "sheets/_points_saved.html",
        node=node,
        entry=entry,
        stage=stage,
        errors=errors,
        message=message,
        status=status,
        sheet_id=sheet_id,
        document=document,
        sheet_etag=reply.etag or "",
        totals=totals_of(document, reply.data, official=True),
    )
    return make_response(body, 200)


def _move(sheet_id: str, step: str, done: str, body: Any = None) -> Response | None:
    """One of the sheet's moves (plain forms): None when done (with the flash message),
    else the redirect back with what went wrong (412, 409)."""
    try:
        client().post(
            f"/scoring/sheets/{sheet_id}/{step}",
            json=body,
            headers={"If-Match": request.form.get("sheet_etag", "")},
        )
    except PreconditionFailed:
        flash(_("Someone changed the sheet meanwhile. Check it and try again."), "warning")
    except NotFound:
        raise
    except Invalid:
        raise
    except ApiError as error:
        if error.status != 409:
            raise
        flash(not_now(error), "warning")
    else:
        flash(done, "success")
        return None
    return redirect(url_for("sheets.sheet", sheet_id=sheet_id))


@blueprint.post("/sheets/<sheet_id>/return")
def return_sheet(sheet_id: str) -> Response | tuple[str, int]:
    """Back to the unit for revision, with the reason the unit will read."""
    user = require_user()
    reason = (request.form.get("reason") or "").strip()
    problem = _("Give the reason: the unit reads it to know what to correct.") if not reason else ""
    if not problem:
        try:
            refused = _move(
                sheet_id,
                "return",
                _("The sheet has been returned to the unit with your reason."),
                {"reason": reason},
            )
        except Invalid as invalid:
            problem = points_errors(invalid, reason).get("reason") or (
                invalid.detail or _("The sheet cannot be returned.")
            )
        else:
            return refused or redirect(url_for("sheets.sheet", sheet_id=sheet_id))
    return _page(user, sheet_id, 422, return_error=problem, return_text=reason)


@blueprint.post("/sheets/<sheet_id>/reviewed")
def mark_reviewed(sheet_id: str) -> Response:
    require_user()
    done = _("The sheet is marked as reviewed by the region; it goes to the Ministry.")
    return _move(sheet_id, "reviewed", done) or redirect(url_for("sheets.sheet", sheet_id=sheet_id))


@blueprint.post("/sheets/<sheet_id>/finalise")
def finalise(sheet_id: str) -> Response:
    require_user()
    done = _("The appraisal is final; the sheet's total is computed once more.")
    return _move(sheet_id, "finalise", done) or redirect(url_for("sheets.sheet", sheet_id=sheet_id))


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
