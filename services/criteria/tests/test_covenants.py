"""Region covenants: written by the Ministry or the region's lead, signed once by each member
unit, fixed after the first signature, every signature announced with a valid event."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from kit.app import runtime
from services.criteria import events
from services.criteria.models import Covenant, CovenantSignature
from services.criteria.tests.test_movements import count, criteria_app, envelopes
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

DBBB = "2026-dong-bang-bac-bo"
DNB = "2026-dong-nam-bo"


def lead_of(region_id: str, unit: str = "stp-01") -> dict[str, str]:
    return as_role("region_lead", "region", region_id, unit=unit)


def covenant(region_id: str = DBBB, **changes: Any) -> dict[str, Any]:
    return {
        "region_id": region_id,
        "title": "Giao ước thi đua năm 2026 Khu vực Đồng bằng Bắc Bộ",
        "items": [
            {"code": "1", "content": "Hoàn thành xuất sắc các chỉ tiêu, nhiệm vụ được giao."},
            {"code": "2", "content": "Đẩy mạnh chuyển đổi số trong công tác tư pháp."},
            {"code": "3", "content": "Không có cán bộ vi phạm kỷ luật."},
        ],
        **changes,
    }


def signer(name: str = "Nguyễn Văn A", title: str = "Giám đốc Sở Tư pháp") -> dict[str, str]:
    return {"signer_name": name, "signer_title": title}


def snapshot(app: Flask) -> tuple[Any, ...]:
    """Every covenant and signature as stored, and the outbox."""
    with app.app_context(), runtime().db.read() as session:
        stored = [
            (c.id, c.region_id, c.title, c.items)
            for c in session.execute(select(Covenant).order_by(Covenant.id)).scalars()
        ]
        signatures = [
            (s.covenant_id, s.unit_id, s.signer_name)
            for s in session.execute(
                select(CovenantSignature).order_by(CovenantSignature.id)
            ).scalars()
        ]
    return stored, signatures, envelopes(app)


def test_the_ministry_or_the_regions_own_lead_writes_the_covenant(stack: Stack) -> None:
    app = criteria_app(stack)
    client = app.test_client()
    other_lead = client.post("/covenants", json=covenant(), headers=lead_of(DNB, "stp-79-2025"))
    assert other_lead.status_code == 403, "the lead of another region"
    officer = client.post("/covenants", json=covenant(), headers=unit_officer("stp-01"))
    assert officer.status_code == 403
    assert count(app, Covenant) == 0

    created = client.post("/covenants", json=covenant(), headers=lead_of(DBBB))
    assert created.status_code == 201, created.get_json()
    made = created.get_json()
    assert made["region_id"] == DBBB and made["year"] == 2026
    assert [i["code"] for i in made["items"]] == ["1", "2", "3"]
    assert made["member_count"] == 2 and made["signed_count"] == 0
    assert made["unsigned_unit_ids"] == ["stp-01", "thads-01"]
    assert made["signatures"] == []

    again = client.post("/covenants", json=covenant(), headers=ministry_officer())
    assert again.status_code == 409, "one covenant per region"
    other = client.post(
        "/covenants", json=covenant(DNB, title="Giao ước Đông Nam Bộ"), headers=ministry_officer()
    )
    assert other.status_code == 201

    reader = unit_officer("stp-79-2025")
    assert client.get(f"/covenants/{made['id']}", headers=reader).get_json() == made
    assert client.get("/covenants?year=2026", headers=reader).get_json()["total"] == 2
    page = client.get(f"/covenants?region_id={DNB}", headers=reader).get_json()
    assert [c["id"] for c in page["items"]] == [other.get_json()["id"]]
    assert client.get("/covenants?year=2025", headers=reader).get_json()["total"] == 0
    assert client.get("/covenants/no-such-id", headers=reader).status_code == 404
    assert client.get("/covenants").status_code == 401
    assert envelopes(app) == [], "writing a covenant is not an event"


def test_member_units_sign_once_and_each_signature_is_announced(stack: Stack) -> None:
    app = criteria_app(stack)
    client = app.test_client()
    made = client.post("/covenants", json=covenant(), headers=ministry_officer()).get_json()
    url = f"/covenants/{made['id']}/signatures"

    first = client.post(url, json=signer(), headers=unit_officer("stp-01"))
    assert first.status_code == 201, first.get_json()
    signature = first.get_json()
    assert signature["unit_id"] == "stp-01"
    assert signature["signed_by_user"] == "unit_officer-stp-01"
    [event] = envelopes(app, events.COVENANT_SIGNED)
    assert_valid_event(event)
    assert event["subject"] == f"covenant/{made['id']}"
    assert event["data"] == {
        "schema_version": 1,
        "covenant_id": made["id"],
        "region_id": DBBB,
        "year": 2026,
        "unit_id": "stp-01",
        "signer_name": "Nguyễn Văn A",
        "signer_title": "Giám đốc Sở Tư pháp",
        "signed_at": event["data"]["signed_at"],
        "signed_count": 1,
        "member_count": 2,
    }

    twice = client.post(url, json=signer("Trần Thị B"), headers=unit_officer("stp-01"))
    assert twice.status_code == 409, "a unit signs once"
    stranger = client.post(url, json=signer(), headers=unit_officer("stp-79-2025"))
    assert stranger.status_code == 403, "not a member of the region"
    assert client.post(url, json=signer(), headers=lead_of(DBBB)).status_code == 403
    admin = as_role("unit_admin", "unit", "thads-01", unit="thads-01")
    second = client.post(url, json=signer("Lê Văn C", "Cục trưởng"), headers=admin)
    assert second.status_code == 201, second.get_json()
    latest = envelopes(app, events.COVENANT_SIGNED)[-1]
    assert_valid_event(latest)
    assert (latest["data"]["unit_id"], latest["data"]["signed_count"]) == ("thads-01", 2)
    unknown = "/covenants/no-such-id/signatures"
    assert client.post(unknown, json=signer(), headers=unit_officer("stp-01")).status_code == 404

    read = client.get(f"/covenants/{made['id']}", headers=unit_officer("stp-79-2025")).get_json()
    assert read["signed_count"] == 2 and read["unsigned_unit_ids"] == []
    assert [s["unit_id"] for s in read["signatures"]] == ["stp-01", "thads-01"]
    assert len(envelopes(app, events.COVENANT_SIGNED)) == 2


def test_items_are_fixed_once_anyone_signed(stack: Stack) -> None:
    app = criteria_app(stack)
    client, lead = app.test_client(), lead_of(DBBB)
    made = client.post("/covenants", json=covenant(), headers=lead).get_json()
    url = f"/covenants/{made['id']}"
    change = {"title": "Giao ước (sửa)", "items": [{"code": "1", "content": "Nội dung mới"}]}
    assert client.put(url, json=change, headers=lead_of(DNB, "stp-79-2025")).status_code == 403
    assert client.put(url, json=change, headers=unit_officer("stp-01")).status_code == 403
    edited = client.put(url, json=change, headers=lead)
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["items"] == change["items"]

    client.post(f"{url}/signatures", json=signer(), headers=unit_officer("thads-01"))
    locked = client.put(url, json={**change, "title": "Lại sửa"}, headers=ministry_officer())
    assert locked.status_code == 409
    assert locked.get_json()["signed_count"] == 1
    assert client.get(url, headers=lead).get_json()["title"] == "Giao ước (sửa)"


def test_bad_input_is_refused_and_changes_nothing(stack: Stack) -> None:
    app = criteria_app(stack)
    client, officer = app.test_client(), ministry_officer()
    made = client.post("/covenants", json=covenant(), headers=officer).get_json()
    client.post(
        f"/covenants/{made['id']}/signatures", json=signer(), headers=unit_officer("stp-01")
    )
    before = snapshot(app)

    twice = covenant(DNB, items=[{"code": "1", "content": "a"}, {"code": "1", "content": "b"}])
    cases: list[tuple[str, str, dict[str, Any], dict[str, str], str]] = [
        ("POST", "/covenants", twice, officer, "items"),
        ("POST", "/covenants", covenant(DNB, items=[]), officer, "items"),
        ("POST", "/covenants", covenant(DNB, items=[{"code": "1"}]), officer, "items"),
        ("POST", "/covenants", covenant("2026-khong-co"), officer, "region_id"),
        ("POST", "/covenants", {"title": "x", "items": covenant()["items"]}, officer, "region_id"),
        ("POST", "/covenants", covenant(DNB, title=""), officer, "title"),
        (
            "POST",
            f"/covenants/{made['id']}/signatures",
            signer(name=""),
            unit_officer("thads-01"),
            "signer_name",
        ),
        (
            "POST",
            f"/covenants/{made['id']}/signatures",
            {"signer_name": "Lê Văn C"},
            unit_officer("thads-01"),
            "signer_title",
        ),
    ]
    for method, url, payload, headers, field in cases:
        response = client.open(url, method=method, json=payload, headers=headers)
        assert response.status_code == 422, (payload, response.get_json())
        assert response.mimetype == "application/problem+json"
        assert field in response.get_json()["errors"], (payload, response.get_json())
    english = client.post(
        "/covenants", json=twice, headers={**officer, "Accept-Language": "en"}
    ).get_json()
    assert english["errors"]["items"] == ["Item codes repeat: 1."]
    vietnamese = client.post("/covenants", json=twice, headers=officer).get_json()
    assert vietnamese["errors"]["items"] == ["Mã nội dung bị trùng: 1."]
    assert snapshot(app) == before
