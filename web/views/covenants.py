"""Region covenants (giao ước thi đua): the list by year, a covenant with its items, who has
signed and who has not, a new one (the Ministry or the region's lead), and signing it for
one's own unit.

Every signed-in user reads covenants. The Ministry and the lead of a region of that year
(``covenant.manage`` reaching the region) write them, one per region; an officer of each
member unit (``covenant.sign`` in the unit) signs once for it. The platform decides (403,
409); the pages offer the forms where the user's roles suggest they apply. The API is
criteria's ``/criteria/covenants`` (services/criteria/api/covenants.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kit import dates
from web import data, labels
from web.api import ApiError, Invalid, client
from web.formatting import sort_names
from web.session import User
from web.views import require_user
from web.views.tables import messages_of

blueprint = Blueprint("covenants", __name__)
blueprint.context_processor(labels.for_templates)

SIGNERS = ("unit_officer", "unit_admin")


def _year() -> int:
    text = (request.args.get("year") or request.form.get("year") or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return dates.this_year()


def regions_of(year: int) -> list[dict[str, Any]]:
    regions = client().get("/identity/regions", params={"year": year}).data
    return sort_names(list(regions), key=lambda r: r.get("name") or r["id"])


def writable_regions(user: User, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The regions whose covenant the user may write: all for the Ministry, a lead's own."""
    if user.has_role("ministry_officer"):
        return regions
    led = user.scope_ids("region_lead", "region")
    return [r for r in regions if r["id"] in led]


@blueprint.get("/covenants")
def covenants() -> str:
    user = require_user()
    year = _year()
    items = client().get("/criteria/covenants", params={"year": year, "page_size": 200}).data
    regions = regions_of(year)
    names = {r["id"]: r["name"] for r in regions}
    return render_template(
        "covenants/list.html",
        items=items["items"],
        year=year,
        region_names=names,
        can_write=bool(writable_regions(user, regions)),
    )


def _form(year: int, user: User, values: dict[str, str], errors: dict[str, str], status: int):
    regions = writable_regions(user, regions_of(year))
    body = render_template(
        "covenants/new.html", year=year, regions=regions, values=values, errors=errors
    )
    return body, status


@blueprint.get("/covenants/new")
def new_covenant() -> tuple[str, int]:
    user = require_user()
    return _form(_year(), user, {}, {}, 200)


def items_of(text: str) -> list[dict[str, str]]:
    """One commitment per non-empty line, numbered 1, 2, 3 …"""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [{"code": str(n), "content": line} for n, line in enumerate(lines, start=1)]


@blueprint.post("/covenants")
def create_covenant() -> Response | tuple[str, int]:
    user = require_user()
    year = _year()
    values = {
        "region_id": request.form.get("region_id") or "",
        "title": (request.form.get("title") or "").strip(),
        "items": request.form.get("items") or "",
    }
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = _("Fill this in.")
    items = items_of(values["items"])
    if not items:
        errors["items"] = _("Write at least one commitment, one per line.")
    if not values["region_id"]:
        errors["region_id"] = _("Choose the emulation region.")
    if errors:
        return _form(year, user, values, errors, 422)
    body = {"region_id": values["region_id"], "title": values["title"], "items": items}
    try:
        created = client().post("/criteria/covenants", json=body).data
    except Invalid as invalid:
        found = invalid.errors
        errors = {
            name: " ".join(messages_of(Invalid(422, {"errors": found[name]})))
            for name in ("region_id", "title", "items")
            if name in found
        }
        return _form(year, user, values, errors or {"title": " ".join(messages_of(invalid))}, 422)
    except ApiError as error:
        if error.status != 409:
            raise
        errors = {"region_id": _("This region has a covenant already.")}
        return _form(year, user, values, errors, 409)
    flash(_("The covenant has been saved; the member units can sign it."), "success")
    return redirect(url_for("covenants.covenant", covenant_id=created["id"]))


@blueprint.get("/covenants/<covenant_id>")
def covenant(covenant_id: str) -> str:
    user = require_user()
    item = client().get(f"/criteria/covenants/{covenant_id}").data
    names = data.unit_names(data.year_end(item["year"]))
    region = next((r for r in regions_of(item["year"]) if r["id"] == item["region_id"]), None)
    signatures = sorted(item.get("signatures", []), key=lambda s: s.get("signed_at") or "")
    unsigned = sort_names([names.get(u, u) for u in item.get("unsigned_unit_ids", [])])
    may_sign = user.unit_id in item.get("unsigned_unit_ids", []) and user.has_role(*SIGNERS)
    return render_template(
        "covenants/covenant.html",
        covenant=item,
        region_name=region["name"] if region else item["region_id"],
        signatures=[{**s, "unit_name": names.get(s["unit_id"], s["unit_id"])} for s in signatures],
        unsigned=unsigned,
        may_sign=may_sign,
        signer_name=user.full_name,
        unit_name=user.unit_name or "",
        errors={},
    )


@blueprint.post("/covenants/<covenant_id>/sign")
def sign(covenant_id: str) -> Response:
    require_user()
    body = {
        "signer_name": (request.form.get("signer_name") or "").strip(),
        "signer_title": (request.form.get("signer_title") or "").strip(),
    }
    if not body["signer_name"] or not body["signer_title"]:
        flash(_("Give the signer's name and title."), "error")
        return redirect(url_for("covenants.covenant", covenant_id=covenant_id))
    try:
        client().post(f"/criteria/covenants/{covenant_id}/signatures", json=body)
    except Invalid as invalid:
        flash(" ".join(messages_of(invalid)), "error")
        return redirect(url_for("covenants.covenant", covenant_id=covenant_id))
    except ApiError as error:
        if error.status == 409:
            flash(_("Your unit has signed this covenant already."), "warning")
        elif error.status == 403:
            flash(_("Your unit is not a member of this region: it cannot sign."), "error")
        else:
            raise
        return redirect(url_for("covenants.covenant", covenant_id=covenant_id))
    flash(_("Signed for your unit."), "success")
    return redirect(url_for("covenants.covenant", covenant_id=covenant_id))
