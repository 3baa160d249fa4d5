"""API clients of external systems (system administrators): the list, registering one with
its scopes (the secret is shown on the answer page, this once, and never kept by the web
application), and revoking one (it gets no new token; those issued end within 15 minutes).
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.api import ApiError, Invalid, client
from web.views import require_user
from web.views.admin import PAGE_SIZE, blueprint, manages_clients, today, units_on

SERVICES = ("identity", "criteria", "scoring", "awards", "notify")
ACCESS = ("read", "write")
CLIENT_FIELDS = ("client_id", "name", "scopes", "unit_id")


def _page(values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    user = require_user()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    listed = client().get("/identity/clients", params={"page": page, "page_size": PAGE_SIZE}).data
    names = {u["id"]: u["name"] for u in units_on(today())}
    body = render_template(
        "admin/clients.html",
        items=[
            {**c, "unit_name": names.get(c.get("unit_id") or "", c.get("unit_id"))}
            for c in listed["items"]
        ],
        total=listed["total"],
        page=page,
        pages=max(1, -(-listed["total"] // PAGE_SIZE)),
        services=SERVICES,
        access=ACCESS,
        units=units_on(today()),
        values=values,
        errors=errors,
        manages=manages_clients(user),
    )
    return make_response(body, status)


@blueprint.get("/clients")
def clients() -> Response:
    return _page({"scopes": set()}, {})


@blueprint.post("/clients")
def create_client() -> Response:
    require_user()
    values: dict[str, Any] = {
        "client_id": (request.form.get("client_id") or "").strip(),
        "name": (request.form.get("name") or "").strip(),
        "unit_id": (request.form.get("unit_id") or "").strip(),
        "scopes": set(request.form.getlist("scopes")),
    }
    errors: dict[str, str] = {}
    if not values["client_id"]:
        errors["client_id"] = _("Enter the client's identifier.")
    if not values["name"]:
        errors["name"] = _("Enter the name of the system.")
    if not values["scopes"]:
        errors["scopes"] = _("Choose at least one scope.")
    if errors:
        return _page(values, errors, 422)
    body = {
        "client_id": values["client_id"],
        "name": values["name"],
        "scopes": sorted(values["scopes"]),
        "unit_id": values["unit_id"] or None,
    }
    try:
        created = client().post("/identity/clients", json=body).data
    except Invalid as invalid:
        errors = {
            k: str(v[0] if isinstance(v, list) and v else v)
            for k, v in invalid.errors.items()
            if k in CLIENT_FIELDS
        }
        return _page(values, errors or {"": invalid.detail or ""}, 422)
    except ApiError as error:
        if error.status != 409:
            raise
        return _page(values, {"client_id": error.detail or ""}, 409)
    # The secret is in this answer only: not in a flash message, not in the session.
    response = make_response(render_template("admin/client_created.html", created=created), 201)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/clients/<client_id>/revoke")
def revoke_client(client_id: str) -> Response:
    require_user()
    done = client().post(f"/identity/clients/{client_id}/deactivate").data
    flash(
        _(
            "%(name)s gets no new token; the tokens it holds end within 15 minutes.",
            name=done["name"],
        ),
        "success",
    )
    return redirect(url_for("admin.clients"))
