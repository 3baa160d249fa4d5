"""The events notify consumes, and what it does with each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contracts.identity import AnnouncementPublished
from kit import principals
from kit.db import utcnow
from kit.events import CloudEvent
from services.notify.models import InboxItem


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


SUBSCRIPTIONS = {
    AnnouncementPublished.TYPE: file_announcement,
    # Deactivated users and withdrawn roles stop working here once heard of (kit.principals).
    **principals.subscriptions(),
}
