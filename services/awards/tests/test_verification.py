"""The public verification page: no token; a valid certificate confirmed with the award and its
decision, a revoked one said to be revoked and since when, an unknown serial 404; nothing
private (no staff code, no bonus, no reason). The gateway lets exactly that path through."""

from __future__ import annotations

import io
import json

import pypdf

from gateway.auth import is_public
from services.awards.tests.decision_support import PEOPLE, issued, revoke, with_unit
from tests.support.stack import Stack


def test_valid_revoked_and_unknown(stack: Stack) -> None:
    _, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    first, second = decision.get_json()["recipients"]

    valid = client.get(f"/verify/{first['serial']}")  # no Authorization header at all
    assert valid.status_code == 200, valid.get_json()
    body = valid.get_json()
    assert body["status"] == "valid" and body["valid"] is True
    assert (body["recipient_name"], body["award_name"], body["year"]) == (
        "Bùi Văn Toàn",
        "Lao động tiên tiến",
        2024,
    )
    assert body["unit_name"] == "stp-05"
    assert (body["decision_number"], body["decision_date"]) == ("123/QĐ-BTP", "2025-01-15")
    assert body["revoked_on"] is None
    assert "123/QĐ-BTP" in body["message"]["vi"]
    text = json.dumps(body, ensure_ascii=False)
    for private in (PEOPLE[7], "710000", "710.000", "cb-05", "gender", "bonus", "nomination"):
        assert private not in text, private

    answer = revoke(client, decision, second["id"], reason="Khai man hồ sơ cá nhân")
    assert answer.status_code == 201, answer.get_json()
    gone = client.get(f"/verify/{second['serial']}").get_json()
    assert gone["status"] == "revoked" and gone["valid"] is False
    assert gone["revoked_on"] == "2025-06-02"
    assert "đã bị hủy bỏ từ ngày 02/06/2025" in gone["message"]["vi"]
    assert "Khai man" not in json.dumps(gone, ensure_ascii=False), "the reason is not public"
    assert client.get(f"/verify/{first['serial']}").get_json()["status"] == "valid"

    unknown = client.get("/verify/BTP-2025-AAAAAAAAAAAAAAAA")
    assert unknown.status_code == 404
    assert client.get(f"/verify/{first['serial'][:-1]}X").status_code in (200, 404)
    assert client.get("/verify/..%2Fetc").status_code == 404


def test_the_qr_code_points_to_the_public_page(stack: Stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWARDS_PUBLIC_BASE_URL", "https://thidua.moj.gov.vn/")
    monkeypatch.setenv("AWARDS_PRINT_OFFSETS", "BTP=1.5,-2")
    _, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7])
    serial = decision.get_json()["recipients"][0]["serial"]
    from services.awards.tests.decision_support import UNIT

    pdf = client.get(f"/certificates/{serial}.pdf", headers=UNIT)
    assert pdf.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    assert serial in reader.pages[0].extract_text()
    from kit.app import runtime

    with client.application.app_context():
        settings = runtime().settings
        assert settings.public_base_url == "https://thidua.moj.gov.vn"
        assert settings.print_offset("BTP") == (1.5, -2.0)
        assert settings.print_offset("STP-05") == (0.0, 0.0)


def test_the_gateway_lets_only_the_verification_path_through() -> None:
    assert is_public("awards", "GET", "/verify/BTP-2025-7KQ2M4XD9PLA3VNE")
    assert is_public("awards", "HEAD", "/verify/BTP-2025-7KQ2M4XD9PLA3VNE")
    assert not is_public("awards", "POST", "/verify/BTP-2025-7KQ2M4XD9PLA3VNE")
    assert not is_public("awards", "GET", "/verify/a/b")
    assert not is_public("awards", "GET", "/verify/")
    assert not is_public("awards", "GET", "/verify/../decisions")
    assert not is_public("scoring", "GET", "/verify/BTP-2025-7KQ2M4XD9PLA3VNE")
    assert not is_public("awards", "GET", "/certificates/BTP-2025-7KQ2M4XD9PLA3VNE.pdf")
