"""Eligibility: one subject's verdict for an award and year, each condition with its reason
(nested ``any_of`` / ``all_of`` shown nested), the basis and the rule pack's version; and a
unit's (or a region's) candidates for an award, eligible first, from which the eligible ones
picked start a nomination file.

The awards offered are those of the pack in force for the year (``/award-types?year=``);
awards computes every verdict (``/eligibility``, ``/eligibility/candidates``, ``/quotas``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from web.api import ApiError, Invalid, client
from web.views import require_user
from web.views.awards import (
    PAGE_SIZE,
    awards_of_year,
    blueprint,
    files_nominations,
    leads_regions,
    own_units,
    page_number,
    pages_of,
    problem_text,
    text_of,
    this_year,
    unit_label,
    year_of,
)


def conditions(items: list[Mapping[str, Any]] | None, depth: int = 0) -> list[dict[str, Any]]:
    """A verdict's conditions with their reasons in the page's language, nested as given."""
    return [
        {
            "type": c.get("type") or "",
            "passed": bool(c.get("passed")),
            "reason": text_of(c.get("reason")),
            "depth": depth,
            "conditions": conditions(c.get("conditions"), depth + 1),
        }
        for c in items or []
    ]


def shaped(verdict: Mapping[str, Any]) -> dict[str, Any]:
    once = verdict.get("once_per_recipient")
    return {
        **verdict,
        "conditions": conditions(verdict.get("conditions")),
        "once": {"passed": bool(once.get("passed")), "reason": text_of(once.get("reason"))}
        if isinstance(once, Mapping)
        else None,
        "pack": verdict.get("rule_pack") or {},
    }


def _choices() -> tuple[int, list[dict[str, Any]], str]:
    year = year_of(request.args.get("year")) or this_year()
    awards = awards_of_year(year)
    award = (request.args.get("award") or "").strip()
    return year, awards, award


@blueprint.get("/eligibility")
def eligibility() -> tuple[str, int]:
    user = require_user()
    year, awards, award = _choices()
    subject = (request.args.get("subject") or "").strip()
    verdict, error, status = None, None, 200
    if award and subject and request.args.get("year"):
        try:
            reply = client().get(
                "/awards/eligibility", params={"award": award, "year": year, "subject": subject}
            )
            verdict = shaped(reply.data)
        except Invalid as invalid:
            error, status = problem_text(invalid), 422
        except ApiError as failure:
            if failure.status not in (404, 409):
                raise
            error, status = problem_text(failure), failure.status
    return render_template(
        "awards/eligibility.html",
        year=year,
        awards=awards,
        award=award,
        subject=subject or (user.unit_id if not award else ""),
        verdict=verdict,
        error=error,
    ), status


def _scope(user_units: list[str], regions: list[str]) -> tuple[str, str]:
    """``("unit" | "region", id)`` from the query, else the user's own unit or region."""
    region = (request.args.get("region") or "").strip()
    if region:
        return "region", region
    unit = (request.args.get("unit") or "").strip()
    if unit:
        return "unit", unit
    if user_units:
        return "unit", user_units[0]
    if regions:
        return "region", regions[0]
    return "unit", ""


@blueprint.get("/candidates")
def candidates() -> tuple[str, int]:
    user = require_user()
    year, awards, award = _choices()
    units, regions = own_units(user), sorted(leads_regions(user))
    kind, scope_id = _scope(units, regions)
    items: list[dict[str, Any]] = []
    total, pages, page, quota, error, status = 0, 1, page_number(), None, None, 200
    if award and scope_id and request.args.get("year"):
        params = {"award": award, "year": year, kind: scope_id}
        try:
            reply = (
                client()
                .get(
                    "/awards/eligibility/candidates",
                    params={**params, "page": page, "page_size": PAGE_SIZE},
                )
                .data
            )
            items = [shaped(v) for v in reply.get("items") or []]
            total, pages = reply.get("total", len(items)), pages_of(reply)
            quota = client().get("/awards/quotas", params=params).data
        except Invalid as invalid:
            error, status = problem_text(invalid), 422
        except ApiError as failure:
            if failure.status != 409:
                raise
            error, status = problem_text(failure), 409
    return render_template(
        "awards/candidates.html",
        year=year,
        awards=awards,
        award=award,
        award_info=next((a for a in awards if a.get("code") == award), None),
        kind=kind,
        scope_id=scope_id,
        scope_name=unit_label(scope_id, year) if kind == "unit" else scope_id,
        items=items,
        total=total,
        page=page,
        pages=pages,
        quota=quota,
        error=error,
        files=files_nominations(user),
        eligible_count=sum(1 for v in items if v.get("eligible")),
        hint=_("Tick the eligible candidates to put in a new nomination file."),
    ), status
