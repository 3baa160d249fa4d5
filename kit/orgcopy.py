"""A service's copy of identity's organisation units and regions, kept from identity's events.

Every service that scores, awards or notifies per unit needs to know which units exist on a
day and which region each belongs to in a year, without calling identity. The events are
identity's public contract (docs/events.md), so the copy is the same everywhere: a service
declares its two tables with these mixins and subscribes the handlers ``subscriptions`` gives.

Consumers may run in parallel, so an older rename can arrive after a newer one: a unit's name
is replaced only by one that took effect no earlier than the name kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from kit.events.envelope import CloudEvent


class UnitCopyColumns:
    """Columns of a unit copy (mix into a declarative model with its own ``__tablename__``)."""

    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(300))
    name_since: Mapped[date | None] = mapped_column(Date)  # when the name took effect
    province_code: Mapped[str | None] = mapped_column(String(8))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[str | None] = mapped_column(String(64))

    def exists_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class RegionCopyColumns:
    """Columns of a region copy: one region of one year and its member units."""

    region_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(300))
    lead_unit_id: Mapped[str | None] = mapped_column(String(64))
    member_ids: Mapped[list[str]] = mapped_column(JSON)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


Handler = Callable[[Session, CloudEvent], None]


def subscriptions(unit_model: type[Any], region_model: type[Any]) -> dict[str, Handler]:
    """Handlers of identity's organisation events that keep ``unit_model`` and
    ``region_model`` (declared with the mixins above) up to date."""

    def copy_unit(session: Session, event: CloudEvent) -> None:
        data = event.data
        since = _day(data.get("effective_date")) or _day(data.get("valid_from"))
        unit = session.get(unit_model, data["unit_id"])
        if unit is None:
            unit = unit_model(unit_id=data["unit_id"], name=data["name"], name_since=since)
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
            unit = session.get(unit_model, unit_id)
            if unit is not None:
                unit.valid_to = effective - timedelta(days=1)
                unit.successor_id = event.data["successor_id"]

    def copy_region(session: Session, event: CloudEvent) -> None:
        data = event.data
        session.merge(
            region_model(
                region_id=data["region_id"],
                year=data["year"],
                name=data["name"],
                lead_unit_id=data.get("lead_unit_id"),
                member_ids=list(data["member_ids"]),
            )
        )

    return {
        "identity.org.created": copy_unit,
        "identity.org.updated": copy_unit,
        "identity.org.merged": close_merged_units,
        "identity.region.membership_changed": copy_region,
    }
