"""Criteria's copies of identity's units and regions follow identity's events."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kit.db import Database
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.migrate import upgrade
from kit.service import Service
from services.criteria.events import SUBSCRIPTIONS
from services.criteria.models import Base, RegionCopy, UnitCopy
from tests.support.stack import Stack


def unit_event(kind: str, name: str, **extra: object) -> CloudEvent:
    data = {
        "schema_version": 1,
        "unit_id": "thads-01",
        "code": "THADS-01",
        "kind": "cuc-thads",
        "name": name,
        "parent_id": "tong-cuc-thads",
        "province_code": "01",
        "valid_from": None,
        "valid_to": None,
        "successor_id": None,
        **extra,
    }
    return CloudEvent(
        type=f"identity.org.{kind}",
        source="/thidua/identity",
        subject="org-unit/thads-01",
        data=data,
    )


def consumer(stack: Stack) -> tuple[Consumer, Database]:
    """The real handlers on a migrated criteria database (no HTTP app needed)."""
    service = Service(
        name="criteria",
        title="criteria",
        description="",
        metadata=Base.metadata,
        migrations=Path(__file__).resolve().parents[1] / "migrations",
        blueprints=[],
        subscriptions=SUBSCRIPTIONS,
    )
    settings = stack.settings("criteria")
    upgrade(service, settings.database_url)
    db = Database(settings.database_url, "criteria")
    return Consumer(settings, db, SUBSCRIPTIONS), db


def test_a_late_older_rename_does_not_undo_a_newer_one(stack: Stack) -> None:
    consume, db = consumer(stack)
    consume.apply(unit_event("created", "Cục Thi hành án dân sự thành phố Hà Nội"))
    newer = unit_event(
        "updated", "Thi hành án dân sự thành phố Hà Nội", effective_date="2025-07-01"
    )
    older = unit_event("updated", "Cục THADS Hà Nội (tên cũ)", effective_date="2020-01-01")
    consume.apply(newer)
    consume.apply(older)  # delivered late by a second consumer
    with db.read() as session:
        unit = session.get(UnitCopy, "thads-01")
        assert unit.name == "Thi hành án dân sự thành phố Hà Nội"
        assert unit.name_since == date(2025, 7, 1)


def test_mergers_close_units_and_regions_are_replaced_whole(stack: Stack) -> None:
    consume, db = consumer(stack)
    consume.apply(unit_event("created", "Cục Thi hành án dân sự thành phố Hà Nội"))
    consume.apply(
        CloudEvent(
            type="identity.org.merged",
            source="/thidua/identity",
            subject="org-unit/thads-99",
            data={
                "schema_version": 1,
                "effective_date": "2025-07-01",
                "successor_id": "thads-99",
                "merged_ids": ["thads-01"],
                "decision": None,
            },
        )
    )
    region = {
        "schema_version": 1,
        "region_id": "2026-x",
        "year": 2026,
        "code": "x",
        "name": "Cụm X",
        "lead_unit_id": "stp-01",
        "deputy_unit_ids": [],
        "member_ids": ["stp-01", "thads-01"],
        "added": [],
        "removed": [],
    }
    consume.apply(
        CloudEvent(
            type="identity.region.membership_changed",
            source="/thidua/identity",
            subject="region/2026-x",
            data=region,
        )
    )
    consume.apply(
        CloudEvent(
            type="identity.region.membership_changed",
            source="/thidua/identity",
            subject="region/2026-x",
            data={**region, "member_ids": ["stp-01"]},
        )
    )
    with db.read() as session:
        unit = session.get(UnitCopy, "thads-01")
        assert (unit.valid_to, unit.successor_id) == (date(2025, 6, 30), "thads-99")
        assert not unit.exists_on(date(2026, 1, 1))
        assert session.get(RegionCopy, "2026-x").member_ids == ["stp-01"]
