"""Scoring's published results reach awards as its read model: the real scoring service
publishes a round, the ``scoring.ranking.published`` event taken from scoring's outbox is
delivered to awards' consumer, and awards' unit profile shows the result; a unit leading its
region with band A or B is then eligible for the Cờ thi đua ngành Tư pháp under the sample
pack. Redelivery changes nothing. Both stacks.

A platform test: it drives two services, which no service's own tests may import
(import-linter: "Services are independent of each other"). Awards' own consumer-driven test
is services/awards/tests/test_ranking_read_model.py."""

from __future__ import annotations

import json

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.awards.service import SERVICE
from services.awards.tests.test_registry_reads import RULES
from services.scoring.tests.test_rankings import build, publish, published_events
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

MINISTRY = ministry_officer()


def test_a_published_round_shows_on_the_unit_and_decides_the_flag(stack: Stack) -> None:
    scoring = build(stack)
    assert publish(scoring).status_code == 200
    [envelope] = published_events(scoring)
    event = CloudEvent.from_json(json.dumps(envelope))

    app = service_app(stack, SERVICE)
    with app.app_context():
        consumer = Consumer(stack.settings("awards"), runtime().db, SERVICE.subscriptions)
    assert consumer.apply(event) is True
    client = app.test_client()

    hanoi = client.get("/units/stp-01", headers=unit_officer("stp-01"))
    assert hanoi.status_code == 200, hanoi.get_json()
    [result] = hanoi.get_json()["results"]
    assert result["year"] == 2026 and result["round_id"] == scoring.round_id
    assert (result["total"], result["band"]) == ("150.00", "B")
    assert (result["national_rank"], result["region_rank"]) == (1, 1)
    assert result["region_id"] == "2026-dong-bang-bac-bo"
    # The worked example's unit: 114.27, band C, third in its region.
    [bac_ninh] = client.get("/units/stp-03", headers=MINISTRY).get_json()["results"]
    assert (bac_ninh["total"], bac_ninh["band"], bac_ninh["region_rank"]) == ("114.27", "C", 3)
    # Another unit learns nothing of Hà Nội from awards either.
    assert client.get("/units/stp-01", headers=unit_officer("stp-79")).status_code == 404

    before = client.get("/units/stp-01", headers=MINISTRY).get_json()
    assert consumer.apply(event) is False, "a redelivered event is recognised"
    replay = CloudEvent(  # the same facts under a new id (events replay --to awards)
        type=event.type, source=event.source, subject=event.subject, data=event.data
    )
    assert replay.id != event.id
    assert consumer.apply(replay) is True
    assert client.get("/units/stp-01", headers=MINISTRY).get_json() == before

    uploaded = client.post("/rule-packs", json=RULES, headers=MINISTRY)
    assert uploaded.status_code == 201, uploaded.get_json()
    pack_id = uploaded.get_json()["pack_id"]
    published = client.post(
        f"/rule-packs/{pack_id}/publish",
        headers={**MINISTRY, "If-Match": uploaded.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()

    def verdict(unit: str) -> dict:
        response = client.get(
            f"/eligibility?award=CO_NGANH&year=2026&subject={unit}", headers=MINISTRY
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    leader = verdict("stp-01")  # first in its region, band B
    assert leader["eligible"] is True
    assert [c["passed"] for c in leader["conditions"]] == [True, True]
    south = verdict("stp-79")  # first in its region, band C
    assert south["eligible"] is False
    assert [c["passed"] for c in south["conditions"]] == [True, False]
    third = verdict("stp-03")  # third in its region, band C
    assert [c["passed"] for c in third["conditions"]] == [False, False]
