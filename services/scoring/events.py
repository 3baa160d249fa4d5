"""The events scoring publishes and consumes.

Scoring never calls criteria or identity: it keeps its own copies of every published table
version, of the organisation units and of the regions, from their events (rebuilt with
``python -m services.scoring read-models reset`` and the sources' ``events replay``).

It also consumes its own command ``scoring.sheet.compute_requested``: the scoring workers
(competing consumers of scoring's queue) compute the named revision of a sheet, once in effect
however often the message is delivered. That command is internal; the public facts about a
sheet are ``submitted`` (its unit submitted it), ``returned`` and ``finalised``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from contracts.identity import AnnouncementPublished
from kit import orgcopy, principals
from kit.db import utcnow
from kit.events import CloudEvent
from services.scoring.domain import computation
from services.scoring.models import Announcement, RegionCopy, TableCopy, UnitCopy

# Public facts (docs/events.md, "Event types").
SHEET_SUBMITTED = "scoring.sheet.submitted"
SHEET_RETURNED = "scoring.sheet.returned"
SHEET_FINALISED = "scoring.sheet.finalised"
ROUND_PHASE_CHANGED = "scoring.round.phase_changed"
RANKING_PUBLISHED = "scoring.ranking.published"
# Scoring's own commands to its workers (docs/events.md, "Internal commands").
SHEET_COMPUTE_REQUESTED = "scoring.sheet.compute_requested"


def copy_announcement(session: Session, event: CloudEvent) -> None:
    """Keep (or refresh) the local copy of an announcement."""
    announcement = AnnouncementPublished.from_data(event.data)
    session.merge(
        Announcement(
            announcement_id=announcement.announcement_id,
            title=announcement.title,
            body=announcement.body,
            published_at=announcement.published_at,
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


class SheetJobs:
    """The scoring workers' handler: compute the sheet's totals for the revision a
    ``scoring.sheet.compute_requested`` names.

    A consumer that takes messages in batches calls its ``prepare`` once per batch with all
    of them: the batch's sheets are then read, and locked, in one order
    (``computation.prepare``).

    (The previous release also took ``scoring.sheet.submitted`` as a job, for one release
    after the command came in; that binding is gone: docs/operations.md, "Upgrades".)
    """

    def __call__(self, session: Session, event: CloudEvent) -> None:
        computation.compute(session, event.data["sheet_id"], event.data["revision"])

    def prepare(self, session: Session, batch: Iterable[CloudEvent]) -> None:
        """Read every sheet of a batch of jobs before the jobs run (one per event after)."""
        computation.prepare(
            session, ((event.data["sheet_id"], event.data["revision"]) for event in batch)
        )


compute_sheet = SheetJobs()


SUBSCRIPTIONS = {
    **orgcopy.subscriptions(UnitCopy, RegionCopy),
    # Deactivated users and withdrawn roles stop working here once heard of (kit.principals).
    **principals.subscriptions(),
    AnnouncementPublished.TYPE: copy_announcement,
    "criteria.table.published": copy_table,
    SHEET_COMPUTE_REQUESTED: compute_sheet,
}
