"""Councils and sessions: members and their functions, scheduling (the event to the members
called), the agenda (forwarded files of awards with a council vote only), the quorum (more
than half by default, the pack's council.quorum when it has one), If-Match on every change,
and closing, which moves each file and records the move."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from kit.app import runtime
from kit.events.tables import outbox as event_outbox
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
    step,
    vote,
)
from services.awards.tests.seed import PACK
from tests.support.stack import Stack

MEMBERS = [f"tv-{i}" for i in range(1, 7)]


def outbox(app: Any, event_type: str) -> list[dict[str, Any]]:
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(
            select(event_outbox).where(event_outbox.c.type == event_type)
        ).mappings()
        return [dict(r) for r in rows]


def test_a_council_and_its_members(stack: Stack) -> None:
    _, client = app_with_pack(stack)
    made = council(client, 3)
    body = made["body"]
    assert [(m["user_id"], m["function"]) for m in body["members"]] == [
        ("tv-1", "chu-tich"),
        ("tv-2", "thu-ky"),
        ("tv-3", "uy-vien"),
    ]
    path = f"/councils/{made['council_id']}/members"
    new = {
        "user_id": "tv-9",
        "full_name": "Lê Văn C",
        "function": "thu-ky",
        "term_from": "2024-06-01",
    }
    no_etag = client.post(path, json=new, headers=MINISTRY)
    assert no_etag.status_code == 428
    second_secretary = client.post(path, json=new, headers={**MINISTRY, "If-Match": made["etag"]})
    assert second_secretary.status_code == 422, "one secretary in a term"
    twice = client.post(
        path,
        json={**new, "user_id": "tv-1", "function": "uy-vien"},
        headers={**MINISTRY, "If-Match": made["etag"]},
    )
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_member"
    stale = client.delete(f"{path}/tv-3", headers={**MINISTRY, "If-Match": 'W/"old"'})
    assert stale.status_code == 412
    removed = client.delete(f"{path}/tv-3", headers={**MINISTRY, "If-Match": made["etag"]})
    assert removed.status_code == 200
    assert [m["user_id"] for m in removed.get_json()["members"]] == ["tv-1", "tv-2"]


def test_scheduling_tells_the_members_and_the_agenda_takes_forwarded_files_only(
    stack: Stack,
) -> None:
    app, client = app_with_pack(stack)
    forwarded = forwarded_file(app)
    received = forwarded_file(app, state="received")
    no_council = forwarded_file(app, award="LDTT")
    made = council(client, 6)
    answer = schedule(client, made["council_id"], [forwarded])
    sid = session_id(answer)
    [event] = outbox(app, "awards.council.session_scheduled")
    data = json.loads(event["envelope"])["data"]
    assert data["session_id"] == sid and data["nomination_ids"] == [forwarded]
    assert data["member_user_ids"] == MEMBERS
    assert datetime.fromisoformat(data["starts_at"]) == datetime(2025, 3, 20, 1, 30, tzinfo=UTC)

    refused = step(client, answer, "/agenda", json={"nomination_ids": [received]})
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "not_forwarded"
    assert refused.get_json()["status_now"] == "received"
    refused = step(client, answer, "/agenda", json={"nomination_ids": [no_council]})
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_council_vote"
    missing = step(client, answer, "/agenda", json={"nomination_ids": ["no-such-file"]})
    assert missing.status_code == 404
    after = client.get(f"/councils/sessions/{sid}", headers=MINISTRY)
    assert [f["nomination_id"] for f in after.get_json()["agenda"]] == [forwarded]
    other = schedule(client, made["council_id"], [])
    taken = step(client, other, "/agenda", json={"nomination_ids": [forwarded]})
    assert taken.status_code == 409 and taken.get_json()["code"] == "on_another_agenda"


def test_the_quorum_is_more_than_half_unless_the_pack_says_otherwise(stack: Stack) -> None:
    app, client = app_with_pack(stack)
    made = council(client, 6)
    answer = schedule(client, made["council_id"], [forwarded_file(app)])
    half = step(client, answer, "/present", method="PUT", json={"present": MEMBERS[:3]})
    assert half.status_code == 200
    refused = step(client, half, "/open")
    assert refused.status_code == 409 and refused.get_json()["code"] == "no_quorum"
    [check] = refused.get_json()["quorum"]
    assert check == {
        "award": "BK_BT",
        "rule": {"more_than": 0.5},
        "members": 6,
        "present": 3,
        "passed": False,
    }
    stranger = step(client, half, "/present", method="PUT", json={"present": ["tv-99"]})
    assert stranger.status_code == 422
    opened = present_and_open(client, half, MEMBERS[:4])
    assert opened.get_json()["state"] == "open"
    again = step(client, opened, "/open")
    assert again.status_code == 409 and again.get_json()["allowed"] == ["close"]

    # A pack whose BK_BT needs two thirds present: 4 of 6 is enough, 3 of 6 is not.
    document = json.loads(PACK.read_text())
    document["effective_from"] = "2024-01-01"
    for award in document["awards"]:
        if award["code"] == "BK_BT":
            award["council"]["quorum"] = {"at_least": 0.6667}
    created = client.post("/rule-packs", json=document, headers=MINISTRY)
    assert created.status_code == 201, created.get_json()
    published = client.post(
        f"/rule-packs/{created.get_json()['pack_id']}/publish",
        headers={**MINISTRY, "If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200
    later = schedule(client, made["council_id"], [forwarded_file(app)])
    four = step(client, later, "/present", method="PUT", json={"present": MEMBERS[:4]})
    refused = step(client, four, "/open")
    assert refused.status_code == 409, "4/6 is less than 0.6667"
    assert refused.get_json()["quorum"][0]["rule"] == {"at_least": 0.6667}
    assert present_and_open(client, four, MEMBERS[:5]).status_code == 200


def test_closing_moves_each_file_and_records_the_outcome(stack: Stack) -> None:
    app, client = app_with_pack(stack)
    approved = forwarded_file(app, subjects=(("cb-1", "Nguyễn Văn An"), ("cb-2", "Trần Thị Bình")))
    rejected = forwarded_file(app, subjects=(("cb-3", "Lê Thị Cúc"),))
    made = council(client, 6)
    answer = schedule(client, made["council_id"], [approved, rejected])
    sid = session_id(answer)
    assert step(client, answer, "/close").status_code == 409, "a scheduled session is not open"
    present_and_open(client, client.get(f"/councils/sessions/{sid}", headers=MINISTRY), MEMBERS)
    for user in MEMBERS[:3]:  # 3 of 6 = 1/2: BK_BT approves cb-1
        assert vote(client, sid, user, approved, "cb-1", "dong-y").status_code == 201
    for user in MEMBERS[:2]:
        assert vote(client, sid, user, approved, "cb-2", "dong-y").status_code == 201
        assert vote(client, sid, user, rejected, "cb-3", "dong-y").status_code == 201
    # The secretary (thư ký, tv-2) may close it; a plain member may not.
    current = client.get(f"/councils/sessions/{sid}", headers=member("tv-3"))
    assert step(client, current, "/close", headers=member("tv-3")).status_code == 403
    assert close(client, sid, member("tv-2")).status_code == 200

    first = client.get(f"/nominations/{approved}", headers=MINISTRY).get_json()
    assert first["state"] == "approved"
    assert first["moves"][-1]["to"] == "approved" and first["moves"][-1]["actor"] == "tv-2"
    second = client.get(f"/nominations/{rejected}", headers=MINISTRY).get_json()
    assert second["state"] == "returned"
    assert "Lê Thị Cúc: 2/6" in second["moves"][-1]["reason"]
    with app.app_context(), runtime().db.read() as session:
        from services.awards.models import Nominee

        outcomes = {
            n.subject_id: (n.council_outcome, n.council_tally["yes"], n.council_session_id)
            for n in session.scalars(select(Nominee))
        }
    assert outcomes == {
        "cb-1": ("approved", 3, sid),
        "cb-2": ("rejected", 2, sid),
        "cb-3": ("rejected", 2, sid),
    }
    [returned] = outbox(app, "awards.nomination.returned")
    assert returned["subject"] == f"nomination/{rejected}"
    forced = client.post(
        f"/nominations/{rejected}/moves",
        json={"to": "approved"},
        headers={**MINISTRY, "If-Match": f'W/"nomination-{rejected}-{second["revision"]}"'},
    )
    assert forced.status_code == 409, "a returned file is the unit's again, not the council's"
