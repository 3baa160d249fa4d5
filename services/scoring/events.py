"""The events scoring publishes and consumes.

Scoring never calls criteria or identity: it keeps its own copies of every published table
version, of the organisation units and of the regions, from their events (rebuilt with
``python -m services.scoring read-models reset`` and the sources' ``events replay``). It also
consumes its own ``scoring.sheet.submitted``: the scoring workers (competing consumers of
scoring's queue) compute a submitted sheet's totals, once in effect however often the message
is delivered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kit import orgcopy, principals
from kit.db import utcnow
from kit.events import CloudEvent
from services.scoring.domain import computation
from services.scoring.models import Announcement, RegionCopy, TableCopy, UnitCopy

SHEET_SUBMITTED = "scoring.sheet.submitted"
SHEET_RETURNED = "scoring.sheet.returned"
SHEET_FINALISED = "scoring.sheet.finalised"
ROUND_PHASE_CHANGED = "scoring.round.phase_changed"
RANKING_PUBLISHED = "scoring.ranking.published"


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


def copy_table(session: Session, event: CloudEvent) -> None:
    """criteria.table.published: every version is kept; rounds pin one."""
    data = event.data
    session.merge(
        TableCopy(
            table_id=data["table_id"],
            year=data["year"],
            unit_kind=data["unit_kind"],
            version=data["version"],
            supersedes_table_id=data.get("supersedes_table_id"),
            rules_version=data["rules_version"],
            document=data["document"],
            published_at=datetime.fromisoformat(data["published_at"]),
        )
    )


def compute_submitted_sheet(session: Session, event: CloudEvent) -> None:
    computation.compute(session, event.data["sheet_id"], event.data["revision"])


SUBSCRIPTIONS = {
    **orgcopy.subscriptions(UnitCopy, RegionCopy),
    # Deactivated users and withdrawn roles stop working here once heard of (kit.principals).
    **principals.subscriptions(),
    "identity.announcement.published": copy_announcement,
    "criteria.table.published": copy_table,
    SHEET_SUBMITTED: compute_submitted_sheet,
}
