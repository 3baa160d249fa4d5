"""Publishing a round's results: ranks with ties (1, 1, 3) nationally and per region, the
checks before publication, the event, who sees the results when, and the statistics
(hand-computed). The data is written straight into the tables. Both stacks."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import service_app
from kit.app import runtime
from kit.errors import Conflict
from kit.events.tables import outbox
from services.scoring.api import results
from services.scoring.domain import rankings
from services.scoring.models import (
    Entry,
    Ranking,
    RegionCopy,
    Round,
    Sheet,
    TableCopy,
    UnitCopy,
)
from services.scoring.service import SERVICE
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

DATA = Path(__file__).resolve().parents[3] / "services" / "criteria" / "data"
TABLE = json.loads((DATA / "sample-criteria-table.json").read_text())
EXAMPLE = json.loads((DATA / "sample-scoresheets.json").read_text())[0]  # 114.27, band C

# The service with this work's blueprint (added once service.py lists it).
TEST_SERVICE = (
    SERVICE
    if results.blueprint in SERVICE.blueprints
    else dataclasses.replace(SERVICE, blueprints=[*SERVICE.blueprints, results.blueprint])
)

NORTH, SOUTH = "2026-dong-bang-bac-bo", "2026-dong-nam-bo"
# unit id, name, region, total, band. Ties: 150.00 ×2, 140.00 ×2. stp-03 is the worked example.
UNITS: list[tuple[str, str, str | None, str, str]] = [
    ("stp-01", "Sở Tư pháp thành phố Hà Nội", NORTH, "150.00", "B"),
    ("stp-02", "Sở Tư pháp thành phố Hải Phòng", NORTH, "150.00", "B"),
    ("stp-03", "Sở Tư pháp tỉnh Bắc Ninh", NORTH, "114.27", "C"),
    ("stp-79", "Sở Tư pháp Thành phố Hồ Chí Minh", SOUTH, "140.00", "C"),
    ("stp-80", "Sở Tư pháp tỉnh Đồng Nai", SOUTH, "140.00", "C"),
    ("stp-90", "Sở Tư pháp tỉnh Điện Biên", None, "99.99", "D"),
]
REGIONS = [
    (NORTH, "Khu vực Đồng bằng Bắc Bộ", "stp-01", ["stp-01", "stp-02", "stp-03"]),
    (SOUTH, "Khu vực Đông Nam Bộ", "stp-79", ["stp-79", "stp-80"]),
]
# unit id → (national rank, region rank)
EXPECTED_RANKS = {
    "stp-01": (1, 1),
    "stp-02": (1, 1),
    "stp-79": (3, 1),
    "stp-80": (3, 1),
    "stp-03": (5, 3),
    "stp-90": (6, None),
}
OFFICER = ministry_officer()
HANOI = unit_officer("stp-01")
HCM = unit_officer("stp-79")


@dataclasses.dataclass
class World:
    app: Flask
    client: FlaskClient
    round_id: str
    sheets: dict[str, str]  # unit id → sheet id


def _result(total: str, band: str) -> dict[str, Any]:
    return {
        "leaf_points": {},
        "subtotals": {},
        "bonus": "0.00",
        "deduction": "0.00",
        "total": total,
        "band": band,
    }


def build(stack: Stack, phase: str = "closed") -> World:
    """A 2026 round of six units, every sheet final and computed, written into the tables."""
    app = service_app(stack, TEST_SERVICE)
    now = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
    round_id, sheets = str(uuid.uuid4()), {}
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            TableCopy(
                table_id="table-2026-v1",
                year=2026,
                unit_kind="so-tu-phap",
                version=1,
                supersedes_table_id=None,
                rules_version="2024.1",
                document={**TABLE, "year": 2026},
                published_at=datetime(2026, 1, 15, tzinfo=UTC),
            )
        )
        for unit_id, name, *_ in UNITS:
            session.add(UnitCopy(unit_id=unit_id, kind="so-tu-phap", name=name))
        for region_id, name, lead, members in REGIONS:
            session.add(
                RegionCopy(
                    region_id=region_id,
                    year=2026,
                    name=name,
                    lead_unit_id=lead,
                    member_ids=members,
                )
            )
        session.flush()
        session.add(
            Round(
                id=round_id,
                year=2026,
                unit_kind="so-tu-phap",
                name="Chấm điểm thi đua năm 2026",
                table_id="table-2026-v1",
                phase=phase,
                self_assessment_due=datetime(2026, 12, 15, tzinfo=UTC),
                review_due=datetime(2026, 12, 31, tzinfo=UTC),
                appraisal_due=datetime(2027, 1, 15, tzinfo=UTC),
                revision=5,
                created_by="ministry_officer-all",
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
        session.flush()
        for unit_id, _, region_id, total, band in UNITS:
            example = unit_id == "stp-03"
            sheet = Sheet(
                id=str(uuid.uuid4()),
                round_id=round_id,
                unit_id=unit_id,
                region_id=region_id,
                status="final",
                revision=4,
                compute_status="done",
                computed_revision=4,
                result=EXAMPLE["expected"] if example else _result(total, band),
                total=Decimal(total),
                band=band,
                bonus_counts=EXAMPLE["sheet"]["bonus"] if example else {},
                deduction_counts=EXAMPLE["sheet"]["deduction"] if example else {},
                updated_at=now,
            )
            session.add(sheet)
            sheets[unit_id] = sheet.id
            if example:
                session.flush()
                session.add_all(_example_entries(sheet.id))
    return World(app, app.test_client(), round_id, sheets)


def _example_entries(sheet_id: str) -> list[Entry]:
    """The worked example's inputs and points; the region and the appraisal touched two."""
    points = EXAMPLE["expected"]["leaf_points"]
    entries = []
    for position, (code, inputs) in enumerate(EXAMPLE["sheet"]["entries"].items()):
        entry = Entry(
            id=str(uuid.uuid4()),
            sheet_id=sheet_id,
            code=code,
            position=position,
            inputs=inputs,
            self_points=Decimal(points[code]),
            revision=2,
        )
        if code == "A.I.6":
            entry.review_points, entry.review_reason = Decimal("2.00"), "Thiếu minh chứng quý IV"
        if code == "A.I.5":
            entry.final_points, entry.final_reason = Decimal("2.50"), "Giữ nguyên điểm tự chấm"
        entries.append(entry)
    return entries


