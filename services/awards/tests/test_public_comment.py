"""Public comment: the Ministry posts an award's nominees for its working days (a holiday
inside the period lengthens it), anyone reads the list and comments without signing in
(length-limited, rate-limited per address), the comments go to the council only, and the
council cannot vote on a posted nominee before the period is over."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kit.app import runtime
from services.awards.domain import calendar
from services.awards.tests.council_seed import (
    MINISTRY,
    app_with_pack,
    council,
    forwarded_file,
    member,
    schedule,
    session_id,
    today_is,
    vote,
)
from tests.support.stack import Stack
from tests.support.tokens import unit_officer

START = date(2025, 4, 28)  # a Monday; 30/4 and 1/5 are days off in 2025
ENDS_ON = "2025-05-13"  # 10 working days: 28, 29/4, 2, 5, 6, 7, 8, 9, 12, 13/5
GATEWAY = {"X-Real-IP": "203.0.113.7"}  # the client's address, as the gateway sends it on


def _setup(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, str]:
    app, client = app_with_pack(stack)
    with app.app_context(), runtime().db.transaction() as session:
        calendar.load_file(session)
    today_is(monkeypatch, START)
    file_id = forwarded_file(app, award="CSTD_TQ", subjects=(("cb-1", "Nguyễn Văn An"),))
    made = council(client, 4)
    sid = session_id(schedule(client, made["council_id"], [file_id]))
    return client, file_id, sid


def _post(client: Any, starts_on: date = START, headers: dict[str, str] = MINISTRY) -> Any:
    return client.post(
        "/comment-postings",
        json={"award": "CSTD_TQ", "year": 2024, "starts_on": starts_on.isoformat()},
        headers=headers,
    )


def test_the_vote_waits_for_the_end_of_the_period_with_its_holidays(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, file_id, sid = _setup(stack, monkeypatch)
    unposted = vote(client, sid, "tv-1", file_id, "cb-1", "dong-y")
    assert unposted.status_code == 409
    assert unposted.get_json()["code"] == "public_comment_not_posted"

    posted = _post(client)
    assert posted.status_code == 201, posted.get_json()
    assert posted.get_json()["ends_on"] == ENDS_ON
    assert posted.get_json()["working_days"] == 10

    for day in (date(2025, 5, 12), date(2025, 5, 13)):  # 12/5 would be past a period
        today_is(monkeypatch, day)  # that forgot the holidays (it would end on 9/5)
        early = vote(client, sid, "tv-1", file_id, "cb-1", "dong-y")
        assert early.status_code == 409, day
        assert early.get_json()["code"] == "public_comment_open"
        assert early.get_json()["ends_on"] == ENDS_ON
        assert "13/05/2025" in early.get_json()["detail"]
    today_is(monkeypatch, date(2025, 5, 14))
    assert vote(client, sid, "tv-1", file_id, "cb-1", "dong-y").status_code == 201
    session = client.get(f"/councils/sessions/{sid}", headers=MINISTRY).get_json()
    comment = session["agenda"][0]["nominees"][0]["public_comment"]
    assert comment == {"posted": True, "ends_on": ENDS_ON}


def test_posting_is_the_ministrys_for_awards_that_take_comment(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, _ = _setup(stack, monkeypatch)
    assert _post(client, headers=unit_officer("stp-01")).status_code == 404
    assert _post(client, starts_on=date(2025, 4, 25)).status_code == 422, "no back-dating"
    other = client.post(
        "/comment-postings",
        json={"award": "BK_BT", "year": 2024, "starts_on": START.isoformat()},
        headers=MINISTRY,
    )
    assert other.status_code == 409 and other.get_json()["code"] == "no_public_comment"
    assert _post(client).status_code == 201
    again = _post(client)
    assert again.status_code == 409 and again.get_json()["code"] == "nothing_to_post"


def test_anyone_reads_the_list_and_comments_without_signing_in(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, _ = _setup(stack, monkeypatch)
    posting = _post(client).get_json()

    listed = client.get("/public/comment-postings")
    assert listed.status_code == 200
    [shown] = listed.get_json()["items"]
    assert shown["award_name"] == "Chiến sĩ thi đua toàn quốc"
    assert shown["ends_on"] == ENDS_ON
    [nominee] = shown["nominees"]
    assert set(nominee) == {"entry_id", "name", "unit_name", "summary"}, "nothing private"
    assert (nominee["name"], nominee["unit_name"]) == ("Nguyễn Văn An", "Sở Tư pháp Hà Nội")

    nfd = "e\u0323\u0302" * 2000  # 6,000 code points, 2,000 characters once NFC ("ệ")
    sent = client.post(
        "/public/comments",
        json={"entry_id": nominee["entry_id"], "text": nfd, "author": "Một người dân"},
        headers=GATEWAY,
    )
    assert sent.status_code == 202, sent.get_json()
    too_long = client.post(
        "/public/comments",
        json={"entry_id": nominee["entry_id"], "text": "a" * 2001},
        headers={"X-Real-IP": "203.0.113.8"},
    )
    assert too_long.status_code == 422 and "text" in too_long.get_json()["errors"]
    unknown = client.post("/public/comments", json={"entry_id": 99999, "text": "x"})
    assert unknown.status_code == 404

    # The comments are the council's and the Ministry's: never on the public page.
    assert "ệ" not in listed.get_data(as_text=True)
    path = f"/comment-postings/{posting['posting_id']}/comments"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=unit_officer("stp-01")).status_code == 404
    for reader in (MINISTRY, member("tv-1")):
        [kept] = client.get(path, headers=reader).get_json()["items"]
        assert kept["text"] == "ệ" * 2000 and kept["author"] == "Một người dân"
    assert client.get("/comment-postings", headers=unit_officer("stp-01")).get_json()["items"] == []

    today_is(monkeypatch, date(2025, 5, 14))
    assert client.get("/public/comment-postings").get_json()["items"] == []
    closed = client.post("/public/comments", json={"entry_id": nominee["entry_id"], "text": "muộn"})
    assert closed.status_code == 404, "the period is over"


def test_comments_are_rate_limited_per_address(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, _ = _setup(stack, monkeypatch)
    _post(client)
    [shown] = client.get("/public/comment-postings").get_json()["items"]
    entry = shown["nominees"][0]["entry_id"]
    for i in range(5):
        ok = client.post(
            "/public/comments", json={"entry_id": entry, "text": f"ý kiến {i}"}, headers=GATEWAY
        )
        assert ok.status_code == 202
    limited = client.post(
        "/public/comments", json={"entry_id": entry, "text": "nữa"}, headers=GATEWAY
    )
    assert limited.status_code == 429
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3600
    other = client.post(
        "/public/comments",
        json={"entry_id": entry, "text": "người khác"},
        headers={"X-Real-IP": "198.51.100.20"},
    )
    assert other.status_code == 202, "another address has its own allowance"
    [posting] = client.get("/comment-postings", headers=MINISTRY).get_json()["items"]
    assert posting["comments"] == 6, "the refused comment was not kept"
