"""The council session page and the receipt check against a fake platform: the member's
ballot carries one choice per nominee, its receipts are shown in the answer alone, and an
unknown receipt says so."""

from __future__ import annotations

from flask import jsonify
from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, csrf_of, sign_in

SESSION = {
    "session_id": "s-1",
    "council_id": "c-1",
    "council_name": "Hội đồng Thi đua - Khen thưởng Bộ Tư pháp",
    "title": "Phiên họp xét khen thưởng năm 2025",
    "starts_at": "2026-12-10T02:00:00+00:00",
    "location": "Phòng họp số 1",
    "state": "open",
    "electorate": [
        {"user_id": "u-1", "full_name": "Trần Thị Bình", "function": "uy-vien", "present": True}
    ],
    "members": 1,
    "present": ["u-1"],
    "quorum": [],
    "agenda": [
        {
            "nomination_id": "f-1",
            "award": "CSTD_BO",
            "award_name": "Chiến sĩ thi đua ngành Tư pháp",
            "year": 2025,
            "title": "Đề nghị CSTĐ ngành",
            "state": "forwarded",
            "nominees": [
                {
                    "subject_id": "cb-1",
                    "subject_name": "Ngô Minh Cường",
                    "voted": 0,
                    "you_voted": False,
                }
            ],
        }
    ],
    "you_vote": True,
    "you_manage": False,
}


def test_the_member_votes_and_sees_the_receipt_once(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/awards/councils/sessions/s-1", SESSION, ETag='"s-1-1"')
    receipts = {
        "ballots": [
            {
                "subject_id": "cb-1",
                "subject_name": "Ngô Minh Cường",
                "choice": "dong-y",
                "receipt": "R-7Q2K-93XD",
            }
        ]
    }
    fake_api.on("POST", "/awards/councils/sessions/s-1/ballots", lambda: (jsonify(receipts), 201))
    sign_in(web)
    page = web.get("/awards/council/sessions/s-1").get_data(as_text=True)
    assert 'name="vote|f-1|cb-1"' in page and "Phiếu của bạn về Ngô Minh Cường" in page
    answer = web.post(
        "/awards/council/sessions/s-1/ballots",
        data={"vote|f-1|cb-1": "dong-y", "csrf_token": csrf_of(web)},
    )
    assert answer.status_code == 201
    assert "R-7Q2K-93XD" in answer.get_data(as_text=True)
    sent = [s for s in fake_api.seen if s["path"].endswith("/ballots")][-1]["json"]
    assert sent == {"votes": [{"nomination_id": "f-1", "subject_id": "cb-1", "choice": "dong-y"}]}
    assert "R-7Q2K-93XD" not in web.get("/awards/council/sessions/s-1").get_data(as_text=True)


def test_an_unknown_receipt_is_said_so(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    response = web.get("/awards/ballots/receipt?code=R-NOPE")
    assert response.status_code == 404
    assert "Không có lá phiếu nào mang mã biên nhận này" in response.get_data(as_text=True)
