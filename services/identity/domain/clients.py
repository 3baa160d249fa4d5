"""API clients: external systems (the national commendation database, HR systems, provincial
portals) that obtain tokens with the client_credentials grant.

Only system administrators manage clients (``client.manage``, which only their ``*`` covers);
anyone else is refused with 403, since the existence of clients is no secret. A client's
secret is ``secrets.token_urlsafe(32)`` (256 random bits), shown once when the client is
created and stored only as an Argon2id hash. Scopes are ``<service>:read`` or
``<service>:write`` for the platform's services.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.auth import Principal
from kit.db import utcnow
from kit.errors import Conflict, Error, Invalid, NotFound
from kit.pagination import paginate
from kit.policy import require
from services.identity.domain import audit, passwords
from services.identity.domain.users import NO_UNIT, Denied, unit_in_force
from services.identity.models import ApiClient

SERVICES = ("identity", "criteria", "scoring", "awards", "notify")
# A capability scope opens part of one service (kit.policy.CAPABILITY_SCOPES): webhooks:manage
# lets a client manage its own webhook endpoints in notify and read the feed.
CAPABILITIES = ("webhooks:manage",)
SCOPES = frozenset(
    f"{service}:{access}" for service in SERVICES for access in ("read", "write")
) | frozenset(CAPABILITIES)
CLIENT_ID = re.compile(r"\A[a-z0-9][a-z0-9._-]{2,63}\Z")


def _require_manage(actor: Principal, action: str, client_id: str | None) -> None:
    try:
        require(actor, "client.manage", visible=True)
    except Error as refusal:
        raise Denied(refusal, action, "client", client_id) from None


def create_client(
    session: Session,
    actor: Principal,
    *,
    client_id: str,
    name: str,
    scopes: list[str],
    unit_id: str | None = None,
) -> tuple[ApiClient, str]:
    """Register a client; returns it and its secret (which is not stored and not shown again)."""
    _require_manage(actor, "client.created", client_id)
    errors: dict[str, list[tuple[str, str]]] = {}
    if not CLIENT_ID.match(client_id):
        errors["client_id"] = [
            (
                "Mã ứng dụng gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch dưới, gạch ngang.",
                "A client_id is 3–64 characters of a-z, 0-9, dot, underscore and hyphen.",
            )
        ]
    if not name.strip():
        errors["name"] = [("Tên không được để trống.", "The name is required.")]
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        errors["scopes"] = [
            (
                f"Phạm vi không hợp lệ: {' '.join(unknown) or '(trống)'}; "
                "dạng <dịch vụ>:read hoặc <dịch vụ>:write.",
                f"Invalid scopes: {' '.join(unknown) or '(none)'}; "
                "use <service>:read or <service>:write.",
            )
        ]
    if unit_id is not None and unit_in_force(session, unit_id) is None:
        errors["unit_id"] = [NO_UNIT]
    if errors:
        raise Invalid(errors)
    if session.get(ApiClient, client_id) is not None:
        raise Conflict(("Mã ứng dụng đã được dùng.", "The client_id is taken."))
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        id=client_id,
        name=name.strip(),
        secret_hash=passwords.hash_password(secret),
        scopes=" ".join(sorted(set(scopes))),
        unit_id=unit_id,
        is_active=True,
        created_at=utcnow(),
    )
    session.add(client)
    session.flush()
    audit.record(
        session,
        "client.created",
        actor_id=actor.subject,
        target_type="client",
        target_id=client.id,
        scopes=client.scopes,
        unit_id=unit_id,
    )
    return client, secret


def authenticate_client(session: Session, client_id: str, secret: str) -> ApiClient | None:
    """The active client whose secret this is, else None (in the same time either way)."""
    client = session.get(ApiClient, client_id)
    valid = passwords.verify_password(client.secret_hash if client else None, secret)
    if client is None or not valid or not client.is_active:
        return None
    return client


def get_client(session: Session, actor: Principal, client_id: str) -> ApiClient:
    require(actor, "client.read", visible=True)
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(("ứng dụng", "client"))
    return client


def list_clients(
    session: Session, actor: Principal, *, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    require(actor, "client.read", visible=True)
    query = select(ApiClient).order_by(ApiClient.id)
    return paginate(session, query, {"page": page, "page_size": page_size})


def deactivate_client(session: Session, actor: Principal, client_id: str) -> ApiClient:
    """The client gets no new tokens (those issued run out within 15 minutes); idempotent."""
    _require_manage(actor, "client.deactivated", client_id)
    client = session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(("ứng dụng", "client"))
    if not client.is_active:
        return client
    client.is_active = False
    audit.record(
        session,
        "client.deactivated",
        actor_id=actor.subject,
        target_type="client",
        target_id=client.id,
    )
    return client
