"""Who may do what to which object: the platform's one authorisation policy.

A caller's grants come from its verified token (kit.auth.Principal). Each role allows a set of
actions; each grant reaches objects through its scope:

- ``national``: every object;
- ``unit``: objects owned by that unit (``Target.unit_id``);
- ``region``: objects owned by a unit of that region (``Target.region_ids``).

Services describe an object as a ``Target`` and ask ``require(principal, action, target)``.
An object the caller may not even know exists is answered 404, not 403 (OWASP API1:2023):
cross-tenant probing then learns nothing. 403 is for objects the caller can see but not change.

API clients (``kind == "client"``) hold OAuth scopes rather than roles, and a scope names a
service: ``<service>:read`` for GET/HEAD/OPTIONS, ``<service>:write`` for every method.
``missing_scope`` is that rule, applied by the gateway and again by every service (kit.app),
so a client that reaches a service directly gets no more than through the gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import Response

from kit.auth import Grant, Principal
from kit.problems import Problem, problem_response

ROLES = (
    "system_admin",
    "ministry_officer",
    "region_lead",
    "unit_admin",
    "unit_officer",
    "council_member",
    "auditor",
)

# Which scope a role is granted in; a grant in any other scope is refused.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "system_admin": frozenset({"national"}),
    "ministry_officer": frozenset({"national"}),
    "region_lead": frozenset({"region"}),
    "unit_admin": frozenset({"unit"}),
    "unit_officer": frozenset({"unit"}),
    "council_member": frozenset({"national"}),
    "auditor": frozenset({"national"}),
}

EVERYTHING = "*"

# Actions by role. "read" actions of the auditor are its whole world: it changes nothing.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "system_admin": frozenset({EVERYTHING}),
    "ministry_officer": frozenset(
        {
            "announcement.publish",
            "org.read",
            "org.manage",
            "region.read",
            "region.manage",
            "user.read",
            "criteria.manage",
            "movement.manage",
            "covenant.manage",
            "round.manage",
            "sheet.read",
            "sheet.appraise",
        }
    ),
    "region_lead": frozenset(
        {"org.read", "region.read", "covenant.manage", "sheet.read", "sheet.review"}
    ),
    "unit_admin": frozenset(
        {
            "org.read",
            "region.read",
            "user.read",
            "user.manage",
            "covenant.sign",
            "sheet.read",
            "sheet.self_assess",
        }
    ),
    "unit_officer": frozenset(
        {"org.read", "region.read", "covenant.sign", "sheet.read", "sheet.self_assess"}
    ),
    "council_member": frozenset({"org.read", "region.read"}),
    "auditor": frozenset({"org.read", "region.read", "user.read", "audit.read", "sheet.read"}),
}

# Roles a unit admin may hand out, and only within its own unit.
UNIT_ADMIN_GRANTABLE = frozenset({"unit_officer", "unit_admin"})


@dataclass(frozen=True)
class Target:
    """The object an action is about: which unit owns it, and that unit's regions."""

    unit_id: str | None = None
    region_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of_unit(cls, unit_id: str, region_ids: Iterable[str] = ()) -> Target:
        return cls(unit_id=unit_id, region_ids=frozenset(region_ids))


NATIONAL = Target()  # a collection or a platform-wide object: only national grants reach it


def _role_allows(role: str, action: str) -> bool:
    actions = ROLE_ACTIONS.get(role, frozenset())
    return EVERYTHING in actions or action in actions


def _reaches(grant: Grant, target: Target) -> bool:
    if grant.scope == "national":
        return True
    if grant.scope == "unit":
        return grant.scope_id is not None and grant.scope_id == target.unit_id
    if grant.scope == "region":
        return grant.scope_id is not None and grant.scope_id in target.region_ids
    return False


def allows(
    principal: Principal, action: str, target: Target = NATIONAL, on: date | None = None
) -> bool:
    """True when one of the caller's grants in force ``on`` that day allows it here."""
    day = on or datetime.now(UTC).date()
    return any(
        _role_allows(g.role, action) and _reaches(g, target) for g in principal.grants_on(day)
    )


def holds(principal: Principal, action: str, on: date | None = None) -> bool:
    """True when a grant in force allows ``action`` in some scope (e.g. reading the org tree,
    which every signed-in role may do, each from its own unit or region)."""
    return bool(grants_for(principal, action, on))


def grants_for(principal: Principal, action: str, on: date | None = None) -> list[Grant]:
    """The caller's grants that allow ``action`` somewhere: for filtering lists by scope."""
    day = on or datetime.now(UTC).date()
    return [g for g in principal.grants_on(day) if _role_allows(g.role, action)]


def require_somewhere(principal: Principal, action: str) -> None:
    """403 unless the caller holds ``action`` in at least one scope."""
    if not holds(principal, action):
        raise Problem(
            403, "forbidden", ("Bạn không có quyền thực hiện thao tác này.", "You may not do this.")
        )


def require(
    principal: Principal, action: str, target: Target = NATIONAL, *, visible: bool = False
) -> None:
    """Raise 404 (or 403 when the caller may already see the object) unless allowed.

    ``visible=True`` means the caller is entitled to know the object exists (for instance it
    may read it but not change it), so a refusal is an honest 403.
    """
    if allows(principal, action, target):
        return
    if visible:
        raise Problem(
            403, "forbidden", ("Bạn không có quyền thực hiện thao tác này.", "You may not do this.")
        )
    raise Problem(404, "not-found", ("Không tìm thấy.", "Not found."))


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_scope(service: str, method: str) -> str:
    """The scope an API client needs for ``method`` on ``service``."""
    return f"{service}:read" if method.upper() in READ_METHODS else f"{service}:write"


def missing_scope(principal: Principal, service: str, method: str) -> str | None:
    """The scope this call needs and the caller lacks, or None. Users hold roles, not scopes:
    services authorise them per object; a write scope includes reading."""
    if principal.kind != "client":
        return None
    needed = required_scope(service, method)
    if needed in principal.scopes or f"{service}:write" in principal.scopes:
        return None
    return needed


def insufficient_scope(service: str, needed: str) -> Response:
    """The 403 for an API client without ``needed`` (RFC 6750's ``insufficient_scope``)."""
    reading = needed.endswith(":read")
    return problem_response(
        403,
        "forbidden",
        (
            f"Ứng dụng này không được {'đọc' if reading else 'ghi'} dữ liệu dịch vụ {service} "
            f"(cần phạm vi {needed}).",
            f"This API client may not {'read from' if reading else 'write to'} the {service} "
            f"service (it needs the scope {needed}).",
        ),
        headers={
            "WWW-Authenticate": (
                f'Bearer realm="thidua", error="insufficient_scope", scope="{needed}"'
            )
        },
        required_scope=needed,
    )
