"""The events scoring consumes, and what it does with each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.events import CloudEvent
from services.scoring.models import Announcement


def copy_announcement(session: Session, event: CloudEvent) -> None:
    """Keep (or refresh) the local copy of an announcement."""
    session.merge(
        Announcement(
            announcement_id=event.data["announcement_id"],
            title=event.data["title"],
            body=event.data["body"],
            published_at=datetime.fromisoformat(event.data["published_at"]),
            received_at=utcnow(),
        )
    )


SUBSCRIPTIONS = {"identity.announcement.published": copy_announcement}
