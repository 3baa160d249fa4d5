"""The organisation as it stood on a chosen day (the 2025 mergers: 63 provinces' units before
1 July 2025, 34 after, each merged unit with its successor), and the emulation regions of each
year with their members, lead and deputies, which ministry officers and system
administrators edit as one whole (identity's ``PUT /regions/<year>/<code>``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web.api import ApiError, Invalid, client
from web.formatting import sort_names
from web.views import require_user
from web.views.admin import (
    SCORED_KINDS,
    blueprint,
    manages_regions,
    name_of,
    parse_day,
    today,
    unit_names_of_year,
    units_on,
)

MERGER_DAY = date(2025, 7, 1)  # Resolution 202/2025/QH15: the new provinces from this day
GROUPED_AT = 6  # a node's children of one kind, this many or more, fold under one summary
KIND_ORDER = (
    "ministry",
    "department",
    "general-department",
    "so-tu-phap",
    "cuc-thads",
    "phong-tu-phap",
    "chi-cuc-thads",
)


# -- the organisation on a day ---------------------------------------------------------------


def _walk(nodes: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for node in nodes:
        yield node
        yield from _walk(node.get("children", []))


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _shape(
    node: Mapping[str, Any], formed_from: Mapping[str, list[str]], successors: Mapping[str, str]
) -> dict[str, Any]:
    """A node for the template: its children grouped by kind, in Vietnamese order, what it
    was formed from and what it is merged into."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for child in node.get("children", []):
        groups.setdefault(child["kind"], []).append(_shape(child, formed_from, successors))
    merged = None
    if node.get("successor_id") and node.get("valid_to"):
        merged = {
            "into": successors.get(node["successor_id"], node["successor_id"]),
            "from": date.fromisoformat(node["valid_to"]) + timedelta(days=1),
        }
    return {
        **{k: v for k, v in node.items() if k != "children"},
        "formed_from": sort_names(formed_from.get(node["id"], [])),
        "merged": merged,
        "groups": [
            {
                "kind": kind,
                "units": sort_names(units, key=name_of),
                "fold": len(units) >= GROUPED_AT,
            }
            for kind, units in sorted(groups.items(), key=lambda g: _kind_rank(g[0]))
        ],
    }


