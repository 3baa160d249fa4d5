"""Decisions: the draft with its number unique per issuer and year, recipients from the files a
decision may take, bonuses stored with their figures across the July 2024 base-salary change,
issuing into the registry (later verdicts count the award), the files moved to decided, and
the documents' text read back with python-docx and pypdf."""

from __future__ import annotations

import io
import json
from datetime import date

import docx
import pypdf
from sqlalchemy import select

from kit.app import runtime
from services.awards.domain import decisions
from services.awards.models import Achievement
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
    with_unit,
)
from services.awards.tests.seed import SHARED, with_etag
from tests.support.stack import Stack

CASES = json.loads((SHARED / "sample-award-cases.json").read_text())


def test_every_sample_bonus_with_its_figures(stack: Stack) -> None:
    """sample-award-cases.json "bonuses": each award on each day, and the figures kept."""
    app, _ = with_unit(stack)
    with app.app_context(), runtime().db.read() as session:
        for case in CASES["bonuses"]:
            figures = decisions.bonus_figures(
                session, case["award"], date.fromisoformat(case["decided_on"])
            )
            assert figures is not None
            assert figures["vnd"] == case["vnd"], case
            before = case["decided_on"] < "2024-07-01"
            assert figures["base_salary"] == (1_800_000 if before else 2_340_000), case
            assert figures["base_salary_basis"] == (
                "Nghị định 24/2023/NĐ-CP" if before else "Nghị định 73/2024/NĐ-CP"
            )
            assert figures["rounding_step"] == 10_000
        assert decisions.bonus_figures(session, "KNC_TP", date(2025, 1, 15)) is None


def test_a_draft_across_the_july_2024_change_recomputes_and_stores_its_bonuses(
    stack: Stack,
) -> None:
    _, client = with_unit(stack)
    file = received_file(client, "LDTT", PEOPLE[7], PEOPLE[8])
    file_id = file.get_json()["nomination_id"]
    decision = draft(client, decided_on="2024-06-30")
    decision = add(client, decision, (file_id, None))
    assert decision.status_code == 200, decision.get_json()
    body = decision.get_json()
    assert [r["subject"] for r in body["recipients"]] == [PEOPLE[7], PEOPLE[8]]
    first = body["recipients"][0]["bonus"]
    assert (first["multiple"], first["base_salary"], first["vnd"]) == (0.3, 1_800_000, 540_000)
    assert first["base_salary_from"] == "2023-07-01" and first["decided_on"] == "2024-06-30"
    assert body["total_vnd"] == 1_080_000

    moved = client.patch(
        f"/decisions/{body['decision_id']}",
        json={"decided_on": "2024-07-01"},
        headers=with_etag(MINISTRY, decision),
    )
    assert moved.status_code == 200, moved.get_json()
    again = moved.get_json()
    figures = again["recipients"][1]["bonus"]
    # 0.3 × 2,340,000 = 702,000, rounded up to 710,000
    assert (figures["base_salary"], figures["vnd"], figures["rounding_step"]) == (
        2_340_000,
        710_000,
        10_000,
    )
    assert figures["base_salary_basis"] == "Nghị định 73/2024/NĐ-CP"
    assert again["total_vnd"] == 1_420_000 and again["year"] == 2024

    stale = client.patch(
        f"/decisions/{body['decision_id']}",
        json={"place": "Huế"},
        headers=with_etag(MINISTRY, decision),
    )
    assert stale.status_code == 412


def test_a_number_is_unique_per_issuer_and_year(stack: Stack) -> None:
    _, client = with_unit(stack)
    first = draft(client)
    clash = client.post("/decisions", json={**_body(first), "title": "Khác"}, headers=MINISTRY)
    assert clash.status_code == 409
    problem = clash.get_json()
    assert problem["code"] == "number_taken"
    assert problem["clash"]["decision_id"] == first.get_json()["decision_id"]
    assert "123/QĐ-BTP" in problem["detail"]
    # another year, or another issuer: free
    assert draft(client, decided_on="2026-01-15").status_code == 201
    assert draft(client, issuer="STP-05", issuer_name="Sở Tư pháp").status_code == 201
    bad = client.post("/decisions", json={**_body(first), "number": "abc"}, headers=MINISTRY)
    assert bad.status_code == 422 and "number" in bad.get_json()["errors"]


