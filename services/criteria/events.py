"""The events criteria publishes, and the identity events it keeps its read models from."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from kit.events import CloudEvent
from services.criteria.models import RegionCopy, UnitCopy

TABLE_PUBLISHED = "criteria.table.published"
MOVEMENT_LAUNCHED = "criteria.movement.launched"
COVENANT_SIGNED = "criteria.covenant.signed"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def copy_unit(session: Session, event: CloudEvent) -> None:
    """identity.org.created / updated: keep the unit's lifetime and its newest name.

    Consumers may run in parallel, so an older rename can arrive after a newer one; the name
    is replaced only by one that took effect no earlier than the name kept.
    """
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
    """identity.org.merged: the merged units end the day before the merger."""
    effective = date.fromisoformat(event.data["effective_date"])
    for unit_id in event.data["merged_ids"]:
        unit = session.get(UnitCopy, unit_id)
        if unit is not None:
            unit.valid_to = date.fromordinal(effective.toordinal() - 1)
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


SUBSCRIPTIONS = {
    "identity.org.created": copy_unit,
    "identity.org.updated": copy_unit,
    "identity.org.merged": close_merged_units,
    "identity.region.membership_changed": copy_region,
}
