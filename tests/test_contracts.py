"""contracts.identity matches docs/events/: each dataclass's payload validates against its
event's JSON Schema, every field of the schema is a field of the dataclass, and what
``to_data()`` gives ``from_data()`` takes back unchanged."""

from __future__ import annotations

import json
import uuid
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts import awards, identity
from contracts.identity import (
    AnnouncementPublished,
    Event,
    OrgUnitCreated,
    OrgUnitsMerged,
    OrgUnitUpdated,
    RegionMembershipChanged,
    RoleGrant,
    UserCreated,
    UserDeactivated,
    UserReactivated,
    UserRolesChanged,
    UserUpdated,
)
from contracts.scoring import Placement, RankingPublished
from tests.support.events import SCHEMAS, assert_valid_event

USER = "0b8f6f0e-3c1a-4c52-9d0e-6f1f3b0c2a11"
GRANTS = (
    RoleGrant(role="unit_officer", scope="unit", scope_id="stp-01", valid_from=date(2026, 1, 1)),
    RoleGrant(
        role="region_lead",
        scope="region",
        scope_id="2026-dong-bang-bac-bo",
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
    ),
    RoleGrant(role="auditor", scope="national", valid_from=date(2025, 3, 1)),
)
UNIT = {
    "unit_id": "stp-31-2025",
    "code": "STP-31",
    "kind": "so-tu-phap",
    "name": "Sở Tư pháp thành phố Hải Phòng",
    "parent_id": "bo-tu-phap",
    "province_code": "31",
    "valid_from": date(2025, 7, 1),
    "valid_to": None,
    "successor_id": None,
}
SAMPLES: list[Event] = [
    AnnouncementPublished(
        announcement_id=7,
        title="Phát động thi đua năm 2026",
        body="Các đơn vị đăng ký giao ước.",
        published_at=datetime(2026, 1, 5, 8, 30, tzinfo=UTC),
    ),
    OrgUnitCreated(**UNIT),
    OrgUnitCreated(unit_id="bo-tu-phap", code="BTP", kind="ministry", name="Bộ Tư pháp"),
    OrgUnitUpdated(**{**UNIT, "valid_to": date(2030, 6, 30)}, effective_date=date(2026, 1, 1)),
    OrgUnitsMerged(
        effective_date=date(2025, 7, 1),
        successor_id="stp-31-2025",
        merged_ids=("stp-31", "stp-30"),
        decision="Nghị quyết 202/2025/QH15",
    ),
    OrgUnitsMerged(effective_date=date(2025, 7, 1), successor_id="stp-01", merged_ids=("stp-2",)),
    RegionMembershipChanged(
        region_id="2026-dong-bang-bac-bo",
        year=2026,
        code="dong-bang-bac-bo",
        name="Cụm thi đua Đồng bằng Bắc Bộ",
        lead_unit_id="stp-31-2025",
        deputy_unit_ids=("stp-01",),
        member_ids=("stp-01", "stp-31-2025"),
        added=("stp-31-2025",),
        removed=("stp-30",),
    ),
    UserCreated(user_id=USER, unit_id="stp-01", username="stp.hanoi"),
    UserDeactivated(user_id=USER, unit_id="stp-01", username="stp.hanoi", roles=GRANTS),
    UserReactivated(user_id=USER, unit_id="stp-01", username="stp.hanoi", roles=GRANTS[:1]),
    UserRolesChanged(user_id=USER, unit_id="stp-01", username="stp.hanoi", roles=GRANTS),
    UserUpdated(
        user_id=USER, unit_id="stp-01", username="stp.hanoi", roles=GRANTS, email="a@stp.gov.vn"
    ),
]


# Scoring's events that others read (contracts.scoring).
SCORING_SAMPLES = [
    RankingPublished(
        round_id="3f1c2b9e-6a4d-4f0e-9b1a-2c3d4e5f6a7b",
        year=2026,
        unit_kind="so-tu-phap",
        table_id="table-2026-v1",
        rules_version="2024.1",
        published_at=datetime(2027, 1, 20, 8, 0, tzinfo=UTC),
        actor="ministry_officer-all",
        units=(
            Placement(
                unit_id="stp-01",
                unit_name="Sở Tư pháp thành phố Hà Nội",
                region_id="2026-dong-bang-bac-bo",
                total=Decimal("150.00"),
                band="B",
                national_rank=1,
                region_rank=1,
            ),
            Placement(
                unit_id="stp-90",
                unit_name="Sở Tư pháp tỉnh Điện Biên",
                region_id=None,
                total=Decimal("99.99"),
                band="D",
                national_rank=2,
                region_rank=None,
            ),
        ),
    )
]


