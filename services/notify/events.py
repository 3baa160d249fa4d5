"""The events notify consumes, and what it does with each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contracts.identity import AnnouncementPublished
from kit import orgcopy, principals
from kit.db import utcnow
from kit.events import CloudEvent, Handler
from services.notify.domain import feed, recipients, reminders, rules
from services.notify.models import InboxItem, RegionCopy, UnitCopy


def file_announcement(session: Session, event: CloudEvent) -> None:
    """An announcement becomes an inbox item everyone sees."""
    announcement = AnnouncementPublished.from_data(event.data)
    session.add(
        InboxItem(
            event_id=event.id,
            event_type=event.type,
            title=announcement.title,
            body=announcement.body,
            created_at=utcnow(),
        )
    )


# -- people: who hears of what (domain/rules.py), from notify's read models


def chain(*handlers: Handler) -> Handler:
    """One handler running several in the event's one transaction (the consumer takes the
    first pattern that matches a type, so two parts of notify wanting one type share it)."""

    def run_all(session: Session, event: CloudEvent) -> None:
        for handler in handlers:
            handler(session, event)

    # What it runs, flattened (a chain of chains runs each handler once, in order), for checks.
    run_all.handlers = tuple(  # type: ignore[attr-defined]
        inner for handler in handlers for inner in getattr(handler, "handlers", (handler,))
    )
    return run_all


def merged(*parts: dict[str, Handler]) -> dict[str, Handler]:
    """Subscriptions of several parts; a pattern two parts name runs both handlers."""
    result: dict[str, Handler] = {}
    for part in parts:
        for pattern, handler in part.items():
            result[pattern] = chain(result[pattern], handler) if pattern in result else handler
    return result


PEOPLE: dict[str, Handler] = merged(
    # Deactivated users and withdrawn roles stop working here once heard of (kit.principals);
    # the same events, and identity.user.created/updated, keep notify's copy of people.
    principals.subscriptions(),
    dict.fromkeys(recipients.EVENT_TYPES, recipients.record),
    orgcopy.subscriptions(UnitCopy, RegionCopy),
    {"scoring.round.phase_changed": reminders.copy_round},
    dict.fromkeys(rules.RULES, rules.handle),
)

# -- webhooks and the feed: every public event is kept and scheduled for its endpoints too,
# in the same transaction as the people's handling of it (domain/feed.with_feed).
SUBSCRIPTIONS = feed.with_feed(
    merged(
        {AnnouncementPublished.TYPE: file_announcement},
        PEOPLE,
    )
)
