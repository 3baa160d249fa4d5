"""A nomination file's lifecycle: every legal move, every illegal one refused naming the
allowed, submission refusals with their reasons, return and resubmission, withdrawal."""

from __future__ import annotations

from typing import Any

import pytest

from services.awards.tests.seed import move, new_file, register, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

UNIT = unit_officer("stp-01")
MINISTRY = ministry_officer()
ALL_STATES = ("draft", "submitted", "returned", "received", "forwarded", "withdrawn")
LEGAL = {
    "draft": {"submitted", "withdrawn"},
    "submitted": {"received", "returned"},
    "returned": {"submitted", "withdrawn"},
    "received": {"forwarded"},
    "forwarded": set(),
    "withdrawn": set(),
}


def refuse_every_illegal_move(client: Any, answer: Any, state: str) -> None:
    """Each move the table does not have from ``state`` is 409 naming the allowed ones, and
    leaves the file as it was."""
    for to in ALL_STATES:
        if to in LEGAL[state]:
            continue
        for headers in (UNIT, MINISTRY):
            refused = move(client, headers, answer, to, "lý do")
            assert refused.status_code == 409, (state, to, refused.get_json())
            body = refused.get_json()
            assert set(body["allowed"]) == LEGAL[state], (state, to)
            assert body["status_now"] == state
    again = client.get(f"/nominations/{answer.get_json()['nomination_id']}", headers=UNIT)
    assert again.headers["ETag"] == answer.headers["ETag"], "a refused move changes nothing"


def test_the_whole_lifecycle_with_every_illegal_move_refused(stack: Stack) -> None:
    _, client = seeded(stack)
    register(client, UNIT, "stp-01", "LDTT", "cb-027-0001")
    draft = new_file(client, UNIT, subjects=("cb-027-0001",))
    assert draft.get_json()["state"] == "draft"
    assert draft.get_json()["allowed_moves"] == ["submitted", "withdrawn"]
    refuse_every_illegal_move(client, draft, "draft")

    submitted = move(client, UNIT, draft, "submitted")
    assert submitted.status_code == 200, submitted.get_json()
    body = submitted.get_json()
    assert body["state"] == "submitted"
    assert body["rule_pack_id"], "the pack the verdicts came from is kept"
    assert body["nominees"][0]["verdict"]["eligible"] is True
    assert body["allowed_moves"] == [], "the unit can only wait for the Ministry now"
    refuse_every_illegal_move(client, submitted, "submitted")

    decided = client.get(f"/nominations/{body['nomination_id']}", headers=MINISTRY)
    assert decided.get_json()["allowed_moves"] == ["received", "returned"]
    no_reason = move(client, MINISTRY, decided, "returned")
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]

    returned = move(client, MINISTRY, decided, "returned", "Thiếu báo cáo thành tích.")
    assert returned.status_code == 200, returned.get_json()
    refuse_every_illegal_move(client, returned, "returned")

    # Corrected and submitted again: the verdicts are taken again.
    patched = client.patch(
        f"/nominations/{body['nomination_id']}",
        json={"cover_summary": "Đã bổ sung báo cáo."},
        headers=with_etag(UNIT, returned),
    )
    assert patched.status_code == 200, patched.get_json()
    again = move(client, UNIT, patched, "submitted")
    assert again.status_code == 200, again.get_json()

    received = move(client, MINISTRY, again, "received")
    assert received.status_code == 200
    refuse_every_illegal_move(client, received, "received")
    forwarded = move(client, MINISTRY, received, "forwarded")
    assert forwarded.status_code == 200
    refuse_every_illegal_move(client, forwarded, "forwarded")

    moves = forwarded.get_json()["moves"]
    assert [(m["from"], m["to"]) for m in moves] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "received"),
        ("received", "forwarded"),
    ]
    assert moves[2]["reason"] == "Thiếu báo cáo thành tích."
    assert moves[2]["actor"] == "ministry_officer-all"
    assert moves[1]["actor"] == "unit_officer-stp-01"


def test_edits_are_refused_once_submitted(stack: Stack) -> None:
    _, client = seeded(stack)
    register(client, UNIT, "stp-01", "LDTT", "cb-027-0001")
    submitted = move(client, UNIT, new_file(client, UNIT, subjects=("cb-027-0001",)), "submitted")
    file_id = submitted.get_json()["nomination_id"]
    refused = client.patch(
        f"/nominations/{file_id}", json={"title": "Khác"}, headers=with_etag(UNIT, submitted)
    )
    assert refused.status_code == 409
    assert refused.get_json()["status_now"] == "submitted"
    added = client.post(
        f"/nominations/{file_id}/nominees",
        json={"subjects": ["cb-027-0025"]},
        headers=with_etag(UNIT, submitted),
    )
    assert added.status_code == 409


def test_withdrawn_keeps_its_history(stack: Stack) -> None:
    _, client = seeded(stack)
    draft = new_file(client, UNIT, subjects=("cb-027-0001",))
    withdrawn = move(client, UNIT, draft, "withdrawn")
    assert withdrawn.status_code == 200
    body = client.get(f"/nominations/{draft.get_json()['nomination_id']}", headers=UNIT).get_json()
    assert body["state"] == "withdrawn"
    assert [m["to"] for m in body["moves"]] == ["draft", "withdrawn"]
    assert [n["subject_id"] for n in body["nominees"]] == ["cb-027-0001"]
    assert body["allowed_moves"] == []


