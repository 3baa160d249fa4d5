"""Users: the list with a search that ignores diacritics, creating one, a user's page with
its roles (granted in a scope for a period, withdrawn), deactivating, reactivating and
unlocking it, and the sign-ins blocked right now.

A unit administrator is shown its units' users only, and identity answers 404 for anyone
else's (the 404 page): the list and every page here are what the platform returns to the
signed-in user's token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.api import ApiError, Invalid, client
from web.views import require_user
from web.views.admin import (
    PAGE_SIZE,
    ROLE_SCOPE,
    People,
    blueprint,
    grantable_roles,
    manages_everyone,
    manages_user,
    manages_users,
    parse_day,
    today,
    units_on,
)
from web.views.admin.org import regions_of_years

USER_FIELDS = ("username", "full_name", "email", "unit_id", "password")
ROLE_FIELDS = ("role", "unit_id", "region_id", "valid_from", "valid_to")


def _first(messages: Any) -> str:
    """The first message of a field's list (or the text itself)."""
    if isinstance(messages, list | tuple):
        return str(messages[0]) if messages else ""
    return str(messages or "")


def role_state(grant: Mapping[str, Any]) -> str:
    """``withdrawn``, ``ended``, ``future`` or ``in_force`` today."""
    day = today().isoformat()
    if grant.get("revoked_at"):
        return "withdrawn"
    if grant.get("valid_to") and grant["valid_to"] < day:
        return "ended"
    if grant.get("valid_from") and grant["valid_from"] > day:
        return "future"
    return "in_force"