def set_sheet(world: World, unit_id: str, **values: Any) -> None:
    with world.app.app_context(), runtime().db.transaction() as session:
        sheet = session.get(Sheet, world.sheets[unit_id])
        assert sheet is not None
        for name, value in values.items():
            setattr(sheet, name, value)


def published_events(world: World) -> list[dict[str, Any]]:
    with world.app.app_context(), runtime().db.read() as session:
        query = (
            select(outbox.c.envelope)
            .where(outbox.c.type == "scoring.ranking.published")
            .order_by(outbox.c.id)
        )
        return [json.loads(row) for row in session.execute(query).scalars()]


def stored_rankings(world: World) -> list[Ranking]:
    with world.app.app_context(), runtime().db.read() as session:
        query = select(Ranking).where(Ranking.round_id == world.round_id)
        return list(session.execute(query).scalars())


def publish(world: World, headers: dict[str, str] = OFFICER) -> Any:
    return world.client.post(f"/rounds/{world.round_id}/results", headers=headers)


# -- ranking -------------------------------------------------------------------------------


def test_place_shares_ranks_between_equal_totals() -> None:
    placed = rankings.place(
        [
            ("c", "r1", Decimal("140.00"), "C"),
            ("b", "r1", Decimal("150.00"), "B"),
            ("a", "r2", Decimal("150"), "B"),
            ("d", "r2", 139.99, "C"),  # a float, as SQLite may hand it back
            ("e", None, Decimal("140.004"), "C"),  # rounds to 140.00: ties with c
        ]
    )
    assert [(p.unit_id, p.national_rank, p.region_rank) for p in placed] == [
        ("a", 1, 1),
        ("b", 1, 1),
        ("c", 3, 2),
        ("e", 3, None),
        ("d", 5, 2),
    ]
    assert placed[3].total == Decimal("140.00")


