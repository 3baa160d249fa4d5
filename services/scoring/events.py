"""The events scoring publishes and consumes.

Scoring never calls criteria or identity: it keeps its own copies of every published table
version, of the organisation units and of the regions, from their events (rebuildable with
``python -m services.scoring read-models replay``). It also consumes its own
``scoring.sheet.submitted``: the scoring workers (competing consumers of scoring's queue)
compute a submitted sheet's totals, once in effect however often the message is delivered.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.events import CloudEvent
from services.scoring.domain import computation
from services.scoring.models import Announcement, RegionCopy, TableCopy, UnitCopy

SHEET_SUBMITTED = "scoring.sheet.submitted"
SHEET_RETURNED = "scoring.sheet.returned"
SHEET_FINALISED = "scoring.sheet.finalised"
ROUND_PHASE_CHANGED = "scoring.round.phase_changed"
RANKING_PUBLISHED = "scoring.ranking.published"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


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


def copy_unit(session: Session, event: CloudEvent) -> None:
    """identity.org.created / updated; an older rename arriving late does not win."""
    data = event.data
    since = _day(data.get("effective_date")) or _day(data.get("valid_from"))
    unit = session.get(UnitCopy, data["unit_id"])
    if unit is None:
        unit = UnitCopy(unit_id=data["unit_id"], name=data["name"], name_since=since)
        session.add(unit)
    elif unit.name_since is None or (since is not None and since >= unit.name_since):
        unit.name, unit.name_since = data["name"], since
    unit.kind = data["kind"]
    unit.province_code = data.get("province_code")
    unit.valid_from = _day(data.get("valid_from"))
    unit.valid_to = _day(data.get("valid_to"))
    unit.successor_id = data.get("successor_id") or unit.successor_id


def close_merged_units(session: Session, event: CloudEvent) -> None:
    effective = date.fromisoformat(event.data["effective_date"])
    for unit_id in event.data["merged_ids"]:
        unit = session.get(UnitCopy, unit_id)
        if unit is not None:
            unit.valid_to = effective - timedelta(days=1)
            unit.successor_id = event.data["successor_id"]


def copy_region(session: Session, event: CloudEvent) -> None:
    data = event.data
    session.merge(
        RegionCopy(
            region_id=data["region_id"],
            year=data["year"],
            name=data["name"],
            lead_unit_id=data.get("lead_unit_id"),
            member_ids=list(data["member_ids"]),
        )
    )


def compute_submitted_sheet(session: Session, event: CloudEvent) -> None:
    computation.compute(session, event.data["sheet_id"], event.data["revision"])


SUBSCRIPTIONS = {
    "identity.announcement.published": copy_announcement,
    "identity.org.created": copy_unit,
    "identity.org.updated": copy_unit,
    "identity.org.merged": close_merged_units,
    "identity.region.membership_changed": copy_region,
    "criteria.table.published": copy_table,
    SHEET_SUBMITTED: compute_submitted_sheet,
}
