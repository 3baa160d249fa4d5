"""Awards' read model of scoring's published results, consumer-driven: a
``scoring.ranking.published`` event built with its contract (contracts.scoring, what scoring
emits) is delivered to awards' consumer; the unit profile shows each unit's result, a unit
leading its region with band A or B is eligible for the Cờ thi đua ngành Tư pháp under the
sample pack, and redelivery or replay changes nothing. The real scoring service publishing
the event: tests/test_scoring_results_reach_awards.py. Both stacks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from conftest import service_app
from contracts.scoring import Placement, RankingPublished
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.awards.service import SERVICE
from services.awards.tests.test_registry_reads import RULES
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

MINISTRY = ministry_officer()
NORTH, SOUTH = "2026-dong-bang-bac-bo", "2026-dong-nam-bo"
ROUND = "5b1e7c3a-0d2f-4e8b-9a61-7f0c2d3e4b5a"


def place(unit: str, region: str | None, total: str, band: str, ranks: tuple) -> Placement:
    return Placement(
        unit_id=unit,
        unit_name=f"Sở Tư pháp {unit}",
        region_id=region,
        total=Decimal(total),
        band=band,
        national_rank=ranks[0],
        region_rank=ranks[1],
    )


NEWS = RankingPublished(
    round_id=ROUND,
    year=2026,
    unit_kind="so-tu-phap",
    table_id="table-2026-v1",
    rules_version="2024.1",
    published_at=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
    actor="ministry_officer-all",
    units=(
        place("stp-01", NORTH, "150.00", "B", (1, 1)),
        place("stp-79", SOUTH, "140.00", "C", (2, 1)),
        place("stp-03", NORTH, "114.27", "C", (3, 2)),
    ),
)


def event() -> CloudEvent:
    return CloudEvent(
        type=NEWS.TYPE,
        source="/thidua/scoring",
        subject=NEWS.subject,
        data={"schema_version": 1, **NEWS.to_data()},
    )


def test_the_published_results_show_once_however_often_they_arrive(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    with app.app_context():
        consumer = Consumer(stack.settings("awards"), runtime().db, SERVICE.subscriptions)
    news = event()
    assert_valid_event(news.to_dict())
    assert consumer.apply(news) is True
    client = app.test_client()

    body = client.get("/units/stp-01", headers=unit_officer("stp-01")).get_json()
    assert body["results"] == [
        {
            "year": 2026,
            "round_id": ROUND,
            "unit_kind": "so-tu-phap",
            "region_id": NORTH,
            "total": "150.00",
            "band": "B",
            "national_rank": 1,
            "region_rank": 1,
            "published_at": body["results"][0]["published_at"],
        }
    ]
    assert client.get("/units/stp-01", headers=unit_officer("stp-79")).status_code == 404

    assert consumer.apply(news) is False, "a redelivered event is recognised"
    replay = event()  # the same facts under a new id (events replay --to awards)
    assert consumer.apply(replay) is True
    assert client.get("/units/stp-01", headers=MINISTRY).get_json() == body


def test_the_region_leader_with_band_a_or_b_is_eligible_for_the_flag(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    with app.app_context():
        Consumer(stack.settings("awards"), runtime().db, SERVICE.subscriptions).apply(event())
    client = app.test_client()
    uploaded = client.post("/rule-packs", json=RULES, headers=MINISTRY)
    assert uploaded.status_code == 201, uploaded.get_json()
    published = client.post(
        f"/rule-packs/{uploaded.get_json()['pack_id']}/publish",
        headers={**MINISTRY, "If-Match": uploaded.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()

    def passed(unit: str) -> tuple[Any, list[bool]]:
        response = client.get(
            f"/eligibility?award=CO_NGANH&year=2026&subject={unit}", headers=MINISTRY
        )
        assert response.status_code == 200, response.get_json()
        verdict = response.get_json()
        return verdict["eligible"], [c["passed"] for c in verdict["conditions"]]

    assert passed("stp-01") == (True, [True, True])  # first in its region, band B
    assert passed("stp-79") == (False, [True, False])  # first in its region, band C
    assert passed("stp-03") == (False, [False, False])  # second in its region, band C
