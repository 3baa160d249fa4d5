"""Commendation decisions (quyết định khen thưởng) for the Ministry: the list, a new draft,
its recipients taken from the nominees the API offers (``/decisions/sources``) with the bonus
of each computed by awards and shown with its figures, issuing (``If-Match``), the documents
and certificates as downloads, and revocation with its legal reason and document, the
revocation's page and the awards flagged for review after one.

Awards decides who may do what (docs/awards.md, "Part 2"); a unit sees the issued decisions
naming its people, and nothing else exists for it (404). Every change sends the decision's
ETag: a 412 shows the decision as it is now with "make your change again", a 409 its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import labels
from web.api import ApiError, Invalid, PreconditionFailed, client
from web.downloads import passed_on
from web.views import require_user
from web.views.awards import (
    blueprint,
    decides_nominations,
    error_rows,
    everything,
    page_number,
    pages_of,
    problem_text,
    this_year,
    year_of,
)
from web.views.awards.calendar import parse_day, shown_day

blueprint.context_processor(labels.for_decisions)

STATES = tuple(labels.DECISION_STATE)
# What a new draft starts with: the words of the Ministry's usual decision (Vietnamese in
# either language of the page: they are the document's, not the interface's).
DEFAULTS = {
    "issuer": "BTP",
    "issuer_name": "Bộ Tư pháp",
    "governing_body": "",
    "place": "Hà Nội",
    "authority": "BỘ TRƯỞNG BỘ TƯ PHÁP",
    "legal_bases": "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022\n"
    "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ",
    "proposal": "Theo đề nghị của Vụ trưởng Vụ Thi đua - Khen thưởng",
    "award_statement": "Tặng Bằng khen của Bộ trưởng Bộ Tư pháp cho các cá nhân có tên sau:",
    "bonus_source": "Tiền thưởng chi từ Quỹ thi đua, khen thưởng của Bộ Tư pháp.",
    "executors": "Vụ trưởng Vụ Thi đua - Khen thưởng\nCác cá nhân có tên tại Điều 1",
    "copies_to": "Như Điều 3\nLưu: VT, TĐKT",
    "signer_title": "THỨ TRƯỞNG",
    "signing_for": "KT. BỘ TRƯỞNG",
    "certificate_kind": "bang-khen",
}
TEXT_FIELDS = (
    "number",
    "issuer",
    "issuer_name",
    "governing_body",
    "place",
    "title",
    "authority",
    "proposal",
    "award_statement",
    "bonus_source",
    "signer_name",
    "signer_title",
    "signing_for",
    "certificate_kind",
    "citation",
)
LINE_FIELDS = ("legal_bases", "executors", "copies_to")
FIELDS = (*TEXT_FIELDS, *LINE_FIELDS, "decided_on")
CERTIFICATE_KINDS = tuple(labels.CERTIFICATE_KIND)


# -- the list --------------------------------------------------------------------------------


@blueprint.get("/decisions")
def decisions() -> str:
    user = require_user()
    year = year_of(request.args.get("year"))
    state = request.args.get("state") if request.args.get("state") in STATES else None
    params: dict[str, Any] = {"page": page_number(), "page_size": 50}
    if year:
        params["year"] = year
    if state:
        params["state"] = state
    reply = client().get("/awards/decisions", params=params).data
    return render_template(
        "awards/decisions.html",
        items=reply.get("items") or [],
        page=params["page"],
        pages=pages_of(reply),
        filters={k: v for k, v in (("year", year), ("state", state)) if v},
        year=year,
        state=state,
        states=STATES,
        manages=decides_nominations(user),
    )


# -- the council's sessions (what a decision on a council's award follows) -----------------


@blueprint.get("/council/sessions")
def council_sessions() -> str:
    """The sessions of every council the user may see: a member's ballots, a secretary's
    sessions to run, the Ministry's (the session page is in views/awards/councils.py)."""
    require_user()
    sittings: list[dict[str, Any]] = []
    for council in everything("/awards/councils"):
        for sitting in everything(f"/awards/councils/{council['council_id']}/sessions"):
            sittings.append({**sitting, "council_name": council.get("name")})
    sittings.sort(key=lambda s: (s.get("state") == "closed", s.get("starts_at") or ""))
    return render_template("awards/council_sessions.html", items=sittings)


# -- a new draft -----------------------------------------------------------------------------


