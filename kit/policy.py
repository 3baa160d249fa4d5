"""Who may do what to which object: the platform's one authorisation machinery.

A caller's grants come from its verified token (kit.auth.Principal): each is a role in a
scope. A service declares, in its own ``actions.py``, the actions it checks and the roles that
grant each (``Actions.declare``; the roles are the platform's vocabulary, contracts.roles),
and its ``Service`` descriptor carries them; this module names no service and no role. Each
grant reaches objects through its scope:

- ``national``: every object;
- ``unit``: objects owned by that unit (``Target.unit_id``);
- ``region``: objects owned by a unit of that region (``Target.region_ids``).

Services describe an object as a ``Target`` and ask ``require(principal, action, target)``.
An object the caller may not even know exists is answered 404, not 403 (OWASP API1:2023):
cross-tenant probing then learns nothing. 403 is for objects the caller can see but not change.

Which declarations a check reads: inside a request, those of the app's own service
(``install``, which create_app calls), so a service cannot lean on an action only another
service declares; elsewhere (commands, scripts, tests outside a request) those of every
``Service`` built in the process (``adopt``, which kit.service calls), which must agree on any
action they share. Checking an action nobody declared is a bug, not a refusal:
``UndeclaredAction``.

API clients (``kind == "client"``) hold OAuth scopes rather than roles, and a scope names a
service: ``<service>:read`` for GET/HEAD/OPTIONS, ``<service>:write`` for every method.
``missing_scope`` is that rule, applied by the gateway and again by every service (kit.app),
so a client that reaches a service directly gets no more than through the gateway. A few
scopes name a capability instead (``CAPABILITY_SCOPES``: ``webhooks:manage``), which opens
some paths of one service; that service checks the scope itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from flask import Flask, Response, current_app, has_app_context

from kit import dates
from kit.auth import Grant, Principal
from kit.problems import Problem, problem_response

__all__ = [
    "CAPABILITY_SCOPES",
    "NATIONAL",
    "READ_METHODS",
    "Actions",
    "Target",
    "UndeclaredAction",
    "adopt",
    "allows",
    "declared",
    "grants_for",
    "holds",
    "install",
    "insufficient_scope",
    "missing_scope",
    "require",
    "require_somewhere",
    "required_scope",
]


class UndeclaredAction(LookupError):
    """An action was checked that the service's ``actions.py`` does not declare."""


@dataclass(frozen=True)
class Actions:
    """The actions a service checks, each with the roles that grant it."""

    grants: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def declare(cls, grants: Mapping[str, Iterable[str]], *, every: Iterable[str] = ()) -> Actions:
        """``grants``: each action and the roles that grant it; ``every``: roles that grant
        every action declared here (a service's system administrator)."""
        everyone = frozenset(every)
        return cls(
            MappingProxyType(
                {action: frozenset(roles) | everyone for action, roles in grants.items()}
            )
        )

    def allows(self, role: str, action: str) -> bool:
        """Whether ``role`` grants ``action``; ``UndeclaredAction`` if it is not declared."""
        try:
            return role in self.grants[action]
        except KeyError:
            raise UndeclaredAction(f"no declaration of the action {action!r}") from None

    def of_role(self, role: str) -> frozenset[str]:
        """Every action ``role`` grants."""
        return frozenset(action for action, roles in self.grants.items() if role in roles)

    def __or__(self, other: Actions) -> Actions:
        """Both declarations together; an action both declare must be granted alike."""
        differ = sorted(
            action
            for action in self.grants.keys() & other.grants.keys()
            if self.grants[action] != other.grants[action]
        )
        if differ:
            raise ValueError(f"actions declared with different roles: {', '.join(differ)}")
        return Actions(MappingProxyType({**self.grants, **other.grants}))


EXTENSION = "thidua.policy"
_adopted = Actions()


def adopt(actions: Actions) -> None:
    """Check ``actions`` in this process too, outside requests (kit.service: every Service)."""
    global _adopted
    _adopted = _adopted | actions


def install(app: Flask, actions: Actions) -> None:
    """Check ``actions``, and only these, in ``app``'s requests (create_app: the service's)."""
    app.extensions[EXTENSION] = actions


def declared() -> Actions:
    """The declarations checks read here: the current app's, else the process's."""
    if has_app_context():
        own = current_app.extensions.get(EXTENSION)
        if own is not None:
            return own
    return _adopted


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
    return declared().allows(role, action)


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
    day = on or dates.today()
    return any(
        _role_allows(g.role, action) and _reaches(g, target) for g in principal.grants_on(day)
    )


def holds(principal: Principal, action: str, on: date | None = None) -> bool:
    """True when a grant in force allows ``action`` in some scope (e.g. reading the org tree,
    which every signed-in role may do, each from its own unit or region)."""
    return bool(grants_for(principal, action, on))


def grants_for(principal: Principal, action: str, on: date | None = None) -> list[Grant]:
    """The caller's grants that allow ``action`` somewhere: for filtering lists by scope."""
    day = on or dates.today()
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


# Scopes that grant one capability of one service rather than the whole service: the service
# and the paths under it they open. The service checks the scope itself (notify: a client with
# webhooks:manage manages its own webhook endpoints and reads the event feed, nothing else).
CAPABILITY_SCOPES: Mapping[str, tuple[str, tuple[str, ...]]] = MappingProxyType(
    {"webhooks:manage": ("notify", ("/webhooks", "/feed"))}
)


def _opens(scope: str, service: str, path: str | None) -> bool:
    capability = CAPABILITY_SCOPES.get(scope)
    if capability is None or path is None or capability[0] != service:
        return False
    return any(path == p or path.startswith(p + "/") for p in capability[1])


def missing_scope(
    principal: Principal, service: str, method: str, path: str | None = None
) -> str | None:
    """The scope this call needs and the caller lacks, or None. Users hold roles, not scopes:
    services authorise them per object; a write scope includes reading. ``path`` (inside the
    service, e.g. ``/webhooks/endpoints``) lets a capability scope open its own paths."""
    if principal.kind != "client":
        return None
    needed = required_scope(service, method)
    if needed in principal.scopes or f"{service}:write" in principal.scopes:
        return None
    if any(_opens(scope, service, path) for scope in principal.scopes):
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