def test_publish_ranks_nationally_and_per_region_and_announces_it(stack: Stack) -> None:
    world = build(stack)
    response = publish(world)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["published"] is True and body["published_at"]
    got = {i["unit_id"]: (i["national_rank"], i["region_rank"]) for i in body["items"]}
    assert got == EXPECTED_RANKS
    assert [i["unit_id"] for i in body["items"]] == [
        "stp-01",
        "stp-02",
        "stp-79",
        "stp-80",
        "stp-03",
        "stp-90",
    ]
    first = body["items"][0]
    assert first == {
        "unit_id": "stp-01",
        "unit_name": "Sở Tư pháp thành phố Hà Nội",
        "region_id": NORTH,
        "region_name": "Khu vực Đồng bằng Bắc Bộ",
        "total": "150.00",
        "band": "B",
        "national_rank": 1,
        "region_rank": 1,
    }

    stored = {r.unit_id: r for r in stored_rankings(world)}
    assert {u: (r.national_rank, r.region_rank) for u, r in stored.items()} == EXPECTED_RANKS
    assert Decimal(str(stored["stp-03"].total)).quantize(Decimal("0.01")) == Decimal("114.27")
    with world.app.app_context(), runtime().db.read() as session:
        round_ = session.get(Round, world.round_id)
        assert round_ is not None
        assert round_.phase == "published" and round_.published_at is not None

    [event] = published_events(world)
    assert_valid_event(event)
    assert event["subject"] == f"round/{world.round_id}"
    data = event["data"]
    assert (data["round_id"], data["year"], data["unit_kind"]) == (
        world.round_id,
        2026,
        "so-tu-phap",
    )
    assert (data["table_id"], data["rules_version"]) == ("table-2026-v1", "2024.1")
    assert data["published_at"] == body["published_at"].replace("Z", "+00:00")
    assert [u["unit_id"] for u in data["units"]] == [i["unit_id"] for i in body["items"]]
    assert {u["unit_id"] for u in data["units"]} == {u[0] for u in UNITS}
    south = next(u for u in data["units"] if u["unit_id"] == "stp-80")
    assert south == {
        "unit_id": "stp-80",
        "unit_name": "Sở Tư pháp tỉnh Đồng Nai",
        "region_id": SOUTH,
        "total": "140.00",
        "band": "C",
        "national_rank": 3,
        "region_rank": 1,
    }
    alone = data["units"][-1]
    assert (alone["unit_id"], alone["region_id"], alone["region_rank"]) == ("stp-90", None, None)

    again = publish(world)  # published once: the round is no longer closed
    assert again.status_code == 409
    assert again.get_json()["allowed"] == ["closed"]
    assert len(published_events(world)) == 1 and len(stored_rankings(world)) == len(UNITS)


@pytest.mark.parametrize("phase", ["appraisal", "self_assessment"])
def test_publish_only_from_closed(stack: Stack, phase: str) -> None:
    world = build(stack, phase=phase)
    response = publish(world)
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["allowed"] == ["closed"] and problem["phase"] == phase
    assert "closed" in problem["detail"]
    assert published_events(world) == [] and stored_rankings(world) == []


def test_publish_refused_while_a_sheet_is_not_ready(stack: Stack) -> None:
    world = build(stack)
    set_sheet(world, "stp-02", status="reviewed")  # the appraisal has not finalised it
    set_sheet(world, "stp-80", revision=5)  # final, but its last revision is not computed
    response = publish(world)
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["not_ready"] == ["stp-02", "stp-80"]
    assert "stp-02" in problem["detail"] and "stp-80" in problem["detail"]
    assert published_events(world) == [] and stored_rankings(world) == []

    set_sheet(world, "stp-02", status="final")
    set_sheet(world, "stp-80", computed_revision=5)
    assert publish(world).status_code == 200


def test_only_ministry_officers_publish(stack: Stack) -> None:
    world = build(stack)
    assert publish(world, HANOI).status_code == 403
    lead = as_role("region_lead", "region", NORTH, unit="stp-01")
    assert publish(world, lead).status_code == 403
    assert world.client.post("/rounds/nope/results", headers=OFFICER).status_code == 404
    assert stored_rankings(world) == []


# -- who sees the results ------------------------------------------------------------------


def test_results_are_secret_until_published(stack: Stack) -> None:
    world = build(stack)
    auditor = as_role("auditor")
    lead = as_role("region_lead", "region", NORTH, unit="stp-01")
    paths = [
        f"/rounds/{world.round_id}/rankings",
        f"/rounds/{world.round_id}/statistics",
        f"/rounds/{world.round_id}/rankings.xlsx",
    ]
    for path in paths:
        for caller in (HANOI, HCM, lead, auditor):
            assert world.client.get(path, headers=caller).status_code == 404, path
        assert world.client.get(path).status_code == 401

    preview = world.client.get(paths[0], headers=OFFICER)
    assert preview.status_code == 200
    body = preview.get_json()
    assert body["published"] is False and body["published_at"] is None
    assert {i["unit_id"]: (i["national_rank"], i["region_rank"]) for i in body["items"]} == (
        EXPECTED_RANKS
    )
    assert world.client.get(paths[1], headers=OFFICER).get_json()["published"] is False
    assert stored_rankings(world) == []  # a preview stores nothing

    assert publish(world).status_code == 200
    council = as_role("council_member")
    for path in paths:
        for caller in (HANOI, HCM, lead, auditor, council, OFFICER):
            assert world.client.get(path, headers=caller).status_code == 200, path
    after = world.client.get(paths[0], headers=HCM).get_json()
    assert after["published"] is True
    assert [i["national_rank"] for i in after["items"]] == [1, 1, 3, 3, 5, 6]
    assert world.client.get("/rounds/nope/rankings", headers=HANOI).status_code == 404


