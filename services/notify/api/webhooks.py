"""Webhook endpoints, their secrets and their deliveries, for their owner alone.

An API client (scope ``webhooks:manage``) manages its own; the Ministry's officers manage the
Ministry's (``webhook.manage``). Another owner's endpoint or delivery is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import func, select

from kit.app import database, principal, runtime
from kit.db import utcnow
from kit.errors import Invalid
from kit.pagination import PageArgs, paginate
from services.notify.domain import deliveries, webhooks
from services.notify.models import FeedEvent, WebhookDelivery, WebhookEndpoint
from services.notify.schemas_webhooks import (
    DeliveryArgs,
    DeliveryDetail,
    DeliveryPage,
    EndpointCreated,
    EndpointIn,
    EndpointPage,
    EndpointPatch,
    EndpointSchema,
    RecoverIn,
    RecoverOut,
    SecretSchema,
)

blueprint = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/webhooks",
    description="Webhook endpoints of external systems (Standard Webhooks), and their deliveries",
)


def _embedded() -> bool:
    return bool(getattr(runtime().settings, "webhook_embedded", True))


def endpoint_view(endpoint: WebhookEndpoint, **extra: Any) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types.split(),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        **extra,
    }


def delivery_view(delivery: WebhookDelivery, event: FeedEvent, **extra: Any) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "subject": delivery.subject,
        "sequence": delivery.sequence,
        "status": delivery.status,
        "attempts": delivery.attempts,
        # None when it is not pending, or waits for an earlier one of its subject.
        "next_attempt_at": delivery.next_attempt_at
        if delivery.status == deliveries.PENDING and delivery.next_attempt_at < deliveries.WAITING
        else None,
        "created_at": delivery.created_at,
        "last_attempt_at": delivery.last_attempt_at,
        "delivered_at": delivery.delivered_at,
        **extra,
    }


@blueprint.route("/endpoints", methods=["POST"])
@blueprint.arguments(EndpointIn)
@blueprint.response(201, EndpointCreated)
def create_endpoint(payload: dict[str, Any]) -> dict[str, Any]:
    """Register an endpoint; the answer carries its signing secret, shown this once."""
    owner = webhooks.owner_of(principal())
    with database().transaction() as session:
        endpoint, secret = webhooks.create(
            session, owner, embedded=_embedded(), now=utcnow(), **payload
        )
        return endpoint_view(endpoint, secret=secret)


@blueprint.route("/endpoints", methods=["GET"])
@blueprint.arguments(PageArgs, location="query")
@blueprint.response(200, EndpointPage)
def list_endpoints(args: dict[str, int]) -> dict[str, Any]:
    """The caller's endpoints, newest first."""
    owner = webhooks.owner_of(principal())
    with database().read() as session:
        page = paginate(session, webhooks.owned(owner).order_by(WebhookEndpoint.id.desc()), args)
        return {**page, "items": [endpoint_view(e) for e in page["items"]]}


@blueprint.route("/endpoints/<int:endpoint_id>", methods=["GET"])
@blueprint.response(200, EndpointSchema)
def get_endpoint(endpoint_id: int) -> dict[str, Any]:
    """One endpoint; a disabled one says why (410 Gone, or 5 days of failures)."""
    owner = webhooks.owner_of(principal())
    with database().read() as session:
        return endpoint_view(webhooks.get(session, owner, endpoint_id))


@blueprint.route("/endpoints/<int:endpoint_id>", methods=["PATCH"])
@blueprint.arguments(EndpointPatch)
@blueprint.response(200, EndpointSchema)
def update_endpoint(changes: dict[str, Any], endpoint_id: int) -> dict[str, Any]:
    """Change it; ``enabled: true`` turns a disabled endpoint back on."""
    owner = webhooks.owner_of(principal())
    with database().transaction() as session:
        endpoint = webhooks.update(
            session, owner, endpoint_id, changes, embedded=_embedded(), now=utcnow()
        )
        return endpoint_view(endpoint)


@blueprint.route("/endpoints/<int:endpoint_id>", methods=["DELETE"])
@blueprint.response(204)
def delete_endpoint(endpoint_id: int) -> None:
    """Remove it, with its deliveries and their log."""
    owner = webhooks.owner_of(principal())
    with database().transaction() as session:
        webhooks.remove(session, owner, endpoint_id)


@blueprint.route("/endpoints/<int:endpoint_id>/secret/rotate", methods=["POST"])
@blueprint.response(200, SecretSchema)
def rotate_secret(endpoint_id: int) -> dict[str, Any]:
    """A new secret; the previous one keeps signing alongside for 24 hours."""
    owner = webhooks.owner_of(principal())
    now = utcnow()
    with database().transaction() as session:
        secret = webhooks.rotate(session, owner, endpoint_id, now)
    return {"secret": secret, "previous_valid_until": now + webhooks.ROTATION_OVERLAP}


@blueprint.route("/endpoints/<int:endpoint_id>/deliveries", methods=["GET"])
@blueprint.arguments(DeliveryArgs, location="query")
@blueprint.response(200, DeliveryPage)
def list_deliveries(args: dict[str, Any], endpoint_id: int) -> dict[str, Any]:
    """The endpoint's deliveries, newest first (``status`` filters)."""
    owner = webhooks.owner_of(principal())
    with database().read() as session:
        webhooks.get(session, owner, endpoint_id)
        query = deliveries.owned(owner, endpoint_id)
        if args.get("status"):
            query = query.where(WebhookDelivery.status == args["status"])
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        page, size = args["page"], args["page_size"]
        rows = session.execute(
            query.order_by(WebhookDelivery.id.desc()).limit(size).offset((page - 1) * size)
        ).all()
        return {
            "items": [delivery_view(d, e) for d, e in rows],
            "page": page,
            "page_size": size,
            "total": total or 0,
        }


@blueprint.route("/endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>", methods=["GET"])
@blueprint.response(200, DeliveryDetail)
def get_delivery(endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    """One delivery with every attempt: status, duration, the start of the answer."""
    owner = webhooks.owner_of(principal())
    with database().read() as session:
        delivery = deliveries.get(session, owner, endpoint_id, delivery_id)
        event = session.get(FeedEvent, delivery.feed_event_id)
        assert event is not None
        return delivery_view(delivery, event, log=deliveries.attempts(session, delivery.id))


@blueprint.route(
    "/endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/replay", methods=["POST"]
)
@blueprint.response(202, DeliveryDetail)
def replay_delivery(endpoint_id: int, delivery_id: int) -> dict[str, Any]:
    """Send one message again (409 while it is still pending)."""
    owner = webhooks.owner_of(principal())
    with database().transaction() as session:
        delivery = deliveries.replay(session, owner, endpoint_id, delivery_id, utcnow())
        event = session.get(FeedEvent, delivery.feed_event_id)
        assert event is not None
        return delivery_view(delivery, event, log=deliveries.attempts(session, delivery.id))


@blueprint.route("/endpoints/<int:endpoint_id>/recover", methods=["POST"])
@blueprint.arguments(RecoverIn)
@blueprint.response(202, RecoverOut)
def recover(payload: dict[str, datetime], endpoint_id: int) -> dict[str, int]:
    """Send again every failed message of the endpoint since ``since``."""
    owner = webhooks.owner_of(principal())
    now = utcnow()
    if payload["since"] > now:
        raise Invalid({"since": [("Thời điểm ở tương lai.", "This time is in the future.")]})
    with database().transaction() as session:
        webhooks.get(session, owner, endpoint_id)
        return {"recovered": deliveries.recover(session, owner, endpoint_id, payload["since"], now)}
