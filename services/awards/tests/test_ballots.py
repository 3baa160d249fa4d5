"""The secret ballot: approval at yes votes ≥ min_share × all members (exactly at the
threshold and one short), written votes of absent members counted, one vote per member per
nominee, receipts that find each ballot in the published tally."""

from __future__ import annotations

from collections import Counter
from typing import Any

from services.awards.tests.council_seed import (
    MINISTRY,
    app_with_pack,
    close,
    council,
    forwarded_file,
    member,
    present_and_open,
    schedule,
    session_id,
    vote,
)
from tests.support.stack import Stack

MEMBERS = [f"tv-{i}" for i in range(1, 11)]


def _session(
    stack: Stack, award: str, subjects: tuple[tuple[str, str], ...]
) -> tuple[Any, str, str]:
    app, client = app_with_pack(stack)
    file_id = forwarded_file(app, award=award, subjects=subjects)
    made = council(client, 10)
    return client, file_id, session_id(schedule(client, made["council_id"], [file_id]))


def _open(client: Any, sid: str, present: list[str]) -> None:
    current = client.get(f"/councils/sessions/{sid}", headers=MINISTRY)
    present_and_open(client, current, present)


def _cast(client: Any, sid: str, file_id: str, subject: str, choices: list[str]) -> list[str]:
    receipts = []
    for user, choice in zip(MEMBERS, choices, strict=False):
        answer = vote(client, sid, user, file_id, subject, choice)
        assert answer.status_code == 201, answer.get_json()
        [ballot] = answer.get_json()["ballots"]
        assert ballot["choice"] == choice and len(ballot["receipt"]) == 10
        receipts.append(ballot["receipt"])
    return receipts


def check(client: Any, receipt: str, headers: dict[str, str]) -> Any:
    return client.post("/ballots/receipts/check", json={"receipt": receipt}, headers=headers)


def test_nine_of_ten_is_exactly_nine_tenths_and_approves(stack: Stack) -> None:
    client, file_id, sid = _session(
        stack, "CSTD_BO", (("cb-1", "Nguyễn Văn An"), ("cb-2", "Trần Thị Bình"))
    )
    _open(client, sid, MEMBERS)
    _cast(client, sid, file_id, "cb-1", ["dong-y"] * 9 + ["khong-dong-y"])
    _cast(client, sid, file_id, "cb-2", ["dong-y"] * 8 + ["khong-dong-y", "abstain"])
    assert close(client, sid).status_code == 200

    tally = client.get(f"/councils/sessions/{sid}/tally", headers=MINISTRY).get_json()
    by_subject = {n["subject_id"]: n for n in tally["nominees"]}
    at, short = by_subject["cb-1"], by_subject["cb-2"]
    assert (at["yes"], at["no"], at["abstain"], at["members"]) == (9, 1, 0, 10)
    assert at["min_share"] == "9/10" and at["threshold"] == "9" and at["required_yes"] == 9
    assert at["approved"] is True
    assert (short["yes"], short["no"], short["abstain"]) == (8, 1, 1)
    assert short["approved"] is False, "one short of 9/10 of all members"

    file = client.get(f"/nominations/{file_id}", headers=MINISTRY).get_json()
    assert file["state"] == "approved", "a file with an approved nominee goes on to a decision"


def test_the_threshold_counts_all_members_not_those_present(stack: Stack) -> None:
    """BK_BT: min_share 0.5 of 10 members = 5 yes votes, however few are present."""
    client, file_id, sid = _session(stack, "BK_BT", (("cb-1", "Nguyễn Văn An"),))
    _open(client, sid, MEMBERS[:6])
    # 6 present; 4 vote yes, 2 abstain: 4 of 6 present is more than half, but not 5 of 10.
    _cast(client, sid, file_id, "cb-1", ["dong-y"] * 4 + ["abstain"] * 2)
    assert close(client, sid).status_code == 200
    tally = client.get(f"/councils/sessions/{sid}/tally", headers=MINISTRY).get_json()
    [entry] = tally["nominees"]
    assert (entry["yes"], entry["cast"], entry["not_voted"], entry["threshold"]) == (4, 6, 4, "5")
    assert entry["approved"] is False

    file = client.get(f"/nominations/{file_id}", headers=MINISTRY).get_json()
    assert file["state"] == "returned"
    last = file["moves"][-1]
    assert last["from"] == "forwarded" and last["to"] == "returned"
    assert "4/10" in last["reason"] and "không thông qua" in last["reason"]