def test_sheet_export_follows_who_may_read_the_sheet(stack: Stack) -> None:
    world = build(stack)

    def export(unit_id: str, caller: dict[str, str]) -> int:
        sheet_id = world.sheets[unit_id]
        return world.client.get(f"/sheets/{sheet_id}/export.xlsx", headers=caller).status_code

    north_lead = as_role("region_lead", "region", NORTH, unit="stp-01")
    assert export("stp-01", HANOI) == 200  # its own unit
    assert export("stp-03", HANOI) == 404  # another unit, before publication
    assert export("stp-03", north_lead) == 200  # its region
    assert export("stp-79", north_lead) == 404  # another region
    assert export("stp-90", north_lead) == 404  # no region at all
    assert export("stp-79", OFFICER) == 200
    assert export("stp-79", as_role("auditor")) == 200
    assert world.client.get("/sheets/nope/export.xlsx", headers=OFFICER).status_code == 404

    assert publish(world).status_code == 200
    assert export("stp-03", HANOI) == 200
    assert export("stp-90", HCM) == 200
    assert export("stp-79", as_role("council_member")) == 200


# -- statistics ----------------------------------------------------------------------------


def test_describe_rounds_half_up_at_the_end() -> None:
    figures = rankings.describe([Decimal("120.25"), Decimal("140.00")], ["C", "C"], "ABCD")
    # mean = median = 130.125 → 130.13; σ = |140 − 120.25| / 2 = 9.875 → 9.88
    assert figures == {
        "count": 2,
        "mean": "130.13",
        "median": "130.13",
        "min": "120.25",
        "max": "140.00",
        "stddev": "9.88",
        "bands": {"A": 0, "B": 0, "C": 2, "D": 0},
    }
    empty = rankings.describe([], [], ["A"])
    assert empty["count"] == 0 and empty["mean"] is None and empty["bands"] == {"A": 0}


def test_statistics_per_region_and_national(stack: Stack) -> None:
    world = build(stack)
    assert publish(world).status_code == 200
    stats = world.client.get(f"/rounds/{world.round_id}/statistics", headers=HANOI).get_json()
    assert stats["published"] is True and stats["round_id"] == world.round_id
    # 150, 150, 140, 140, 114.27, 99.99: Σ = 794.26, mean = 132.3766… → 132.38; median =
    # (140 + 140) / 2; deviations 17.6233, 17.6233, 7.6233, 7.6233, −18.1067, −32.3867:
    # Σ squares = 2114.1417, / 6 = 352.3570, √ = 18.7712 → 18.77.
    assert stats["national"] == {
        "count": 6,
        "mean": "132.38",
        "median": "140.00",
        "min": "99.99",
        "max": "150.00",
        "stddev": "18.77",
        "bands": {"A": 0, "B": 2, "C": 3, "D": 1},
    }
    north, south = stats["regions"]
    # 150, 150, 114.27: mean 138.09; deviations 11.91, 11.91, −23.82: (141.8481 × 2 +
    # 567.3924) / 3 = 283.6962, √ = 16.8433 → 16.84.
    assert north == {
        "region_id": NORTH,
        "region_name": "Khu vực Đồng bằng Bắc Bộ",
        "count": 3,
        "mean": "138.09",
        "median": "150.00",
        "min": "114.27",
        "max": "150.00",
        "stddev": "16.84",
        "bands": {"A": 0, "B": 2, "C": 1, "D": 0},
    }
    assert south == {
        "region_id": SOUTH,
        "region_name": "Khu vực Đông Nam Bộ",
        "count": 2,
        "mean": "140.00",
        "median": "140.00",
        "min": "140.00",
        "max": "140.00",
        "stddev": "0.00",
        "bands": {"A": 0, "B": 0, "C": 2, "D": 0},
    }


def test_publish_domain_refusal_names_the_allowed_phase(stack: Stack) -> None:
    world = build(stack, phase="region_review")
    with world.app.app_context(), runtime().db.transaction() as session:
        round_ = session.get(Round, world.round_id)
        assert round_ is not None
        with pytest.raises(Conflict) as raised:
            rankings.publish(session, "someone", round_)
    assert raised.value.status == 409 and raised.value.extra["allowed"] == ["closed"]