def _new_page(values: Mapping[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    require_user()
    return render_template(
        "awards/decision_new.html",
        values=values,
        kinds=CERTIFICATE_KINDS,
        field_errors=context.pop("field_errors", {}),
        message=context.pop("message", None),
    ), status


@blueprint.get("/decisions/new")
def decision_new() -> tuple[str, int]:
    values = {name: "" for name in FIELDS} | DEFAULTS
    values["decided_on"] = ""
    return _new_page(values)


def _lines(text: str) -> list[str]:
    return [line.strip().rstrip(";.") for line in text.splitlines() if line.strip()]


def _posted() -> dict[str, str]:
    return {name: (request.form.get(name) or "").strip() for name in FIELDS}


def _body(values: Mapping[str, str], field_errors: dict[str, str]) -> dict[str, Any]:
    """The API's body from what was typed (a date as dd/mm/yyyy, lists one a line)."""
    body: dict[str, Any] = {name: values[name] for name in TEXT_FIELDS if values[name]}
    for name in LINE_FIELDS:
        body[name] = _lines(values[name])
    day = parse_day(values["decided_on"])
    if day is None:
        field_errors["decided_on"] = _("Type the date as dd/mm/yyyy.")
    else:
        body["decided_on"] = day.isoformat()
    return body


def _field_errors(invalid: Invalid) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in error_rows(invalid.body):
        name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
        key = name if name in FIELDS else ""
        found[key] = " ".join(t for t in (found.get(key), row["message"]) if t)
    return found


@blueprint.post("/decisions")
def decision_create() -> Response | tuple[str, int]:
    require_user()
    values = _posted()
    field_errors: dict[str, str] = {}
    body = _body(values, field_errors)
    if field_errors:
        return _new_page(values, 422, field_errors=field_errors)
    try:
        created = client().post("/awards/decisions", json=body)
    except Invalid as invalid:
        return _new_page(values, 422, field_errors=_field_errors(invalid), message=invalid.detail)
    except ApiError as error:
        if error.status not in (403, 409):
            raise
        field_errors = {"number": problem_text(error)} if error.status == 409 else {}
        return _new_page(
            values, error.status, field_errors=field_errors, message=problem_text(error)
        )
    flash(_("The draft decision has been created: add its recipients."), "success")
    return redirect(url_for("awards.decision", decision_id=created.data["decision_id"]))


# -- one decision ----------------------------------------------------------------------------


def _sources(decision: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The nominees this draft may still name (the Ministry's view)."""
    try:
        reply = client().get("/awards/decisions/sources")
    except ApiError as error:
        if error.status in (403, 404):
            return []
        raise
    named = {(r.get("nomination_id"), r.get("subject")) for r in decision.get("recipients") or []}
    return [
        s
        for s in reply.data.get("items") or []
        if (s.get("nomination_id"), s.get("subject")) not in named
    ]


def _page(decision_id: str, status: int = 200, **context: Any) -> tuple[str, int]:
    user = require_user()
    reply = client().get(f"/awards/decisions/{decision_id}")
    decision = reply.data
    manages = decides_nominations(user)
    draft = decision.get("state") == "draft"
    return render_template(
        "awards/decision.html",
        item=decision,
        etag=reply.etag or "",
        manages=manages,
        sources=_sources(decision) if manages and draft else [],
        notice=context.pop("notice", None),
        revoke_errors=context.pop("revoke_errors", {}),
        revoke_values=context.pop("revoke_values", {}),
        today=shown_day(None),
    ), status


@blueprint.get("/decisions/<decision_id>")
def decision(decision_id: str) -> tuple[str, int]:
    return _page(decision_id)


def _refused(decision_id: str, error: ApiError) -> tuple[str, int]:
    """A change the API refused, shown on the decision as it is now."""
    if isinstance(error, PreconditionFailed):
        text = _(
            "Someone changed this decision after you opened it, so nothing was done. It is "
            "shown below as it is now: make your change again."
        )
        return _page(decision_id, 412, notice=text)
    if error.status in (403, 409, 413, 422):
        return _page(decision_id, error.status, notice=problem_text(error))
    raise error


def _if_match() -> dict[str, str]:
    return {"If-Match": request.form.get("etag", "")}


@blueprint.post("/decisions/<decision_id>/recipients")
def decision_add(decision_id: str) -> Response | tuple[str, int]:
    require_user()
    picks = []
    for value in request.form.getlist("pick"):
        nomination_id, _sep, subject = value.partition("|")
        if nomination_id and subject:
            picks.append({"nomination_id": nomination_id, "subject": subject})
    if not picks:
        return _page(decision_id, 422, notice=_("Tick at least one nominee to add."))
    try:
        client().post(
            f"/awards/decisions/{decision_id}/recipients",
            json={"picks": picks},
            headers=_if_match(),
        )
    except ApiError as error:
        return _refused(decision_id, error)
    flash(_("The recipients have been added with their bonuses."), "success")
    return redirect(url_for("awards.decision", decision_id=decision_id) + "#recipients")


@blueprint.post("/decisions/<decision_id>/recipients/<int:recipient_id>/remove")
def decision_remove(decision_id: str, recipient_id: int) -> Response | tuple[str, int]:
    require_user()
    try:
        client().delete(
            f"/awards/decisions/{decision_id}/recipients/{recipient_id}", headers=_if_match()
        )
    except ApiError as error:
        return _refused(decision_id, error)
    flash(_("The recipient has been removed."), "success")
    return redirect(url_for("awards.decision", decision_id=decision_id) + "#recipients")


@blueprint.post("/decisions/<decision_id>/issue")
def decision_issue(decision_id: str) -> Response | tuple[str, int]:
    require_user()
    try:
        client().post(f"/awards/decisions/{decision_id}/issue", headers=_if_match())
    except ApiError as error:
        return _refused(decision_id, error)
    flash(_("The decision is issued: its awards are in the registry."), "success")
    return redirect(url_for("awards.decision", decision_id=decision_id))


# -- documents and certificates --------------------------------------------------------------


@blueprint.get("/decisions/<decision_id>/document.<any(docx, pdf):extension>")
def decision_document(decision_id: str, extension: str) -> Response:
    require_user()
    reply = client().get(f"/awards/decisions/{decision_id}/document.{extension}")
    return passed_on(reply, f"decision.{extension}")


@blueprint.get("/certificates/<serial>.pdf")
def certificate(serial: str) -> Response | tuple[str, int]:
    require_user()
    params = {"blank": "true"} if request.args.get("blank") == "true" else None
    reply = client().get(f"/awards/certificates/{serial}.pdf", params=params)
    return passed_on(reply, f"{serial}.pdf")


# -- revocation ------------------------------------------------------------------------------


@blueprint.post("/decisions/<decision_id>/revoke")
def decision_revoke(decision_id: str) -> Response | tuple[str, int]:
    """Revoke the ticked awards (none ticked: the whole decision) with the legal reason and
    the document that orders it."""
    require_user()
    values = {
        "reason": (request.form.get("reason") or "").strip(),
        "legal_basis": (request.form.get("legal_basis") or "").strip(),
        "revoked_on": (request.form.get("revoked_on") or "").strip(),
        "recipients": request.form.getlist("recipient"),
    }
    errors: dict[str, str] = {}
    if not values["reason"]:
        errors["reason"] = _("Give the legal reason for the revocation.")
    day = parse_day(values["revoked_on"]) if values["revoked_on"] else None
    if values["revoked_on"] and day is None:
        errors["revoked_on"] = _("Type the date as dd/mm/yyyy.")
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        errors["document"] = _("Attach the document that orders the revocation.")
    if errors:
        return _page(decision_id, 422, revoke_errors=errors, revoke_values=values)
    form: dict[str, str] = {"reason": values["reason"], "legal_basis": values["legal_basis"]}
    if day is not None:
        form["revoked_on"] = day.isoformat()
    if values["recipients"]:
        form["recipients"] = ",".join(v for v in values["recipients"] if v.isdigit())
    assert upload is not None and upload.filename
    files = {
        "file": (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")
    }
    try:
        reply = client().post(
            f"/awards/decisions/{decision_id}/revocations",
            data=form,
            files=files,
            headers=_if_match(),
        )
    except Invalid as invalid:
        found: dict[str, str] = {}
        for row in error_rows(invalid.body):
            name = row["field"] or row["pointer"].lstrip("/")
            key = {"file": "document"}.get(name, name)
            key = key if key in ("reason", "revoked_on", "document") else "reason"
            found[key] = " ".join(t for t in (found.get(key), row["message"]) if t)
        return _page(decision_id, 422, revoke_errors=found, revoke_values=values)
    except ApiError as error:
        return _refused(decision_id, error)
    flash(_("The revocation is recorded."), "success")
    return redirect(url_for("awards.revocation", revocation_id=reply.data["revocation_id"]))


@blueprint.get("/revocations/<revocation_id>")
def revocation(revocation_id: str) -> str:
    require_user()
    item = client().get(f"/awards/revocations/{revocation_id}").data
    return render_template("awards/revocation.html", item=item)


@blueprint.get("/revocations/<revocation_id>/document")
def revocation_document(revocation_id: str) -> Response:
    require_user()
    reply = client().get(f"/awards/revocations/{revocation_id}/document")
    return passed_on(reply, "document")


@blueprint.get("/reviews")
def reviews() -> str:
    """The awards granted on the strength of a revoked one, to be reviewed."""
    require_user()
    status = (
        request.args.get("status") if request.args.get("status") in ("open", "closed") else None
    )
    params: dict[str, Any] = {"page": page_number(), "page_size": 50}
    if status:
        params["status"] = status
    reply = client().get("/awards/reviews", params=params).data
    return render_template(
        "awards/reviews.html",
        items=reply.get("items") or [],
        page=params["page"],
        pages=pages_of(reply),
        status=status,
        filters={"status": status} if status else {},
        year=this_year(),
    )
