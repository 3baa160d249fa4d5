"""Region acclamation: the lead opens a ballot, each member unit votes once, votes stay
hidden while it is open, the result is carried only by more than half of the members, and a
region's file is submitted only with a carried acclamation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kit.app import runtime
from services.awards.models import RankingResult
from services.awards.tests.seed import REGION, move, register, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import as_role, unit_officer

LEAD = as_role("region_lead", "region", REGION, unit="stp-01")
ADMINS = {u: as_role("unit_admin", "unit", u, unit=u) for u in ("stp-01", "stp-79-2025", "stp-02")}


def ranked_first(app: Any, unit_id: str) -> None:
    """stp-01 leads the region in 2024's published scoring (what CO_NGANH reads)."""
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            RankingResult(
                round_id="round-2024",
                unit_id=unit_id,
                year=2024,
                unit_kind="so-tu-phap",
                unit_name="Sở Tư pháp",
                region_id=REGION,
                total=Decimal("190.5"),
                band="A",
                national_rank=1,
                region_rank=1,
                published_at=datetime(2025, 1, 5, tzinfo=UTC),
            )
        )


def region_file(client: Any) -> Any:
    answer = client.post(
        "/nominations",
        json={
            "kind": "cong-trang",
            "award": "CO_NGANH",
            "year": 2024,
            "region": REGION,
            "title": "Đề nghị tặng Cờ thi đua",
        },
        headers=LEAD,
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["unit_id"] == "stp-01", "the region's lead unit proposes"
    assert body["region_id"] == REGION
    added = client.post(
        f"/nominations/{body['nomination_id']}/nominees",
        json={"subjects": ["stp-01"]},
        headers=with_etag(LEAD, answer),
    )
    assert added.status_code == 200, added.get_json()
    return added


def open_ballot(client: Any, nomination_id: str | None = None) -> dict[str, Any]:
    answer = client.post(
        "/acclamations",
        json={
            "region": REGION,
            "year": 2024,
            "award": "CO_NGANH",
            "candidate_unit": "stp-01",
            **({"nomination_id": nomination_id} if nomination_id else {}),
        },
        headers=LEAD,
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_vote_once_hidden_while_open_then_carried(stack: Stack) -> None:
    _, client = seeded(stack)
    ballot = open_ballot(client)
    assert ballot["voters"] == ["stp-01", "stp-79-2025", "stp-02"]
    url = f"/acclamations/{ballot['acclamation_id']}"
    assert (
        client.post(f"{url}/votes", json={"in_favour": True}, headers=ADMINS["stp-01"]).status_code
        == 201
    )
    second = client.post(f"{url}/votes", json={"in_favour": False}, headers=ADMINS["stp-01"])
    assert second.status_code == 409, "one vote per unit"
    client.post(f"{url}/votes", json={"in_favour": True}, headers=ADMINS["stp-79-2025"])
    seen = client.get(url, headers=unit_officer("stp-02")).get_json()
    assert seen["voted"] == ["stp-01", "stp-79-2025"]
    assert seen["result"] is None and "in_favour" not in str(seen), "not how, while open"
    officer = client.post(f"{url}/votes", json={"in_favour": True}, headers=unit_officer("stp-02"))
    assert officer.status_code == 403, "a unit's admin votes, not its officer"
    early = client.post(f"{url}/close", headers=ADMINS["stp-02"])
    assert early.status_code == 403, "only the lead closes"

    closed = client.post(f"{url}/close", headers=LEAD)
    assert closed.status_code == 200
    assert closed.get_json()["result"] == {
        "in_favour": 2,
        "against": 0,
        "not_voted": 1,
        "members": 3,
        "carried": True,
    }
    late = client.post(f"{url}/votes", json={"in_favour": False}, headers=ADMINS["stp-02"])
    assert late.status_code == 409
    assert client.post(f"{url}/close", headers=LEAD).status_code == 409


def test_half_of_the_members_is_not_enough(stack: Stack) -> None:
    _, client = seeded(stack)
    ballot = open_ballot(client)
    url = f"/acclamations/{ballot['acclamation_id']}"
    client.post(f"{url}/votes", json={"in_favour": True}, headers=ADMINS["stp-01"])
    client.post(f"{url}/votes", json={"in_favour": False}, headers=ADMINS["stp-79-2025"])
    result = client.post(f"{url}/close", headers=LEAD).get_json()["result"]
    assert result == {
        "in_favour": 1,
        "against": 1,
        "not_voted": 1,
        "members": 3,
        "carried": False,
    }


def test_a_candidate_outside_the_region_is_refused(stack: Stack) -> None:
    _, client = seeded(stack)
    refused = client.post(
        "/acclamations",
        json={"region": REGION, "year": 2024, "award": "CO_NGANH", "candidate_unit": "stp-03"},
        headers=LEAD,
    )
    assert refused.status_code == 422
    assert "candidate_unit" in refused.get_json()["errors"]
    assert client.get("/acclamations", headers=LEAD).get_json()["total"] == 0


def test_a_regions_file_is_submitted_only_with_a_carried_acclamation(stack: Stack) -> None:
    app, client = seeded(stack)
    ranked_first(app, "stp-01")
    register(client, unit_officer("stp-01"), "stp-01", "CO_NGANH", "stp-01")
    draft = region_file(client)
    file_id = draft.get_json()["nomination_id"]
    refused = move(client, LEAD, draft, "submitted")
    assert refused.status_code == 409
    assert [r["code"] for r in refused.get_json()["reasons"]] == ["acclamation_missing"]

    ballot = open_ballot(client)
    url = f"/acclamations/{ballot['acclamation_id']}"
    linked = client.patch(url, json={"nomination_id": file_id}, headers=LEAD)
    assert linked.status_code == 200, linked.get_json()
    for unit in ("stp-01", "stp-79-2025"):
        client.post(f"{url}/votes", json={"in_favour": True}, headers=ADMINS[unit])
    client.post(f"{url}/close", headers=LEAD)

    current = client.get(f"/nominations/{file_id}", headers=LEAD)
    assert current.get_json()["acclamation"]["result"]["carried"] is True
    submitted = move(client, LEAD, current, "submitted")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["state"] == "submitted"


def test_a_regions_award_is_filed_by_the_lead_not_a_unit(stack: Stack) -> None:
    _, client = seeded(stack)
    as_unit = client.post(
        "/nominations",
        json={
            "kind": "cong-trang",
            "award": "CO_NGANH",
            "year": 2024,
            "unit": "stp-01",
            "title": "Cờ",
        },
        headers=unit_officer("stp-01"),
    )
    assert as_unit.status_code == 422
    assert "region" in as_unit.get_json()["errors"]
