"""Rule packs: every version with its status, upload of a new document (validated by awards:
each problem by its JSON pointer, nothing stored while there is one), a pack's awards and
conditions as published, and publication (``If-Match``; a published pack is immutable).

Everyone signed in reads them; uploads and publication are the Ministry's (``rules.manage``).
Awards' ``/rule-packs...`` (docs/awards.md, "Rule packs").
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.api import ApiError, Invalid, PreconditionFailed, client
from web.views import require_user
from web.views.awards import (
    PAGE_SIZE,
    blueprint,
    error_rows,
    manages_rules,
    page_number,
    pages_of,
    problem_text,
)

MAX_PACK_BYTES = 2 * 1024 * 1024
STATUSES = ("draft", "published")


def _id(item: dict[str, Any]) -> str:
    return str(item.get("pack_id") or item.get("id") or "")


@blueprint.get("/rules")
def rules() -> str:
    user = require_user()
    filters: dict[str, Any] = {}
    if request.args.get("status") in STATUSES:
        filters["status"] = request.args["status"]
    page = page_number()
    reply = (
        client()
        .get("/awards/rule-packs", params={**filters, "page": page, "page_size": PAGE_SIZE})
        .data
    )
    items = [{**item, "id": _id(item)} for item in reply.get("items") or []]
    return render_template(
        "awards/rules.html",
        items=items,
        total=reply.get("total", len(items)),
        page=page,
        pages=pages_of(reply),
        filters=filters,
        manages=manages_rules(user),
    )


def _upload_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(
        "awards/rules_upload.html",
        errors=context.get("errors", []),
        file_error=context.get("file_error"),
    ), status


@blueprint.get("/rules/upload")
def upload_form() -> tuple[str, int]:
    require_user()
    return _upload_page()


@blueprint.post("/rules/upload")
def upload() -> Response | tuple[str, int]:
    require_user()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_page(422, file_error=_("Choose the rule pack's JSON document."))
    content = upload.stream.read(MAX_PACK_BYTES + 1)
    if len(content) > MAX_PACK_BYTES:
        return _upload_page(413, file_error=_("The file is too large (at most 2 MB)."))
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        return _upload_page(
            422, file_error=_("The file is not valid JSON: %(reason)s", reason=str(error))
        )
    try:
        created = client().post("/awards/rule-packs", json=document).data
    except Invalid as invalid:
        rows = error_rows(invalid.body)
        return _upload_page(422, errors=rows, file_error=None if rows else problem_text(invalid))
    except ApiError as error:
        if error.status not in (403, 409, 413):
            raise
        return _upload_page(error.status, file_error=problem_text(error))
    flash(
        _("Version %(version)s was stored as a draft.", version=created.get("version", "")),
        "success",
    )
    return redirect(url_for("awards.rule_pack", pack_id=_id(created)))


def _pack_page(pack_id: str, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    user = require_user()
    reply = client().get(f"/awards/rule-packs/{pack_id}")
    pack = reply.data
    document = pack.get("document") or {}
    return render_template(
        "awards/rule_pack.html",
        pack={**pack, "id": _id(pack) or pack_id},
        document=document,
        awards=document.get("awards") or [],
        etag=reply.etag or "",
        manages=manages_rules(user),
        notice=notice,
    ), status


@blueprint.get("/rules/<pack_id>")
def rule_pack(pack_id: str) -> tuple[str, int]:
    return _pack_page(pack_id)


@blueprint.post("/rules/<pack_id>/publish")
def publish(pack_id: str) -> Response | tuple[str, int]:
    require_user()
    try:
        client().post(
            f"/awards/rule-packs/{pack_id}/publish",
            json={},
            headers={"If-Match": request.form.get("etag", "")},
        )
    except PreconditionFailed:
        return _pack_page(
            pack_id, 412, _("The pack was changed after you opened it; check it and publish again.")
        )
    except ApiError as error:
        if error.status not in (403, 409, 422):
            raise
        return _pack_page(pack_id, error.status, problem_text(error))
    flash(_("The rule pack has been published."), "success")
    return redirect(url_for("awards.rule_pack", pack_id=pack_id))
