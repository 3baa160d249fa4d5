"""Evidence files and links on a sheet's criteria: types, limits, one copy per content, and
who may see or change them. Both stacks."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conftest import service_app
from kit.app import database
from kit.service import Service
from scoringrules import table as rules
from services.scoring.api import evidence as evidence_api
from services.scoring.models import (
    Change,
    Entry,
    Evidence,
    RegionCopy,
    Round,
    Sheet,
    TableCopy,
    UnitCopy,
)
from services.scoring.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

DATA = Path(__file__).resolve().parents[3] / "services" / "criteria" / "data"
TABLE = json.loads((DATA / "sample-criteria-table.json").read_text())
CODES = list(rules.leaves(TABLE))
HANOI, HCM = unit_officer("stp-01"), unit_officer("stp-79")
REGION = "2026-dong-bang-bac-bo"
DELTA_LEAD = as_role("region_lead", "region", REGION, unit="stp-31")
PROBLEM = "application/problem+json"


def small_pdf(text: str = "Minh chung") -> bytes:
    """A real one-page PDF (with its cross-reference table)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def with_evidence(service: Service) -> Service:
    """Scoring with the evidence blueprint, whether or not service.py lists it yet."""
    if any(b is evidence_api.blueprint for b in service.blueprints):
        return service
    return dataclasses.replace(service, blueprints=[*service.blueprints, evidence_api.blueprint])