@pytest.mark.parametrize("sample", SCORING_SAMPLES, ids=lambda s: s.TYPE)
def test_scorings_payload_validates_and_reads_back(sample: RankingPublished) -> None:
    assert_valid_event(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/thidua/scoring",
            "type": sample.TYPE,
            "subject": sample.subject,
            "time": "2027-01-20T08:00:00+00:00",
            "datacontenttype": "application/json",
            "data": {"schema_version": 1, **sample.to_data()},
        }
    )
    data = json.loads(json.dumps({"schema_version": 1, **sample.to_data()}))
    assert type(sample).from_data(data) == sample
    schema = schema_of(sample.TYPE)
    assert set(schema["properties"]["data"]["properties"]) - {"schema_version"} == {
        f.name for f in fields(RankingPublished)
    }
    assert set(schema["$defs"]["placement"]["properties"]) == {f.name for f in fields(Placement)}


AWARDS_SAMPLES: list[awards.Event] = [
    awards.NominationSubmitted(
        nomination_id="5b0e7a9c-1f2d-4c3b-8a7e-2d9f0c1b3a44",
        unit_id="stp-01",
        kind="cong-trang",
        award="CSTDCS",
        award_name="Chiến sĩ thi đua cơ sở",
        year=2024,
        nominees=(
            awards.NomineeFact(
                subject_id="cb-027-s2", subject_kind="individual", name="Lê Văn S", eligible=True
            ),
        ),
        actor="unit_officer-stp-01",
        at=datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
    ),
    awards.NominationReturned(
        nomination_id="5b0e7a9c-1f2d-4c3b-8a7e-2d9f0c1b3a44",
        unit_id="stp-01",
        region_id="2024-dong-bang-bac-bo",
        kind="dot-xuat",
        award="BK_BT",
        award_name="Bằng khen của Bộ trưởng",
        year=2024,
        act_date=date(2024, 9, 8),
        actor="ministry_officer-all",
        at=datetime(2025, 1, 12, 8, 0, tzinfo=UTC),
        reason="Thiếu báo cáo thành tích.",
    ),
    awards.NominationReceived(
        nomination_id="5b0e7a9c-1f2d-4c3b-8a7e-2d9f0c1b3a44",
        unit_id="stp-01",
        kind="cong-trang",
        award="TTLDTT",
        award_name="Tập thể lao động tiên tiến",
        year=2024,
        actor="ministry_officer-all",
        at=datetime(2025, 1, 13, 8, 0, tzinfo=UTC),
    ),
    awards.NominationForwarded(
        nomination_id="5b0e7a9c-1f2d-4c3b-8a7e-2d9f0c1b3a44",
        unit_id="stp-01",
        kind="cong-trang",
        award="TTLDTT",
        award_name="Tập thể lao động tiên tiến",
        year=2024,
        actor="ministry_officer-all",
        at=datetime(2025, 1, 14, 8, 0, tzinfo=UTC),
    ),
    awards.CouncilSessionScheduled(
        session_id="9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d",
        council_id="1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        title="Phiên họp Hội đồng Thi đua - Khen thưởng Bộ, quý I/2025",
        starts_at=datetime(2025, 3, 20, 1, 30, tzinfo=UTC),
        location="Phòng họp tầng 3, 60 Trần Phú, Hà Nội",
        nomination_ids=("5b0e7a9c-1f2d-4c3b-8a7e-2d9f0c1b3a44",),
        member_user_ids=("hd.chutich", "hd.thanhvien"),
    ),
    awards.AwardGranted(
        award_id="3f6c1e2a-7b8d-4c9e-a0f1-2b3c4d5e6f70",
        recipient=awards.RecipientFact(
            kind="individual",
            id="cb-027-0001",
            name="Nguyễn Thị Hương",
            unit_id="stp-01",
            province_code="01",
        ),
        unit_id="stp-01",
        name="Nguyễn Thị Hương",
        award="CSTDCS",
        award_name="Chiến sĩ thi đua cơ sở",
        year=2024,
        decision=awards.DecisionRef(
            decision_id="7c2e9a4b-1d3f-4e5a-9b8c-0d1e2f3a4b5c",
            number="123/QĐ-BTP",
            date=date(2025, 1, 15),
        ),
        bonus_vnd=2_340_000,
        serial="BTP-2025-7KQ2M4XD9PLA3VNE",
    ),
    awards.AwardRevoked(
        award_id="3f6c1e2a-7b8d-4c9e-a0f1-2b3c4d5e6f70",
        recipient=awards.RecipientFact(
            kind="collective", id="stp-01", name="Sở Tư pháp Hà Nội", unit_id="stp-01"
        ),
        unit_id="stp-01",
        award="TTLDTT",
        award_name="Tập thể lao động tiên tiến",
        year=2024,
        decision=awards.DecisionRef(
            decision_id="7c2e9a4b-1d3f-4e5a-9b8c-0d1e2f3a4b5c",
            number="123/QĐ-BTP",
            date=date(2025, 1, 15),
        ),
        revoked_on=date(2025, 6, 2),
        reason="Khai man thành tích",
        revocation_id="0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
    ),
]


