"""The audit log (auditors and system administrators), newest first, filtered by who (a
username), the action, the outcome and a period of days in Vietnam's time (``from`` and
``to`` both included: identity's ``to`` is exclusive, so the day after is sent).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _

from web import labels
from web.api import client
from web.formatting import VIETNAM
from web.views import require_user
from web.views.admin import PAGE_SIZE, People, blueprint, next_day, parse_day

OUTCOMES = ("success", "failure", "denied")


def _instant(day: Any) -> str:
    return datetime.combine(day, time(0), VIETNAM).isoformat()


def _actor_id(username: str) -> str | None:
    """The id of the user with exactly this username (identity's search, then an exact
    match: usernames are stored lowercase)."""
    wanted = username.strip().lower()
    found = client().get("/identity/users", params={"q": wanted, "page_size": 50}).data
    return next((u["id"] for u in found["items"] if u["username"] == wanted), None)


@blueprint.get("/audit")
def audit() -> str:
    require_user()
    args = {
        k: (request.args.get(k) or "").strip() for k in ("who", "action", "outcome", "from", "to")
    }
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    errors: dict[str, str] = {}
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    if args["action"]:
        params["action"] = args["action"][:64]
    if args["outcome"] in OUTCOMES:
        params["outcome"] = args["outcome"]
    for name in ("from", "to"):
        if args[name] and parse_day(args[name]) is None:
            errors[name] = _("Enter a date as dd/mm/yyyy.")
    first, last = parse_day(args["from"]), parse_day(args["to"])
    if first and last and last < first:
        errors["to"] = _("The last day cannot be before the first.")
    if first:
        params["from"] = _instant(first)
    if last:
        params["to"] = _instant(next_day(last))
    if args["who"]:
        actor = _actor_id(args["who"])
        if actor is None:
            errors["who"] = _("No user has this username.")
        params["actor_id"] = actor
    if errors:
        listed = {"items": [], "total": 0}
    else:
        listed = client().get("/identity/audit", params=params).data
    people = People()
    entries = []
    for entry in listed["items"]:
        actor = people.get(entry.get("actor_id"))
        target = people.get(entry.get("target_id")) if entry.get("target_type") == "user" else None
        entries.append({**entry, "actor": actor, "target": target})
    return render_template(
        "admin/audit.html",
        args=args,
        errors=errors,
        entries=entries,
        total=listed["total"],
        page=page,
        pages=max(1, -(-listed["total"] // PAGE_SIZE)),
        actions=sorted(labels.AUDIT_ACTION, key=lambda code: str(labels.AUDIT_ACTION[code])),
        outcomes=OUTCOMES,
    )
