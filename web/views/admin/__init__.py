"""The administrators' pages: users and their roles, the organisation on a date, emulation
regions per year, API clients and the audit log (``/admin/...``).

Who sees which page follows the platform's roles, for showing only: a system administrator
sees everything; a unit administrator its unit's users (identity answers 404 for anyone
else's, shown as the 404 page); a ministry officer reads users and keeps the regions; an
auditor reads users and the audit log, and is shown no button that writes. Identity decides
again on every call (docs/api.md, "Who may see what").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, render_template

from contracts.roles import ROLE_SCOPES
from web import labels
from web import session as web_session
from web.api import NotFound, client
from web.cache import TtlCache
from web.formatting import VIETNAM, sort_names
from web.session import User
from web.views import require_user

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50
UNITS = TtlCache(ttl=300, max_items=32)  # the organisation on a day: the same for everyone
SCORED_KINDS = ("so-tu-phap", "cuc-thads")  # the units that compete in a region

# The scope each role is granted in (identity refuses any other): one per role.
ROLE_SCOPE = {role: min(scopes) for role, scopes in ROLE_SCOPES.items()}
UNIT_ADMIN_GRANTABLE = ("unit_officer", "unit_admin")


# -- who is shown what -----------------------------------------------------------------------


def reads_users(user: User) -> bool:
    return user.has_role("system_admin", "unit_admin", "ministry_officer", "auditor")


def manages_users(user: User) -> bool:
    return user.has_role("system_admin", "unit_admin")


def manages_everyone(user: User) -> bool:
    return user.has_role("system_admin")


def manages_user(user: User, target: Mapping[str, Any]) -> bool:
    """Whether to show the write buttons for ``target`` (identity decides again)."""
    return manages_everyone(user) or target.get("unit_id") in user.scope_ids("unit_admin", "unit")


def manages_regions(user: User) -> bool:
    return user.has_role("system_admin", "ministry_officer")


def manages_clients(user: User) -> bool:
    return user.has_role("system_admin")


def reads_audit(user: User) -> bool:
    return user.has_role("system_admin", "auditor")


def administers(user: User) -> bool:
    """Whether the header shows "Administration" at all."""
    return reads_users(user) or manages_regions(user) or reads_audit(user)


def grantable_roles(user: User) -> tuple[str, ...]:
    return tuple(ROLE_SCOPE) if manages_everyone(user) else UNIT_ADMIN_GRANTABLE


# -- reads several admin pages share ---------------------------------------------------------


def today() -> date:
    """Today in Vietnam (the organisation's days are the sector's days)."""
    return datetime.now(VIETNAM).date()


def all_items(path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a paged list, page after page."""
    page = 1
    while True:
        reply = client().get(path, params={**(params or {}), "page": page, "page_size": 200}).data
        yield from reply["items"]
        if page * reply["page_size"] >= reply["total"] or not reply["items"]:
            return
        page += 1


def units_on(day: date | str) -> list[dict[str, Any]]:
    """Every unit in force on ``day``, in Vietnamese order of their names (cached 5 min)."""
    as_of = day if isinstance(day, str) else day.isoformat()
    return UNITS.get(
        as_of,
        lambda: sort_names(list(all_items("/identity/org/units", {"as_of": as_of})), key=name_of),
    )


def name_of(item: Mapping[str, Any]) -> str:
    return str(item.get("name") or "")


def unit_names_of_year(year: int) -> dict[str, str]:
    """Unit id → name for every unit in force on 1 January or 31 December of ``year`` (a
    merger year has both the old units and their successors)."""
    names = {u["id"]: u["name"] for u in units_on(f"{year}-01-01")}
    names.update({u["id"]: u["name"] for u in units_on(f"{year}-12-31")})
    return names


class People:
    """Users by id, fetched once per page (for the audit log's who and the roles' granters)."""

    def __init__(self) -> None:
        self._known: dict[str, dict[str, Any] | None] = {}

    def get(self, user_id: str | None) -> dict[str, Any] | None:
        if not user_id or ":" in user_id:  # "system:cli" and the like: no user's id
            return None
        if user_id not in self._known:
            try:
                self._known[user_id] = client().get(f"/identity/users/{user_id}").data
            except NotFound:
                self._known[user_id] = None  # a client, or nobody the caller may know
        return self._known[user_id]


def parse_day(text: str | None) -> date | None:
    """``YYYY-MM-DD`` (what ``<input type=date>`` sends), or None."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def next_day(day: date) -> date:
    return day + timedelta(days=1)


# -- what the section's templates use -------------------------------------------------------


def unit_options(units: list[dict[str, Any]]) -> list[Any]:
    """Choices for a <select> of units: grouped by kind when there are several kinds."""
    kinds = list(labels.ORG_KIND)
    if len({u.get("kind") for u in units}) <= 1:
        return [(u["id"], u["name"]) for u in units]
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        groups.setdefault(unit.get("kind") or "", []).append((unit["id"], unit["name"]))
    ordered = sorted(groups, key=lambda k: kinds.index(k) if k in kinds else len(kinds))
    return [
        {"label": labels.label(labels.ORG_KIND, kind), "options": groups[kind]} for kind in ordered
    ]


@blueprint.context_processor
def _section() -> dict[str, Any]:
    user = web_session.user()  # None on an error page of a session that ended
    if user is None:
        return {}
    return {
        "org_kind_label": lambda code: labels.label(labels.ORG_KIND, code),
        "action_label": lambda code: labels.label(labels.AUDIT_ACTION, code),
        "outcome_label": lambda code: labels.label(labels.AUDIT_OUTCOME, code),
        "options": unit_options,
        "role_options": lambda roles: [(r, labels.label(labels.ROLE, r)) for r in roles],
        "region_options": lambda regions: [
            (r["id"], f"{r['year']} — {r['name']}") for r in regions
        ],
        "section": {
            "users": reads_users(user),
            "regions": True,
            "clients": manages_clients(user),
            "audit": reads_audit(user),
        },
    }


# -- the section's home ----------------------------------------------------------------------


@blueprint.get("")
def index() -> str:
    user = require_user()
    return render_template(
        "admin/index.html",
        reads_users=reads_users(user),
        manages_users=manages_users(user),
        manages_regions=manages_regions(user),
        manages_clients=manages_clients(user),
        reads_audit=reads_audit(user),
    )


from web.views.admin import audit, clients, org, users  # noqa: E402, F401  (their routes)
