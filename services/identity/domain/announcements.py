"""Identity's rules."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contracts.identity import AnnouncementPublished
from kit.db import utcnow
from services.identity import events
from services.identity.models import Announcement


def publish_announcement(session: Session, title: str, body: str) -> Announcement:
    """Store the announcement and, in the same transaction, the event that tells everyone."""
    announcement = Announcement(title=title.strip(), body=body.strip(), published_at=utcnow())
    session.add(announcement)
    session.flush()  # assigns the id the event carries
    events.publish(
        session,
        AnnouncementPublished(
            announcement_id=announcement.id,
            title=announcement.title,
            body=announcement.body,
            published_at=announcement.published_at,
        ),
    )
    return announcement
