"""Rounds over the real organisation trees: identity's reference data, delivered to scoring as
events, gives 63 participants for 2024 and 34 for 2026. And an amendment published mid-round
is applied only when a ministry officer moves the round to it, recomputing every sheet."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import service_app
from kit.app import create_app, database, runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from services.identity.domain import reference
from services.identity.service import SERVICE as IDENTITY
from services.scoring.models import Change, Entry, Sheet
from services.scoring.service import SERVICE as SCORING
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer

TABLE = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "services"
        / "criteria"
        / "data"
        / "sample-criteria-table.json"
    ).read_text()
)
OFFICER = ministry_officer()


def published(
    table_id: str, year: int, version: int, document: dict, supersedes: str | None = None
) -> CloudEvent:
    return CloudEvent(
        type="criteria.table.published",
        source="/thidua/criteria",
        subject=f"criteria-table/{year}/so-tu-phap",
        data={
            "schema_version": 1,
            "table_id": table_id,
            "year": year,
            "unit_kind": "so-tu-phap",
            "version": version,
            "supersedes_table_id": supersedes,
            "change_note": None,
            "published_at": "2026-02-01T00:00:00+00:00",
            "rules_version": "2024.1",
            "methods": {},
            "document": {**document, "year": year},
        },
    )


@pytest.fixture
def scoring(stack: Stack):
    """Scoring with identity's real reference data delivered as events (no bus needed)."""
    stack.prepare(IDENTITY)
    identity = create_app(IDENTITY, stack.settings("identity"))
    with identity.app_context(), database().transaction() as session:
        reference.load(session, last_year=2027)
    with identity.app_context(), database().read() as session:
        envelopes = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        history = [CloudEvent.from_json(e) for e in envelopes]
    app = service_app(stack, SCORING)
    with app.app_context():
        consumer = Consumer(stack.settings("scoring"), runtime().db, SCORING.subscriptions)
    for event in history:
        if consumer.handler_for(event.type):
            consumer.apply(event)
    app.consumer = consumer  # type: ignore[attr-defined]
    return app


def open_round(client, year: int) -> dict:
    response = client.post(
        "/rounds",
        headers=OFFICER,
        json={
            "year": year,
            "unit_kind": "so-tu-phap",
            "name": f"Năm {year}",
            "self_assessment_due": f"{year}-12-15T10:00:00+00:00",
            "review_due": f"{year}-12-20T10:00:00+00:00",
            "appraisal_due": f"{year + 1}-01-10T10:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_2024_has_63_participants_and_2026_has_34(scoring) -> None:
    for year, table_id in ((2024, "t-2024"), (2026, "t-2026")):
        scoring.consumer.apply(published(table_id, year, 1, TABLE))
    client = scoring.test_client()
    r2024, r2026 = open_round(client, 2024), open_round(client, 2026)
    count = {}
    for round_ in (r2024, r2026):
        page = client.get(f"/rounds/{round_['id']}/sheets?page_size=200", headers=OFFICER)
        count[round_["year"]] = page.get_json()["total"]
        units = {s["unit_id"] for s in page.get_json()["items"]}
        regions = {s["region_id"] for s in page.get_json()["items"]}
        assert None not in regions, "every unit belongs to a region that year"
        if round_["year"] == 2024:
            assert "stp-27" in units and "stp-24-2025" not in units
        else:
            assert "stp-24-2025" in units and "stp-27" not in units
    assert count == {2024: 63, 2026: 34}


def test_an_amendment_applies_when_the_round_is_moved_to_it(scoring) -> None:
    scoring.consumer.apply(published("t-2026-v1", 2026, 1, TABLE))
    client = scoring.test_client()
    round_ = open_round(client, 2026)
    amended = copy.deepcopy(TABLE)
    section = amended["parts"][0]["children"][0]
    removed = section["children"].pop()  # the amendment drops the section's last criterion
    section["max_points"] -= removed["max_points"]
    amended["parts"][0]["max_points"] -= removed["max_points"]
    amended["max_points"] -= removed["max_points"]
    scoring.consumer.apply(published("t-2026-v2", 2026, 2, amended, supersedes="t-2026-v1"))
    assert client.get(f"/rounds/{round_['id']}", headers=OFFICER).get_json()["table_id"] == (
        "t-2026-v1"
    ), "a published amendment does not move a running round by itself"

    moved = client.post(
        f"/rounds/{round_['id']}/table",
        headers=OFFICER,
        json={"table_id": "t-2026-v2", "reason": "QĐ sửa đổi bảng tiêu chí"},
    )
    assert moved.status_code == 200, moved.get_json()
    with scoring.app_context(), database().read() as session:
        sheets = session.execute(select(func.count()).select_from(Sheet)).scalar()
        left = session.execute(
            select(func.count()).select_from(Entry).where(Entry.code == removed["code"])
        ).scalar()
        audited = session.execute(select(Change).where(Change.field == "table_id")).scalars()
        moves = [(c.old, c.new, c.reason) for c in audited]
    assert left == 0
    assert sheets == 34
    assert moves == [("t-2026-v1", "t-2026-v2", "QĐ sửa đổi bảng tiêu chí")] * 34