def _predecessors(units: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Successor id → names of the units merged into it, for units that began by a merger."""
    formed: dict[str, list[str]] = {}
    for began in sorted({u["valid_from"] for u in units if u.get("valid_from")}):
        eve = date.fromisoformat(began) - timedelta(days=1)
        for old in units_on(eve):
            if old.get("successor_id") and old.get("valid_to") == eve.isoformat():
                formed.setdefault(old["successor_id"], []).append(old["name"])
    return formed


@blueprint.get("/org")
def org_tree() -> str:
    require_user()
    asked = request.args.get("as_of")
    day = parse_day(asked) or today()
    error = _("Enter a date as dd/mm/yyyy.") if asked and parse_day(asked) is None else None
    tree = client().get("/identity/org/tree", params={"as_of": day.isoformat()}).data
    flat = list(_walk(tree))
    counts = Counter(node["kind"] for node in flat)
    successor_names: dict[str, str] = {}
    for node in flat:
        if node.get("successor_id") and node.get("valid_to"):
            after = date.fromisoformat(node["valid_to"]) + timedelta(days=1)
            names = {u["id"]: u["name"] for u in units_on(after)}
            successor_names[node["successor_id"]] = names.get(
                node["successor_id"], node["successor_id"]
            )
    formed_from = _predecessors(flat)
    return render_template(
        "admin/org.html",
        day=day,
        asked=asked or day.isoformat(),
        error=error,
        roots=[_shape(node, formed_from, successor_names) for node in tree],
        counts=sorted(counts.items(), key=lambda c: _kind_rank(c[0])),
        total=len(flat),
        merger_day=MERGER_DAY,
        eve_of_merger=MERGER_DAY - timedelta(days=1),
    )


# -- emulation regions -----------------------------------------------------------------------


def regions_of_years(*years: int) -> list[dict[str, Any]]:
    """The regions of these years (for choosing a region lead's region)."""
    found: list[dict[str, Any]] = []
    for year in years:
        found.extend(client().get("/identity/regions", params={"year": year}).data)
    return found


def _years() -> list[int]:
    """The years that have regions, newest first."""
    return sorted({r["year"] for r in client().get("/identity/regions").data}, reverse=True)


@blueprint.get("/regions")
def regions() -> str:
    user = require_user()
    years = _years()
    year = request.args.get("year", type=int) or (
        today().year if today().year in years else (years[0] if years else today().year)
    )
    listed = client().get("/identity/regions", params={"year": year}).data
    names = unit_names_of_year(year)
    return render_template(
        "admin/regions.html",
        year=year,
        years=years,
        regions=[
            {
                **r,
                "lead_name": names.get(r.get("lead_unit_id") or "", r.get("lead_unit_id")),
                "deputy_names": [names.get(d, d) for d in r.get("deputy_unit_ids", [])],
            }
            for r in listed
        ],
        manages=manages_regions(user),
    )


def _members(region: Mapping[str, Any]) -> list[dict[str, Any]]:
    names = unit_names_of_year(region["year"])
    deputies = set(region.get("deputy_unit_ids", []))
    members = [
        {
            "id": unit_id,
            "name": names.get(unit_id, unit_id),
            "lead": unit_id == region.get("lead_unit_id"),
            "deputy": unit_id in deputies,
        }
        for unit_id in region.get("member_ids", [])
    ]
    return sorted(sort_names(members, key=name_of), key=lambda m: (not m["lead"], not m["deputy"]))


@blueprint.get("/regions/<region_id>")
def region(region_id: str) -> str:
    user = require_user()
    found = client().get(f"/identity/regions/{region_id}").data
    return render_template(
        "admin/region.html",
        region=found,
        members=_members(found),
        manages=manages_regions(user),
    )


def _candidates(region: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The region's members and every scored unit of the year that is in no region yet."""
    year = region["year"]
    taken = {
        unit_id
        for other in client().get("/identity/regions", params={"year": year}).data
        if other["id"] != region["id"]
        for unit_id in other.get("member_ids", [])
    }
    units: dict[str, dict[str, Any]] = {}
    for day in (f"{year}-01-01", f"{year}-12-31"):
        for unit in units_on(day):
            if unit["kind"] in SCORED_KINDS and unit["id"] not in taken:
                units.setdefault(unit["id"], unit)
    for unit_id in region.get("member_ids", []):
        units.setdefault(unit_id, {"id": unit_id, "name": unit_id, "kind": ""})
    return sort_names(list(units.values()), key=name_of)


def _edit_page(region: Mapping[str, Any], values: Mapping[str, Any], errors: Mapping[str, str]):
    return render_template(
        "admin/region_edit.html",
        region=region,
        candidates=_candidates(region),
        values=values,
        errors=errors,
    )


@blueprint.get("/regions/<region_id>/edit")
def edit_region(region_id: str) -> str:
    user = require_user()
    if not manages_regions(user):
        abort(404)
    found = client().get(f"/identity/regions/{region_id}").data
    values = {
        "name": found["name"],
        "member_ids": set(found.get("member_ids", [])),
        "lead_unit_id": found.get("lead_unit_id") or "",
        "deputy_unit_ids": set(found.get("deputy_unit_ids", [])),
    }
    return _edit_page(found, values, {})


@blueprint.post("/regions/<region_id>/edit")
def save_region(region_id: str) -> Response | tuple[str, int]:
    require_user()
    found = client().get(f"/identity/regions/{region_id}").data
    members = request.form.getlist("member_ids")
    values = {
        "name": (request.form.get("name") or "").strip(),
        "member_ids": set(members),
        "lead_unit_id": (request.form.get("lead_unit_id") or "").strip(),
        "deputy_unit_ids": set(request.form.getlist("deputy_unit_ids")),
    }
    body = {
        "name": values["name"],
        "member_ids": members,
        "lead_unit_id": values["lead_unit_id"] or None,
        "deputy_unit_ids": sorted(values["deputy_unit_ids"]),
    }
    try:
        client().put(f"/identity/regions/{found['year']}/{found['code']}", json=body)
    except Invalid as invalid:
        errors = {
            key: " ".join(str(m) for m in messages) if isinstance(messages, list) else str(messages)
            for key, messages in invalid.errors.items()
        }
        return _edit_page(found, values, errors or {"": invalid.detail or ""}), 422
    except ApiError as error:
        if error.status != 409:
            raise
        return _edit_page(found, values, {"": error.detail or ""}), 409
    flash(_("The region has been saved."), "success")
    return redirect(url_for("admin.region", region_id=region_id))
