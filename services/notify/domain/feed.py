"""The feed: every public event notify hears, kept in the order it heard them, for webhooks and
for external systems that catch up by reading (``GET /feed``).

Public means the types docs/events.md lists for other services and outside systems, less
those that carry personal data (``identity.user.*``: usernames and roles) and the internal
commands (``scoring.sheet.compute_requested``).

The cursor is opaque to callers: the feed position, base64url-encoded with a version
prefix, so it can change shape later without breaking anyone's stored cursor.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Invalid
from kit.events import CloudEvent
from services.notify.domain import deliveries
from services.notify.models import FeedEvent

Handler = Callable[[Session, CloudEvent], None]

PUBLIC_TYPES: tuple[str, ...] = (
    "identity.announcement.published",
    "identity.org.created",
    "identity.org.updated",
    "identity.org.merged",
    "identity.region.membership_changed",
    "criteria.table.published",
    "criteria.movement.launched",
    "criteria.covenant.signed",
    "scoring.sheet.submitted",
    "scoring.sheet.returned",
    "scoring.sheet.finalised",
    "scoring.round.phase_changed",
    "scoring.ranking.published",
    "awards.nomination.submitted",
    "awards.nomination.returned",
    "awards.nomination.received",
    "awards.nomination.forwarded",
    "awards.award.granted",
    "awards.award.revoked",
    "awards.council.session_scheduled",
)
PUBLIC = frozenset(PUBLIC_TYPES)
MAX_PAGE = 500


def unknown_types(types: list[str]) -> list[str]:
    """Those of ``types`` that are not public event types (misspelt, internal or private)."""
    return sorted({t for t in types if t not in PUBLIC})


def type_errors(field: str, types: list[str]) -> dict[str, list[Any]]:
    """The 422 messages for ``field`` when it names a type that is not public."""
    unknown = unknown_types(types)
    if not unknown:
        return {}
    names = ", ".join(unknown)
    return {
        field: [
            (
                f"Không phải loại sự kiện công khai: {names}.",
                f"Not a public event type: {names}.",
            )
        ]
    }


def keep(session: Session, event: CloudEvent) -> FeedEvent | None:
    """File a public event in the feed and schedule it for every endpoint that wants it."""
    if event.type not in PUBLIC:
        return None
    row = FeedEvent(
        event_id=event.id,
        event_type=event.type,
        subject=event.subject,
        time=event.time,
        body=event.to_json(),
        received_at=utcnow(),
    )
    session.add(row)
    session.flush()
    deliveries.schedule(session, row)
    return row


def with_feed(subscriptions: Mapping[str, Handler]) -> dict[str, Handler]:
    """``subscriptions`` with every public type also kept in the feed: for each type, an exact
    entry first that keeps it, then runs the handler the others would have chosen (the
    consumer takes the first pattern that matches)."""
    combined: dict[str, Handler] = {}
    for event_type in PUBLIC_TYPES:
        own = next((h for p, h in subscriptions.items() if topic_matches(p, event_type)), None)
        combined[event_type] = _both(own)
    for pattern, handler in subscriptions.items():
        combined.setdefault(pattern, handler)
    return combined


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching, as the consumer does it: ``*`` one word, ``#`` zero or more."""
    words, keys = pattern.split("."), routing_key.split(".")

    def match(i: int, j: int) -> bool:
        if i == len(words):
            return j == len(keys)
        if words[i] == "#":
            return any(match(i + 1, k) for k in range(j, len(keys) + 1))
        return j < len(keys) and words[i] in ("*", keys[j]) and match(i + 1, j + 1)

    return match(0, 0)


def _both(own: Handler | None) -> Handler:
    def handle(session: Session, event: CloudEvent) -> None:
        keep(session, event)
        if own is not None:
            own(session, event)

    handle.__name__ = f"keep_and_{getattr(own, '__name__', 'nothing')}"
    return handle


def cursor_of(position: int) -> str:
    return base64.urlsafe_b64encode(f"f1:{position}".encode()).decode().rstrip("=")


def position_of(cursor: str | None) -> int:
    """The feed position a cursor stands for; 422 naming ``after`` when it is not one."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, number = raw.partition(":")
        if version != "f1" or not number.isdigit() or len(number) > 18:
            raise ValueError(raw)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid(
            {"after": [("Con trỏ không hợp lệ.", "Not a cursor this feed gave out.")]}
        ) from None


def read(
    session: Session,
    *,
    after: str | None,
    types: list[str],
    limit: int,
    settle_s: float = 2.0,
) -> tuple[list[FeedEvent], str]:
    """Up to ``limit`` events after the cursor, of ``types`` (all public ones if empty), and
    the cursor to ask from next (the same one when nothing is new).

    Rows younger than ``settle_s`` are left for the next read: with several consumers a row
    may commit after one with a higher position, and a reader who had moved past it would
    never see it; a few seconds is far longer than any of notify's transactions.
    """
    errors = type_errors("types", types)
    if errors:
        raise Invalid(errors)
    position = position_of(after)
    query = select(FeedEvent).where(FeedEvent.id > position)
    if settle_s > 0:
        fresh = select(func.min(FeedEvent.id)).where(
            FeedEvent.id > position,
            FeedEvent.received_at > utcnow() - timedelta(seconds=settle_s),
        )
        boundary = session.scalar(fresh)
        if boundary is not None:
            query = query.where(FeedEvent.id < boundary)
    if types:
        query = query.where(FeedEvent.event_type.in_(types))
    rows = list(session.scalars(query.order_by(FeedEvent.id).limit(min(limit, MAX_PAGE))))
    return rows, cursor_of(rows[-1].id if rows else position)
