"""The audit log, read-only, for auditors and system administrators.

Everyone else gets 403, not 404: that the platform keeps an audit log is public (it is in this
API's description), so admitting it exists tells nothing; its entries are what is protected.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select

from kit.app import database, principal
from kit.pagination import paginate
from kit.policy import require
from services.identity.models import AuditEntry
from services.identity.schemas_users import AuditArgs, AuditPage

blueprint = Blueprint(
    "audit",
    __name__,
    url_prefix="/audit",
    description="The audit log of security-relevant actions (auditors, system admins)",
)


@blueprint.route("", methods=["GET"])
@blueprint.arguments(AuditArgs, location="query")
@blueprint.response(200, AuditPage)
def list_audit_entries(args: dict[str, Any]) -> dict[str, Any]:
    """Entries, newest first, filtered by action, actor, target, outcome and time
    (``from`` inclusive, ``to`` exclusive)."""
    require(principal(), "audit.read", visible=True)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    for name in ("action", "actor_id", "target_type", "target_id", "outcome"):
        if args.get(name):
            query = query.where(getattr(AuditEntry, name) == args[name])
    if args.get("from_"):
        query = query.where(AuditEntry.at >= args["from_"])
    if args.get("to"):
        query = query.where(AuditEntry.at < args["to"])
    with database().read() as session:
        return paginate(session, query, args)
