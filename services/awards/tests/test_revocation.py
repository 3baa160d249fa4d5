"""Revocation (Chương VII of the Law): one award or a whole decision, with the legal reason and
a document; the registry keeps the award marked revoked and every later verdict ignores it;
the award granted on its strength (a Chiến sĩ thi đua Bộ whose verdict counted the revoked
Chiến sĩ thi đua cơ sở) is flagged for review; the bonus's recovery is recorded."""

from __future__ import annotations

import io

from services.awards.tests.decision_support import (
    MINISTRY,
    PEOPLE,
    UNIT,
    add,
    council_approved,
    draft,
    issue,
    issued,
    received_file,
    revoke,
    with_unit,
)
from services.awards.tests.seed import with_etag
from tests.support.stack import Stack


def _verdict(client, award: str, subject: str) -> dict:  # type: ignore[no-untyped-def]
    answer = client.get(f"/eligibility?award={award}&year=2024&subject={subject}", headers=MINISTRY)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _chain(app, client):  # type: ignore[no-untyped-def]
    """CSTDCS 2024 granted to p0, then CSTD_BO 2024 granted on its strength."""
    cstdcs = issued(client, "CSTDCS", PEOPLE[0])
    assert _verdict(client, "CSTD_BO", PEOPLE[0])["eligible"] is True
    file = received_file(client, "CSTD_BO", PEOPLE[0], forward=True)
    council_approved(app, file.get_json()["nomination_id"], PEOPLE[0])
    bo = draft(client, number="200/QĐ-BTP", title="Về việc tặng danh hiệu Chiến sĩ thi đua Bộ")
    bo = add(client, bo, (file.get_json()["nomination_id"], None))
    assert bo.status_code == 200, bo.get_json()
    bo = issue(client, bo)
    assert bo.status_code == 200, bo.get_json()
    return cstdcs, bo


def test_revoking_an_award_cascades_to_the_award_granted_on_its_strength(stack: Stack) -> None:
    app, client = with_unit(stack)
    cstdcs, _ = _chain(app, client)
    [granted] = cstdcs.get_json()["recipients"]

    answer = revoke(client, cstdcs, granted["id"])
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["scope"] == "award" and body["revoked_on"] == "2025-06-02"
    assert body["reason"].startswith("Khai man thành tích")
    assert body["filename"] == "QD-huy-bo.pdf" and body["content_type"] == "application/pdf"
    [revoked] = body["recipients"]
    assert revoked["revoked"] is True
    assert (revoked["recovery_vnd"], revoked["recovery_status"]) == (2_340_000, "pending")

    [flag] = body["flagged"]
    assert flag["award"]["award"] == "CSTD_BO" and flag["award"]["subject"] == PEOPLE[0]
    assert flag["award"]["decision_number"] == "200/QĐ-BTP"
    assert flag["revoked_award"]["award"] == "CSTDCS"
    [relied] = flag["relied_on"]
    assert relied["type"] == "held" and relied["found"]["award"] == "CSTDCS"
    assert 2024 in relied["found"]["years_held"]
    listed = client.get("/reviews?status=open", headers=MINISTRY).get_json()
    assert [r["award"]["award"] for r in listed["items"]] == ["CSTD_BO"]

    # every later verdict ignores the revoked award
    after = _verdict(client, "CSTD_BO", PEOPLE[0])
    assert after["eligible"] is False
    assert after["conditions"][0]["found"]["years_missing"] == [2024]
    profile = client.get(f"/people/{PEOPLE[0]}", headers=UNIT).get_json()
    [held] = [a for a in profile["awards"] if a["award"] == "CSTDCS" and a["year"] == 2024]
    assert held["revoked"] is True, "the row is kept, marked revoked"
    quota = client.get("/quotas?award=CSTDCS&year=2024&unit=stp-05", headers=MINISTRY)
    assert quota.get_json()["used"] == 0

    # the decision says so, the document is kept, the same award cannot be revoked twice
    decision = client.get(f"/decisions/{cstdcs.get_json()['decision_id']}", headers=MINISTRY)
    assert decision.get_json()["recipients"][0]["revocation_id"] == body["revocation_id"]
    document = client.get(f"/revocations/{body['revocation_id']}/document", headers=MINISTRY)
    assert document.status_code == 200 and document.data.startswith(b"%PDF-")
    again = revoke(client, decision, granted["id"])
    assert again.status_code == 409 and again.get_json()["code"] == "already_revoked"

    recovered = client.put(
        f"/decisions/{cstdcs.get_json()['decision_id']}/recipients/{granted['id']}/recovery",
        json={"status": "recovered", "note": "Đã nộp lại theo phiếu thu 15/PT"},
        headers=with_etag(MINISTRY, decision),
    )
    assert recovered.status_code == 200, recovered.get_json()
    line = recovered.get_json()["recipients"][0]
    assert (line["recovery_status"], line["recovery_note"]) == (
        "recovered",
        "Đã nộp lại theo phiếu thu 15/PT",
    )
    # the certificate of a revoked award is not printed again
    certificate = client.get(f"/certificates/{granted['serial']}.pdf", headers=MINISTRY)
    assert certificate.status_code == 409


def test_revoking_a_whole_decision_and_the_refusals_that_change_nothing(stack: Stack) -> None:
    _, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    decision_id = decision.get_json()["decision_id"]

    no_file = client.post(
        f"/decisions/{decision_id}/revocations",
        data={"reason": "Sai đối tượng"},
        content_type="multipart/form-data",
        headers=with_etag(MINISTRY, decision),
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    wrong_type = client.post(
        f"/decisions/{decision_id}/revocations",
        data={"reason": "Sai đối tượng", "file": (io.BytesIO(b"MZ\x90\x00"), "a.pdf")},
        content_type="multipart/form-data",
        headers=with_etag(MINISTRY, decision),
    )
    assert wrong_type.status_code == 415
    no_reason = revoke(client, decision, reason="  ")
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    too_early = revoke(client, decision, revoked_on="2024-01-01")
    assert too_early.status_code == 422
    stale = client.get(f"/decisions/{decision_id}", headers=MINISTRY)
    assert stale.headers["ETag"] == decision.headers["ETag"], "refusals changed nothing"
    assert not any(r["revoked"] for r in stale.get_json()["recipients"])

    whole = revoke(client, decision)
    assert whole.status_code == 201, whole.get_json()
    body = whole.get_json()
    assert body["scope"] == "decision"
    assert [r["subject"] for r in body["recipients"]] == [PEOPLE[7], PEOPLE[8]]
    assert all(r["recovery_vnd"] == 710_000 for r in body["recipients"])
    for subject in (PEOPLE[7], PEOPLE[8]):
        verdict = _verdict(client, "CSTDCS", subject)
        assert verdict["conditions"][0]["passed"] is False, "the revoked LDTT no longer counts"
    reread = client.get(f"/decisions/{decision_id}", headers=MINISTRY)
    assert revoke(client, reread).get_json()["code"] == "already_revoked"

    a_draft = draft(client, number="300/QĐ-BTP")
    assert revoke(client, a_draft).status_code == 409
