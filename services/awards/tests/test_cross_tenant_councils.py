"""Cross-tenant: a council, its sessions, ballots, tally and receipts do not exist for
anyone who may not see the council (404 everywhere); lists show only councils the caller may
see; a council member not on a council cannot vote in it."""

from __future__ import annotations

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
from tests.support.tokens import as_role, unit_officer

ADMIN_01 = as_role("unit_admin", "unit", "stp-01", unit="stp-01")
ADMIN_02 = as_role("unit_admin", "unit", "stp-02", unit="stp-02")


def _closed_session(client: Any, app: Any) -> tuple[str, str, str, str]:
    file_id = forwarded_file(app)
    made = council(client, 3)
    sid = session_id(schedule(client, made["council_id"], [file_id]))
    receipt = vote(client, sid, "tv-1", file_id, "cb-1", "dong-y").get_json()["ballots"][0][
        "receipt"
    ]
    present_and_open(
        client, client.get(f"/councils/sessions/{sid}", headers=MINISTRY), ["tv-1", "tv-2"]
    )
    assert close(client, sid).status_code == 200
    return made["council_id"], sid, file_id, receipt


def _every_endpoint(
    client: Any, council_id: str, sid: str, file_id: str, receipt: str, headers: dict[str, str]
) -> dict[str, int]:
    etag = {"If-Match": 'W/"any"'}
    calls = {
        "council": client.get(f"/councils/{council_id}", headers=headers),
        "add member": client.post(
            f"/councils/{council_id}/members",
            json={
                "user_id": "x",
                "full_name": "X",
                "function": "uy-vien",
                "term_from": "2024-01-01",
            },
            headers={**headers, **etag},
        ),
        "remove member": client.delete(
            f"/councils/{council_id}/members/tv-3", headers={**headers, **etag}
        ),
        "schedule": client.post(
            f"/councils/{council_id}/sessions",
            json={"title": "T", "starts_at": "2025-03-20T08:30:00+07:00", "location": "L"},
            headers=headers,
        ),
        "sessions": client.get(f"/councils/{council_id}/sessions", headers=headers),
        "session": client.get(f"/councils/sessions/{sid}", headers=headers),
        "edit": client.patch(
            f"/councils/sessions/{sid}", json={"title": "T"}, headers={**headers, **etag}
        ),
        "agenda": client.post(
            f"/councils/sessions/{sid}/agenda",
            json={"nomination_ids": [file_id]},
            headers={**headers, **etag},
        ),
        "present": client.put(
            f"/councils/sessions/{sid}/present", json={"present": []}, headers={**headers, **etag}
        ),
        "open": client.post(f"/councils/sessions/{sid}/open", headers={**headers, **etag}),
        "close": client.post(f"/councils/sessions/{sid}/close", headers={**headers, **etag}),
        "ballots": client.post(
            f"/councils/sessions/{sid}/ballots",
            json={"votes": [{"nomination_id": file_id, "subject_id": "cb-1", "choice": "dong-y"}]},
            headers=headers,
        ),
        "tally": client.get(f"/councils/sessions/{sid}/tally", headers=headers),
        "receipt": client.post(
            "/ballots/receipts/check", json={"receipt": receipt}, headers=headers
        ),
    }
    return {name: answer.status_code for name, answer in calls.items()}


def test_the_ministrys_council_does_not_exist_for_a_unit_or_a_stranger(stack: Stack) -> None:
    app, client = app_with_pack(stack)
    council_id, sid, file_id, receipt = _closed_session(client, app)
    for who, headers in (
        ("unit officer", unit_officer("stp-01")),
        ("unit admin", ADMIN_01),
        ("member of no council", member("someone-else")),
    ):
        answers = _every_endpoint(client, council_id, sid, file_id, receipt, headers)
        assert set(answers.values()) == {404}, (who, answers)
        listed = client.get("/councils", headers=headers).get_json()
        assert listed["items"] == [] and listed["total"] == 0, who
    # Its own members see it (and only theirs), the Ministry and the auditor too.
    for headers in (member("tv-3"), MINISTRY, as_role("auditor")):
        assert client.get(f"/councils/sessions/{sid}/tally", headers=headers).status_code == 200


def test_a_units_council_is_its_units(stack: Stack) -> None:
    app, client = app_with_pack(stack)
    own = council(client, 2, level="unit", unit_id="stp-01", headers=ADMIN_01, prefix="hd01")
    file_id = forwarded_file(app, unit="stp-01")
    other_unit_file = forwarded_file(app, unit="stp-02")
    answer = schedule(client, own["council_id"], [file_id], headers=ADMIN_01)
    sid = session_id(answer)
    refused = client.post(
        f"/councils/sessions/{sid}/agenda",
        json={"nomination_ids": [other_unit_file]},
        headers={**ADMIN_01, "If-Match": answer.headers["ETag"]},
    )
    assert refused.status_code == 404, "another unit's file is not this council's to see"
    answers = _every_endpoint(client, own["council_id"], sid, file_id, "AAAAAAAAAA", ADMIN_02)
    assert set(answers.values()) == {404}, answers
    assert client.get("/councils", headers=ADMIN_02).get_json()["items"] == []
    assert [
        c["council_id"] for c in client.get("/councils", headers=ADMIN_01).get_json()["items"]
    ] == [own["council_id"]]
    for level, unit_id in (("bo", None), ("unit", "stp-02")):
        made = client.post(
            "/councils", json={"level": level, "unit_id": unit_id, "name": "X"}, headers=ADMIN_01
        )
        assert made.status_code == 404, level
    # The Ministry's council member not on this council cannot vote in it.
    stranger = vote(client, sid, "tv-1", file_id, "cb-1", "dong-y")
    assert stranger.status_code == 404
    assert vote(client, sid, "hd01-1", file_id, "cb-1", "dong-y").status_code == 201
