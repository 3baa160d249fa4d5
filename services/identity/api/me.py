"""``GET /me``: who the caller is and what it may do, as the platform sees it today."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from kit import dates
from kit.app import database, principal
from services.identity.domain import org
from services.identity.models import User
from services.identity.permissions import ROLE_PERMISSIONS
from services.identity.schemas import MeSchema

blueprint = Blueprint("me", __name__, description="The signed-in caller")


@blueprint.route("/me", methods=["GET"])
@blueprint.response(200, MeSchema)
def me() -> dict[str, Any]:
    """The caller's identity, unit, roles in force and effective permissions."""
    caller = principal()
    today = dates.today()  # Viet Nam's day, as roles' periods are
    grants = caller.grants_on(today)
    permissions = [
        {"action": action, "scope": g.scope, "scope_id": g.scope_id}
        for g in grants
        for action in sorted(ROLE_PERMISSIONS.get(g.role, frozenset()))
    ]
    with database().read() as session:
        user = session.get(User, caller.subject) if caller.kind == "user" else None
        unit = org.get_unit(session, caller.unit_id) if caller.unit_id else None
        return {
            "id": caller.subject,
            "kind": caller.kind,
            "username": user.username if user else None,
            "full_name": user.full_name if user else caller.name,
            "unit": org.UnitView.of(unit, today) if unit else None,
            "roles": grants,
            "permissions": permissions,  # "*" for a system admin: every action
            "scopes": sorted(caller.scopes),
            "token_expires_at": caller.expires_at,
        }
