"""Emulation regions per year, seeded from the reference data and kept by ministry officers."""

from __future__ import annotations

from services.identity.tests.conftest import Identity
from tests.support.events import assert_valid_event


def test_regions_are_seeded_for_each_year_with_that_years_units(identity: Identity) -> None:
    client, headers = identity.client(), identity.login("stp.hanoi")
    assert len(client.get("/regions?year=2024", headers=headers).get_json()) == 5
    regions_2026 = {
        r["code"]: r for r in client.get("/regions?year=2026", headers=headers).get_json()
    }
    assert len(regions_2026) == 5
    delta = regions_2026["dong-bang-bac-bo"]
    assert {"stp-01", "thads-01", "stp-31-2025"} <= set(delta["member_ids"])
    assert delta["lead_unit_id"] == "stp-31-2025"
    old = client.get("/regions/2024-dong-bang-bac-bo", headers=headers).get_json()
    assert "stp-30" in old["member_ids"] and "stp-31-2025" not in old["member_ids"]
    assert old["lead_unit_id"] == "stp-30"
    total = sum(len(r["member_ids"]) for r in regions_2026.values())
    assert total == 68  # 34 provinces x (Department of Justice + enforcement agency)


def test_a_ministry_officer_edits_next_years_region_and_the_change_is_announced(
    identity: Identity,
) -> None:
    client, officer = identity.client(), identity.login("bo.tdkt")
    current = client.get("/regions/2027-dong-nam-bo", headers=officer).get_json()
    members = current["member_ids"]
    saved = client.put(
        "/regions/2027/dong-nam-bo",
        headers=officer,
        json={
            "name": current["name"],
            "member_ids": members,
            "lead_unit_id": "stp-75-2025",
            "deputy_unit_ids": ["stp-80-2025"],
        },
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["lead_unit_id"] == "stp-75-2025"
    event = [
        e
        for e in identity.events("identity.region.membership_changed")
        if e["subject"] == "region/2027-dong-nam-bo"
    ][-1]
    assert_valid_event(event)
    assert event["data"]["lead_unit_id"] == "stp-75-2025"


def test_region_edits_are_validated_and_reserved_to_the_ministry(identity: Identity) -> None:
    client = identity.client()
    body = {"name": "Cụm thử", "member_ids": ["stp-01"], "lead_unit_id": "stp-79-2025"}
    invalid = client.put("/regions/2027/thu", headers=identity.login("bo.tdkt"), json=body)
    assert invalid.status_code == 422
    assert "lead_unit_id" in invalid.get_json()["errors"]
    gone = client.put(
        "/regions/2027/thu",
        headers=identity.login("bo.tdkt"),
        json={"name": "Cụm thử", "member_ids": ["stp-27"]},
    )  # merged away in 2025
    assert gone.status_code == 422
    refused = client.put(
        "/regions/2027/thu",
        headers=identity.login("kv.dbbb"),
        json={"name": "Cụm thử", "member_ids": ["stp-01"]},
    )
    assert refused.status_code == 403
    assert client.get("/regions/2027-thu", headers=identity.login("bo.tdkt")).status_code == 404