@pytest.mark.parametrize("sample", AWARDS_SAMPLES, ids=lambda s: s.TYPE)
def test_awards_payloads_validate_and_read_back(sample: awards.Event) -> None:
    assert_valid_event(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/thidua/awards",
            "type": sample.TYPE,
            "subject": sample.subject,
            "time": "2025-01-10T08:00:00+00:00",
            "datacontenttype": "application/json",
            "data": {"schema_version": 1, **sample.to_data()},
        }
    )
    data = json.loads(json.dumps({"schema_version": 1, **sample.to_data()}))
    assert type(sample).from_data(data) == sample


def test_every_public_event_of_awards_has_a_dataclass_and_a_sample() -> None:
    published = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("awards.*.json")}
    assert set(awards.EVENTS) == published
    assert {type(sample) for sample in AWARDS_SAMPLES} == set(awards.EVENTS.values())
    for event in awards.EVENTS.values():
        data = schema_of(event.TYPE)["properties"]["data"]
        assert set(data["properties"]) - {"schema_version"} == {f.name for f in fields(event)}


def schema_of(event_type: str) -> dict:
    return json.loads((SCHEMAS / f"{event_type}.schema.json").read_text())


def test_every_public_event_of_identity_has_a_dataclass_and_a_sample() -> None:
    published = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("identity.*.json")}
    assert set(identity.EVENTS) == published
    assert {type(sample) for sample in SAMPLES} == set(identity.EVENTS.values())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: f"{s.TYPE}-{SAMPLES.index(s)}")
def test_the_payload_validates_against_its_schema(sample: Event) -> None:
    assert_valid_event(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/thidua/identity",
            "type": sample.TYPE,
            "subject": sample.subject,
            "time": "2026-01-05T08:30:00+00:00",
            "datacontenttype": "application/json",
            "data": {"schema_version": 1, **sample.to_data()},
        }
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: f"{s.TYPE}-{SAMPLES.index(s)}")
def test_from_data_takes_back_what_to_data_gives(sample: Event) -> None:
    data = json.loads(json.dumps({"schema_version": 1, **sample.to_data()}))  # as on the wire
    assert type(sample).from_data(data) == sample


@pytest.mark.parametrize("event", identity.EVENTS.values(), ids=lambda e: e.TYPE)
def test_every_field_of_the_schema_is_a_field_of_the_dataclass(event: type[Event]) -> None:
    data = schema_of(event.TYPE)["properties"]["data"]
    assert set(data["properties"]) - {"schema_version"} == {f.name for f in fields(event)}
    assert set(data["required"]) - {"schema_version"} <= {f.name for f in fields(event)}
    if "roles" in data["properties"]:
        grant = data["properties"]["roles"]["items"]["properties"]
        assert set(grant) == {f.name for f in fields(RoleGrant)}


def test_a_missing_nullable_field_reads_as_null_and_an_unknown_one_is_ignored() -> None:
    data = {"unit_id": "x", "code": "X", "kind": "ministry", "name": "X", "later_field": 1}
    assert OrgUnitCreated.from_data(data) == OrgUnitCreated(
        unit_id="x", code="X", kind="ministry", name="X"
    )
