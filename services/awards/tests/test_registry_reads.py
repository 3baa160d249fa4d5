"""Reading the registry: a person's profile and timeline, a unit's profile, exports (JSON and
workbook), the template, the audit trail, and replacing a person's record under If-Match.
The sample registry (sample-award-history.json) is written straight into the tables here,
so these tests do not depend on the import. Both stacks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from conftest import service_app
from kit.app import runtime
from kit.text import nfc, search_key
from services.awards.domain import workbook
from services.awards.models import (
    Achievement,
    Person,
    RankingResult,
    RegionCopy,
    RegistryChange,
    UnitCopy,
)
from services.awards.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

ROOT = Path(__file__).resolve().parents[3]
_COPY = ROOT / "services" / "awards" / "data" / "demo-registry.json"
_SHARED = ROOT.parent / "shared" / "data" / "sample-award-history.json"
SAMPLE: dict[str, Any] = json.loads((_COPY if _COPY.exists() else _SHARED).read_text())
RULES = json.loads((ROOT / "services" / "awards" / "data" / "sample-award-rules.json").read_text())

HANOI, HCM = "stp-01", "stp-79-2025"
REGION = "2026-dong-bang-bac-bo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
UNIT_NAMES = {HANOI: "Sở Tư pháp thành phố Hà Nội", HCM: "Sở Tư pháp Thành phố Hồ Chí Minh"}


@dataclass
class World:
    app: Flask
    client: FlaskClient


def people_of(unit: str) -> list[dict[str, Any]]:
    return [p for p in SAMPLE["people"] if p["unit_id"] == unit]


def awards_of(unit: str) -> list[dict[str, Any]]:
    members = {p["id"] for p in people_of(unit)}
    return [a for a in SAMPLE["awards"] if a["recipient"] in members or a["recipient"] == unit]


def unit_of(recipient: str) -> str:
    for person in SAMPLE["people"]:
        if person["id"] == recipient:
            return person["unit_id"]
    return recipient


def seed(stack: Stack, document: dict[str, Any] = SAMPLE) -> World:
    """The app with ``document`` in the registry, the two units' copies, a 2026 region of
    Hà Nội (with stp-02), one published result of Hà Nội and an audit row per person."""
    app = service_app(stack, SERVICE)
    with app.app_context(), runtime().db.transaction() as session:
        for unit_id, name in UNIT_NAMES.items():
            session.add(UnitCopy(unit_id=unit_id, kind="so-tu-phap", name=name))
        session.add(
            RegionCopy(
                region_id=REGION,
                year=2026,
                name="Cụm thi đua Đồng bằng Bắc Bộ",
                lead_unit_id="stp-02",
                member_ids=[HANOI, "stp-02"],
            )
        )
        for entry in document["people"]:
            session.add(
                Person(
                    staff_code=entry["id"],
                    full_name=nfc(entry["full_name"]),
                    name_key=search_key(entry["full_name"]),
                    gender=entry["gender"],
                    unit_id=entry["unit_id"],
                    transferred_from_other_sector=entry["transferred_from_other_sector"],
                    positions=entry["positions"],
                    assessments=entry["assessments"],
                    service_months=entry["service_months"],
                    discipline=entry["discipline"],
                    initiatives=entry["initiatives"],
                    revision=1,
                    created_at=AT,
                    updated_at=AT,
                    updated_by="seed",
                )
            )
            session.add(
                RegistryChange(
                    subject_id=entry["id"],
                    unit_id=entry["unit_id"],
                    action="imported",
                    detail={"people": 1},
                    actor_id="seed",
                    at=AT,
                )
            )
        for award in document["awards"]:
            session.add(
                Achievement(
                    recipient_id=award["recipient"],
                    recipient_kind="individual"
                    if award["recipient"].startswith("cb-")
                    else "collective",
                    unit_id=unit_of(award["recipient"]),
                    award_code=award["award"],
                    year=award["year"],
                    decision=award["decision"],
                    decided_on=date.fromisoformat(award["decided_on"]),
                    revoked=bool(award.get("revoked")),
                    recorded_at=AT,
                    recorded_by="seed",
                )
            )
        session.add(
            RankingResult(
                round_id="round-2025",
                unit_id=HANOI,
                year=2025,
                unit_kind="so-tu-phap",
                unit_name=UNIT_NAMES[HANOI],
                region_id="2025-dong-bang-bac-bo",
                total=Decimal("150.25"),
                band="B",
                national_rank=2,
                region_rank=1,
                published_at=AT,
            )
        )
    return World(app, app.test_client())


def sorted_awards(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(awards, key=lambda a: (a["year"], a["recipient"], a["award"]))


# -- a person's profile -----------------------------------------------------------------------


def test_a_profile_shows_the_whole_history_the_awards_and_a_timeline(stack: Stack) -> None:
    world = seed(stack)
    person = next(p for p in SAMPLE["people"] if p["id"] == "cb-027-0003")  # has revoked awards
    response = world.client.get("/people/cb-027-0003", headers=unit_officer(HCM))
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"]
    body = response.get_json()
    assert body["full_name"] == person["full_name"]
    assert body["unit_name"] == UNIT_NAMES[HCM]
    assert body["assessments"] == person["assessments"]
    assert body["positions"] == person["positions"]
    held = [a for a in SAMPLE["awards"] if a["recipient"] == "cb-027-0003"]
    assert len(body["awards"]) == len(held)
    revoked = {(a["award"], a["year"]) for a in body["awards"] if a["revoked"]}
    assert revoked == {(a["award"], a["year"]) for a in held if a.get("revoked")} != set()

    years = [entry["year"] for entry in body["timeline"]]
    assert years == sorted(years) and years[0] == 2018
    y2018 = body["timeline"][0]
    assert y2018["assessment"] == person["assessments"]["2018"]
    assert {a["award"] for a in y2018["awards"]} == {a["award"] for a in held if a["year"] == 2018}
    y2021 = next(entry for entry in body["timeline"] if entry["year"] == 2021)
    assert y2021["initiatives"] == [{"scope": "bo", "title": "Sáng kiến 3-0"}]


def test_a_profile_names_the_awards_once_a_pack_is_published(stack: Stack) -> None:
    world = seed(stack)
    from services.awards.models import RulePack

    with world.app.app_context(), runtime().db.transaction() as session:
        session.add(
            RulePack(
                pack_id="pack-1",
                code=RULES["code"],
                version=1,
                title=RULES["title"],
                effective_from=date.fromisoformat(RULES["effective_from"]),
                document=RULES,
                status="published",
                uploaded_by="seed",
                uploaded_at=AT,
                published_by="seed",
                published_at=AT,
            )
        )
    body = world.client.get("/people/cb-027-0001", headers=ministry_officer()).get_json()
    names = {a["award"]: a["award_name"] for a in body["awards"]}
    ldtt = next(a["name"] for a in RULES["awards"] if a["code"] == "LDTT")
    assert names["LDTT"] == ldtt


def test_an_unknown_person_is_not_found(stack: Stack) -> None:
    world = seed(stack)
    response = world.client.get("/people/cb-nobody", headers=ministry_officer())
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


# -- a unit's profile -------------------------------------------------------------------------


def test_a_unit_profile_counts_members_and_shows_its_published_results(stack: Stack) -> None:
    world = seed(stack)
    response = world.client.get(f"/units/{HANOI}", headers=unit_officer(HANOI))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == UNIT_NAMES[HANOI]
    assert body["member_count"] == len(people_of(HANOI))
    assert len(body["members"]) == min(20, len(people_of(HANOI)))
    assert {m["staff_code"] for m in body["members"]} <= {p["id"] for p in people_of(HANOI)}
    assert body["results"] == [
        {
            "year": 2025,
            "round_id": "round-2025",
            "unit_kind": "so-tu-phap",
            "region_id": "2025-dong-bang-bac-bo",
            "total": "150.25",
            "band": "B",
            "national_rank": 2,
            "region_rank": 1,
            "published_at": body["results"][0]["published_at"],
        }
    ]


def test_a_region_lead_reads_its_member_units_only(stack: Stack) -> None:
    world = seed(stack)
    lead = as_role("region_lead", "region", REGION, unit="stp-02")
    assert world.client.get(f"/units/{HANOI}", headers=lead).status_code == 200
    assert world.client.get(f"/units/{HCM}", headers=lead).status_code == 404
    member = people_of(HANOI)[0]["id"]
    assert world.client.get(f"/people/{member}", headers=lead).status_code == 200


# -- exports and the template -------------------------------------------------------------------


def test_the_json_export_is_the_import_document_of_the_unit(stack: Stack) -> None:
    world = seed(stack)
    response = world.client.get(f"/registry/export?unit={HCM}", headers=unit_officer(HCM))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert sorted(body["people"], key=lambda p: p["id"]) == sorted(
        people_of(HCM), key=lambda p: p["id"]
    )
    assert sorted_awards(body["awards"]) == sorted_awards(awards_of(HCM))


def test_the_workbook_export_reads_back_as_the_json_export(stack: Stack) -> None:
    world = seed(stack)
    headers = unit_officer(HANOI)
    document = world.client.get(f"/registry/export?unit={HANOI}", headers=headers).get_json()
    by_accept = world.client.get(
        f"/registry/export?unit={HANOI}", headers={**headers, "Accept": XLSX}
    )
    by_path = world.client.get(f"/registry/export.xlsx?unit={HANOI}", headers=headers)
    for response in (by_accept, by_path):
        assert response.status_code == 200
        assert response.mimetype == XLSX
        back, _ = workbook.read_registry_workbook(response.data)
        assert back == document


def test_the_template_has_a_sheet_per_part_and_the_instructions(stack: Stack) -> None:
    world = seed(stack)
    response = world.client.get("/registry/template.xlsx", headers=unit_officer(HANOI))
    assert response.status_code == 200
    assert response.mimetype == XLSX
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == [
        "Hướng dẫn",
        "Cán bộ",
        "Chức vụ",
        "Xếp loại",
        "Số tháng công tác",
        "Kỷ luật",
        "Sáng kiến",
        "Khen thưởng",
    ]
    assert [c.value for c in book["Cán bộ"][1]] == [
        "Mã cán bộ",
        "Họ và tên",
        "Giới tính",
        "Mã đơn vị",
        "Chuyển từ ngành khác",
    ]
    instructions = " ".join(
        str(c.value) for row in book["Hướng dẫn"].iter_rows() for c in row if c.value
    )
    assert "Ngày quyết định" in instructions and "cap-truong" in instructions
    assert workbook.read_registry_workbook(response.data)[0] == {"people": [], "awards": []}


# -- the audit trail ----------------------------------------------------------------------------


def test_the_changes_list_the_callers_units_and_filter_by_subject(stack: Stack) -> None:
    world = seed(stack)
    everything = world.client.get("/registry/changes", headers=ministry_officer()).get_json()
    assert everything["total"] == len(SAMPLE["people"])
    own = world.client.get("/registry/changes", headers=unit_officer(HANOI)).get_json()
    assert own["total"] == len(people_of(HANOI))
    assert {row["unit_id"] for row in own["items"]} == {HANOI}
    one = people_of(HANOI)[0]["id"]
    page = world.client.get(
        f"/registry/changes?subject={one}", headers=unit_officer(HANOI)
    ).get_json()
    assert [(r["subject_id"], r["action"], r["actor_id"]) for r in page["items"]] == [
        (one, "imported", "seed")
    ]


# -- replacing a person's record ----------------------------------------------------------------


def _entry(staff_code: str) -> dict[str, Any]:
    return json.loads(json.dumps(next(p for p in SAMPLE["people"] if p["id"] == staff_code)))


def test_put_needs_the_current_etag(stack: Stack) -> None:
    world = seed(stack)
    admin = as_role("unit_admin", "unit", HANOI, unit=HANOI)
    code = people_of(HANOI)[0]["id"]
    entry = _entry(code)
    missing = world.client.put(f"/people/{code}", json=entry, headers=admin)
    assert missing.status_code == 428
    stale = world.client.put(
        f"/people/{code}", json=entry, headers={**admin, "If-Match": 'W/"person-0"'}
    )
    assert stale.status_code == 412
    assert (
        stale.get_json()["current_etag"]
        == world.client.get(f"/people/{code}", headers=admin).headers["ETag"]
    )


def test_a_unit_officer_may_read_but_not_replace_a_person(stack: Stack) -> None:
    world = seed(stack)
    officer = unit_officer(HANOI)
    code = people_of(HANOI)[0]["id"]
    tag = world.client.get(f"/people/{code}", headers=officer).headers["ETag"]
    response = world.client.put(
        f"/people/{code}", json=_entry(code), headers={**officer, "If-Match": tag}
    )
    assert response.status_code == 403
    assert world.client.get(f"/people/{code}", headers=officer).headers["ETag"] == tag


def test_the_unit_admin_replaces_a_person_and_the_etag_moves_on(stack: Stack) -> None:
    pytest.importorskip("services.awards.domain.registry_import")
    world = seed(stack)
    admin = as_role("unit_admin", "unit", HANOI, unit=HANOI)
    code = people_of(HANOI)[0]["id"]
    before = world.client.get(f"/people/{code}", headers=admin)
    entry = {**_entry(code), "full_name": "Nguyễn Văn Đổi", "assessments": {"2025": "tot"}}
    response = world.client.put(
        f"/people/{code}", json=entry, headers={**admin, "If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] != before.headers["ETag"]
    body = response.get_json()
    assert body["full_name"] == "Nguyễn Văn Đổi" and body["assessments"] == {"2025": "tot"}
    found = world.client.get("/people?q=nguyen van doi", headers=admin).get_json()
    assert [p["staff_code"] for p in found["items"]] == [code]
    again = world.client.put(
        f"/people/{code}", json=entry, headers={**admin, "If-Match": before.headers["ETag"]}
    )
    assert again.status_code == 412
