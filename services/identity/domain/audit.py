"""The audit log: every security-relevant action, with who, when, from where and the outcome.

Entries are written in the transaction of the action itself, so an action that rolls back
leaves no entry, and one that commits cannot lose its entry. Failed logins are the exception
the caller handles: they are recorded in a transaction of their own, because the login fails.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kit import context
from kit.app import client_address
from kit.db import utcnow
from services.identity.models import AuditEntry


def source_address() -> str | None:
    """The caller's address: the gateway's ``X-Real-IP`` (it strips any the client sent and
    works out the address past its trusted proxies), believed only from a trusted proxy
    (``THIDUA_TRUSTED_PROXIES``), or the peer when called directly. None outside a request
    (a command, a consumer): only a request has a request id (kit.web sets it)."""
    if context.request_id.get() is None:
        return None
    return client_address()


def record(
    session: Session,
    action: str,
    *,
    actor_id: str | None,
    outcome: str = "success",
    target_type: str | None = None,
    target_id: str | None = None,
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        outcome=outcome,
        target_type=target_type,
        target_id=target_id,
        request_id=context.request_id.get(),
        source_address=source_address(),
        details=details,
    )
    session.add(entry)
    return entry
