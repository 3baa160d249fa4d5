"""The Ministry's webhook endpoints (issue 13), for its officers: the endpoints, a new one
(its signing secret shown once), rotation (the new secret shown once), the deliveries of an
endpoint with every attempt, replay and recover. Notify's ``/notify/webhooks/...``
(services/notify/api/webhooks.py; docs/api.md, "Webhooks and the event feed").

A secret is only ever in the answer to the POST that made it (never in a flash message or
the session; every page is ``no-store``). Notify decides who may: another owner's endpoint
is its 404, shown as the 404 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from web import labels
from web.api import ApiError, Invalid, client
from web.formatting import VIETNAM
from web.views import require_user
from web.views.awards import error_rows, problem_text, text_of

blueprint = Blueprint("webhooks", __name__, url_prefix="/webhooks")
blueprint.context_processor(labels.for_notifications)
blueprint.context_processor(lambda: {"event_type_label": event_type_label})

PAGE_SIZE = 20
STATUSES = tuple(labels.DELIVERY_STATUS)
FIELDS = ("url", "event_types", "description")


def event_type_label(code: str) -> str:
    return labels.label(labels.EVENT_TYPE, code)


def _page() -> int:
    text = (request.args.get("page") or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 100_000 else 1


def _values(source: Mapping[str, Any] | None = None) -> dict[str, Any]:
    form = request.form
    if source is not None:
        return {
            "url": source.get("url") or "",
            "description": source.get("description") or "",
            "event_types": list(source.get("event_types") or []),
            "enabled": bool(source.get("enabled", True)),
        }
    return {
        "url": (form.get("url") or "").strip(),
        "description": (form.get("description") or "").strip(),
        "event_types": [t for t in form.getlist("event_types") if t.strip()],
        "enabled": form.get("enabled") == "true",
    }


def _field_errors(error: Invalid) -> dict[str, str]:
    errors: dict[str, str] = {}
    for row in error_rows(error.body):
        name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
        key = name if name in FIELDS else ""
        errors[key] = " ".join(e for e in (errors.get(key), row["message"]) if e)
    return errors


# -- the endpoints -------------------------------------------------------------------------


def _list_page(values: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    require_user()
    page = _page()
    reply = (
        client()
        .get("/notify/webhooks/endpoints", params={"page": page, "page_size": PAGE_SIZE})
        .data
    )
    total = int(reply.get("total") or 0)
    return render_template(
        "webhooks/endpoints.html",
        items=reply.get("items") or [],
        total=total,
        page=page,
        pages=max(1, -(-total // int(reply.get("page_size") or PAGE_SIZE))),
        values=values,
        event_types=tuple(labels.EVENT_TYPE),
        field_errors=context.get("field_errors", {}),
        message=context.get("message"),
    ), status


@blueprint.get("")
def endpoints() -> tuple[str, int]:
    return _list_page({"url": "", "description": "", "event_types": [], "enabled": True})


@blueprint.post("")
def create() -> Response | tuple[str, int]:
    require_user()
    values = _values()
    errors: dict[str, str] = {}
    if not values["url"]:
        errors["url"] = _("Give the address that receives the deliveries.")
    if not values["event_types"]:
        errors["event_types"] = _("Choose at least one kind of event.")
    if errors:
        return _list_page(values, 422, field_errors=errors)
    body = {k: values[k] for k in FIELDS}
    try:
        created = client().post("/notify/webhooks/endpoints", json=body).data
    except Invalid as error:
        return _list_page(values, 422, field_errors=_field_errors(error), message=error.detail)
    return render_template(
        "webhooks/secret.html", endpoint=created, secret=created.get("secret"), rotated=None
    ), 201


def _endpoint_page(
    endpoint_id: int, status: int = 200, values: dict[str, Any] | None = None, **context: Any
) -> tuple[str, int]:
    require_user()
    endpoint = client().get(f"/notify/webhooks/endpoints/{endpoint_id}").data
    page = _page()
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    status_filter = request.args.get("status")
    if status_filter in STATUSES:
        params["status"] = status_filter
    reply = client().get(f"/notify/webhooks/endpoints/{endpoint_id}/deliveries", params=params)
    deliveries = reply.data
    total = int(deliveries.get("total") or 0)
    return render_template(
        "webhooks/endpoint.html",
        endpoint=endpoint,
        values=values or _values(endpoint),
        event_types=tuple(labels.EVENT_TYPE),
        deliveries=deliveries.get("items") or [],
        total=total,
        page=page,
        pages=max(1, -(-total // int(deliveries.get("page_size") or PAGE_SIZE))),
        status_filter=params.get("status", ""),
        statuses=STATUSES,
        field_errors=context.get("field_errors", {}),
        notice=context.get("notice"),
        since=context.get("since", ""),
    ), status


@blueprint.get("/<int:endpoint_id>")
def endpoint(endpoint_id: int) -> tuple[str, int]:
    return _endpoint_page(endpoint_id)


@blueprint.post("/<int:endpoint_id>")
def update(endpoint_id: int) -> Response | tuple[str, int]:
    require_user()
    values = _values()
    if not values["url"]:
        errors = {"url": _("Give the address that receives the deliveries.")}
        return _endpoint_page(endpoint_id, 422, values, field_errors=errors)
    if not values["event_types"]:
        errors = {"event_types": _("Choose at least one kind of event.")}
        return _endpoint_page(endpoint_id, 422, values, field_errors=errors)
    try:
        client().call("PATCH", f"/notify/webhooks/endpoints/{endpoint_id}", json=values)
    except Invalid as error:
        return _endpoint_page(endpoint_id, 422, values, field_errors=_field_errors(error))
    flash(_("The endpoint has been saved."), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


@blueprint.post("/<int:endpoint_id>/rotate")
def rotate(endpoint_id: int) -> tuple[str, int]:
    require_user()
    endpoint = client().get(f"/notify/webhooks/endpoints/{endpoint_id}").data
    rotated = client().post(f"/notify/webhooks/endpoints/{endpoint_id}/secret/rotate").data
    return render_template(
        "webhooks/secret.html", endpoint=endpoint, secret=rotated.get("secret"), rotated=rotated
    ), 200


@blueprint.post("/<int:endpoint_id>/delete")
def delete(endpoint_id: int) -> Response:
    require_user()
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the removal."), "error")
        return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))
    client().delete(f"/notify/webhooks/endpoints/{endpoint_id}")
    flash(_("The endpoint and its deliveries have been removed."), "success")
    return redirect(url_for("webhooks.endpoints"))


def vietnam_time(text: str) -> datetime | None:
    """A ``datetime-local`` value, as Vietnam's time."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=VIETNAM)
    except ValueError:
        return None


