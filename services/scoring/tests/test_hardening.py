"""No input gets a 500, and data that must be refused is (issue 8, items 3, 6 and 7): scoring,
through the real app on both stacks. Every refusal names the field and changes nothing."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kit.app import database
from services.scoring.models import Change, Entry, Evidence, Round, Sheet
from services.scoring.tests.test_evidence import HANOI, Scoring, small_pdf
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer

OFFICER = ministry_officer()
SHEET = "/sheets/sheet-stp-01"
VALIDATION = "urn:thidua:problem:validation-failed"


@pytest.fixture
def scoring(stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Scoring:
    """A round in self-assessment with Hà Nội's draft sheet (test_evidence builds it)."""
    return Scoring(stack, monkeypatch, tmp_path)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def state(scoring: Scoring) -> tuple[Any, ...]:
    with scoring.app.app_context(), database().read() as session:
        sheet = session.get(Sheet, "sheet-stp-01")
        assert sheet is not None
        entries = session.execute(
            select(Entry.code, Entry.inputs, Entry.comment, Entry.revision).order_by(Entry.code)
        ).all()
        counted = [
            session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Change, Evidence, Round)
        ]
        return (sheet.revision, sheet.bonus_counts, sheet.deduction_counts, entries, counted)


def refused(response: Any, status: int = 422, type_: str = VALIDATION) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == type_
    return problem


def sheet_etag(scoring: Scoring) -> str:
    return scoring.client.get(SHEET, headers=HANOI).headers["ETag"]


def entry_etag(scoring: Scoring, code: str) -> str:
    sheet = scoring.client.get(SHEET, headers=HANOI).get_json()
    return next(e["etag"] for e in sheet["entries"] if e["code"] == code)


def test_counts_are_whole_numbers_within_bounds(scoring: Scoring) -> None:
    before = state(scoring)
    headers = {**HANOI, "If-Match": sheet_etag(scoring)}
    for count in (1e300, 10**30, 100_001, -1, 1.5, "2.5", True):
        response = scoring.client.put(
            f"{SHEET}/counts", headers=headers, json={"bonus": {"E.1": count}}
        )
        problem = refused(response)
        assert list(problem["errors"]) == ["bonus"], count
        assert list(problem["errors"]["bonus"]) == ["E.1"]
    deep = '{"bonus": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}"
    refused(
        scoring.client.put(
            f"{SHEET}/counts",
            data=deep,
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
        "urn:thidua:problem:malformed-json",
    )
    assert state(scoring) == before
    saved = scoring.client.put(
        f"{SHEET}/counts", headers=headers, json={"bonus": {"E.1": 100_000, "E.2": 2.0}}
    )
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["bonus_counts"] == {"E.1": 100_000, "E.2": 2}


def test_entry_inputs_have_bounds_and_clean_texts(scoring: Scoring) -> None:
    before = state(scoring)
    url = f"{SHEET}/entries/A.II.2"
    headers = {**HANOI, "If-Match": entry_etag(scoring, "A.II.2")}
    for inputs, field in [
        ({"target": 10, "achieved": 1e300}, "achieved"),
        ({"target": -(10**16), "achieved": 1}, "target"),
        ({"target": 10, "achieved": 7, "note": "Ghi\x07chú"}, "note"),
    ]:
        problem = refused(scoring.client.put(url, headers=headers, json={"inputs": inputs}))
        assert problem["errors"] == {"inputs": {field: problem["errors"]["inputs"][field]}}
    problem = refused(
        scoring.client.put(
            url, headers=headers, json={"inputs": {"target": 10, "achieved": 7}, "comment": "\x00"}
        )
    )
    assert list(problem["errors"]) == ["comment"]
    assert state(scoring) == before

    saved = scoring.client.put(
        url,
        headers=headers,
        json={
            "inputs": {"target": 10**15, "achieved": 7, "note": nfd("Dòng 1\r\nĐạt")},
            "comment": nfd("Chưa đạt\nchỉ tiêu"),
        },
    )
    assert saved.status_code == 200, saved.get_json()
    entry = saved.get_json()
    assert entry["inputs"]["note"] == "Dòng 1\nĐạt"
    assert entry["comment"] == "Chưa đạt\nchỉ tiêu"


def test_points_reasons_and_rounds_are_bounded_and_clean(scoring: Scoring) -> None:
    before = state(scoring)
    client = scoring.client
    for points in (1e300, 10_001, -1, "NaN", "0.125", 0.125):
        problem = refused(
            client.post(
                f"{SHEET}/entries/A.I.1/appraisal",
                headers={**OFFICER, "If-Match": "*"},
                json={"points": points, "reason": "Điều chỉnh"},
            )
        )
        assert list(problem["errors"]) == ["points"], points
    problem = refused(
        client.post(
            f"{SHEET}/return",
            headers={**OFFICER, "If-Match": "*"},
            json={"reason": "Thiếu\x1bminh chứng"},
        )
    )
    assert list(problem["errors"]) == ["reason"]
    round_ = {
        "year": 2027.5,
        "unit_kind": "so-tu-phap",
        "name": "Chấm điểm\n2027",
        "self_assessment_due": "2027-12-15T17:00:00+07:00",
        "review_due": "2027-12-25T17:00:00+07:00",
        "appraisal_due": "2028-01-10T17:00:00+07:00",
    }
    problem = refused(client.post("/rounds", headers=OFFICER, json=round_))
    assert set(problem["errors"]) == {"year", "name"}
    early = {**round_, "year": 2027, "name": "Chấm điểm 2027"}
    early["self_assessment_due"] = "0001-01-01T00:00:00+07:00"
    problem = refused(client.post("/rounds", headers=OFFICER, json=early))
    assert list(problem["errors"]) == ["self_assessment_due"]
    for path in ("/rounds/round-2026/sheets", f"{SHEET}/history", "/announcements"):
        page = refused(client.get(f"{path}?page=200000000000000000", headers=OFFICER))
        assert "page" in page["errors"]["query"]
        far = client.get(f"{path}?page=999999", headers=OFFICER)
        assert far.status_code == 200 and far.get_json()["items"] == []
    assert state(scoring) == before


def test_evidence_titles_refuse_control_characters(scoring: Scoring) -> None:
    before = state(scoring)
    problem = refused(scoring.link({"url": "https://stp.hanoi.gov.vn/a", "title": "Cổng\x00"}))
    assert list(problem["errors"]) == ["title"]
    upload = scoring.client.post(
        f"{SHEET}/entries/A.I.1/evidence",
        data={"file": (io.BytesIO(small_pdf()), "a.pdf", "application/pdf"), "title": "a\x00"},
        content_type="multipart/form-data",
        headers=HANOI,
    )
    assert list(refused(upload)["errors"]) == ["title"]
    assert state(scoring) == before and scoring.files() == []
    kept = scoring.link({"url": "https://stp.hanoi.gov.vn/a", "title": nfd("Cổng  thông tin")})
    assert kept.status_code == 201, kept.get_json()
    assert kept.get_json()["title"] == "Cổng thông tin"