class Scoring:
    def __init__(self, stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.root = tmp_path / "evidence"
        self.stack = stack
        monkeypatch.setenv("SCORING_EVIDENCE_DIR", str(self.root))
        self.restart()
        now = datetime.now(UTC)
        with self.app.app_context(), database().transaction() as session:
            session.add(
                TableCopy(
                    table_id="table-2026-v1",
                    year=2026,
                    unit_kind="so-tu-phap",
                    version=1,
                    rules_version="2024.1",
                    document={**TABLE, "year": 2026},
                    published_at=now,
                )
            )
            session.flush()  # no relationship orders the table before the round
            for unit in ("stp-01", "stp-31", "stp-79"):
                session.add(UnitCopy(unit_id=unit, kind="so-tu-phap", name=f"Sở Tư pháp {unit}"))
            session.add(
                RegionCopy(
                    region_id=REGION,
                    year=2026,
                    name="Đồng bằng Bắc Bộ",
                    lead_unit_id="stp-31",
                    member_ids=["stp-01", "stp-31"],
                )
            )
            session.add(
                Round(
                    id="round-2026",
                    year=2026,
                    unit_kind="so-tu-phap",
                    name="Thi đua 2026",
                    table_id="table-2026-v1",
                    phase="self_assessment",
                    self_assessment_due=now + timedelta(days=10),
                    review_due=now + timedelta(days=20),
                    appraisal_due=now + timedelta(days=30),
                    revision=1,
                    created_by="ministry_officer-all",
                    created_at=now,
                )
            )
            session.flush()
            for unit, region in (("stp-01", REGION), ("stp-79", None)):
                sheet_id = f"sheet-{unit}"
                session.add(
                    Sheet(
                        id=sheet_id,
                        round_id="round-2026",
                        unit_id=unit,
                        region_id=region,
                        status="draft",
                        revision=1,
                        compute_status="none",
                        bonus_counts={},
                        deduction_counts={},
                        updated_at=now,
                    )
                )
                session.flush()
                session.add_all(
                    Entry(id=str(uuid.uuid4()), sheet_id=sheet_id, code=code, position=i)
                    for i, code in enumerate(CODES)
                )

    def restart(self) -> None:
        """A new app on the same data: scoring reads its settings when it starts."""
        self.app: Flask = service_app(self.stack, with_evidence(SERVICE))
        self.client: FlaskClient = self.app.test_client()

    # -- calls ----------------------------------------------------------------------------

    def upload(
        self,
        content: bytes,
        *,
        code: str = "A.I.1",
        filename: str = "bao-cao.pdf",
        content_type: str = "application/pdf",
        title: str | None = None,
        sheet: str = "sheet-stp-01",
        headers: dict[str, str] = HANOI,
    ) -> Any:
        data: dict[str, Any] = {"file": (io.BytesIO(content), filename, content_type)}
        if title is not None:
            data["title"] = title
        return self.client.post(
            f"/sheets/{sheet}/entries/{code}/evidence",
            data=data,
            content_type="multipart/form-data",
            headers=headers,
        )

    def link(self, body: Any, *, code: str = "A.I.2", headers: dict[str, str] = HANOI) -> Any:
        return self.client.post(
            f"/sheets/sheet-stp-01/entries/{code}/evidence", json=body, headers=headers
        )

    # -- state ----------------------------------------------------------------------------

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def records(self) -> int:
        with self.app.app_context(), database().read() as session:
            return session.execute(select(func.count()).select_from(Evidence)).scalar_one()

    def set_state(self, sheet_status: str | None = None, phase: str | None = None) -> None:
        with self.app.app_context(), database().transaction() as session:
            if sheet_status:
                session.get(Sheet, "sheet-stp-01").status = sheet_status
            if phase:
                session.get(Round, "round-2026").phase = phase


@pytest.fixture
def scoring(stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Scoring:
    return Scoring(stack, monkeypatch, tmp_path)


def test_a_pdf_goes_in_and_comes_back_byte_for_byte_stored_once(scoring: Scoring) -> None:
    pdf = small_pdf()
    created = scoring.upload(pdf, filename="/home/ke-toan/Báo cáo tư pháp.pdf", title="Báo cáo")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert body["size"] == len(pdf)
    assert (body["kind"], body["code"]) == ("file", "A.I.1")
    assert body["content_type"] == "application/pdf"
    assert body["filename"] == "Báo cáo tư pháp.pdf"  # no path, kept for display
    assert body["title"] == "Báo cáo"
    assert body["uploaded_by"] == "unit_officer-stp-01"
    assert "storage_key" not in body and str(scoring.root) not in json.dumps(body)

    content = scoring.client.get(f"/evidence/{body['id']}/content", headers=HANOI)
    assert content.status_code == 200
    assert content.data == pdf
    assert content.mimetype == "application/pdf"
    assert content.headers["Content-Length"] == str(len(pdf))
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert content.headers["Cache-Control"] == "no-store"  # nobody else's cache keeps a copy
    assert content.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o" in content.headers["Content-Disposition"]
    assert content.headers["ETag"] == f'"{body["sha256"]}"'
    again = scoring.client.get(
        f"/evidence/{body['id']}/content",
        headers={**HANOI, "If-None-Match": content.headers["ETag"]},
    )
    assert again.status_code == 304

    # The same bytes again: for the same criterion the record already there, for another a
    # second record; on disk one file.
    repeat = scoring.upload(pdf)
    assert (repeat.status_code, repeat.get_json()["id"]) == (200, body["id"])
    other = scoring.upload(pdf, code="A.I.3", filename="copy.pdf")
    assert other.status_code == 201
    assert other.get_json()["id"] != body["id"]
    assert scoring.files() == [scoring.root / pdf_path(body["sha256"])]
    assert scoring.records() == 2

    listed = scoring.client.get("/sheets/sheet-stp-01/evidence", headers=HANOI).get_json()
    assert [(e["code"], e["filename"]) for e in listed["items"]] == [
        ("A.I.1", "Báo cáo tư pháp.pdf"),
        ("A.I.3", "copy.pdf"),
    ]
    # The region's lead and the Ministry read it too.
    lead = scoring.client.get("/sheets/sheet-stp-01/evidence", headers=DELTA_LEAD)
    assert len(lead.get_json()["items"]) == 2
    download = scoring.client.get(f"/evidence/{body['id']}/content", headers=ministry_officer())
    assert download.data == pdf


def pdf_path(sha: str) -> Path:
    return Path(sha[:2]) / sha[2:4] / sha


def test_an_oversize_file_is_413_and_nothing_is_kept(
    scoring: Scoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = small_pdf()
    # Past the platform's 1 MiB body limit but within the evidence limit (20 MiB): accepted.
    big = scoring.upload(pdf + b"%" + b"x" * (3 * 1024 * 1024) + b"\n", filename="scan.pdf")
    assert big.status_code == 201, big.get_json()
    assert big.get_json()["size"] > 3 * 1024 * 1024
    assert (
        scoring.client.delete(f"/evidence/{big.get_json()['id']}", headers=HANOI).status_code == 204
    )

    monkeypatch.setenv("SCORING_EVIDENCE_MAX_BYTES", "2048")
    scoring.restart()
    padded = pdf + b"%" + b"x" * 4096 + b"\n"  # a PDF comment: still a PDF, over the limit
    refused = scoring.upload(padded)
    assert refused.status_code == 413
    assert refused.mimetype == PROBLEM
    assert refused.get_json()["max_bytes"] == 2048
    far_over = scoring.upload(pdf + b"%" + b"x" * 200_000 + b"\n")  # refused before reading
    assert far_over.status_code == 413
    assert scoring.records() == 0
    assert scoring.files() == []  # not even a temporary file
    assert scoring.upload(pdf).status_code == 201  # under the limit


def test_only_the_allowed_types_whose_bytes_agree(scoring: Scoring) -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
    refused = scoring.upload(exe, filename="hoa-don.pdf", content_type="application/pdf")
    assert refused.status_code == 415
    problem = refused.get_json()
    assert problem["type"] == "urn:thidua:problem:unsupported-media-type"
    for label in ("PDF", "JPEG", "PNG", "DOCX", "XLSX", "DOC", "XLS", "ODT", "ODS"):
        assert label in problem["detail"]
    assert "application/pdf" in problem["allowed"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert scoring.upload(png, filename="anh.jpg", content_type="image/jpeg").status_code == 415
    assert scoring.upload(b"hello", filename="a.txt", content_type="text/plain").status_code == 415
    assert scoring.records() == 0 and scoring.files() == []

    # A generic declared type: the extension names the type, the bytes must still agree.
    xlsx = b"PK\x03\x04" + b"\x00" * 64
    accepted = scoring.upload(
        xlsx, filename="bang-so-lieu.xlsx", content_type="application/octet-stream"
    )
    assert accepted.status_code == 201
    assert accepted.get_json()["content_type"].endswith("spreadsheetml.sheet")
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    named = scoring.upload(jpeg, filename="../../etc/anh chup", content_type="image/jpeg")
    assert named.status_code == 201
    assert named.get_json()["filename"] == "anh chup.jpg"


def test_links_are_https_only(scoring: Scoring) -> None:
    created = scoring.link({"url": "https://stp.hanoi.gov.vn/bao-cao-2026", "title": "Cổng TTĐT"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["kind"], body["url"], body["title"]) == (
        "link",
        "https://stp.hanoi.gov.vn/bao-cao-2026",
        "Cổng TTĐT",
    )
    assert body["sha256"] is None and body["filename"] is None
    assert scoring.link({"url": "https://stp.hanoi.gov.vn/bao-cao-2026"}).status_code == 200
    for url in (
        "http://stp.hanoi.gov.vn/x",
        "javascript:alert(1)",
        "https://",
        "https://user:pw@stp.hanoi.gov.vn/",
        "https://stp.hanoi.gov.vn/" + "a" * 2000,
    ):
        refused = scoring.link({"url": url})
        assert refused.status_code == 422, url
        assert "url" in refused.get_json()["errors"]
    assert scoring.link({"title": "no url"}).status_code == 422
    assert scoring.link({"url": "https://a.vn", "extra": 1}).status_code == 422
    # A link has no content to download.
    assert scoring.client.get(f"/evidence/{body['id']}/content", headers=HANOI).status_code == 404
    assert scoring.records() == 1


def test_another_province_learns_nothing(scoring: Scoring) -> None:
    evidence_id = scoring.upload(small_pdf()).get_json()["id"]
    for response in (
        scoring.client.get("/sheets/sheet-stp-01/evidence", headers=HCM),
        scoring.upload(small_pdf("x"), headers=HCM),
        scoring.link({"url": "https://a.vn"}, headers=HCM),
    ):
        assert response.status_code == 404
    for response in (
        scoring.client.get(f"/evidence/{evidence_id}/content", headers=HCM),
        scoring.client.delete(f"/evidence/{evidence_id}", headers=HCM),
    ):
        assert response.status_code == 404
        assert "sheet-stp-01" not in response.text  # nor which sheet it belongs to
    # Its own sheet works; a criterion the sheet does not have does not exist.
    assert scoring.upload(small_pdf(), sheet="sheet-stp-79", headers=HCM).status_code == 201
    assert scoring.upload(small_pdf(), code="Z.9").status_code == 404
    # Those who may read but not change it get 403.
    assert scoring.upload(small_pdf("y"), headers=DELTA_LEAD).status_code == 403
    assert scoring.client.delete(f"/evidence/{evidence_id}", headers=DELTA_LEAD).status_code == 403
    assert scoring.records() == 2


def test_evidence_changes_only_while_the_sheet_is_editable(scoring: Scoring) -> None:
    evidence_id = scoring.upload(small_pdf()).get_json()["id"]
    scoring.set_state(sheet_status="submitted")
    refused = scoring.upload(small_pdf("late"), code="A.I.2")
    assert refused.status_code == 409
    assert refused.get_json()["sheet_status"] == "submitted"
    assert scoring.link({"url": "https://a.vn"}).status_code == 409
    assert scoring.client.delete(f"/evidence/{evidence_id}", headers=HANOI).status_code == 409

    # A draft after the self-assessment deadline: closed by the phase.
    scoring.set_state(sheet_status="draft", phase="region_review")
    assert scoring.upload(small_pdf("late"), code="A.I.2").get_json()["phase"] == "region_review"
    # Returned for revision during the region's review: open again.
    scoring.set_state(sheet_status="returned")
    assert scoring.upload(small_pdf("late"), code="A.I.2").status_code == 201
    assert scoring.records() == 2
    assert len(scoring.files()) == 2


def test_delete_removes_the_file_with_its_last_record(scoring: Scoring) -> None:
    pdf = small_pdf()
    first = scoring.upload(pdf).get_json()["id"]
    second = scoring.upload(pdf, code="A.I.2").get_json()["id"]
    link = scoring.link({"url": "https://a.vn/x"}).get_json()["id"]
    assert len(scoring.files()) == 1

    assert scoring.client.delete(f"/evidence/{first}", headers=HANOI).status_code == 204
    assert len(scoring.files()) == 1  # A.I.2 still uses the same bytes
    assert scoring.client.get(f"/evidence/{second}/content", headers=HANOI).data == pdf
    assert scoring.client.delete(f"/evidence/{second}", headers=HANOI).status_code == 204
    assert scoring.files() == []
    assert scoring.client.delete(f"/evidence/{link}", headers=HANOI).status_code == 204
    assert scoring.client.delete(f"/evidence/{link}", headers=HANOI).status_code == 404
    assert scoring.client.get(f"/evidence/{first}/content", headers=HANOI).status_code == 404
    listed = scoring.client.get("/sheets/sheet-stp-01/evidence", headers=HANOI).get_json()
    assert listed == {"items": []}

    with scoring.app.app_context(), database().read() as session:
        history = session.execute(
            select(Change.code).where(Change.field == "evidence").order_by(Change.id)
        ).scalars()
        assert list(history) == ["A.I.1", "A.I.2", "A.I.2", "A.I.1", "A.I.2", "A.I.2"]
