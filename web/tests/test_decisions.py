"""Decisions, verification and public comment against a fake platform: the public pages work
without a session and call the API without a token (forms still need the CSRF token), a
stale issue is shown with the decision as it is now, a mistyped date never reaches the API,
and a revocation sends the reason, the ticked awards and the document."""

from __future__ import annotations

from io import BytesIO

from flask import jsonify
from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, csrf_of, sign_in

VERIFIED = {
    "serial": "BTP-2026-000001",
    "status": "revoked",
    "valid": False,
    "recipient_name": "Võ Quốc Khoa",
    "recipient_kind": "individual",
    "unit_name": "Sở Tư pháp Hà Nội",
    "award_name": "Bằng khen của Bộ trưởng Bộ Tư pháp (cá nhân)",
    "year": 2025,
    "decision_number": "15/QĐ-BTP",
    "decision_date": "2026-01-15",
    "issuer_name": "Bộ Tư pháp",
    "revoked_on": "2026-02-02",
    "message": {"vi": "Khen thưởng đã bị hủy bỏ từ ngày 02/02/2026.", "en": "Revoked."},
}
DECISION = {
    "decision_id": "d-1",
    "number": "15/QĐ-BTP",
    "year": 2026,
    "issuer": "BTP",
    "issuer_name": "Bộ Tư pháp",
    "place": "Hà Nội",
    "decided_on": "2026-01-15",
    "title": "Về việc tặng Bằng khen",
    "authority": "BỘ TRƯỞNG BỘ TƯ PHÁP",
    "legal_bases": [],
    "signer_name": "Nguyễn Thanh Tịnh",
    "signer_title": "THỨ TRƯỞNG",
    "signing_for": "KT. BỘ TRƯỞNG",
    "certificate_kind": "bang-khen",
    "state": "issued",
    "total_vnd": 2340000,
    "recipients": [
        {
            "id": 7,
            "nomination_id": "f-1",
            "subject": "cb-027-s0",
            "name": "Võ Quốc Khoa",
            "unit_name": "Sở Tư pháp Hà Nội",
            "award": "BK_BT",
            "award_name": "Bằng khen",
            "year": 2025,
            "bonus": {
                "multiple": "1.0",
                "base_salary": 2340000,
                "base_salary_from": "2024-07-01",
                "rounding_step": 10000,
                "vnd": 2340000,
            },
            "bonus_vnd": 2340000,
            "serial": "BTP-2026-000001",
            "revoked": False,
        }
    ],
}
MINISTRY = {
    "id": "u-2",
    "kind": "user",
    "username": "bo.tdkt",
    "full_name": "Nguyễn Văn An",
    "unit": {"id": "vu-tdkt", "name": "Vụ Thi đua - Khen thưởng"},
    "roles": [{"role": "ministry_officer", "scope": "national", "scope_id": None}],
}


