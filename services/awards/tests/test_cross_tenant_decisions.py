"""Decisions, certificates, revocations, reviews and reports across units: another unit's
officer gets 404 for every one of stp-05's (lists show it nothing); stp-05's own officer reads
its issued decision and certificates but cannot draft, issue, revoke or see drafts."""

from __future__ import annotations

from services.awards.tests.decision_support import (
    MINISTRY,
    OTHER,
    PEOPLE,
    UNIT,
    draft,
    issue,
    issued,
    revoke,
    with_unit,
)
from services.awards.tests.seed import with_etag
from tests.support.stack import Stack
from tests.support.tokens import as_role

PICKS = {"picks": [{"nomination_id": "x"}]}


def test_another_unit_sees_nothing_and_a_unit_cannot_decide(stack: Stack) -> None:
    _, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    body = decision.get_json()
    decision_id = body["decision_id"]
    serial = body["recipients"][0]["serial"]
    revocation = revoke(client, decision, body["recipients"][1]["id"])
    assert revocation.status_code == 201
    revocation_id = revocation.get_json()["revocation_id"]
    decision = client.get(f"/decisions/{decision_id}", headers=MINISTRY)
    a_draft = draft(client, number="999/QĐ-BTP")
    draft_id = a_draft.get_json()["decision_id"]

    reads = [
        f"/decisions/{decision_id}",
        f"/decisions/{decision_id}/document.docx",
        f"/decisions/{decision_id}/document.pdf",
        f"/certificates/{serial}.pdf",
        f"/revocations/{revocation_id}",
        f"/revocations/{revocation_id}/document",
        f"/decisions/{draft_id}",
        "/reports/khen-thuong-theo-hinh-thuc-va-cap.xlsx?year=2024&unit=stp-05",
    ]
    for path in reads:
        assert client.get(path, headers=MINISTRY).status_code == 200, path
        assert client.get(path, headers=OTHER).status_code == 404, path
    changes = [
        ("patch", f"/decisions/{decision_id}", {"json": {"place": "Huế"}}),
        ("post", f"/decisions/{decision_id}/issue", {}),
        ("post", f"/decisions/{decision_id}/recipients", {"json": PICKS}),
        ("delete", f"/decisions/{decision_id}/recipients/1", {}),
        ("put", f"/decisions/{decision_id}/recipients/1/recovery", {"json": {"status": "waived"}}),
    ]
    for method, path, kwargs in changes:
        answer = getattr(client, method)(path, headers=with_etag(OTHER, decision), **kwargs)
        assert answer.status_code == 404, (method, path)
        answer = getattr(client, method)(path, headers=with_etag(UNIT, decision), **kwargs)
        assert answer.status_code == 403, (method, path, answer.get_json())
    assert revoke(client, decision, headers=OTHER).status_code == 404
    assert revoke(client, decision, headers=UNIT).status_code == 403
    assert issue(client, a_draft, headers=UNIT).status_code == 404, "a draft is not the unit's"

    # the recipients' unit reads its issued decision, its documents and its certificates
    for path in reads[:6]:
        assert client.get(path, headers=UNIT).status_code == 200, path
    assert client.get(f"/decisions/{draft_id}", headers=UNIT).status_code == 404

    # lists
    mine = client.get("/decisions", headers=UNIT).get_json()
    assert [d["decision_id"] for d in mine["items"]] == [decision_id]
    assert client.get("/decisions", headers=OTHER).get_json()["total"] == 0
    assert client.get("/decisions", headers=MINISTRY).get_json()["total"] == 2
    auditor = client.get("/decisions", headers=as_role("auditor")).get_json()
    assert auditor["total"] == 2

    # the Ministry's own
    for path in ("/decisions/sources", "/reviews"):
        assert client.get(path, headers=UNIT).status_code == 403, path
        assert client.get(path, headers=MINISTRY).status_code == 200, path
    whole = a_draft.get_json()
    fields = "number issuer issuer_name decided_on title authority award_statement signer_name"
    complete = {k: whole[k] for k in (fields + " signer_title").split()}
    created = client.post("/decisions", json={**complete, "number": "1/QĐ-STP"}, headers=UNIT)
    assert created.status_code == 403
    national = client.get("/reports/co-thi-dua.xlsx?year=2024", headers=UNIT)
    assert national.status_code == 403
    assert (
        client.get("/reports/co-thi-dua.xlsx?year=2024", headers=as_role("auditor")).status_code
        == 200
    )