def reasons_of(answer: Any) -> dict[str, dict[str, Any]]:
    assert answer.status_code == 409, answer.get_json()
    return {r["code"]: r for r in answer.get_json()["reasons"]}


def test_an_empty_file_cannot_be_submitted(stack: Stack) -> None:
    _, client = seeded(stack)
    reasons = reasons_of(move(client, UNIT, new_file(client, UNIT), "submitted"))
    assert set(reasons) == {"no_nominees"}


def test_an_ineligible_and_an_unregistered_nominee_are_named(stack: Stack) -> None:
    _, client = seeded(stack)
    register(client, UNIT, "stp-01", "LDTT", "cb-027-0022")
    draft = new_file(client, UNIT, subjects=("cb-027-0022", "cb-027-0025"))
    refused = move(client, UNIT, draft, "submitted")
    reasons = reasons_of(refused)
    assert set(reasons) == {"ineligible", "unregistered"}
    assert reasons["ineligible"]["subject"] == "cb-027-0022"
    assert reasons["ineligible"]["conditions"], "its failing conditions, with their reasons"
    assert all(c["reason"]["vi"] for c in reasons["ineligible"]["conditions"])
    assert "cb-027-0022" in reasons["ineligible"]["message"]["en"]
    assert reasons["unregistered"]["subjects"] == ["cb-027-0025"]
    after = client.get(f"/nominations/{draft.get_json()['nomination_id']}", headers=UNIT)
    assert after.get_json()["state"] == "draft"
    assert after.headers["ETag"] == draft.headers["ETag"]
    assert all(n["verdict"] is None for n in after.get_json()["nominees"])
    nominees = {n["subject_id"]: n for n in after.get_json()["nominees"]}
    assert nominees["cb-027-0022"]["registered"] is True
    assert nominees["cb-027-0025"]["registered"] is False
    assert after.get_json()["registration"]["unregistered"] == ["cb-027-0025"]


def test_a_file_beyond_the_quota_is_refused(stack: Stack) -> None:
    """CSTDCS: at most floor(0.15 × the unit's LDTT holders) a year (stp-01 in 2024: 1)."""
    _, client = seeded(stack)
    quota = client.get("/quotas?award=CSTDCS&year=2024&unit=stp-01", headers=UNIT).get_json()
    assert quota["max"] == 1
    register(client, UNIT, "stp-01", "CSTDCS", "cb-027-s2")
    refused = move(
        client, UNIT, new_file(client, UNIT, award="CSTDCS", subjects=("cb-027-s2",)), "submitted"
    )
    reasons = reasons_of(refused)
    assert "quota_exceeded" in reasons
    assert reasons["quota_exceeded"]["max"] == 1
    assert reasons["quota_exceeded"]["used"] > 1


def test_a_non_yearly_file_needs_no_registration(stack: Stack) -> None:
    _, client = seeded(stack)
    draft = new_file(
        client,
        UNIT,
        award="BK_BT",
        subjects=("cb-027-s0",),
        kind="dot-xuat",
        act="Cứu người trong lũ",
        act_date="2024-09-08",
    )
    assert draft.get_json()["registration"]["required"] is False
    assert move(client, UNIT, draft, "submitted").status_code == 200


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "dot-xuat", "act": "Hành động"}, "act_date"),
        ({"kind": "dot-xuat", "act_date": "2024-03-01"}, "act"),
        ({"kind": "dot-xuat", "act": "Hành động", "act_date": "2023-12-31"}, "act_date"),
        ({"kind": "chuyen-de"}, "movement_id"),
        ({"kind": "khac"}, "kind"),
    ],
)
def test_a_file_missing_what_its_kind_needs_is_refused(
    stack: Stack, extra: dict[str, Any], field: str
) -> None:
    _, client = seeded(stack)
    body = {"award": "BK_BT", "year": 2024, "unit": "stp-01", "title": "Đề nghị", **extra}
    refused = client.post("/nominations", json=body, headers=UNIT)
    assert refused.status_code == 422, refused.get_json()
    assert field in refused.get_json()["errors"]
    assert client.get("/nominations", headers=UNIT).get_json()["total"] == 0


def test_every_edit_needs_the_current_etag(stack: Stack) -> None:
    _, client = seeded(stack)
    draft = new_file(client, UNIT)
    file_id = draft.get_json()["nomination_id"]
    missing = client.patch(f"/nominations/{file_id}", json={"title": "Khác"}, headers=UNIT)
    assert missing.status_code == 428
    changed = client.patch(
        f"/nominations/{file_id}", json={"title": "Mới"}, headers=with_etag(UNIT, draft)
    )
    assert changed.status_code == 200
    stale = client.post(
        f"/nominations/{file_id}/nominees",
        json={"subjects": ["cb-027-0001"]},
        headers=with_etag(UNIT, draft),
    )
    assert stale.status_code == 412
    assert stale.get_json()["current_etag"] == changed.headers["ETag"]
    stale_move = move(client, UNIT, draft, "withdrawn")
    assert stale_move.status_code == 412
    assert client.get(f"/nominations/{file_id}", headers=UNIT).get_json()["title"] == "Mới"
