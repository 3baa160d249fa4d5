"""The pages anyone may open without signing in, and the Ministry's side of public comment.

- ``/verify/<serial>``: what a certificate's QR code opens (``<public base URL>/verify/<serial>``;
  the gateway forwards the path here, and awards answers ``/awards/verify/<serial>`` without a
  token). It confirms the award or says it was revoked; an unknown serial is a 404 page.
- ``/public/comment``: the lists of nominees open for public comment (lấy ý kiến nhân dân:
  name, unit, award, summary) and a form per nominee. The API is public
  (``/awards/public/...``), so the web application calls it without a token; the form still
  carries the CSRF token of the browser's session like every form here. Comments go to the
  council and are never shown publicly.
- ``/awards/comment-postings``: the Ministry posts the forwarded nominees of an award for
  comment and reads what was received.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import labels
from web.api import ApiError, Invalid, NotFound, client
from web.views import require_user
from web.views.awards import (
    awards_of_year,
    error_rows,
    page_number,
    pages_of,
    problem_text,
    text_of,
    this_year,
    year_of,
)
from web.views.awards import (
    blueprint as awards_blueprint,
)
from web.views.awards.calendar import parse_day, shown_day

blueprint = Blueprint("public", __name__)
blueprint.context_processor(labels.for_templates)

# The serials awards issues (and the gateway lets through without a token).
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
COMMENT_FIELDS = ("text", "author", "contact")


# -- verification ----------------------------------------------------------------------------


@blueprint.get("/verify/<serial>")
def verify(serial: str) -> tuple[str, int]:
    """Whether the certificate ``serial`` stands (no sign-in)."""
    found, message = None, None
    if SERIAL.match(serial):
        try:
            found = client().get(f"/awards/verify/{serial}", anonymous=True).data
        except NotFound as missing:
            message = missing.detail
    status = 200 if found else 404
    if found is None and not message:
        message = _("No certificate has this serial: check what you typed or scanned.")
    return render_template(
        "awards/verify.html",
        serial=serial,
        found=found,
        message=text_of(found.get("message")) if found else message,
        status_label=labels.label(labels.VERIFICATION_STATUS, found.get("status")) if found else "",
    ), status


# -- the public comment page -----------------------------------------------------------------


def _open_postings() -> list[dict[str, Any]]:
    return list(
        client().get("/awards/public/comment-postings", anonymous=True).data.get("items") or []
    )


def _comment_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(
        "awards/public_comment.html",
        postings=_open_postings(),
        entry=context.pop("entry", None),
        values=context.pop("values", {}),
        field_errors=context.pop("field_errors", {}),
        notice=context.pop("notice", None),
    ), status


@blueprint.get("/public/comment")
def public_comment() -> tuple[str, int]:
    return _comment_page()


@blueprint.post("/public/comment")
def public_comment_post() -> Response | tuple[str, int]:
    entry = (request.form.get("entry_id") or "").strip()
    values = {name: (request.form.get(name) or "").strip() for name in COMMENT_FIELDS}
    if not entry.isdigit():
        return _comment_page(422, notice=_("Choose the nominee your comment is about."))
    if not values["text"]:
        return _comment_page(
            422, entry=int(entry), values=values, field_errors={"text": _("Write your comment.")}
        )
    body: dict[str, Any] = {"entry_id": int(entry), "text": values["text"]}
    for name in ("author", "contact"):
        if values[name]:
            body[name] = values[name]
    try:
        reply = client().post("/awards/public/comments", json=body, anonymous=True)
    except Invalid as invalid:
        errors: dict[str, str] = {}
        for row in error_rows(invalid.body):
            name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
            key = name if name in COMMENT_FIELDS else "text"
            errors[key] = " ".join(t for t in (errors.get(key), row["message"]) if t)
        return _comment_page(422, entry=int(entry), values=values, field_errors=errors)
    except ApiError as error:
        if error.status not in (404, 409, 429):
            raise
        return _comment_page(
            error.status, entry=int(entry), values=values, notice=problem_text(error)
        )
    flash(
        text_of((reply.data or {}).get("message")) or _("Thank you: your comment was sent."),
        "success",
    )
    return redirect(url_for("public.public_comment"))


# -- the Ministry's postings -----------------------------------------------------------------


def _postings_page(status: int = 200, **context: Any) -> tuple[str, int]:
    require_user()
    reply = (
        client()
        .get("/awards/comment-postings", params={"page": page_number(), "page_size": 50})
        .data
    )
    values = context.pop("values", None) or {
        "award": "",
        "year": str(this_year()),
        "starts_on": shown_day(None),
    }
    year = year_of(values.get("year")) or this_year()
    awards = [a for a in awards_of_year(year) if a.get("public_comment_working_days")]
    return render_template(
        "awards/comment_postings.html",
        items=reply.get("items") or [],
        page=page_number(),
        pages=pages_of(reply),
        awards=awards,
        values=values,
        field_errors=context.pop("field_errors", {}),
        notice=context.pop("notice", None),
    ), status


@awards_blueprint.get("/comment-postings")
def comment_postings() -> tuple[str, int]:
    return _postings_page()


@awards_blueprint.post("/comment-postings")
def comment_posting_create() -> Response | tuple[str, int]:
    require_user()
    values = {k: (request.form.get(k) or "").strip() for k in ("award", "year", "starts_on")}
    errors: dict[str, str] = {}
    year = year_of(values["year"])
    day = parse_day(values["starts_on"])
    if not values["award"]:
        errors["award"] = _("Choose the award.")
    if year is None:
        errors["year"] = _("Type a year such as 2026.")
    if day is None:
        errors["starts_on"] = _("Type the date as dd/mm/yyyy.")
    if errors:
        return _postings_page(422, values=values, field_errors=errors)
    assert year is not None and day is not None
    body = {"award": values["award"], "year": year, "starts_on": day.isoformat()}
    try:
        created = client().post("/awards/comment-postings", json=body)
    except Invalid as invalid:
        for row in error_rows(invalid.body):
            name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
            key = name if name in values else "award"
            errors[key] = " ".join(t for t in (errors.get(key), row["message"]) if t)
        return _postings_page(422, values=values, field_errors=errors)
    except ApiError as error:
        if error.status not in (403, 409):
            raise
        return _postings_page(error.status, values=values, notice=problem_text(error))
    flash(_("The list is posted for public comment."), "success")
    return redirect(url_for("awards.comment_posting", posting_id=created.data["posting_id"]))


@awards_blueprint.get("/comment-postings/<posting_id>")
def comment_posting(posting_id: str) -> str:
    require_user()
    posting = client().get(f"/awards/comment-postings/{posting_id}").data
    comments = (
        client()
        .get(
            f"/awards/comment-postings/{posting_id}/comments",
            params={"page": page_number(), "page_size": 50},
        )
        .data
    )
    return render_template(
        "awards/comment_posting.html",
        item=posting,
        comments=comments.get("items") or [],
        total=int(comments.get("total") or 0),
        page=page_number(),
        pages=pages_of(comments),
    )