def _body(answer):  # type: ignore[no-untyped-def]
    body = answer.get_json()
    keep = [
        "number",
        "issuer",
        "issuer_name",
        "decided_on",
        "title",
        "authority",
        "legal_bases",
        "award_statement",
        "signer_name",
        "signer_title",
    ]
    return {k: body[k] for k in keep}


def test_recipients_come_only_from_files_a_decision_may_take(stack: Stack) -> None:
    app, client = with_unit(stack)
    decision = draft(client)
    # CSTD_BO has a council: a received file is not enough, nor a forwarded one
    file = received_file(client, "CSTD_BO", "cb-027-s3", forward=True, unit="stp-79-2025")
    file_id = file.get_json()["nomination_id"]
    refused = add(client, decision, (file_id, "cb-027-s3"))
    assert refused.status_code == 422
    assert "Hội đồng" in json.dumps(refused.get_json()["errors"], ensure_ascii=False)

    sources = client.get("/decisions/sources", headers=MINISTRY).get_json()["items"]
    assert all(s["nomination_id"] != file_id for s in sources)

    council_approved(app, file_id, "cb-027-s3")
    sources = client.get("/decisions/sources?award=CSTD_BO", headers=MINISTRY).get_json()
    assert [(s["subject"], s["council_outcome"]) for s in sources["items"]] == [
        ("cb-027-s3", "approved")
    ]
    added = add(client, decision, (file_id, "cb-027-s3"))
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["recipients"][0]["bonus_vnd"] == 7_020_000
    twice = add(client, added, (file_id, "cb-027-s3"))
    assert twice.status_code == 422
    # a draft is the Ministry's alone
    assert (
        client.get(f"/decisions/{added.get_json()['decision_id']}", headers=UNIT).status_code == 404
    )
    assert client.get("/decisions/sources", headers=UNIT).status_code == 403


def test_issuing_writes_the_registry_moves_the_files_and_later_verdicts_count_it(
    stack: Stack,
) -> None:
    app, client = with_unit(stack)
    before = client.get(
        f"/eligibility?award=CSTD_BO&year=2024&subject={PEOPLE[0]}", headers=MINISTRY
    ).get_json()
    assert before["eligible"] is False
    assert before["conditions"][0]["found"]["years_missing"] == [2024]

    answer = issued(client, "CSTDCS", PEOPLE[0])
    body = answer.get_json()
    assert body["state"] == "issued" and body["issued_by"] == "ministry_officer-all"
    [recipient] = body["recipients"]
    assert recipient["serial"].startswith("BTP-2025-") and len(recipient["serial"]) > 20
    assert recipient["award_id"] and recipient["bonus_vnd"] == 2_340_000

    with app.app_context(), runtime().db.read() as session:
        held = session.scalar(
            select(Achievement).where(
                Achievement.recipient_id == PEOPLE[0],
                Achievement.award_code == "CSTDCS",
                Achievement.year == 2024,
            )
        )
        assert held is not None
        assert (held.source, held.decision, held.decided_on, held.unit_id) == (
            "granted",
            "123/QĐ-BTP",
            date(2025, 1, 15),
            "stp-05",
        )

    after = client.get(
        f"/eligibility?award=CSTD_BO&year=2024&subject={PEOPLE[0]}", headers=MINISTRY
    ).get_json()
    assert after["eligible"] is True, "the granted CSTDCS 2024 counts in the later question"

    file_id = body["recipients"][0]["nomination_id"]
    nomination = client.get(f"/nominations/{file_id}", headers=UNIT).get_json()
    assert nomination["state"] == "decided"
    assert nomination["moves"][-1]["to"] == "decided"
    assert "123/QĐ-BTP" in nomination["moves"][-1]["reason"]
    assert nomination["allowed_moves"] == []

    profile = client.get(f"/people/{PEOPLE[0]}", headers=UNIT).get_json()
    assert any(a["award"] == "CSTDCS" and a["year"] == 2024 for a in profile["awards"])

    again = issue(client, answer)
    assert again.status_code == 409, "an issued decision is issued once"


