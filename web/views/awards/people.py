"""Profiles: a person's record as the registry holds it (details, positions, assessments by
year, discipline, initiatives, the awards held with the revoked ones marked, and a timeline of
the awards by year drawn as SVG), and a unit's (members, the awards it holds, its published
scoring results by year). Awards' ``/people/{staff_code}`` and ``/units/{unit_id}``; another
unit's person is awards' 404, shown as the 404 page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from web.api import client
from web.views import require_user
from web.views.awards import blueprint, this_year, unit_label

TIMELINE_ROW = 34  # px per year in the timeline's SVG
CHIP_WIDTH = 23  # per cent of the width per award in a year


def held(profile: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The awards held, newest first, whatever the answer calls the code."""
    items = [
        {**a, "award": a.get("award") or a.get("award_code") or ""}
        for a in profile.get("awards") or profile.get("achievements") or []
    ]
    items.sort(key=lambda a: (-(a.get("year") or 0), a["award"]))
    return items


def timeline(profile: Mapping[str, Any], awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per year from the first award to the last: the awards of that year (revoked
    ones marked), laid out as chips across the chart's width."""
    by_year: dict[int, list[dict[str, Any]]] = {}
    given = profile.get("timeline")
    if isinstance(given, Mapping):
        for year, entries in given.items():
            by_year[int(year)] = [_entry(e) for e in entries or []]
    elif isinstance(given, list) and given:
        for row in given:
            by_year[int(row["year"])] = [_entry(e) for e in row.get("awards") or []]
    else:
        for award in awards:
            by_year.setdefault(int(award["year"]), []).append(_entry(award))
    if not by_year:
        return []
    rows = []
    for index, year in enumerate(range(max(by_year), min(by_year) - 1, -1)):
        entries = sorted(by_year.get(year, []), key=lambda e: e["award"])
        rows.append(
            {
                "year": year,
                "y": index * TIMELINE_ROW,
                "awards": [
                    {**e, "x": 14 + i * CHIP_WIDTH, "width": CHIP_WIDTH - 2}
                    for i, e in enumerate(entries[:3])
                ],
                "more": max(0, len(entries) - 3),
                "all": entries,
            }
        )
    return rows


def _entry(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"award": value, "revoked": False}
    return {
        "award": value.get("award") or value.get("award_code") or value.get("code") or "",
        "revoked": bool(value.get("revoked")),
    }


def timeline_text(rows: list[dict[str, Any]]) -> str:
    """The timeline in words, for the SVG's description."""
    parts = []
    for row in rows:
        names = [
            e["award"] + (f" ({_('revoked')})" if e["revoked"] else "") for e in row["all"]
        ] or [_("none")]
        parts.append(f"{row['year']}: {', '.join(names)}")
    return "; ".join(parts) + "."


@blueprint.get("/people/<staff_code>")
def person(staff_code: str) -> str:
    require_user()
    profile = client().get(f"/awards/people/{staff_code}").data
    awards = held(profile)
    rows = timeline(profile, awards)
    assessments = sorted(
        (profile.get("assessments") or {}).items(), key=lambda kv: kv[0], reverse=True
    )
    months = profile.get("service_months") or {}
    return render_template(
        "awards/person.html",
        person=profile,
        staff_code=profile.get("staff_code") or profile.get("id") or staff_code,
        unit_name=unit_label(profile.get("unit_id")),
        awards=awards,
        timeline=rows,
        timeline_height=len(rows) * TIMELINE_ROW + 4,
        timeline_desc=timeline_text(rows) if rows else "",
        assessments=[{"year": y, "value": v, "months": months.get(y)} for y, v in assessments],
        year=this_year() - 1,
    )


@blueprint.get("/units/<unit_id>")
def unit(unit_id: str) -> str:
    require_user()
    profile = client().get(f"/awards/units/{unit_id}").data
    members = profile.get("members") or []
    results = sorted(
        profile.get("results") or profile.get("scoring_results") or [],
        key=lambda r: -(r.get("year") or 0),
    )
    return render_template(
        "awards/unit.html",
        unit=profile,
        unit_id=unit_id,
        unit_name=profile.get("name") or unit_label(unit_id),
        members=members,
        member_count=profile.get("member_count", len(members)),
        awards=held(profile),
        results=results,
        year=this_year() - 1,
    )