def live_roles(user: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The roles in force today or later (not withdrawn, not ended)."""
    return [g for g in user.get("roles", []) if role_state(g) in ("in_force", "future")]


def _unit_choices(admin: Any) -> list[dict[str, Any]]:
    """The units a user may be created in, or a role granted for: every unit in force today
    for a system administrator, the administrator's own units otherwise."""
    units = units_on(today())
    if manages_everyone(admin):
        return units
    own = admin.scope_ids("unit_admin", "unit")
    return [u for u in units if u["id"] in own]


def _scope_names(regions: list[dict[str, Any]]) -> dict[str, str]:
    names = {u["id"]: u["name"] for u in units_on(today())}
    names.update({r["id"]: f"{r['name']} ({r['year']})" for r in regions})
    return names


# -- the list --------------------------------------------------------------------------------


@blueprint.get("/users")
def users() -> str:
    admin = require_user()
    q = (request.args.get("q") or "").strip()[:100]
    unit_id = (request.args.get("unit") or "").strip()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    if q:
        params["q"] = q
    if unit_id:
        params["unit_id"] = unit_id
    listed = client().get("/identity/users", params=params).data
    names = {u["id"]: u["name"] for u in units_on(today())}
    lockouts: list[dict[str, Any]] = []
    if manages_users(admin):
        lockouts = client().get("/identity/lockouts", params={"page_size": 50}).data["items"]
    return render_template(
        "admin/users.html",
        items=[
            {**u, "unit_name": names.get(u["unit_id"], u["unit_id"]), "live": live_roles(u)}
            for u in listed["items"]
        ],
        total=listed["total"],
        page=page,
        pages=max(1, -(-listed["total"] // PAGE_SIZE)),
        q=q,
        unit_id=unit_id,
        units=units_on(today()) if manages_everyone(admin) or admin.national else [],
        lockouts=lockouts,
        manages=manages_users(admin),
        scope_names=names,
    )


# -- creating one ----------------------------------------------------------------------------


def _new_form(admin: Any, values: Mapping[str, str], errors: Mapping[str, str]) -> str:
    return render_template(
        "admin/user_new.html",
        values=values,
        errors=errors,
        units=_unit_choices(admin),
    )


@blueprint.get("/users/new")
def new_user() -> str:
    admin = require_user()
    units = _unit_choices(admin)
    return _new_form(admin, {"unit_id": units[0]["id"] if len(units) == 1 else ""}, {})


@blueprint.post("/users/new")
def create_user() -> Response | tuple[str, int]:
    admin = require_user()
    values = {name: (request.form.get(name) or "").strip() for name in USER_FIELDS}
    values["password"] = request.form.get("password") or ""
    errors: dict[str, str] = {}
    for name, message in (
        ("username", _("Enter a username.")),
        ("full_name", _("Enter the full name.")),
        ("unit_id", _("Choose the unit.")),
    ):
        if not values[name]:
            errors[name] = message
    if not errors:
        body = {
            "username": values["username"],
            "full_name": values["full_name"],
            "email": values["email"] or None,
            "unit_id": values["unit_id"],
            "password": values["password"] or None,
        }
        try:
            created = client().post("/identity/users", json=body).data
        except Invalid as invalid:
            errors = {k: _first(v) for k, v in invalid.errors.items() if k in USER_FIELDS}
            errors = errors or {"": invalid.detail or _("The user cannot be created.")}
        except ApiError as error:
            if error.status != 409:
                raise
            taken = error.body.get("errors") or {}
            errors = {"username": _first(taken.get("username"))} if taken else {"": error.detail}
        else:
            flash(
                _("%(name)s can now be given a role.", name=created["full_name"]),
                "success",
            )
            return redirect(url_for("admin.user", user_id=created["id"]))
    values["password"] = ""  # never sent back to the browser
    return _new_form(admin, values, errors), 422


# -- one user --------------------------------------------------------------------------------


def _user_page(
    user_id: str,
    role_values: Mapping[str, str] | None = None,
    role_errors: Mapping[str, str] | None = None,
) -> str:
    admin = require_user()
    user = client().get(f"/identity/users/{user_id}").data
    people = People()
    regions = regions_of_years(today().year, today().year + 1)
    scope_names = _scope_names(regions)
    scope_names.setdefault(user["unit_id"], user["unit_id"])
    roles = []
    for grant in sorted(
        user.get("roles", []),
        key=lambda g: (role_state(g) not in ("in_force", "future"), g.get("valid_from") or ""),
    ):
        roles.append(
            {
                **grant,
                "state": role_state(grant),
                "where": scope_names.get(grant.get("scope_id") or "", grant.get("scope_id")),
                "granted_by_name": _who(people, grant.get("granted_by")),
                "revoked_by_name": _who(people, grant.get("revoked_by")),
            }
        )
    defaults = {"valid_from": today().isoformat()}
    return render_template(
        "admin/user.html",
        user=user,
        unit_name=scope_names.get(user["unit_id"], user["unit_id"]),
        roles=roles,
        manages=manages_user(admin, user),
        is_me=user["id"] == admin.id,
        grantable=grantable_roles(admin),
        role_scope=ROLE_SCOPE,
        units=_unit_choices(admin),
        regions=regions,
        role_values=role_values or defaults,
        role_errors=role_errors or {},
    )


def _who(people: People, actor_id: str | None) -> str | None:
    """A granter's name: a user's full name, "the platform" for a command, else the id."""
    if actor_id and ":" in actor_id:
        return _("the platform")
    found = people.get(actor_id)
    return (found or {}).get("full_name") or actor_id


@blueprint.get("/users/<user_id>")
def user(user_id: str) -> str:
    require_user()
    return _user_page(user_id)


def _done(user_id: str, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("admin.user", user_id=user_id))


def _not_now(user_id: str, error: ApiError) -> Response:
    """A 409 (yourself, or the state does not allow it): said on the user's page."""
    if error.status != 409:
        raise error
    flash(error.detail or _("This cannot be done in the current state."), "error")
    return redirect(url_for("admin.user", user_id=user_id))


@blueprint.post("/users/<user_id>/deactivate")
def deactivate(user_id: str) -> Response:
    require_user()
    try:
        done = client().post(f"/identity/users/{user_id}/deactivate").data
    except ApiError as error:
        return _not_now(user_id, error)
    return _done(
        user_id,
        _("%(name)s can no longer sign in; their sessions have ended.", name=done["full_name"]),
    )


@blueprint.post("/users/<user_id>/reactivate")
def reactivate(user_id: str) -> Response:
    require_user()
    try:
        done = client().post(f"/identity/users/{user_id}/reactivate").data
    except ApiError as error:
        return _not_now(user_id, error)
    return _done(user_id, _("%(name)s can sign in again.", name=done["full_name"]))


@blueprint.post("/users/<user_id>/unlock")
def unlock(user_id: str) -> Response:
    require_user()
    try:
        done = client().post(f"/identity/users/{user_id}/unlock").data
    except ApiError as error:
        return _not_now(user_id, error)
    message = _("The failed sign-ins of %(name)s are cleared.", name=done["full_name"])
    if request.form.get("back") == "list":
        flash(message, "success")
        return redirect(url_for("admin.users"))
    return _done(user_id, message)


@blueprint.post("/users/<user_id>/roles")
def grant_role(user_id: str) -> Response | tuple[str, int]:
    require_user()
    values = {name: (request.form.get(name) or "").strip() for name in ROLE_FIELDS}
    errors: dict[str, str] = {}
    role = values["role"]
    scope = ROLE_SCOPE.get(role)
    scope_field = {"unit": "unit_id", "region": "region_id"}.get(scope or "")
    if scope is None:
        errors["role"] = _("Choose a role.")
    elif scope_field and not values[scope_field]:
        errors[scope_field] = (
            _("Choose the unit.") if scope == "unit" else _("Choose the emulation region.")
        )
    for name in ("valid_from", "valid_to"):
        if values[name] and parse_day(values[name]) is None:
            errors[name] = _("Enter a date as dd/mm/yyyy.")
    if not errors:
        body = {
            "role": role,
            "scope": scope,
            "scope_id": values[scope_field] if scope_field else None,
            "valid_from": values["valid_from"] or None,
            "valid_to": values["valid_to"] or None,
        }
        try:
            client().post(f"/identity/users/{user_id}/roles", json=body)
        except Invalid as invalid:
            for key, messages in invalid.errors.items():
                field = scope_field if key == "scope_id" and scope_field else key
                errors[field if field in ROLE_FIELDS else ""] = _first(messages)
        except ApiError as error:
            if error.status != 409:
                raise
            errors[""] = error.detail or _("This cannot be done in the current state.")
        else:
            return _done(user_id, _("The role has been granted."))
    return _user_page(user_id, values, errors), 422


@blueprint.post("/users/<user_id>/roles/<assignment_id>/revoke")
def revoke_role(user_id: str, assignment_id: str) -> Response:
    require_user()
    try:
        client().delete(f"/identity/users/{user_id}/roles/{assignment_id}")
    except ApiError as error:
        return _not_now(user_id, error)
    return _done(user_id, _("The role has been withdrawn."))