def test_issuing_refuses_with_every_reason_and_changes_nothing(stack: Stack) -> None:
    _, client = with_unit(stack)
    empty = draft(client)
    refused = issue(client, empty)
    assert refused.status_code == 409
    assert [r["code"] for r in refused.get_json()["reasons"]] == ["no_recipients"]

    # p1 already holds LDTT 2024 (imported): submittable, but not grantable twice
    file = received_file(client, "LDTT", PEOPLE[1], PEOPLE[7])
    decision = add(client, empty, (file.get_json()["nomination_id"], None))
    refused = issue(client, decision)
    assert refused.status_code == 409
    [reason] = refused.get_json()["reasons"]
    assert (reason["code"], reason["subject"]) == ("already_held", PEOPLE[1])
    still = client.get(f"/decisions/{decision.get_json()['decision_id']}", headers=MINISTRY)
    assert still.get_json()["state"] == "draft"
    assert still.headers["ETag"] == decision.headers["ETag"]
    assert (
        client.get(
            f"/eligibility?award=CSTDCS&year=2024&subject={PEOPLE[7]}", headers=MINISTRY
        ).status_code
        == 200
    )
    nomination = client.get(f"/nominations/{file.get_json()['nomination_id']}", headers=UNIT)
    assert nomination.get_json()["state"] == "received"

    # a file may not be moved to decided by hand
    by_hand = client.post(
        f"/nominations/{file.get_json()['nomination_id']}/moves",
        json={"to": "decided"},
        headers=with_etag(MINISTRY, nomination),
    )
    assert by_hand.status_code == 409
    assert "decided" not in by_hand.get_json()["allowed"]

    removed = client.delete(
        f"/decisions/{decision.get_json()['decision_id']}/recipients/"
        f"{decision.get_json()['recipients'][0]['id']}",
        headers=with_etag(MINISTRY, decision),
    )
    assert removed.status_code == 200
    assert issue(client, removed).status_code == 200


def test_the_documents_say_the_names_the_number_and_the_bonuses(stack: Stack) -> None:
    _, client = with_unit(stack)
    answer = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    decision_id = answer.get_json()["decision_id"]

    word = client.get(f"/decisions/{decision_id}/document.docx", headers=MINISTRY)
    assert word.status_code == 200
    assert word.mimetype.endswith("wordprocessingml.document")
    document = docx.Document(io.BytesIO(word.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Số: 123/QĐ-BTP" in cells
    assert "Bùi Văn Toàn" in cells and "Ngô Thị Yến" in cells
    assert "710.000" in cells and "1.420.000" in cells + text
    assert "Lao động tiên tiến" in cells

    pdf = client.get(f"/decisions/{decision_id}/document.pdf", headers=UNIT)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    words = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "123/QĐ-BTP" in words
    assert "Bùi Văn Toàn" in words and "Ngô Thị Yến" in words
    assert "710.000" in words

    serial = answer.get_json()["recipients"][1]["serial"]
    certificate = client.get(f"/certificates/{serial}.pdf", headers=UNIT)
    assert certificate.status_code == 200
    printed = pypdf.PdfReader(io.BytesIO(certificate.data)).pages[0].extract_text()
    assert "Ngô Thị Yến" in printed and serial in printed
    assert "123/QĐ-BTP" in printed and "BẰNG KHEN" in printed