@blueprint.post("/<int:endpoint_id>/recover")
def recover(endpoint_id: int) -> Response | tuple[str, int]:
    require_user()
    text = request.form.get("since") or ""
    since = vietnam_time(text)
    if since is None:
        errors = {"since": _("Give the day and time, as dd/mm/yyyy hh:mm.")}
        return _endpoint_page(endpoint_id, 422, field_errors=errors, since=text)
    try:
        reply = client().post(
            f"/notify/webhooks/endpoints/{endpoint_id}/recover",
            json={"since": since.isoformat()},
        )
    except Invalid as error:
        message = " ".join(r["message"] for r in error_rows(error.body)) or problem_text(error)
        return _endpoint_page(endpoint_id, 422, field_errors={"since": message}, since=text)
    recovered = int(reply.data.get("recovered") or 0)
    flash(
        ngettext(
            "%(num)d failed delivery will be sent again.",
            "%(num)d failed deliveries will be sent again.",
            recovered,
        ),
        "success",
    )
    return redirect(url_for("webhooks.endpoint", endpoint_id=endpoint_id))


# -- a delivery ----------------------------------------------------------------------------


@blueprint.get("/<int:endpoint_id>/deliveries/<int:delivery_id>")
def delivery(endpoint_id: int, delivery_id: int) -> tuple[str, int]:
    return _delivery_page(endpoint_id, delivery_id)


def _delivery_page(
    endpoint_id: int, delivery_id: int, status: int = 200, notice: str | None = None
) -> tuple[str, int]:
    require_user()
    endpoint = client().get(f"/notify/webhooks/endpoints/{endpoint_id}").data
    item = client().get(f"/notify/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}").data
    return render_template(
        "webhooks/delivery.html", endpoint=endpoint, delivery=item, notice=notice
    ), status


@blueprint.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/replay")
def replay(endpoint_id: int, delivery_id: int) -> Response | tuple[str, int]:
    require_user()
    path = f"/notify/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay"
    try:
        client().post(path)
    except ApiError as error:
        if error.status != 409:
            raise
        return _delivery_page(endpoint_id, delivery_id, 409, text_of(error.detail))
    flash(_("The message will be sent again."), "success")
    return redirect(url_for("webhooks.delivery", endpoint_id=endpoint_id, delivery_id=delivery_id))