def test_the_verification_page_needs_no_sign_in_and_says_revoked(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/awards/verify/BTP-2026-000001", VERIFIED)
    answer = web.get("/verify/BTP-2026-000001")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'id="verification-status">Đã hủy bỏ<' in page
    assert "02/02/2026" in page and "Võ Quốc Khoa" in page
    sent = [s for s in fake_api.seen if s["path"].startswith("/awards/verify/")][-1]
    assert "Authorization" not in sent["headers"]


def test_an_unknown_serial_is_a_404_page_with_the_platforms_words(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    problem = {"type": "urn:thidua:problem:not-found", "status": 404, "detail": "Không có số X1."}
    fake_api.json("GET", "/awards/verify/X1", problem, status=404)
    answer = web.get("/verify/X1")
    assert answer.status_code == 404
    assert "Không có số X1." in answer.get_data(as_text=True)
    # A serial awards never issues is not even asked for.
    asked = len(fake_api.seen)
    assert web.get("/verify/a%20b").status_code == 404
    assert len(fake_api.seen) == asked


def test_a_public_comment_is_sent_without_a_token_but_with_the_forms_csrf(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    postings = {
        "items": [
            {
                "posting_id": "p-1",
                "award": "CSTD_TQ",
                "award_name": "Chiến sĩ thi đua toàn quốc",
                "year": 2025,
                "starts_on": "2026-03-02",
                "ends_on": "2026-03-13",
                "nominees": [{"entry_id": 3, "name": "Võ Văn Hùng", "unit_name": "STP Hà Nội"}],
            }
        ]
    }
    fake_api.json("GET", "/awards/public/comment-postings", postings)
    received = {"received": True, "message": {"vi": "Cảm ơn bạn.", "en": "Thank you."}}
    fake_api.on("POST", "/awards/public/comments", lambda: (jsonify(received), 202))
    page = web.get("/public/comment").get_data(as_text=True)
    assert "Võ Văn Hùng" in page and 'name="entry_id" value="3"' in page

    refused = web.post("/public/comment", data={"entry_id": "3", "text": "Tốt"})
    assert refused.status_code == 400  # no CSRF token: nothing sent
    assert not [s for s in fake_api.seen if s["path"] == "/awards/public/comments"]

    answer = web.post(
        "/public/comment",
        data={"entry_id": "3", "text": "Anh Hùng rất tận tụy.", "csrf_token": csrf_of(web)},
        follow_redirects=True,
    )
    assert answer.status_code == 200 and "Cảm ơn bạn." in answer.get_data(as_text=True)
    sent = [s for s in fake_api.seen if s["path"] == "/awards/public/comments"][-1]
    assert sent["json"] == {"entry_id": 3, "text": "Anh Hùng rất tận tụy."}
    assert "Authorization" not in sent["headers"]


def test_too_many_comments_are_said_so(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/awards/public/comment-postings", {"items": []})
    problem = {
        "type": "urn:thidua:problem:too-many-requests",
        "status": 429,
        "detail": "Bạn đã gửi 5 ý kiến trong một giờ.",
    }
    fake_api.json("POST", "/awards/public/comments", problem, status=429)
    answer = web.post(
        "/public/comment", data={"entry_id": "3", "text": "Lần nữa", "csrf_token": csrf_of(web)}
    )
    assert answer.status_code == 429
    assert "Bạn đã gửi 5 ý kiến trong một giờ." in answer.get_data(as_text=True)


def _as_ministry(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", MINISTRY)
    sign_in(web, "bo.tdkt")


def test_a_mistyped_date_never_reaches_the_api(web: FlaskClient, fake_api: FakeApi) -> None:
    _as_ministry(web, fake_api)
    answer = web.post(
        "/awards/decisions",
        data={"number": "15/QĐ-BTP", "decided_on": "32/01/2026", "csrf_token": csrf_of(web)},
    )
    assert answer.status_code == 422
    assert "Nhập ngày theo dạng dd/mm/yyyy." in answer.get_data(as_text=True)
    assert not [s for s in fake_api.seen if s["path"] == "/awards/decisions"]


def test_a_stale_issue_shows_the_decision_as_it_is_now(web: FlaskClient, fake_api: FakeApi) -> None:
    _as_ministry(web, fake_api)
    draft = {**DECISION, "state": "draft", "recipients": []}
    fake_api.json("GET", "/awards/decisions/d-1", draft, ETag='W/"decision-d-1-3"')
    fake_api.json("GET", "/awards/decisions/sources", {"items": []})
    stale = {"type": "urn:thidua:problem:precondition-failed", "status": 412}
    fake_api.json("POST", "/awards/decisions/d-1/issue", stale, status=412)
    answer = web.post(
        "/awards/decisions/d-1/issue",
        data={"etag": 'W/"decision-d-1-2"', "csrf_token": csrf_of(web)},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 412
    assert "Người khác đã sửa quyết định này" in page
    assert 'value="W/&#34;decision-d-1-3&#34;"' in page  # the current ETag, for the retry
    sent = [s for s in fake_api.seen if s["path"].endswith("/issue")][-1]
    assert sent["headers"]["If-Match"] == 'W/"decision-d-1-2"'


def test_the_issued_decision_shows_the_bonus_figures_and_revokes_with_the_document(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _as_ministry(web, fake_api)
    fake_api.json("GET", "/awards/decisions/d-1", DECISION, ETag='W/"decision-d-1-4"')
    page = web.get("/awards/decisions/d-1").get_data(as_text=True)
    assert "2.340.000 đ" in page and "01/07/2024" in page
    assert 'id="revoke-form"' in page
    fake_api.on(
        "POST",
        "/awards/decisions/d-1/revocations",
        lambda: (jsonify({"revocation_id": "r-1"}), 201),
    )
    answer = web.post(
        "/awards/decisions/d-1/revoke",
        data={
            "etag": 'W/"decision-d-1-4"',
            "recipient": "7",
            "reason": "Khai man thành tích",
            "revoked_on": "02/02/2026",
            "document": (BytesIO(b"%PDF-1.4"), "QD-huy-bo.pdf"),
            "csrf_token": csrf_of(web),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/revocations/r-1")
    sent = [s for s in fake_api.seen if s["path"].endswith("/revocations")][-1]
    assert sent["form"] == {
        "reason": "Khai man thành tích",
        "legal_basis": "",
        "revoked_on": "2026-02-02",
        "recipients": "7",
    }
    assert sent["headers"]["If-Match"] == 'W/"decision-d-1-4"'