def test_written_votes_of_absent_members_count(stack: Stack) -> None:
    """Four absent members vote in writing while the session is scheduled; with five present
    yes votes that makes 9 of 10: approved (CSTD_BO, 9/10)."""
    client, file_id, sid = _session(stack, "CSTD_BO", (("cb-1", "Nguyễn Văn An"),))
    for user in MEMBERS[6:]:  # absent: tv-7 … tv-10, in writing before the session
        assert vote(client, sid, user, file_id, "cb-1", "dong-y").status_code == 201
    _open(client, sid, MEMBERS[:6])
    for user, choice in zip(MEMBERS[:6], ["dong-y"] * 5 + ["khong-dong-y"], strict=True):
        assert vote(client, sid, user, file_id, "cb-1", choice).status_code == 201
    assert close(client, sid).status_code == 200
    [entry] = client.get(f"/councils/sessions/{sid}/tally", headers=MINISTRY).get_json()["nominees"]
    assert (entry["yes"], entry["no"], entry["approved"]) == (9, 1, True)
    session = client.get(f"/councils/sessions/{sid}", headers=MINISTRY).get_json()
    assert session["present"] == MEMBERS[:6]
    nominee = session["agenda"][0]["nominees"][0]
    assert nominee["council_outcome"] == "approved"


def test_a_second_vote_is_refused_and_changes_nothing(stack: Stack) -> None:
    client, file_id, sid = _session(stack, "BK_BT", (("cb-1", "Nguyễn Văn An"),))
    assert vote(client, sid, "tv-3", file_id, "cb-1", "dong-y").status_code == 201
    again = vote(client, sid, "tv-3", file_id, "cb-1", "khong-dong-y")
    assert again.status_code == 409
    assert again.get_json()["code"] == "already_voted"
    with_key = client.post(
        f"/councils/sessions/{sid}/ballots",
        json={"votes": [{"nomination_id": file_id, "subject_id": "cb-1", "choice": "abstain"}]},
        headers={**member("tv-3"), "Idempotency-Key": "retry-1"},
    )
    assert with_key.status_code == 409, "a retry is a second vote, never a replayed receipt"
    _open(client, sid, MEMBERS)
    assert close(client, sid).status_code == 200
    [entry] = client.get(f"/councils/sessions/{sid}/tally", headers=MINISTRY).get_json()["nominees"]
    assert (entry["yes"], entry["no"], entry["abstain"], entry["cast"]) == (1, 0, 0, 1)


def test_votes_refused_outside_the_electorate_and_after_closing(stack: Stack) -> None:
    client, file_id, sid = _session(stack, "BK_BT", (("cb-1", "Nguyễn Văn An"),))
    stranger = vote(client, sid, "someone-else", file_id, "cb-1", "dong-y")
    assert stranger.status_code == 404, "a council member not on this council sees nothing"
    ministry = client.post(
        f"/councils/sessions/{sid}/ballots",
        json={"votes": [{"nomination_id": file_id, "subject_id": "cb-1", "choice": "dong-y"}]},
        headers=MINISTRY,
    )
    assert ministry.status_code == 403, "the Ministry sees the session but has no vote"
    unknown = vote(client, sid, "tv-1", file_id, "cb-404", "dong-y")
    assert unknown.status_code == 404
    bad = vote(client, sid, "tv-1", file_id, "cb-1", "yes")
    assert bad.status_code == 422
    _open(client, sid, MEMBERS)
    assert close(client, sid).status_code == 200
    late = vote(client, sid, "tv-1", file_id, "cb-1", "dong-y")
    assert late.status_code == 409 and late.get_json()["code"] == "session_closed"


def test_every_receipt_finds_its_ballot_and_anyone_can_recount(stack: Stack) -> None:
    client, file_id, sid = _session(stack, "BK_BT", (("cb-1", "Nguyễn Văn An"),))
    choices = ["dong-y", "khong-dong-y", "abstain", "dong-y", "dong-y", "khong-dong-y"]
    _open(client, sid, MEMBERS)
    receipts = _cast(client, sid, file_id, "cb-1", choices)
    assert len(set(receipts)) == len(receipts)

    before = check(client, receipts[0], member("tv-1"))
    assert before.status_code == 200
    assert before.get_json()["counted"] is True and before.get_json()["choice"] is None
    early = client.get(f"/councils/sessions/{sid}/tally", headers=MINISTRY)
    assert early.status_code == 409 and early.get_json()["code"] == "tally_not_published"

    assert close(client, sid).status_code == 200
    [entry] = client.get(f"/councils/sessions/{sid}/tally", headers=member("tv-5")).get_json()[
        "nominees"
    ]
    published = {r["receipt"]: r["choice"] for r in entry["receipts"]}
    assert [r["receipt"] for r in entry["receipts"]] == sorted(published)
    for receipt, choice in zip(receipts, choices, strict=True):
        assert published[receipt] == choice
        spaced = f"{receipt[:5].lower()}-{receipt[5:]}"
        checked = check(client, spaced, member("tv-2")).get_json()
        assert checked["choice"] == choice and checked["subject_id"] == "cb-1"
    recount = Counter(published.values())
    assert (recount["dong-y"], recount["khong-dong-y"], recount["abstain"]) == (
        entry["yes"],
        entry["no"],
        entry["abstain"],
    )
    assert check(client, "AAAAAAAAAA", MINISTRY).status_code == 404
