"""A service's copy of identity's organisation units and regions, kept from identity's events.

Every service that scores, awards or notifies per unit needs to know which units exist on a
day and which region each belongs to in a year, without calling identity. The events are
identity's public contract (docs/events.md; read here through their dataclasses in
contracts.identity, never by string keys), so the copy is the same everywhere: a service
declares its two tables with these mixins and subscribes the handlers ``subscriptions`` gives.

Consumers may run in parallel, so an older rename can arrive after a newer one: a unit's name
is replaced only by one that took effect no earlier than the name kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from contracts.identity import (
    OrgUnitCreated,
    OrgUnitsMerged,
    OrgUnitUpdated,
    RegionMembershipChanged,
)
from kit.events.envelope import CloudEvent

__all__ = ["Handler", "RegionCopyColumns", "UnitCopyColumns", "subscriptions"]


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


Handler = Callable[[Session, CloudEvent], None]


def subscriptions(unit_model: type[Any], region_model: type[Any]) -> dict[str, Handler]:
    """Handlers of identity's organisation events that keep ``unit_model`` and
    ``region_model`` (declared with the mixins above) up to date."""

    def copy_unit(session: Session, news: OrgUnitCreated | OrgUnitUpdated) -> None:
        since = news.effective_date if isinstance(news, OrgUnitUpdated) else news.valid_from
        unit = session.get(unit_model, news.unit_id)
        if unit is None:
            unit = unit_model(unit_id=news.unit_id, name=news.name, name_since=since)
            session.add(unit)
        elif unit.name_since is None or (since is not None and since >= unit.name_since):
            unit.name, unit.name_since = news.name, since
        unit.kind = news.kind
        unit.province_code = news.province_code
        unit.valid_from = news.valid_from
        unit.valid_to = news.valid_to
        unit.successor_id = news.successor_id or unit.successor_id

    def unit_created(session: Session, event: CloudEvent) -> None:
        copy_unit(session, OrgUnitCreated.from_data(event.data))

    def unit_updated(session: Session, event: CloudEvent) -> None:
        copy_unit(session, OrgUnitUpdated.from_data(event.data))

    def close_merged_units(session: Session, event: CloudEvent) -> None:
        merger = OrgUnitsMerged.from_data(event.data)
        for unit_id in merger.merged_ids:
            unit = session.get(unit_model, unit_id)
            if unit is not None:
                unit.valid_to = merger.last_day
                unit.successor_id = merger.successor_id

    def copy_region(session: Session, event: CloudEvent) -> None:
        region = RegionMembershipChanged.from_data(event.data)
        session.merge(
            region_model(
                region_id=region.region_id,
                year=region.year,
                name=region.name,
                lead_unit_id=region.lead_unit_id,
                member_ids=list(region.member_ids),
            )
        )

    return {
        OrgUnitCreated.TYPE: unit_created,
        OrgUnitUpdated.TYPE: unit_updated,
        OrgUnitsMerged.TYPE: close_merged_units,
        RegionMembershipChanged.TYPE: copy_region,
    }
