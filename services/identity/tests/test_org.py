"""The organisation tree as of any day, and the merger operation."""

from __future__ import annotations

from services.identity.tests.conftest import Identity
from tests.support.events import assert_valid_event


def count(identity: Identity, headers: dict, as_of: str, kind: str) -> int:
    response = identity.client().get(
        f"/org/units?as_of={as_of}&kind={kind}&page_size=200", headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["total"]


def test_the_structure_as_of_2024_has_63_provinces_and_as_of_2026_has_34(
    identity: Identity,
) -> None:
    headers = identity.login("stp.hanoi")
    for kind in ("so-tu-phap", "cuc-thads"):
        assert count(identity, headers, "2024-12-31", kind) == 63
        assert count(identity, headers, "2025-06-30", kind) == 63
        assert count(identity, headers, "2025-07-01", kind) == 34
        assert count(identity, headers, "2026-06-01", kind) == 34


def test_a_merged_unit_keeps_its_history_and_names_its_successor(identity: Identity) -> None:
    client, headers = identity.client(), identity.login("stp.hcm")
    bac_ninh_2024 = client.get("/org/units/stp-27?as_of=2024-05-01", headers=headers).get_json()
    assert bac_ninh_2024["name"] == "Sở Tư pháp tỉnh Bắc Ninh"
    assert bac_ninh_2024["valid_to"] == "2025-06-30"
    assert bac_ninh_2024["successor_id"] == "stp-24-2025"
    assert "2024-dong-bang-bac-bo" in bac_ninh_2024["region_ids"]
    assert "2026-dong-bang-bac-bo" not in bac_ninh_2024["region_ids"]  # closed by then

    successor = client.get("/org/units/stp-24-2025?as_of=2026-01-01", headers=headers).get_json()
    assert (successor["name"], successor["province_code"]) == ("Sở Tư pháp tỉnh Bắc Ninh", "24")
    assert successor["valid_from"] == "2025-07-01"

    hanoi = "/org/units/thads-01?as_of="
    assert client.get(hanoi + "2024-01-01", headers=headers).get_json()["name"] == (
        "Cục Thi hành án dân sự thành phố Hà Nội"
    )
    assert client.get(hanoi + "2026-01-01", headers=headers).get_json()["name"] == (
        "Thi hành án dân sự thành phố Hà Nội"
    )


def test_the_tree_nests_every_unit_under_the_ministry(identity: Identity) -> None:
    tree = (
        identity.client()
        .get("/org/tree?as_of=2026-03-01", headers=identity.login("kiemtoan"))
        .get_json()
    )
    [ministry] = tree
    assert ministry["id"] == "bo-tu-phap"
    children = {c["id"]: c for c in ministry["children"]}
    assert sum(c["kind"] == "so-tu-phap" for c in children.values()) == 34
    enforcement = children["tong-cuc-thads"]
    assert enforcement["name"] == "Cục Quản lý thi hành án dân sự"
    assert len(enforcement["children"]) == 34


def test_a_ministry_officer_merges_units_and_both_years_stay_correct(identity: Identity) -> None:
    client, officer = identity.client(), identity.login("bo.tdkt")
    for n in (1, 2):
        created = client.post(
            "/org/units",
            headers=officer,
            json={
                "id": f"ptp-test-{n}",
                "code": f"PTP-T{n}",
                "kind": "phong-tu-phap",
                "name": f"Phòng Tư pháp thử nghiệm {n}",
                "parent_id": "stp-01",
                "valid_from": "2020-01-01",
            },
        )
        assert created.status_code == 201, created.get_json()
    before = len(identity.events("identity.org.merged"))

    merged = client.post(
        "/org/mergers",
        headers=officer,
        json={
            "effective_date": "2026-12-01",
            "merged_ids": ["ptp-test-1", "ptp-test-2"],
            "new_successor": {
                "id": "ptp-test-12",
                "code": "PTP-T12",
                "name": "Phòng Tư pháp khu vực thử nghiệm",
            },
            "decision": "QĐ 1/QĐ-TEST",
        },
    )
    assert merged.status_code == 201, merged.get_json()
    assert merged.get_json()["successor"]["parent_id"] == "stp-01"

    def under_hanoi(day: str) -> set[str]:
        page = client.get(
            f"/org/units?as_of={day}&kind=phong-tu-phap&parent_id=stp-01", headers=officer
        ).get_json()
        return {u["id"] for u in page["items"] if u["id"].startswith("ptp-test")}

    assert under_hanoi("2026-11-30") == {"ptp-test-1", "ptp-test-2"}
    assert under_hanoi("2026-12-01") == {"ptp-test-12"}
    events = identity.events("identity.org.merged")
    assert len(events) == before + 1
    assert_valid_event(events[-1])
    assert events[-1]["data"]["merged_ids"] == ["ptp-test-1", "ptp-test-2"]

    again = client.post(
        "/org/mergers",
        headers=officer,
        json={
            "effective_date": "2027-01-01",
            "merged_ids": ["ptp-test-1"],
            "successor_id": "ptp-test-12",
        },
    )
    assert again.status_code == 422
    assert "merged_ids" in again.get_json()["errors"]
    assert len(identity.events("identity.org.merged")) == before + 1


def test_a_merger_that_mixes_kinds_or_is_asked_by_a_unit_is_refused(identity: Identity) -> None:
    client = identity.client()
    body = {"effective_date": "2027-01-01", "merged_ids": ["stp-01"], "successor_id": "thads-01"}
    mixed = client.post("/org/mergers", headers=identity.login("bo.tdkt"), json=body)
    assert mixed.status_code == 422
    assert mixed.get_json()["errors"]["merged_ids"]
    refused = client.post("/org/mergers", headers=identity.login("stp.hanoi"), json=body)
    assert refused.status_code == 403
    anonymous = client.post("/org/mergers", json=body)
    assert anonymous.status_code == 401
    hanoi = client.get("/org/units/stp-01?as_of=2027-06-01", headers=identity.login("stp.hanoi"))
    assert hanoi.get_json()["valid_to"] is None


def test_renaming_takes_effect_from_its_date(identity: Identity) -> None:
    client, officer = identity.client(), identity.login("bo.tdkt")
    client.post(
        "/org/units",
        headers=officer,
        json={
            "id": "ptp-rename",
            "code": "PTP-R",
            "kind": "phong-tu-phap",
            "name": "Tên cũ",
            "parent_id": "stp-01",
            "valid_from": "2021-01-01",
        },
    )
    changed = client.post(
        "/org/units/ptp-rename/changes",
        headers=officer,
        json={"effective_date": "2026-09-01", "name": "Tên mới", "reason": "đổi tên"},
    )
    assert changed.status_code == 201, changed.get_json()
    old = client.get("/org/units/ptp-rename?as_of=2026-08-31", headers=officer).get_json()
    new = client.get("/org/units/ptp-rename?as_of=2026-09-01", headers=officer).get_json()
    assert (old["name"], new["name"]) == ("Tên cũ", "Tên mới")
    assert [v["name"] for v in new["versions"]] == ["Tên cũ", "Tên mới"]
    [event] = [
        e for e in identity.events("identity.org.updated") if e["subject"] == "org-unit/ptp-rename"
    ]
    assert_valid_event(event)
