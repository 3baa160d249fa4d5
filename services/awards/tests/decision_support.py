"""Decisions in tests: a small unit of our own on top of the sample registry, files taken to
the state a decision reads, and a draft decision through the API.

``stp-05`` has nine people: p0–p6 hold Lao động tiên tiến 2024 (so the unit's quota of Chiến
sĩ thi đua cơ sở is floor(0.15 × 7) = 1), p7 and p8 do not and are eligible for it. p0 also
holds Chiến sĩ thi đua cơ sở 2022 and 2023 and has a Ministry-level initiative in 2023: it
lacks only CSTDCS 2024 for Chiến sĩ thi đua Bộ 2024.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kit.app import runtime
from services.awards.models import Nomination
from services.awards.tests.seed import move, new_file, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

UNIT_ID = "stp-05"
UNIT = unit_officer(UNIT_ID)
OTHER = unit_officer("stp-01")
MINISTRY = ministry_officer()
NAMES = (
    "Nguyễn Thị Hương",
    "Trần Văn Đức",
    "Lê Thị Ngọc Ánh",
    "Phạm Quốc Việt",
    "Hoàng Thị Thủy",
    "Vũ Minh Khôi",
    "Đặng Thị Lệ",
    "Bùi Văn Toàn",
    "Ngô Thị Yến",
)
GENDERS = ("nu", "nam", "nu", "nam", "nu", "nam", "nu", "nam", "nu")
PEOPLE = tuple(f"cb-05-p{i}" for i in range(9))


def unit_document() -> dict[str, Any]:
    people = []
    for i, code in enumerate(PEOPLE):
        people.append(
            {
                "id": code,
                "full_name": NAMES[i],
                "gender": GENDERS[i],
                "unit_id": UNIT_ID,
                "transferred_from_other_sector": False,
                "positions": [],
                "assessments": {
                    str(y): "xuat-sac" if i == 0 else "tot" for y in (2022, 2023, 2024, 2025)
                },
                "service_months": {},
                "discipline": [],
                "initiatives": (
                    [{"year": 2023, "scope": "bo", "title": "Sáng kiến cấp Bộ về hộ tịch"}]
                    if i == 0
                    else []
                ),
            }
        )
    awards = [
        {
            "recipient": code,
            "award": "LDTT",
            "year": 2024,
            "decision": "QĐ 12/QĐ-STP",
            "decided_on": "2025-01-10",
        }
        for code in PEOPLE[:7]
    ]
    for year in (2022, 2023):
        awards += [
            {
                "recipient": PEOPLE[0],
                "award": award,
                "year": year,
                "decision": f"QĐ {year}/QĐ-STP",
                "decided_on": f"{year + 1}-01-12",
            }
            for award in ("LDTT", "CSTDCS")
        ]
    return {"people": people, "awards": awards}


def with_unit(stack: Stack) -> tuple[Flask, FlaskClient]:
    """The seeded awards app, with stp-05 imported too."""
    app, client = seeded(stack)
    answer = client.post("/registry/import", json=unit_document(), headers=MINISTRY)
    assert answer.status_code == 200, answer.get_json()
    return app, client


def register(
    client: FlaskClient, award: str, year: int, *subjects: str, unit: str = UNIT_ID
) -> None:
    for subject in subjects:
        answer = client.post(
            "/registrations",
            json={"unit": unit, "year": year, "award": award, "subject": subject},
            headers=unit_officer(unit),
        )
        assert answer.status_code == 201, answer.get_json()


def received_file(
    client: FlaskClient,
    award: str,
    *subjects: str,
    year: int = 2024,
    forward: bool = False,
    unit: str = UNIT_ID,
) -> Any:
    """A file of ``unit`` (stp-05) for ``award`` naming ``subjects``, submitted and received
    by the Ministry (and forwarded, if asked): the last answer."""
    register(client, award, year, *subjects, unit=unit)
    headers = unit_officer(unit)
    answer = new_file(client, headers, award=award, unit=unit, subjects=subjects, year=year)
    answer = move(client, headers, answer, "submitted")
    assert answer.status_code == 200, answer.get_json()
    answer = move(client, MINISTRY, answer, "received")
    assert answer.status_code == 200, answer.get_json()
    if forward:
        answer = move(client, MINISTRY, answer, "forwarded")
        assert answer.status_code == 200, answer.get_json()
    return answer


def council_approved(app: Flask, nomination_id: str, *subjects: str) -> None:
    """What the council's closing does to a forwarded file (part 2's councils): its nominees
    ``subjects`` approved, the file approved. Set directly: this is the input decisions read."""
    with app.app_context(), runtime().db.transaction() as session:
        nomination = session.get(Nomination, nomination_id)
        assert nomination is not None and nomination.state == "forwarded"
        for nominee in nomination.nominees:
            nominee.council_outcome = "approved" if nominee.subject_id in subjects else "rejected"
        nomination.state = "approved"
        nomination.revision += 1


def draft(client: FlaskClient, decided_on: str = "2025-01-15", **fields: Any) -> Any:
    body = {
        "number": "123/QĐ-BTP",
        "issuer": "BTP",
        "issuer_name": "Bộ Tư pháp",
        "decided_on": decided_on,
        "title": "Về việc tặng danh hiệu thi đua năm 2024",
        "authority": "BỘ TRƯỞNG BỘ TƯ PHÁP",
        "legal_bases": [
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022",
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ",
        ],
        "proposal": "Theo đề nghị của Vụ trưởng Vụ Thi đua - Khen thưởng",
        "award_statement": "Tặng danh hiệu thi đua cho các cá nhân có tên sau:",
        "bonus_source": "Tiền thưởng chi từ Quỹ thi đua, khen thưởng của Bộ Tư pháp.",
        "executors": ["Vụ trưởng Vụ Thi đua - Khen thưởng", "Các cá nhân có tên tại Điều 1"],
        "copies_to": ["Như Điều 3", "Lưu: VT, TĐKT"],
        "signer_name": "Nguyễn Thanh Tịnh",
        "signer_title": "THỨ TRƯỞNG",
        "signing_for": "KT. BỘ TRƯỞNG",
        **fields,
    }
    answer = client.post("/decisions", json=body, headers=MINISTRY)
    assert answer.status_code == 201, answer.get_json()
    return answer


def add(client: FlaskClient, decision: Any, *picks: tuple[str, str | None]) -> Any:
    decision_id = decision.get_json()["decision_id"]
    return client.post(
        f"/decisions/{decision_id}/recipients",
        json={"picks": [{"nomination_id": n, "subject": s} for n, s in picks]},
        headers=with_etag(MINISTRY, decision),
    )


def issue(client: FlaskClient, decision: Any, headers: dict[str, str] = MINISTRY) -> Any:
    return client.post(
        f"/decisions/{decision.get_json()['decision_id']}/issue",
        headers=with_etag(headers, decision),
    )


def issued(client: FlaskClient, award: str, *subjects: str, year: int = 2024, **fields: Any) -> Any:
    """A decision of ``award`` (one without a council) for ``subjects`` of stp-05, issued."""
    file = received_file(client, award, *subjects, year=year)
    decision = draft(client, **fields)
    decision = add(client, decision, (file.get_json()["nomination_id"], None))
    assert decision.status_code == 200, decision.get_json()
    answer = issue(client, decision)
    assert answer.status_code == 200, answer.get_json()
    return answer


def revoke(
    client: FlaskClient,
    decision: Any,
    *recipient_ids: int,
    headers: dict[str, str] = MINISTRY,
    reason: str = "Khai man thành tích (Điều 84 Luật Thi đua, khen thưởng)",
    revoked_on: str = "2025-06-02",
) -> Any:
    import io

    form: dict[str, Any] = {
        "reason": reason,
        "legal_basis": "Luật Thi đua, khen thưởng 2022, Chương VII",
        "revoked_on": revoked_on,
        "file": (io.BytesIO(b"%PDF-1.4\n% quyet dinh huy bo\n"), "QD-huy-bo.pdf"),
    }
    if recipient_ids:
        form["recipients"] = ",".join(str(i) for i in recipient_ids)
    return client.post(
        f"/decisions/{decision.get_json()['decision_id']}/revocations",
        data=form,
        content_type="multipart/form-data",
        headers=with_etag(headers, decision),
    )
