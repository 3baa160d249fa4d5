"""Emulation movements: drafted and launched by the Ministry, checked against criteria's read
models of identity's organisation (fed here through the real event handlers), and announced
with a valid ``criteria.movement.launched``."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from kit.service import Service
from services.criteria import events
from services.criteria.actions import ACTIONS
from services.criteria.api import covenants, movements
from services.criteria.models import Base, CriteriaTable, Movement
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

# Criteria with only this work's blueprints (the rest of the service is built in parallel).
SERVICE = Service(
    name="criteria",
    title="Thi đua — Criteria (movements and covenants)",
    description="Emulation movements and region covenants.",
    metadata=Base.metadata,
    migrations=Path(__file__).resolve().parents[1] / "migrations",
    blueprints=[movements.blueprint, covenants.blueprint],
    subscriptions=events.SUBSCRIPTIONS,
    actions=ACTIONS,
)

# (unit id, kind, name, valid_from, valid_to)
UNITS = [
    ("vu-tdkt", "department", "Vụ Thi đua - Khen thưởng", None, None),
    ("stp-01", "so-tu-phap", "Sở Tư pháp thành phố Hà Nội", None, None),
    ("thads-01", "cuc-thads", "Thi hành án dân sự thành phố Hà Nội", None, None),
    ("stp-79-2025", "so-tu-phap", "Sở Tư pháp Thành phố Hồ Chí Minh", "2025-07-01", None),
    ("stp-74", "so-tu-phap", "Sở Tư pháp tỉnh Bình Dương", None, "2025-06-30"),
    ("stp-30", "so-tu-phap", "Sở Tư pháp tỉnh Hải Dương", None, None),
]

# (region id, name, lead, members)
REGIONS = [
    ("2026-dong-bang-bac-bo", "Khu vực Đồng bằng Bắc Bộ", "stp-01", ["stp-01", "thads-01"]),
    ("2026-dong-nam-bo", "Khu vực Đông Nam Bộ", "stp-79-2025", ["stp-79-2025"]),
]


def org_created(
    unit_id: str, kind: str, name: str, start: str | None, end: str | None
) -> CloudEvent:
    return CloudEvent(
        type="identity.org.created",
        source="/thidua/identity",
        subject=f"org-unit/{unit_id}",
        data={
            "schema_version": 1,
            "unit_id": unit_id,
            "code": unit_id,
            "kind": kind,
            "name": name,
            "parent_id": None,
            "province_code": None,
            "valid_from": start,
            "valid_to": end,
            "successor_id": None,
        },
    )


def region_changed(region_id: str, name: str, lead: str, members: list[str]) -> CloudEvent:
    year, code = region_id.split("-", 1)
    return CloudEvent(
        type="identity.region.membership_changed",
        source="/thidua/identity",
        subject=f"region/{region_id}",
        data={
            "schema_version": 1,
            "region_id": region_id,
            "year": int(year),
            "code": code,
            "name": name,
            "lead_unit_id": lead,
            "deputy_unit_ids": [],
            "member_ids": sorted(members),
            "added": sorted(members),
            "removed": [],
        },
    )


def apply(stack: Stack, app: Flask, *events_: CloudEvent) -> None:
    """Feed identity's events to criteria's read models through the real consumer."""
    with app.app_context():
        consumer = Consumer(stack.settings("criteria"), runtime().db, SERVICE.subscriptions)
    for event in events_:
        assert consumer.apply(event) is True


def criteria_app(stack: Stack) -> Flask:
    """Criteria on the stack, its read models filled with the units and regions above."""
    app = service_app(stack, SERVICE)
    apply(stack, app, *(org_created(*unit) for unit in UNITS))
    apply(stack, app, *(region_changed(*region) for region in REGIONS))
    return app


def add_table(app: Flask, status: str) -> str:
    """A criteria table straight into the database (the tables API is built elsewhere)."""
    now = datetime.now(UTC)
    table_id = str(uuid.uuid4())
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            CriteriaTable(
                id=table_id,
                year=2026,
                unit_kind="so-tu-phap",
                status=status,
                version=1 if status != "draft" else None,
                title=f"Bảng tiêu chí 2026 ({status})",
                document={},
                revision=1,
                created_by="test",
                created_at=now,
                updated_at=now,
            )
        )
    return table_id


def envelopes(app: Flask, event_type: str | None = None) -> list[dict[str, Any]]:
    with app.app_context(), runtime().db.read() as session:
        query = select(outbox.c.envelope).order_by(outbox.c.id)
        if event_type:
            query = query.where(outbox.c.type == event_type)
        return [json.loads(r) for r in session.execute(query).scalars()]


def count(app: Flask, model: type) -> int:
    with app.app_context(), runtime().db.read() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def body(**changes: Any) -> dict[str, Any]:
    movement = {
        "title": "Phong trào thi đua “Ngành Tư pháp chung sức xây dựng nông thôn mới” năm 2026",
        "theme": "Đổi mới, sáng tạo, hoàn thành xuất sắc nhiệm vụ chính trị năm 2026",
        "kind": "regular",
        "launching_level": "ministry",
        "launching_unit_id": "vu-tdkt",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "phases": [
            {"name": "Đợt 1", "starts_on": "2026-01-01", "ends_on": "2026-06-30"},
            {"name": "Đợt 2", "starts_on": "2026-07-01", "ends_on": "2026-12-31"},
        ],
        "participant_unit_ids": ["stp-01", "thads-01", "stp-79-2025"],
        "table_id": None,
    }
    return {**movement, **changes}


def test_a_draft_is_the_ministrys_until_it_is_launched_with_a_valid_event(stack: Stack) -> None:
    app = criteria_app(stack)
    client, officer, unit = app.test_client(), ministry_officer(), unit_officer("stp-01")
    table_id = add_table(app, "published")

    created = client.post("/movements", json=body(table_id=table_id), headers=officer)
    assert created.status_code == 201, created.get_json()
    movement = created.get_json()
    assert movement["status"] == "draft" and movement["launched_at"] is None
    assert movement["phases"][1] == {
        "name": "Đợt 2",
        "starts_on": "2026-07-01",
        "ends_on": "2026-12-31",
    }
    url = f"/movements/{movement['id']}"
    assert client.get(url, headers=officer).get_json() == movement
    assert client.get(url, headers=unit).status_code == 404, "a draft is not known outside"
    assert client.get("/movements", headers=unit).get_json()["total"] == 0
    assert client.get("/movements?status=draft", headers=officer).get_json()["total"] == 1
    assert envelopes(app) == []

    launched = client.post(f"{url}/launch", headers=officer)
    assert launched.status_code == 200, launched.get_json()
    assert launched.get_json()["status"] == "launched"
    [event] = envelopes(app, events.MOVEMENT_LAUNCHED)
    assert_valid_event(event)
    assert event["subject"] == f"movement/{movement['id']}"
    assert event["data"]["table_id"] == table_id
    assert event["data"]["participant_unit_ids"] == ["stp-01", "thads-01", "stp-79-2025"]
    assert [p["name"] for p in event["data"]["phases"]] == ["Đợt 1", "Đợt 2"]

    assert client.get(url, headers=unit).get_json()["status"] == "launched"
    assert client.get("/movements?year=2026&kind=regular", headers=unit).get_json()["total"] == 1
    assert client.get("/movements?year=2027", headers=unit).get_json()["total"] == 0
    assert client.get("/movements?kind=thematic", headers=unit).get_json()["total"] == 0


def test_movement_fields_are_checked_against_each_other_and_the_read_models(
    stack: Stack,
) -> None:
    app = criteria_app(stack)
    client, officer = app.test_client(), ministry_officer()
    draft_table, superseded = add_table(app, "draft"), add_table(app, "superseded")
    phase = {"name": "Đợt 1", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"phases": [{**phase, "ends_on": "2027-01-15"}]}, "phases"),  # outside the period
        ({"phases": [{**phase, "starts_on": "2025-12-01"}]}, "phases"),
        (
            {
                "phases": [
                    phase,
                    {"name": "Đợt 2", "starts_on": "2026-06-15", "ends_on": "2026-12-31"},
                ]
            },
            "phases",
        ),  # overlapping
        (
            {
                "phases": [
                    {"name": "Đợt 2", "starts_on": "2026-07-01", "ends_on": "2026-12-31"},
                    phase,
                ]
            },
            "phases",
        ),  # out of order
        ({"phases": [{**phase, "starts_on": "2026-05-01", "ends_on": "2026-04-01"}]}, "phases"),
        ({"ends_on": "2025-12-31", "phases": []}, "ends_on"),
        ({"participant_unit_ids": ["stp-01", "stp-99"]}, "participant_unit_ids"),
        ({"participant_unit_ids": ["stp-74"]}, "participant_unit_ids"),  # merged away in 2025
        ({"participant_unit_ids": ["stp-01", "stp-01"]}, "participant_unit_ids"),
        ({"launching_unit_id": "vu-khong-co"}, "launching_unit_id"),
        ({"table_id": "no-such-table"}, "table_id"),
        ({"table_id": draft_table}, "table_id"),
        ({"table_id": superseded}, "table_id"),
        ({"kind": "weekly"}, "kind"),
        ({"launching_level": "province"}, "launching_level"),
        ({"title": ""}, "title"),
    ]
    for changes, field in cases:
        response = client.post("/movements", json=body(**changes), headers=officer)
        assert response.status_code == 422, (changes, response.get_json())
        errors = response.get_json()["errors"]
        assert field in errors, (changes, errors)
    english = client.post(
        "/movements",
        json=body(participant_unit_ids=["stp-99"]),
        headers={**officer, "Accept-Language": "en"},
    ).get_json()
    assert english["detail"] == "The movement is invalid, see errors."
    assert "no such unit" in english["errors"]["participant_unit_ids"][0]
    assert count(app, Movement) == 0
    assert envelopes(app) == []


def test_a_launched_movement_never_changes(stack: Stack) -> None:
    app = criteria_app(stack)
    client, officer = app.test_client(), ministry_officer()
    movement = client.post("/movements", json=body(), headers=officer).get_json()
    url = f"/movements/{movement['id']}"
    thematic = body(kind="thematic", title="Thi đua chào mừng Đại hội Đảng", phases=[])
    edited = client.put(url, json=thematic, headers=officer)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["kind"] == "thematic" and edited.get_json()["phases"] == []
    assert client.put(url, json=body(title=""), headers=officer).status_code == 422
    assert client.post(f"{url}/launch", headers=officer).status_code == 200

    refused = client.put(url, json=body(), headers=officer)
    assert refused.status_code == 409
    assert refused.get_json()["allowed"] == []
    english = client.put(url, json=body(), headers={**officer, "Accept-Language": "en"})
    assert english.get_json()["detail"] == (
        "The movement is launched: cannot edit. Allowed: nothing."
    )
    assert client.post(f"{url}/launch", headers=officer).status_code == 409
    assert client.get(url, headers=officer).get_json()["title"] == thematic["title"]
    assert len(envelopes(app, events.MOVEMENT_LAUNCHED)) == 1


def test_only_movement_managers_create_edit_and_launch(stack: Stack) -> None:
    app = criteria_app(stack)
    client, officer, unit = app.test_client(), ministry_officer(), unit_officer("stp-01")
    lead = as_role("region_lead", "region", "2026-dong-bang-bac-bo", unit="stp-01")
    assert client.post("/movements", json=body(), headers=unit).status_code == 403
    assert client.post("/movements", json=body(), headers=lead).status_code == 403
    assert client.post("/movements", json=body()).status_code == 401
    draft = client.post("/movements", json=body(), headers=officer).get_json()
    url = f"/movements/{draft['id']}"
    assert client.put(url, json=body(), headers=unit).status_code == 404
    assert client.post(f"{url}/launch", headers=unit).status_code == 404
    assert client.post(f"{url}/launch", headers=officer).status_code == 200
    assert client.put(url, json=body(), headers=unit).status_code == 403, "now visible"
    assert client.get("/movements/no-such-id", headers=officer).status_code == 404
    assert count(app, Movement) == 1


def test_launching_checks_the_units_again(stack: Stack) -> None:
    """A participant merged away after the draft was written stops the launch."""
    app = criteria_app(stack)
    client, officer = app.test_client(), ministry_officer()
    draft = client.post(
        "/movements", json=body(participant_unit_ids=["stp-30"]), headers=officer
    ).get_json()
    merged = CloudEvent(
        type="identity.org.merged",
        source="/thidua/identity",
        subject="org-unit/stp-31-2025",
        data={
            "schema_version": 1,
            "effective_date": "2025-07-01",
            "successor_id": "stp-31-2025",
            "merged_ids": ["stp-30"],
            "decision": "Nghị quyết 202/2025/QH15",
        },
    )
    apply(stack, app, merged)
    refused = client.post(f"/movements/{draft['id']}/launch", headers=officer)
    assert refused.status_code == 422
    assert "participant_unit_ids" in refused.get_json()["errors"]
    assert client.get(f"/movements/{draft['id']}", headers=officer).get_json()["status"] == "draft"
    assert envelopes(app) == []
