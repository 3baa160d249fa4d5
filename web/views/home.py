"""The home page (what is waiting for me) and my profile: every signed-in user's pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from web import data
from web.api import client
from web.session import User
from web.views import require_user, sheets

blueprint = Blueprint("home", __name__)


def _waiting(user: User) -> dict[str, Any]:
    """Open rounds with their deadlines, my unit's sheets (returned ones first, with the
    region's reason), the sheets waiting for my review (region lead) or appraisal (ministry),
    and the announcements."""
    open_rounds = [r for r in data.rounds() if r["phase"] in data.OPEN_PHASES]
    mine: list[dict[str, Any]] = []
    to_review: list[dict[str, Any]] = []
    regions = user.scope_ids("region_lead", "region")
    ministry = user.has_role("ministry_officer", "system_admin")
    for round_ in open_rounds:
        names = data.unit_names(data.year_end(round_["year"]))
        for sheet in data.sheets_of_round(round_["id"]):
            item = {**sheet, "round": round_, "unit_name": names.get(sheet["unit_id"], "")}
            if user.unit_id and sheet["unit_id"] == user.unit_id:
                mine.append(item)
            elif (
                round_["phase"] == "region_review"
                and sheet["status"] == "submitted"
                and sheet.get("region_id") in regions
            ) or (
                ministry
                and round_["phase"] == "appraisal"
                and sheet["status"] in ("submitted", "reviewed")
            ):
                to_review.append(item)
    mine.sort(key=lambda s: (s["status"] != "returned", s["round"]["year"]))
    returned = [
        {**s, "returned": sheets.return_reason(sheets.history(s["id"]))}
        for s in mine
        if s["status"] == "returned"
    ]
    return {
        "rounds": [{**r, "deadline": data.deadline(r)} for r in open_rounds],
        "mine": mine,
        "returned": returned,
        "to_review": data.sort_by_unit(to_review),
        "announcements": data.announcements(),
    }


@blueprint.get("/")
def home() -> str:
    user = require_user()
    return render_template("home.html", **_waiting(user))


@blueprint.get("/profile")
def profile() -> str:
    require_user()
    me = client().get("/identity/me").data
    return render_template("profile.html", me=me)
