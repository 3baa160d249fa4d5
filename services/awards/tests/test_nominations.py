"""Nominees and the files of a nomination: who may be named, the .xlsx import (row errors by
Excel address, all or nothing), achievement reports and the cover letter (type by content,
size limit, downloads)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook

from services.awards.tests.seed import new_file, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import unit_officer

UNIT = unit_officer("stp-01")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def workbook(rows: list[tuple[Any, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Người được đề nghị"
    sheet.append(["Mã cán bộ/đơn vị", "Tóm tắt thành tích"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: Any, url: str, answer: Any, content: bytes, name: str, type_: str) -> Any:
    return client.put(
        url,
        data={"file": (io.BytesIO(content), name, type_)},
        headers=with_etag(UNIT, answer),
        content_type="multipart/form-data",
    )


def test_nominees_must_belong_to_the_unit_and_fit_the_award(stack: Stack) -> None:
    _, client = seeded(stack)
    draft = new_file(client, UNIT)
    file_id = draft.get_json()["nomination_id"]
    refused = client.post(
        f"/nominations/{file_id}/nominees",
        json={"subjects": ["cb-027-0001", "cb-027-0015", "stp-01", "khong-co"]},
        headers=with_etag(UNIT, draft),
    )
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert set(errors) == {"subjects/1", "subjects/2", "subjects/3"}
    assert "cb-027-0015" in errors["subjects/1"][0], "another unit's person, named"
    assert "stp-01" in errors["subjects/2"][0], "a unit for an individual award"
    assert "khong-co" in errors["subjects/3"][0]
    body = client.get(f"/nominations/{file_id}", headers=UNIT).get_json()
    assert body["nominees"] == [], "all or nothing"

    added = client.post(
        f"/nominations/{file_id}/nominees",
        json={"subjects": ["cb-027-0001"], "from": "candidates"},
        headers=with_etag(UNIT, draft),
    )
    assert added.status_code == 200
    twice = client.post(
        f"/nominations/{file_id}/nominees",
        json={"subjects": ["cb-027-0001"]},
        headers=with_etag(UNIT, added),
    )
    assert twice.status_code == 422
    summary = client.patch(
        f"/nominations/{file_id}/nominees/cb-027-0001",
        json={"report_summary": "Hoàn thành xuất sắc."},
        headers=with_etag(UNIT, added),
    )
    assert summary.get_json()["nominees"][0]["report_summary"] == "Hoàn thành xuất sắc."
    removed = client.delete(
        f"/nominations/{file_id}/nominees/cb-027-0001", headers=with_etag(UNIT, summary)
    )
    assert removed.status_code == 200
    assert removed.get_json()["nominees"] == []


def test_nominees_from_a_workbook_all_or_nothing(stack: Stack) -> None:
    _, client = seeded(stack)
    template = client.get("/nominations/nominees-template.xlsx", headers=UNIT)
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[1]] == ["Mã cán bộ/đơn vị", "Tóm tắt thành tích"]

    draft = new_file(client, UNIT)
    file_id = draft.get_json()["nomination_id"]
    url = f"/nominations/{file_id}/nominees/import"

    def send(content: bytes, answer: Any) -> Any:
        return client.post(
            url,
            data={"file": (io.BytesIO(content), "ds.xlsx")},
            headers=with_etag(UNIT, answer),
            content_type="multipart/form-data",
        )

    bad = send(
        workbook([("cb-027-0001", "Tốt"), ("cb-027-0015", "Khác đơn vị"), (None, "Thiếu mã")]),
        draft,
    )
    assert bad.status_code == 422, bad.get_json()
    errors = bad.get_json()["errors"]
    assert set(errors) == {"'Người được đề nghị'!A4"}, "the empty code, by its cell"
    bad = send(workbook([("cb-027-0001", "Tốt"), ("cb-027-0015", "Khác đơn vị")]), draft)
    assert set(bad.get_json()["errors"]) == {"'Người được đề nghị'!A3"}
    assert "cb-027-0015" in bad.get_json()["errors"]["'Người được đề nghị'!A3"][0]
    assert client.get(f"/nominations/{file_id}", headers=UNIT).get_json()["nominees"] == []

    good = send(workbook([("cb-027-0001", "Tốt"), ("cb-027-0025", None)]), draft)
    assert good.status_code == 200, good.get_json()
    nominees = good.get_json()["nominees"]
    assert [(n["subject_id"], n["report_summary"], n["added_from"]) for n in nominees] == [
        ("cb-027-0001", "Tốt", "import"),
        ("cb-027-0025", None, "import"),
    ]
    not_xlsx = send(b"not a workbook", good)
    assert not_xlsx.status_code == 422


def test_reports_and_the_cover_letter(stack: Stack) -> None:
    _, client = seeded(stack)
    answer = new_file(client, UNIT, subjects=("cb-027-0001",))
    file_id = answer.get_json()["nomination_id"]
    report = f"/nominations/{file_id}/nominees/cb-027-0001/report"

    fake = upload(client, report, answer, b"MZ\x90\x00 not a pdf", "bao-cao.pdf", "application/pdf")
    assert fake.status_code == 415, "the bytes decide, not the name or the declared type"
    zip_not_docx = io.BytesIO()
    with zipfile.ZipFile(zip_not_docx, "w") as archive:
        archive.writestr("payload.exe", "x")
    refused = upload(client, report, answer, zip_not_docx.getvalue(), "a.docx", "application/zip")
    assert refused.status_code == 415

    stored = upload(client, report, answer, PDF, "../Báo cáo.pdf", "application/pdf")
    assert stored.status_code == 200, stored.get_json()
    meta = stored.get_json()["nominees"][0]["report"]
    assert meta["content_type"] == "application/pdf"
    assert meta["size"] == len(PDF)
    assert meta["filename"] == "Báo cáo.pdf"
    assert len(meta["sha256"]) == 64
    got = client.get(report, headers=UNIT)
    assert got.status_code == 200 and got.data == PDF
    assert "attachment" in got.headers["Content-Disposition"]

    cover = f"/nominations/{file_id}/cover-letter"
    assert client.get(cover, headers=UNIT).status_code == 404
    letter = upload(client, cover, stored, docx(), "to-trinh.docx", "application/octet-stream")
    assert letter.status_code == 200, letter.get_json()
    assert letter.get_json()["cover_letter"]["content_type"].endswith("document")
    image = upload(client, report, letter, PNG, "anh.png", "image/png")
    assert image.status_code == 200, "a new report replaces the old one"
    assert len(image.get_json()["attachments"]) == 2

    huge = upload(
        client, cover, image, PDF + b"0" * (10 * 1024 * 1024), "lon.pdf", "application/pdf"
    )
    assert huge.status_code == 413
    no_etag = client.put(
        cover,
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        headers=UNIT,
        content_type="multipart/form-data",
    )
    assert no_etag.status_code == 428
    assert client.get(cover, headers=UNIT).data.startswith(b"PK"), "the letter kept"
    assert (
        client.get(f"/nominations/{file_id}", headers=UNIT).headers["ETag"]
        == (image.headers["ETag"])
    ), "refused uploads change nothing"
