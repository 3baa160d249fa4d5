"""Region acclamation (suy tôn): the region lead opens a vote among the region's member units
for one candidate unit, each member unit's administrator votes for or against once, and the
lead closes it; the result (carried when more than half of the members voted for) goes with
the nomination. While it is open the ballot shows who has voted, never how.

Awards' ``/acclamations...`` (docs/awards.md, "Region acclamation").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from web import data
from web.api import ApiError, Invalid, client
from web.views import require_user
from web.views.awards import (
    PAGE_SIZE,
    awards_of_year,
    blueprint,
    error_rows,
    leads_regions,
    page_number,
    pages_of,
    problem_text,
    this_year,
    unit_label,
    votes_for,
    year_of,
)

FIELDS = ("region", "year", "award", "candidate_unit", "nomination_id")


def _region_names(year: int) -> dict[str, str]:
    try:
        return data.region_names(year)
    except ApiError:
        return {}


def _shaped(item: Mapping[str, Any]) -> dict[str, Any]:
    year = item.get("year") or this_year()
    region = item.get("region_id") or item.get("region") or ""
    candidate = item.get("candidate_unit_id") or item.get("candidate_unit") or ""
    return {
        **item,
        "id": item.get("acclamation_id") or item.get("id"),
        "region": region,
        "region_name": _region_names(year).get(region, region),
        "award": item.get("award") or item.get("award_code") or "",
        "candidate": candidate,
        "candidate_name": unit_label(candidate, year),
    }


@blueprint.get("/acclamations")
def acclamations() -> str:
    user = require_user()
    filters: dict[str, Any] = {}
    region = (request.args.get("region") or "").strip()
    if region:
        filters["region"] = region
    year = year_of(request.args.get("year"))
    if year:
        filters["year"] = year
    page = page_number()
    reply = (
        client()
        .get("/awards/acclamations", params={**filters, "page": page, "page_size": PAGE_SIZE})
        .data
    )
    items = [_shaped(item) for item in reply.get("items") or []]
    return render_template(
        "awards/acclamations.html",
        items=items,
        total=reply.get("total", len(items)),
        page=page,
        pages=pages_of(reply),
        filters=filters,
        leads=sorted(leads_regions(user)),
    )


def _members(region: str, year: int) -> list[dict[str, str]]:
    """The region's member units (the candidates a lead may put forward)."""
    try:
        regions = client().get("/identity/regions", params={"year": year}).data
    except ApiError:
        return []
    names = data.unit_names(data.year_end(year))
    for item in regions:
        if item.get("id") == region:
            lead = item.get("lead_unit_id")
            ids = sorted(item.get("member_ids") or [], key=lambda i: (i != lead, names.get(i, i)))
            return [{"id": i, "name": names.get(i, i)} for i in ids]
    return []


def _new_page(values: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    user = require_user()
    regions = sorted(leads_regions(user))
    if not values.get("region") and regions:
        values["region"] = regions[0]
    year = values["year"]
    return render_template(
        "awards/acclamation_new.html",
        values=values,
        regions=[{"id": r, "name": _region_names(year).get(r, r)} for r in regions],
        awards=[a for a in awards_of_year(year) if a.get("recipient") == "collective"],
        members=_members(values.get("region") or "", year),
        field_errors=context.get("field_errors", {}),
        message=context.get("message"),
    ), status


def _values() -> dict[str, Any]:
    source = request.form if request.method == "POST" else request.args
    return {
        "region": (source.get("region") or "").strip(),
        "year": year_of(source.get("year")) or this_year(),
        "award": (source.get("award") or "").strip(),
        "candidate_unit": (source.get("candidate_unit") or "").strip(),
        "nomination_id": (source.get("nomination_id") or "").strip(),
    }


@blueprint.get("/acclamations/new")
def new_acclamation() -> tuple[str, int]:
    require_user()
    return _new_page(_values())


@blueprint.post("/acclamations/new")
def open_acclamation() -> Response | tuple[str, int]:
    require_user()
    values = _values()
    field_errors = {}
    if not values["award"]:
        field_errors["award"] = _("Choose the award.")
    if not values["candidate_unit"]:
        field_errors["candidate_unit"] = _("Choose the unit put forward.")
    if field_errors:
        return _new_page(values, 422, field_errors=field_errors)
    body = {k: values[k] for k in FIELDS if values[k]}
    try:
        created = client().post("/awards/acclamations", json=body).data
    except Invalid as invalid:
        for row in error_rows(invalid.body):
            name = (row["field"] or row["pointer"].lstrip("/")).split("/")[0]
            field_errors[name if name in FIELDS else ""] = row["message"]
        return _new_page(values, 422, field_errors=field_errors, message=invalid.detail)
    except ApiError as error:
        if error.status not in (403, 409):
            raise
        return _new_page(values, error.status, message=problem_text(error))
    flash(_("The vote is open: the region's member units can cast their votes."), "success")
    acclamation_id = created.get("acclamation_id") or created.get("id")
    return redirect(url_for("awards.acclamation", acclamation_id=acclamation_id))


def _ballot(acclamation_id: str, status: int = 200, notice: str | None = None) -> tuple[str, int]:
    user = require_user()
    item = _shaped(client().get(f"/awards/acclamations/{acclamation_id}").data)
    year = item.get("year") or this_year()
    names = data.unit_names(data.year_end(year))
    voted = set(item.get("voted") or [])
    members = [
        {"id": u, "name": names.get(u, u), "voted": u in voted} for u in item.get("voters") or []
    ]
    mine = sorted(votes_for(user) & {m["id"] for m in members})
    return render_template(
        "awards/acclamation.html",
        item=item,
        members=members,
        voted_count=sum(1 for m in members if m["voted"]),
        result=item.get("result") if isinstance(item.get("result"), Mapping) else None,
        is_open=item.get("state") == "open",
        leads=item["region"] in leads_regions(user),
        my_units=[m for m in members if m["id"] in mine],
        notice=notice,
    ), status


@blueprint.get("/acclamations/<acclamation_id>")
def acclamation(acclamation_id: str) -> tuple[str, int]:
    return _ballot(acclamation_id)


@blueprint.post("/acclamations/<acclamation_id>/votes")
def vote(acclamation_id: str) -> Response | tuple[str, int]:
    require_user()
    choice = request.form.get("in_favour")
    if choice not in ("true", "false"):
        return _ballot(acclamation_id, 422, _("Choose for or against before casting the vote."))
    try:
        client().post(
            f"/awards/acclamations/{acclamation_id}/votes", json={"in_favour": choice == "true"}
        )
    except ApiError as error:
        if error.status not in (403, 409, 422):
            raise
        return _ballot(acclamation_id, error.status, problem_text(error))
    flash(_("Your unit's vote has been cast."), "success")
    return redirect(url_for("awards.acclamation", acclamation_id=acclamation_id))


@blueprint.post("/acclamations/<acclamation_id>/close")
def close(acclamation_id: str) -> Response | tuple[str, int]:
    require_user()
    try:
        client().post(f"/awards/acclamations/{acclamation_id}/close", json={})
    except ApiError as error:
        if error.status not in (403, 409, 412):
            raise
        return _ballot(acclamation_id, error.status, problem_text(error))
    flash(_("The vote is closed."), "success")
    return redirect(url_for("awards.acclamation", acclamation_id=acclamation_id))
