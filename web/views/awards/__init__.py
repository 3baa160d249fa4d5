"""The awards pages (khen thưởng): the registry of people and the awards they hold, their
profiles, eligibility with every condition's reason, a unit's candidates, nomination files,
the region acclamation (suy tôn) and the rule packs (``/awards/...``).

One blueprint, one module per area (registry, people, eligibility, nominations,
acclamations, rules); this module keeps what they share: the hub, which roles are shown which
forms (awards decides again on every call: docs/awards.md), and the readers of the answers'
shapes (a verdict's reasons, a 422's errors by JSON pointer or Excel cell).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from web import data, labels
from web import session as web_session
from web.api import ApiError, client
from web.formatting import VIETNAM
from web.session import User
from web.views import require_user

blueprint = Blueprint("awards", __name__, url_prefix="/awards")
blueprint.context_processor(labels.for_templates)
blueprint.context_processor(labels.for_awards)
blueprint.context_processor(labels.for_notifications)
blueprint.context_processor(labels.for_councils)

PAGE_SIZE = 50
YEARS = range(2000, 2101)
UNIT_ROLES = ("unit_admin", "unit_officer")
# An Excel address as awards writes one: 'Cán bộ'!C5, 'Cán bộ'!C, 'Cán bộ' (or Sheet!C5).
CELL = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!]+)(?=!))"
    r"(?:!\$?(?P<col>[A-Z]+)\$?(?P<row>\d+)?)?$"
)


# -- who is shown what (the platform decides again) ---------------------------------------


def edits_registry(user: User) -> bool:
    return user.has_role("unit_admin", "ministry_officer", "system_admin")


def files_nominations(user: User) -> bool:
    return user.has_role(*UNIT_ROLES, "region_lead", "system_admin")


def decides_nominations(user: User) -> bool:
    return user.has_role("ministry_officer", "system_admin")


def manages_rules(user: User) -> bool:
    return user.has_role("ministry_officer", "system_admin")


def leads_regions(user: User) -> set[str]:
    return user.scope_ids("region_lead", "region")


def votes_for(user: User) -> set[str]:
    return user.scope_ids("unit_admin", "unit")


def own_units(user: User) -> list[str]:
    """The units whose files and people the user's unit roles reach, their own unit first."""
    units = sorted(user.scope_ids("unit_admin", "unit") | user.scope_ids("unit_officer", "unit"))
    if user.unit_id in units:
        units.remove(user.unit_id)
        units.insert(0, user.unit_id)
    return units


def reads_acclamations(user: User) -> bool:
    return user.has_role(
        "ministry_officer", "region_lead", "unit_admin", "unit_officer", "auditor", "system_admin"
    )


# -- reading what people type -------------------------------------------------------------


def year_of(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and int(text) in YEARS else None


def this_year() -> int:
    return datetime.now(VIETNAM).year


def page_number() -> int:
    text = (request.args.get("page") or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 1_000_000 else 1


def pages_of(reply: Mapping[str, Any]) -> int:
    size = int(reply.get("page_size") or PAGE_SIZE)
    return max(1, -(-int(reply.get("total") or 0) // size))


def everything(path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated list (a unit's members, the packs)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = client().get(path, params={**params, "page": page, "page_size": 200}).data
        found = reply.get("items") or []
        items.extend(found)
        if not found or page * int(reply.get("page_size") or 200) >= int(reply.get("total") or 0):
            return items
        page += 1


# -- the answers' shapes -------------------------------------------------------------------


def text_of(value: Any) -> str:
    """A message of the API: a string, a ``{vi, en}`` pair, or a list of them."""
    language = web_session.language()
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in (language, "vi", "en", "message", "detail"):
            if value.get(key):
                return text_of(value[key])
        return ""
    if isinstance(value, list | tuple):
        return " ".join(t for t in (text_of(v) for v in value) if t)
    return str(value)


def error_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A 422's errors, one row each: ``sheet``, ``row``, ``column`` for a workbook's cell,
    ``pointer`` for a JSON document's place, ``field`` otherwise, and the ``message``.

    A workbook's import lists them in ``excel_errors`` (``{sheet, row, column, pointer,
    message}``); otherwise ``errors`` maps a JSON pointer, an Excel address (``'Cán bộ'!C5``)
    or a field to its messages (or is a list of ``{pointer, message}``)."""
    listed = body.get("excel_errors")
    errors = body.get("errors")
    if not listed and isinstance(errors, list):
        listed = errors
    if listed:
        return [_listed(item) for item in listed]
    rows: list[dict[str, Any]] = []
    if isinstance(errors, Mapping):
        for key, messages in errors.items():
            message = text_of(messages)
            cell = CELL.match(str(key))
            if cell:
                sheet = cell["quoted"].replace("''", "'") if cell["quoted"] else cell["plain"]
                row = int(cell["row"]) if cell["row"] else None
                rows.append(_row(sheet=sheet, row=row, column=cell["col"] or "", message=message))
            elif str(key).startswith("/") or key == "":
                rows.append(_row(pointer=str(key) or "/", message=message))
            else:
                rows.append(_row(field=str(key), message=message))
    return rows


def _listed(item: Any) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        return _row(message=text_of(item))
    return _row(
        sheet=item.get("sheet") or "",
        row=item.get("row"),
        column=item.get("column") or "",
        pointer=item.get("pointer") or "",
        field=item.get("field") or "",
        message=text_of(item.get("message") or item.get("messages") or item),
    )


def _row(**values: Any) -> dict[str, Any]:
    return {"sheet": "", "row": None, "column": "", "pointer": "", "field": "", **values}


def problem_text(error: ApiError) -> str:
    """What a refusal says: its ``detail``, and the reasons it lists (a 409's ``reasons``)."""
    parts = [error.detail or ""]
    for key in ("reasons", "problems"):
        parts.extend(text_of(r) for r in error.body.get(key) or [])
    return " ".join(p for p in parts if p) or _("The request could not be carried out.")


def awards_of_year(year: int) -> list[dict[str, Any]]:
    """The awards of the pack in force for ``year`` (empty when none is in force)."""
    try:
        reply = client().get("/awards/award-types", params={"year": year}).data
    except ApiError as error:
        if error.status != 409:
            raise
        return []
    items = reply.get("items") if isinstance(reply, Mapping) else reply
    return list(items or [])


def unit_label(unit_id: str | None, year: int | None = None) -> str:
    """A unit's name as it stood at the end of ``year`` (this year by default)."""
    if not unit_id:
        return ""
    try:
        return data.unit_name(unit_id, data.year_end(year or this_year()))
    except ApiError:
        return unit_id


# -- the hub -------------------------------------------------------------------------------


@blueprint.get("")
@blueprint.get("/")
def hub() -> str:
    user = require_user()
    return render_template(
        "awards/hub.html",
        edits_registry=edits_registry(user),
        files_nominations=files_nominations(user),
        decides=decides_nominations(user),
        manages_rules=manages_rules(user),
        leads=sorted(leads_regions(user)),
        votes=bool(votes_for(user)),
        reads_acclamations=reads_acclamations(user),
        units=own_units(user),
        year=this_year(),
    )


from web.views.awards import (  # noqa: E402  (the areas add their routes to the blueprint)
    acclamations,
    calendar,
    councils,
    decisions,
    eligibility,
    nominations,
    people,
    public,
    registry,
    reports,
    rules,
)

__all__ = [
    "acclamations",
    "blueprint",
    "calendar",
    "councils",
    "decisions",
    "eligibility",
    "nominations",
    "people",
    "public",
    "registry",
    "reports",
    "rules",
]
