"""Nomination files (hồ sơ đề nghị khen thưởng): the list, a new file (from a unit's
candidates or empty), and the file itself: nominees with their registration, report summary
and report file, the verdicts kept at submission, the cover letter, the acclamation, the
history of moves (who, when, why) and the moves allowed now as buttons.

Every change carries the file's ETag as ``If-Match``: a 412 shows the file as it is now with
a message to make the change again; a 409 says why the move is refused (awards lists the
reasons: an ineligible nominee, the quota, a missing acclamation). Awards'
``/nominations...`` (docs/awards.md, "Registrations and nominations").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from web import labels
from web.api import ApiError, Invalid, PreconditionFailed, client
from web.downloads import passed_on
from web.views import require_user
from web.views.awards import (
    PAGE_SIZE,
    awards_of_year,
    blueprint,
    decides_nominations,
    error_rows,
    files_nominations,
    leads_regions,
    own_units,
    page_number,
    pages_of,
    problem_text,
    this_year,
    unit_label,
    year_of,
)
from web.views.awards.eligibility import shaped

KINDS = tuple(labels.NOMINATION_KIND)
STATES = tuple(labels.NOMINATION_STATE)
EDITABLE = ("draft", "returned")
NEEDS_REASON = ("returned",)
MAX_FILE_BYTES = 10 * 1024 * 1024
SUBJECTS = re.compile(r"[\s,;]+")


# -- the list ------------------------------------------------------------------------------


@blueprint.get("/nominations")
def nominations() -> str:
    user = require_user()
    filters: dict[str, Any] = {}
    for name in ("unit", "region", "award"):
        value = (request.args.get(name) or "").strip()
        if value:
            filters[name] = value
    if request.args.get("state") in STATES:
        filters["state"] = request.args["state"]
    year = year_of(request.args.get("year"))
    if year:
        filters["year"] = year
    page = page_number()
    reply = (
        client()
        .get("/awards/nominations", params={**filters, "page": page, "page_size": PAGE_SIZE})
        .data
    )
    items = [_summary(item) for item in reply.get("items") or []]
    return render_template(
        "awards/nominations.html",
        items=items,
        total=reply.get("total", len(items)),
        page=page,
        pages=pages_of(reply),
        filters=filters,
        states=STATES,
        files=files_nominations(user),
    )


def _summary(item: Mapping[str, Any]) -> dict[str, Any]:
    unit = item.get("unit_id") or item.get("unit")
    return {
        **item,
        "id": item.get("nomination_id") or item.get("id"),
        "award": item.get("award") or item.get("award_code"),
        "unit_id": unit,
        "region_id": item.get("region_id") or item.get("region"),
        "unit_name": unit_label(unit, item.get("year")) if unit else "",
        "count": item.get("nominee_count", len(item.get("nominees") or [])),
    }


# -- a new file ----------------------------------------------------------------------------


def _new_values() -> dict[str, Any]:
    source = request.form if request.method == "POST" else request.args
    year = year_of(source.get("year")) or this_year()
    subjects = [s for s in source.getlist("subject") if s.strip()]
    return {
        "kind": source.get("kind") if source.get("kind") in KINDS else "cong-trang",
        "award": (source.get("award") or "").strip(),
        "year": year,
        "unit": (source.get("unit") or "").strip(),
        "region": (source.get("region") or "").strip(),
        "title": (source.get("title") or "").strip(),
        "cover_summary": (source.get("cover_summary") or "").strip(),
        "act": (source.get("act") or "").strip(),
        "act_date": (source.get("act_date") or "").strip(),
        "movement_id": (source.get("movement_id") or "").strip(),
        "candidate_unit": (source.get("candidate_unit") or "").strip(),
        "subjects": subjects,
    }


def _movements(year: int) -> list[dict[str, Any]]:
    try:
        return client().get("/criteria/movements", params={"year": year}).data.get("items") or []
    except ApiError:
        return []


def _new_page(values: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    user = require_user()
    units, regions = own_units(user), sorted(leads_regions(user))
    if not values["unit"] and not values["region"]:
        if units:
            values["unit"] = units[0]
        elif regions:
            values["region"] = regions[0]
    awards = awards_of_year(values["year"])
    if not values["title"] and values["award"]:
        name = next((a["name"] for a in awards if a.get("code") == values["award"]), None)
        values["title"] = _(
            "Nomination for %(award)s, %(year)s",
            award=name or values["award"],
            year=values["year"],
        )
    return render_template(
        "awards/nomination_new.html",
        values=values,
        kinds=KINDS,
        awards=awards,
        movements=_movements(values["year"]),
        units=units,
        regions=regions,
        field_errors=context.get("field_errors", {}),
        message=context.get("message"),
    ), status


@blueprint.get("/nominations/new")
def new_form() -> tuple[str, int]:
    require_user()
    return _new_page(_new_values())


FIELDS = (
    "kind",
    "award",
    "year",
    "unit",
    "region",
    "candidate_unit",
    "title",
    "act",
    "act_date",
    "movement_id",
)


@blueprint.post("/nominations/new")
def create() -> Response | tuple[str, int]:
    require_user()
    values = _new_values()
    field_errors: dict[str, str] = {}
    if not values["award"]:
        field_errors["award"] = _("Choose the award.")
    if not values["title"]:
        field_errors["title"] = _("Give the file a title.")
    if values["kind"] == "dot-xuat" and not values["act"]:
        field_errors["act"] = _("Describe the exceptional act.")
    if values["kind"] == "chuyen-de" and not values["movement_id"]:
        field_errors["movement_id"] = _("Choose the movement.")
    if field_errors:
        return _new_page(values, 422, field_errors=field_errors)
    body: dict[str, Any] = {
        "kind": values["kind"],
        "award": values["award"],
        "year": values["year"],
        "title": values["title"],
    }
    if values["region"] and not values["unit"]:
        body["region"] = values["region"]
        if values["candidate_unit"]:
            body["candidate_unit"] = values["candidate_unit"]
    else:
        body["unit"] = values["unit"]
    if values["cover_summary"]:
        body["cover_summary"] = values["cover_summary"]
    if values["kind"] == "dot-xuat":
        body["act"] = values["act"]
        if values["act_date"]:
            body["act_date"] = values["act_date"]
    if values["kind"] == "chuyen-de":
        body["movement_id"] = values["movement_id"]
    try:
        created = client().post("/awards/nominations", json=body)
    except Invalid as invalid:
        for row in error_rows(invalid.body):
            name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
            field_errors[name if name in FIELDS else ""] = row["message"]
        return _new_page(values, 422, field_errors=field_errors, message=invalid.detail)
    except ApiError as error:
        if error.status not in (403, 409):
            raise
        return _new_page(values, error.status, message=problem_text(error))
    nomination_id = created.data.get("nomination_id") or created.data.get("id")
    if values["subjects"]:
        etag = created.etag or client().get(f"/awards/nominations/{nomination_id}").etag or ""
        try:
            client().post(
                f"/awards/nominations/{nomination_id}/nominees",
                json={"subjects": values["subjects"], "from": "candidates"},
                headers={"If-Match": etag},
            )
        except (Invalid, PreconditionFailed) as error:
            flash(problem_text(error), "error")
        except ApiError as error:
            if error.status != 409:
                raise
            flash(problem_text(error), "error")
    flash(_("The nomination file has been created."), "success")
    return redirect(url_for("awards.nomination", nomination_id=nomination_id))


# -- the file ------------------------------------------------------------------------------


def _nominee(item: Mapping[str, Any]) -> dict[str, Any]:
    verdict = item.get("verdict")
    report = item.get("report")
    return {
        **item,
        "subject": item.get("subject") or item.get("subject_id") or "",
        "subject_name": item.get("name") or item.get("subject_name") or "",
        "verdict": shaped(verdict) if isinstance(verdict, Mapping) else None,
        "report": report if isinstance(report, Mapping) else None,
        "has_report": bool(report) or bool(item.get("has_report")),
    }


def _move(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **item,
        "from": item.get("from") or item.get("from_state"),
        "to": item.get("to") or item.get("to_state"),
        "who": item.get("actor_name") or item.get("actor") or item.get("actor_id") or "",
    }


def allowed_moves(value: Any) -> list[str]:
    """``allowed_moves`` as the states to move to (a list of codes, or of ``{to}``)."""
    moves = []
    for item in value or []:
        code = item.get("to") if isinstance(item, Mapping) else item
        if code:
            moves.append(str(code))
    return moves


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _file_context(nomination_id: str) -> dict[str, Any]:
    user = require_user()
    reply = client().get(f"/awards/nominations/{nomination_id}")
    file = reply.data
    moves = allowed_moves(file.get("allowed_moves"))
    state = file.get("state") or ""
    acclamation = file.get("acclamation")
    return {
        "file": _summary(file),
        "etag": reply.etag or "",
        "nominees": [_nominee(n) for n in file.get("nominees") or []],
        "moves": [_move(m) for m in file.get("moves") or []],
        "allowed": moves,
        "editable": state in EDITABLE and files_nominations(user),
        "decides": decides_nominations(user),
        "cover_letter": _mapping(file.get("cover_letter")),
        "acclamation": _mapping(acclamation),
        "registration": _mapping(file.get("registration")),
        "needs_reason": NEEDS_REASON,
        "notice": None,
        "field_errors": {},
    }


def _file_page(nomination_id: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    context = _file_context(nomination_id)
    context.update(extra)
    return render_template("awards/nomination.html", **context), status


@blueprint.get("/nominations/<nomination_id>")
def nomination(nomination_id: str) -> tuple[str, int]:
    return _file_page(nomination_id)


STALE = "stale"


def _refused(nomination_id: str, error: ApiError, field: str | None = None) -> tuple[str, int]:
    """A change the platform refused, shown on the file as it is now."""
    if isinstance(error, PreconditionFailed):
        notice = _(
            "This file was changed (by someone else or in another window) after you opened "
            "it, so your change was not saved. It is shown below as it is now: make your "
            "change again."
        )
        return _file_page(nomination_id, 412, notice={"kind": STALE, "text": notice})
    if isinstance(error, Invalid):
        rows = error_rows(error.body)
        text = " ".join(r["message"] for r in rows) or problem_text(error)
        if field:
            return _file_page(nomination_id, 422, field_errors={field: text})
        return _file_page(nomination_id, 422, notice={"kind": "error", "text": text})
    if error.status in (403, 409, 413):
        return _file_page(
            nomination_id, error.status, notice={"kind": "error", "text": problem_text(error)}
        )
    raise error


def _if_match() -> dict[str, str]:
    return {"If-Match": request.form.get("etag", "")}


def _done(nomination_id: str, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("awards.nomination", nomination_id=nomination_id))


@blueprint.post("/nominations/<nomination_id>/details")
def edit_details(nomination_id: str) -> Response | tuple[str, int]:
    require_user()
    body: dict[str, Any] = {
        "title": (request.form.get("title") or "").strip(),
        "cover_summary": (request.form.get("cover_summary") or "").strip() or None,
    }
    if "act" in request.form:
        body["act"] = (request.form.get("act") or "").strip() or None
    if not body["title"]:
        return _file_page(nomination_id, 422, field_errors={"title": _("Give the file a title.")})
    try:
        client().call(
            "PATCH", f"/awards/nominations/{nomination_id}", json=body, headers=_if_match()
        )
    except ApiError as error:
        return _refused(nomination_id, error, "title")
    return _done(nomination_id, _("The file's details have been saved."))


@blueprint.post("/nominations/<nomination_id>/nominees")
def add_nominees(nomination_id: str) -> Response | tuple[str, int]:
    require_user()
    subjects = [s for s in SUBJECTS.split(request.form.get("subjects") or "") if s]
    if not subjects:
        return _file_page(
            nomination_id,
            422,
            field_errors={"subjects": _("Type the staff codes (or unit ids) to add.")},
        )
    try:
        client().post(
            f"/awards/nominations/{nomination_id}/nominees",
            json={"subjects": subjects, "from": "manual"},
            headers=_if_match(),
        )
    except ApiError as error:
        return _refused(nomination_id, error, "subjects")
    return _done(nomination_id, _("The nominees have been added."))


@blueprint.post("/nominations/<nomination_id>/nominees/<subject>/summary")
def nominee_summary(nomination_id: str, subject: str) -> Response | tuple[str, int]:
    require_user()
    summary = (request.form.get("report_summary") or "").strip() or None
    try:
        client().call(
            "PATCH",
            f"/awards/nominations/{nomination_id}/nominees/{subject}",
            json={"report_summary": summary},
            headers=_if_match(),
        )
    except ApiError as error:
        return _refused(nomination_id, error, f"summary-{subject}")
    return _done(nomination_id, _("The report summary has been saved."))


@blueprint.post("/nominations/<nomination_id>/nominees/<subject>/remove")
def remove_nominee(nomination_id: str, subject: str) -> Response | tuple[str, int]:
    require_user()
    try:
        client().delete(
            f"/awards/nominations/{nomination_id}/nominees/{subject}", headers=_if_match()
        )
    except ApiError as error:
        return _refused(nomination_id, error)
    return _done(nomination_id, _("The nominee has been removed from the file."))


def _upload(nomination_id: str, path: str, field: str) -> Response | tuple[str, int]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _file_page(nomination_id, 422, field_errors={field: _("Choose the file.")})
    content = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        return _file_page(
            nomination_id, 413, field_errors={field: _("The file is too large (at most 10 MB).")}
        )
    try:
        client().put(
            path,
            files={"file": (upload.filename, content, upload.mimetype)},
            headers=_if_match(),
        )
    except ApiError as error:
        return _refused(nomination_id, error, field)
    return _done(nomination_id, _("The file %(name)s has been attached.", name=upload.filename))


@blueprint.post("/nominations/<nomination_id>/nominees/<subject>/report")
def upload_report(nomination_id: str, subject: str) -> Response | tuple[str, int]:
    require_user()
    path = f"/awards/nominations/{nomination_id}/nominees/{subject}/report"
    return _upload(nomination_id, path, f"report-{subject}")


@blueprint.get("/nominations/<nomination_id>/nominees/<subject>/report")
def report(nomination_id: str, subject: str) -> Response:
    require_user()
    reply = client().get(f"/awards/nominations/{nomination_id}/nominees/{subject}/report")
    return passed_on(reply, f"bao-cao-thanh-tich-{subject}")


@blueprint.post("/nominations/<nomination_id>/cover-letter")
def upload_cover_letter(nomination_id: str) -> Response | tuple[str, int]:
    require_user()
    path = f"/awards/nominations/{nomination_id}/cover-letter"
    return _upload(nomination_id, path, "cover-letter")


@blueprint.get("/nominations/<nomination_id>/cover-letter")
def cover_letter(nomination_id: str) -> Response:
    require_user()
    reply = client().get(f"/awards/nominations/{nomination_id}/cover-letter")
    return passed_on(reply, "to-trinh")


@blueprint.post("/nominations/<nomination_id>/moves")
def move(nomination_id: str) -> Response | tuple[str, int]:
    require_user()
    to = request.form.get("to") or ""
    reason = (request.form.get("reason") or "").strip()
    if to in NEEDS_REASON and not reason:
        return _file_page(
            nomination_id,
            422,
            field_errors={f"reason-{to}": _("Say why the file is returned: the unit reads it.")},
        )
    try:
        client().post(
            f"/awards/nominations/{nomination_id}/moves",
            json={"to": to, "reason": reason or None},
            headers=_if_match(),
        )
    except ApiError as error:
        return _refused(nomination_id, error, f"reason-{to}")
    return _done(
        nomination_id,
        _("The file is now: %(state)s.", state=labels.label(labels.NOMINATION_STATE, to)),
    )


@blueprint.post("/nominations/<nomination_id>/registrations")
def register_titles(nomination_id: str) -> Response | tuple[str, int]:
    """Register the file's title for its nominees that lack a registration (đăng ký danh
    hiệu thi đua): a yearly title is only granted to those registered for it."""
    require_user()
    file = client().get(f"/awards/nominations/{nomination_id}").data
    check = file.get("registration") or {}
    subjects = check.get("unregistered") or []
    for subject in subjects:
        try:
            client().post(
                "/awards/registrations",
                json={
                    "unit": file.get("unit_id"),
                    "year": file.get("year"),
                    "award": file.get("award"),
                    "subject": subject,
                },
            )
        except ApiError as error:
            if error.status not in (403, 409, 422):
                raise
            return _file_page(
                nomination_id, error.status, notice={"kind": "error", "text": problem_text(error)}
            )
    return _done(
        nomination_id,
        ngettext(
            "The title has been registered for %(num)d nominee.",
            "The title has been registered for %(num)d nominees.",
            len(subjects),
        ),
    )
