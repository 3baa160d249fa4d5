"""The delivery outbox: one row per event per endpoint that wants it, worked through by the
deliverer (services/notify/deliverer.py) on a retry schedule, in order per subject.

- **Scheduling** happens in the consumer's transaction that files the event in the feed, so
  an event notify has handled is an event every subscribed endpoint will get.
- **Order.** Each delivery has a ``sequence``: 1, 2, ... per endpoint and subject. Only the
  head of a subject (its lowest pending sequence) may be attempted, so a later event waits
  while an earlier one is retrying. A delivery queued behind another is not due at all
  (``next_attempt_at`` is ``WAITING``) until the one before it is delivered or has failed for
  good, which wakes it, so the deliverer never wades through blocked rows; the head check
  stays as the guard (a replayed message goes back in line where it was).
- **Retries**: the first attempt at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h later
  (each ±10 %), or when the receiver's ``Retry-After`` says; after the eighth the delivery
  has failed. Non-2xx answers fail, 3xx included (redirects are not followed).
- **410 Gone** disables the endpoint at once; an endpoint whose every attempt has failed for
  5 days is disabled too. Its owner reads why on the endpoint (``disabled_reason``,
  ``disabled_at``).
- **Replay / recover**: one delivery, or every failed one of an endpoint since a time, goes
  back to pending with a fresh schedule; ``webhook-id`` stays the event's id.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from kit.errors import NotFound, StateConflict
from services.notify.models import (
    FeedEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSecret,
)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.1
WAITING = datetime(9999, 1, 1, tzinfo=UTC)  # behind an earlier pending delivery of its subject
CANDIDATES = 4  # a claim looks at this many due rows per delivery it may take
GIVE_UP_AFTER = timedelta(days=5)
LONGEST_RETRY_AFTER = timedelta(days=1)
EXCERPT_CHARS = 1024
DELIVERY = ("lần gửi webhook", "webhook delivery")


def schedule(session: Session, event: FeedEvent) -> int:
    """A pending delivery of ``event`` for each enabled endpoint that wants its type."""
    wanting = [
        endpoint_id
        for endpoint_id, types in session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                WebhookEndpoint.enabled.is_(True)
            )
        )
        if event.event_type in types.split()
    ]
    if not wanting:
        return 0
    last_of = dict(
        session.execute(
            select(WebhookDelivery.endpoint_id, func.max(WebhookDelivery.sequence))
            .where(
                WebhookDelivery.subject == event.subject,
                WebhookDelivery.endpoint_id.in_(wanting),
            )
            .group_by(WebhookDelivery.endpoint_id)
        ).all()
    )
    busy = set(
        session.scalars(
            select(WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.subject == event.subject,
                WebhookDelivery.status == PENDING,
                WebhookDelivery.endpoint_id.in_(wanting),
            )
            .distinct()
        )
    )
    for endpoint_id in wanting:
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                feed_event_id=event.id,
                subject=event.subject,
                sequence=(last_of.get(endpoint_id) or 0) + 1,
                status=PENDING,
                attempts=0,
                next_attempt_at=WAITING if endpoint_id in busy else event.received_at,
                created_at=event.received_at,
            )
        )
    return len(wanting)


@dataclass(frozen=True)
class Claimed:
    """What one attempt needs, read in the claiming transaction."""

    delivery_id: int
    endpoint_id: int
    url: str
    message_id: str
    sequence: int
    body: bytes
    secrets: list[str]


def claim(
    session: Session, now: datetime, *, limit: int, lease: timedelta, budget: Callable[[int], bool]
) -> list[Claimed]:
    """The due heads of their subjects, up to ``limit``, leased to this deliverer until
    ``now + lease`` (another deliverer skips them; a crashed one's come back then).
    ``budget(endpoint_id)`` says whether the endpoint's rate limit allows one more now."""
    earlier = aliased(WebhookDelivery)
    due = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit * CANDIDATES)
    )
    query = (
        select(WebhookDelivery, WebhookEndpoint.url, FeedEvent.event_id, FeedEvent.body)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(FeedEvent, FeedEvent.id == WebhookDelivery.feed_event_id)
        .where(
            WebhookDelivery.id.in_(due.scalar_subquery()),
            WebhookDelivery.status == PENDING,
            WebhookEndpoint.enabled.is_(True),
            ~exists().where(
                and_(
                    earlier.endpoint_id == WebhookDelivery.endpoint_id,
                    earlier.subject == WebhookDelivery.subject,
                    earlier.status == PENDING,
                    earlier.sequence < WebhookDelivery.sequence,
                )
            ),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
    claimed: list[Claimed] = []
    keys: dict[int, list[str]] = {}
    for delivery, url, event_id, body in session.execute(query).all():
        if not budget(delivery.endpoint_id):
            continue
        if delivery.endpoint_id not in keys:
            keys[delivery.endpoint_id] = _secrets(session, delivery.endpoint_id, now)
        delivery.next_attempt_at = now + lease
        claimed.append(
            Claimed(
                delivery_id=delivery.id,
                endpoint_id=delivery.endpoint_id,
                url=url,
                message_id=event_id,
                sequence=delivery.sequence,
                body=body.encode(),
                secrets=keys[delivery.endpoint_id],
            )
        )
    return claimed


def _secrets(session: Session, endpoint_id: int, now: datetime) -> list[str]:
    rows = session.scalars(
        select(WebhookSecret.secret)
        .where(
            WebhookSecret.endpoint_id == endpoint_id,
            (WebhookSecret.expires_at.is_(None)) | (WebhookSecret.expires_at > now),
        )
        .order_by(WebhookSecret.id.desc())
    )
    return list(rows)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to (the deliverer fills it in)."""

    outcome: str  # delivered, http-error, gone, timeout, connection-error, refused-address
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str | None = None
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "delivered"


def record(
    session: Session,
    claimed: Claimed,
    result: Outcome,
    now: datetime,
    jitter: Callable[[], float] = random.random,
    waiting: set[tuple[int, str]] | None = None,
) -> str:
    """Log the attempt and move the delivery on; returns its status afterwards. ``waiting``:
    the (endpoint, subject) pairs with a delivery waiting behind another (None: look)."""
    delivery = session.get(WebhookDelivery, claimed.delivery_id)
    if delivery is None:  # its endpoint was deleted meanwhile
        return FAILED
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            outcome=result.outcome,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            response_excerpt=result.excerpt[:EXCERPT_CHARS],
            error=(result.error or "")[:500] or None,
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    if result.succeeded:
        delivery.status, delivery.delivered_at = DELIVERED, now
        endpoint.failing_since = None
        _wake_next(session, delivery, now, waiting)
        return DELIVERED
    endpoint.failing_since = endpoint.failing_since or now
    if result.outcome == "gone":
        _disable(endpoint, "the receiver answered 410 Gone", now)
        delivery.status = FAILED
        _wake_next(session, delivery, now, waiting)
        return FAILED
    if now - endpoint.failing_since >= GIVE_UP_AFTER:
        _disable(endpoint, "every attempt failed for 5 days", now)
    if delivery.attempts > len(SCHEDULE):
        delivery.status = FAILED
        _wake_next(session, delivery, now, waiting)
        return FAILED
    delay = SCHEDULE[delivery.attempts - 1] * (1 + JITTER * (2 * jitter() - 1))
    if result.retry_after is not None:
        delay = min(max(result.retry_after, timedelta(seconds=1)), LONGEST_RETRY_AFTER)
    delivery.next_attempt_at = now + delay
    return PENDING


def record_all(
    session: Session,
    results: list[tuple[Claimed, Outcome]],
    now: datetime,
    jitter: Callable[[], float] = random.random,
) -> None:
    """``record`` for a batch, with its deliveries and endpoints read in two queries."""
    ids = [claimed.delivery_id for claimed, _ in results]
    # Held here: the session's identity map keeps only what someone references.
    rows = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(ids))))
    endpoint_ids = {claimed.endpoint_id for claimed, _ in results}
    endpoints = list(
        session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids)))
    )
    waiting = {
        (endpoint_id, subject)
        for endpoint_id, subject in session.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.subject).where(
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at >= WAITING,
                WebhookDelivery.endpoint_id.in_(endpoint_ids),
                WebhookDelivery.subject.in_({row.subject for row in rows}),
            )
        )
    }
    with session.no_autoflush:  # one flush at the end, not one per query
        for claimed, result in results:
            record(session, claimed, result, now, jitter, waiting)
    del rows, endpoints


def _wake_next(
    session: Session,
    delivery: WebhookDelivery,
    now: datetime,
    waiting: set[tuple[int, str]] | None,
) -> None:
    """The next pending delivery of the subject, if it was waiting for this one, is due now."""
    if waiting is not None and (delivery.endpoint_id, delivery.subject) not in waiting:
        return
    following = session.scalars(
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == delivery.endpoint_id,
            WebhookDelivery.subject == delivery.subject,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.sequence > delivery.sequence,
        )
        .order_by(WebhookDelivery.sequence)
        .limit(1)
    ).first()
    if following is not None and following.next_attempt_at >= WAITING:
        following.next_attempt_at = now


def _disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason, endpoint.disabled_at, endpoint.updated_at = reason, now, now


# -- what the owner reads and asks


def owned(owner: str, endpoint_id: int) -> Any:
    return (
        select(WebhookDelivery, FeedEvent)
        .join(FeedEvent, FeedEvent.id == WebhookDelivery.feed_event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookEndpoint.owner == owner, WebhookDelivery.endpoint_id == endpoint_id)
    )


def get(session: Session, owner: str, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if (
        delivery is None
        or endpoint is None
        or endpoint.owner != owner
        or delivery.endpoint_id != endpoint_id
    ):
        raise NotFound(DELIVERY, delivery_id)
    return delivery


def attempts(session: Session, delivery_id: int) -> list[WebhookAttempt]:
    return list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )


def replay(
    session: Session, owner: str, endpoint_id: int, delivery_id: int, now: datetime
) -> WebhookDelivery:
    """Send one message again (delivered or failed), as soon as its turn comes."""
    delivery = get(session, owner, endpoint_id, delivery_id)
    if delivery.status == PENDING:
        raise StateConflict(("Lần gửi", "delivery"), PENDING, "replay", allowed=[])
    delivery.status, delivery.attempts, delivery.next_attempt_at = PENDING, 0, now
    return delivery


def recover(session: Session, owner: str, endpoint_id: int, since: datetime, now: datetime) -> int:
    """Every failed message of the endpoint created since ``since`` goes back to pending."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == FAILED,
            WebhookDelivery.created_at >= since,
            WebhookDelivery.endpoint_id.in_(
                select(WebhookEndpoint.id).where(WebhookEndpoint.owner == owner)
            ),
        )
        .values(status=PENDING, attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def backlog(session: Session, now: datetime) -> tuple[int, dict[int, float]]:
    """The retry queue's depth (pending deliveries already attempted) and, per endpoint, the
    age in seconds of its oldest undelivered message."""
    depth = session.scalar(
        select(func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.attempts > 0)
    )
    oldest = session.execute(
        select(WebhookDelivery.endpoint_id, func.min(WebhookDelivery.created_at))
        .where(WebhookDelivery.status == PENDING)
        .group_by(WebhookDelivery.endpoint_id)
    ).all()
    ages = {}
    for endpoint_id, created in oldest:
        if created is not None and created.tzinfo is None:
            from datetime import UTC

            created = created.replace(tzinfo=UTC)
        ages[endpoint_id] = max(0.0, (now - created).total_seconds()) if created else 0.0
    return int(depth or 0), ages
