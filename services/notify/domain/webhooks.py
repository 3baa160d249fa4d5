"""Webhook endpoints: who owns one, what it wants, and the secrets that sign what it gets.

An endpoint belongs to its owner and nobody else sees it (404, not 403, for another's: an API
client learns nothing about the others'). The owner is the API client itself
(``client:<id>``, holding the scope ``webhooks:manage``), or ``ministry`` for the endpoints the
Ministry's officers manage together (``webhook.manage``, national).

Secrets follow Standard Webhooks: ``whsec_`` + base64 of 32 random bytes, shown once, when the
endpoint is created and at each rotation. They are kept as they are (an HMAC needs the key);
a rotation keeps the previous secret signing for 24 hours more, so a receiver can switch over
without losing a message: meanwhile ``webhook-signature`` carries both signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from kit.auth import Principal
from kit.errors import Invalid, NotFound, Problem
from kit.policy import require
from services.notify.domain import feed
from services.notify.domain.ssrf import RefusedAddress, check_url
from services.notify.models import WebhookEndpoint, WebhookSecret

SCOPE = "webhooks:manage"
MINISTRY = "ministry"
ENDPOINT = ("điểm nhận webhook", "webhook endpoint")
ROTATION_OVERLAP = timedelta(hours=24)
SECRET_BYTES = 32


def owner_of(principal: Principal) -> str:
    """Whose endpoints the caller manages; 403 for a caller that may manage none."""
    if principal.kind == "client":
        if SCOPE not in principal.scopes:
            raise Problem(
                403,
                "forbidden",
                (
                    f"Ứng dụng này cần phạm vi {SCOPE} để quản lý webhook.",
                    f"This API client needs the scope {SCOPE} to manage webhooks.",
                ),
                required_scope=SCOPE,
            )
        return f"client:{principal.subject}"
    require(principal, "webhook.manage", visible=True)
    return MINISTRY


def new_secret() -> str:
    return "whsec_" + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,`` signature: base64 HMAC-SHA256 of ``id.timestamp.body`` (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(keys: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    return " ".join(sign(key, message_id, timestamp, body) for key in keys)


def signing_secrets(session: Session, endpoint_id: int, now: datetime) -> list[str]:
    """The secrets that sign now, newest first."""
    rows = session.scalars(
        select(WebhookSecret)
        .where(
            WebhookSecret.endpoint_id == endpoint_id,
            or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > now),
        )
        .order_by(WebhookSecret.id.desc())
    )
    return [row.secret for row in rows]


def _check(
    url: str | None, event_types: list[str] | None, *, embedded: bool
) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}
    if url is not None:
        try:
            check_url(url, embedded=embedded)
        except RefusedAddress as refused:
            errors["url"] = [
                (
                    f"Không thể gửi tới địa chỉ này ({refused.reason}).",
                    f"Deliveries cannot go to this URL ({refused.reason}).",
                )
            ]
    if event_types is not None:
        if not event_types:
            errors["event_types"] = [
                ("Cần ít nhất một loại sự kiện.", "Name at least one event type.")
            ]
        errors |= feed.type_errors("event_types", event_types)
    return errors


def create(
    session: Session,
    owner: str,
    *,
    url: str,
    event_types: list[str],
    description: str,
    embedded: bool,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its secret (shown this once)."""
    errors = _check(url, event_types, embedded=embedded)
    if errors:
        raise Invalid(errors)
    endpoint = WebhookEndpoint(
        owner=owner,
        url=url,
        description=description.strip(),
        event_types=" ".join(sorted(set(event_types))),
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    secret = new_secret()
    session.add(WebhookSecret(endpoint_id=endpoint.id, secret=secret, created_at=now))
    return endpoint, secret


def get(session: Session, owner: str, endpoint_id: int) -> WebhookEndpoint:
    """The owner's endpoint; 404 for one that does not exist or is someone else's."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.owner != owner:
        raise NotFound(ENDPOINT, endpoint_id)
    return endpoint


def owned(owner: str) -> Any:
    return select(WebhookEndpoint).where(WebhookEndpoint.owner == owner)


def update(
    session: Session,
    owner: str,
    endpoint_id: int,
    changes: dict[str, Any],
    *,
    embedded: bool,
    now: datetime,
) -> WebhookEndpoint:
    """Change the URL, types, description; ``enabled: true`` turns a disabled one back on
    (its pending deliveries resume) and forgets its failures."""
    endpoint = get(session, owner, endpoint_id)
    errors = _check(changes.get("url"), changes.get("event_types"), embedded=embedded)
    if errors:
        raise Invalid(errors)
    if "url" in changes:
        endpoint.url = changes["url"]
    if "event_types" in changes:
        endpoint.event_types = " ".join(sorted(set(changes["event_types"])))
    if "description" in changes:
        endpoint.description = changes["description"].strip()
    if "enabled" in changes and changes["enabled"] != endpoint.enabled:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
        else:
            endpoint.disabled_reason, endpoint.disabled_at = "disabled by its owner", now
    endpoint.updated_at = now
    return endpoint


def remove(session: Session, owner: str, endpoint_id: int) -> None:
    from services.notify.models import WebhookAttempt, WebhookDelivery

    endpoint = get(session, owner, endpoint_id)
    ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.execute(delete(WebhookSecret).where(WebhookSecret.endpoint_id == endpoint.id))
    session.delete(endpoint)


def rotate(session: Session, owner: str, endpoint_id: int, now: datetime) -> str:
    """A new secret, signing from now; those in force sign on for 24 hours, then stop."""
    endpoint = get(session, owner, endpoint_id)
    until = now + ROTATION_OVERLAP
    for old in session.scalars(
        select(WebhookSecret).where(WebhookSecret.endpoint_id == endpoint.id)
    ):
        if old.expires_at is None or old.expires_at > until:
            old.expires_at = until
    secret = new_secret()
    session.add(WebhookSecret(endpoint_id=endpoint.id, secret=secret, created_at=now))
    endpoint.updated_at = now
    return secret


def disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Stop delivering to it; the reason is what its owner reads on the endpoint."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now
