"""Emulation movements (phong trào thi đua): the list, a movement with its peak phases and its
participants, a new one (the Ministry), and its launch.

Launched movements are read by every signed-in user; drafts exist only for ministry officers
(``movement.manage``), who alone create and launch them: the platform answers 404 or 403 to
anyone else. The API is criteria's ``/criteria/movements`` (services/criteria/api/movements.py);
it checks the period, the phases inside it, the units in force and the table, and its 422
names each field, which the form shows next to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kit import dates
from web import data, labels
from web.api import ApiError, Invalid, client
from web.formatting import sort_names
from web.views import require_user
from web.views.tables import messages_of

blueprint = Blueprint("movements", __name__)
blueprint.context_processor(labels.for_templates)

MANAGERS = ("ministry_officer",)
KINDS = tuple(labels.MOVEMENT_KIND)
LEVELS = tuple(labels.LEVEL)
PHASE_ROWS = 3  # peak phases the form offers (đợt thi đua cao điểm)
PARTICIPANTS = {
    "": (),
    "so-tu-phap": ("so-tu-phap",),
    "cuc-thads": ("cuc-thads",),
    "both": ("so-tu-phap", "cuc-thads"),
}
FIELDS = (
    "title",
    "theme",
    "kind",
    "launching_level",
    "launching_unit_id",
    "starts_on",
    "ends_on",
    "phases",
    "participant_unit_ids",
    "table_id",
)


def _today() -> str:
    return dates.today().isoformat()


def _iso_day(text: str | None) -> str | None:
    text = (text or "").strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def units_of_kinds(kinds: tuple[str, ...], day: str) -> list[str]:
    """The ids of every unit of these kinds in force on ``day``."""
    found: list[str] = []
    for kind in kinds:
        page = 1
        while True:
            reply = (
                client()
                .get(
                    "/identity/org/units",
                    params={"as_of": day, "kind": kind, "page": page, "page_size": 200},
                )
                .data
            )
            found.extend(u["id"] for u in reply["items"])
            if page * reply["page_size"] >= reply["total"] or not reply["items"]:
                break
            page += 1
    return found


def _published_tables() -> list[dict[str, Any]]:
    items = (
        client()
        .get("/criteria/tables", params={"status": "published", "page_size": 200})
        .data["items"]
    )
    return items


def _launchers() -> list[tuple[str, str]]:
    """Every unit in force today, by name (the Ministry's departments, the provinces')."""
    names = data.unit_names(_today())
    return sort_names(list(names.items()), key=lambda item: item[1])


@blueprint.get("/movements")
def movements() -> str:
    user = require_user()
    params: dict[str, Any] = {"page_size": 200}
    year = (request.args.get("year") or "").strip()
    if year.isdigit() and 2000 <= int(year) <= 2100:
        params["year"] = int(year)
    items = client().get("/criteria/movements", params=params).data["items"]
    return render_template(
        "movements/list.html",
        items=items,
        year=params.get("year", ""),
        manager=user.has_role(*MANAGERS),
    )


def _form_page(values: dict[str, Any], errors: dict[str, str], status: int) -> tuple[str, int]:
    body = render_template(
        "movements/new.html",
        values=values,
        errors=errors,
        kinds=KINDS,
        levels=LEVELS,
        launchers=_launchers(),
        tables=_published_tables(),
        phase_rows=range(1, PHASE_ROWS + 1),
    )
    return body, status


@blueprint.get("/movements/new")
def new_movement() -> tuple[str, int]:
    user = require_user()
    year = dates.this_year()
    values = {
        "kind": "regular",
        "launching_level": "ministry",
        "launching_unit_id": user.unit_id or "",
        "starts_on": f"{year}-01-01",
        "ends_on": f"{year}-12-31",
        "participants": "both",
    }
    return _form_page(values, {}, 200)


def _read_form() -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's values as typed, the API's body, and the errors found before asking it."""
    form = request.form
    values = {name: (form.get(name) or "").strip() for name in FIELDS if name != "phases"}
    values["participants"] = form.get("participants") or ""
    errors: dict[str, str] = {}
    for name in ("title", "theme"):
        if not values[name]:
            errors[name] = _("Fill this in.")
    for name in ("starts_on", "ends_on"):
        if _iso_day(values[name]) is None:
            errors[name] = _("Enter a date.")
    phases = []
    for n in range(1, PHASE_ROWS + 1):
        name, first, last = (
            (form.get(f"phase-{n}-{part}") or "").strip() for part in ("name", "start", "end")
        )
        values[f"phase-{n}-name"], values[f"phase-{n}-start"], values[f"phase-{n}-end"] = (
            name,
            first,
            last,
        )
        if not (name or first or last):
            continue
        if not name or _iso_day(first) is None or _iso_day(last) is None:
            errors["phases"] = _("Give each peak phase a name, a first and a last day.")
            continue
        phases.append({"name": name, "starts_on": first, "ends_on": last})
    body: dict[str, Any] = {
        "title": values["title"],
        "theme": values["theme"],
        "kind": values["kind"],
        "launching_level": values["launching_level"],
        "launching_unit_id": values["launching_unit_id"],
        "starts_on": _iso_day(values["starts_on"]),
        "ends_on": _iso_day(values["ends_on"]),
        "phases": phases,
        "table_id": values["table_id"] or None,
    }
    return values, body, errors


@blueprint.post("/movements")
def create_movement() -> Response | tuple[str, int]:
    require_user()
    values, body, errors = _read_form()
    if errors:
        return _form_page(values, errors, 422)
    kinds = PARTICIPANTS.get(values["participants"], ())
    body["participant_unit_ids"] = units_of_kinds(kinds, body["starts_on"]) if kinds else []
    try:
        created = client().post("/criteria/movements", json=body).data
    except Invalid as invalid:
        found = invalid.errors
        errors = {
            name: " ".join(messages_of(Invalid(422, {"errors": found[name]})))
            for name in FIELDS
            if name in found
        }
        if "participant_unit_ids" in errors:
            errors["participants"] = errors.pop("participant_unit_ids")
        if not errors:
            errors["title"] = " ".join(messages_of(invalid))
        return _form_page(values, errors, 422)
    flash(_("The movement has been saved as a draft; launch it when it is ready."), "success")
    return redirect(url_for("movements.movement", movement_id=created["id"]))


@blueprint.get("/movements/<movement_id>")
def movement(movement_id: str) -> str:
    user = require_user()
    item = client().get(f"/criteria/movements/{movement_id}").data
    day = item.get("starts_on") or _today()
    names = data.unit_names(day)
    table = None
    if item.get("table_id"):
        try:
            table = client().get(f"/criteria/tables/{item['table_id']}").data
        except ApiError as error:
            if error.status not in (403, 404):
                raise
    return render_template(
        "movements/movement.html",
        movement=item,
        launcher=names.get(item.get("launching_unit_id"), item.get("launching_unit_id")),
        participants=sort_names([names.get(u, u) for u in item.get("participant_unit_ids", [])]),
        table=table,
        manager=user.has_role(*MANAGERS),
    )


@blueprint.post("/movements/<movement_id>/launch")
def launch(movement_id: str) -> Response:
    require_user()
    try:
        client().post(f"/criteria/movements/{movement_id}/launch")
    except Invalid as invalid:
        flash(
            _("The movement cannot be launched: %(why)s", why=" ".join(messages_of(invalid))),
            "error",
        )
        return redirect(url_for("movements.movement", movement_id=movement_id))
    except ApiError as error:
        if error.status != 409:
            raise
        flash(_("This movement has been launched already."), "warning")
        return redirect(url_for("movements.movement", movement_id=movement_id))
    flash(_("The movement has been launched: every unit can now read it."), "success")
    return redirect(url_for("movements.movement", movement_id=movement_id))
