"""No input gets a 500 from awards' part-1 endpoints (rule packs, the registry, eligibility,
quotas, registrations, nominations, acclamations), and what must be refused is: every
refusal is problem+json naming the field (a query parameter, a body field, a JSON pointer
into a document or an Excel cell) and changes nothing, counted in every awards table and the
outbox. Names typed decomposed (NFD) are stored composed (NFC). Both stacks."""

from __future__ import annotations

import copy
import io
import json
import unicodedata
import zipfile
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from kit.app import runtime
from kit.events.tables import outbox
from kit.problems import WorkbookErrorSchema
from services.awards.models import (
    Acclamation,
    AcclamationVote,
    Achievement,
    Attachment,
    Nomination,
    NominationMove,
    Nominee,
    Person,
    Registration,
    RegistryChange,
    RulePack,
)
from services.awards.tests.seed import HISTORY, PACK, REGION, new_file, seeded, with_etag
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

OFFICER = ministry_officer()
UNIT = unit_officer("stp-01")
LEAD = as_role("region_lead", "region", REGION, unit="stp-01")
PROBLEM = "application/problem+json"
VALIDATION = "urn:thidua:problem:validation-failed"
MALFORMED = "urn:thidua:problem:malformed-json"
TABLES = (
    RulePack,
    Person,
    Achievement,
    RegistryChange,
    Registration,
    Nomination,
    Nominee,
    Attachment,
    NominationMove,
    Acclamation,
    AcclamationVote,
    outbox,
)
LISTS = (
    "/rule-packs",
    "/people",
    "/registry/changes",
    "/nominations",
    "/acclamations",
    "/registrations?unit=stp-01",
    "/eligibility/candidates?award=LDTT&year=2024&unit=stp-01",
)
YEAR_READS = (
    "/award-types?",
    "/people?award=LDTT&",
    "/eligibility?award=LDTT&subject=cb-027-0001&",
    "/eligibility/candidates?award=LDTT&unit=stp-01&",
    "/quotas?award=LDTT&unit=stp-01&",
    "/nominations?",
    "/registrations?unit=stp-01&",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def state(app: Flask) -> tuple[int, ...]:
    with app.app_context(), runtime().db.read() as session:
        return tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES
        )


def refused(response: Any, status: int = 422, type_: str = VALIDATION) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.get_data(True)[:500])
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"] == type_
    assert problem["title"] and problem["detail"]
    return problem


def english(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Accept-Language": "en"}


def raw_json(client: FlaskClient, path: str, text: str | bytes, headers: dict[str, str]) -> Any:
    return client.post(path, data=text, headers={**headers, "Content-Type": "application/json"})


def upload(
    client: FlaskClient,
    path: str,
    content: bytes,
    headers: dict[str, str],
    *,
    name: str = "tep.xlsx",
    field: str = "file",
    method: str = "post",
) -> Any:
    return getattr(client, method)(
        path,
        data={field: (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def zip_bomb(unpacked: int = 40 * 1024 * 1024) -> bytes:
    """A small .xlsx-looking archive that unpacks to ``unpacked`` bytes of one sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * unpacked)
    return buffer.getvalue()


def empty_workbook() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def a_file(client: FlaskClient) -> Any:
    """A draft of stp-01 for LDTT naming one person: the last answer (its ETag)."""
    return new_file(client, UNIT, subjects=("cb-027-0001",))


def test_pages_and_years_out_of_range_are_refused_naming_the_parameter(stack: Stack) -> None:
    app, client = seeded(stack)
    before = state(app)
    for path in LISTS:
        sep = "&" if "?" in path else "?"
        for page in ("200000000000000000", "-1", "0", "1e3", "NaN"):
            problem = refused(client.get(f"{path}{sep}page={page}", headers=OFFICER))
            assert list(problem["errors"]["query"]) == ["page"], (path, page)
        problem = refused(client.get(f"{path}{sep}page_size=100000", headers=OFFICER))
        assert list(problem["errors"]["query"]) == ["page_size"]
        far = client.get(f"{path}{sep}page=999999", headers=OFFICER)
        assert far.status_code == 200 and far.get_json()["items"] == [], path
    for path in YEAR_READS:
        for year in ("1800", "2101", "2024.5", "NaN", "Infinity", "-2024", "9" * 30, "true"):
            problem = refused(client.get(f"{path}year={year}", headers=OFFICER))
            assert "year" in problem["errors"]["query"], (path, year)
    for day in ("0000-01-01", "99999-01-01", "2024-02-30", "hôm nay"):
        problem = refused(client.get(f"/bonus?award=LDTT&decided_on={day}", headers=OFFICER))
        assert list(problem["errors"]["query"]) == ["decided_on"]
    for query in ("q=a%00b", "unit=stp%0001", "award=LD%00TT"):
        problem = refused(client.get(f"/people?{query}", headers=OFFICER))
        assert list(problem["errors"]["query"]) == [query.split("=")[0]]
    assert "q" in refused(client.get("/people?q=" + "a" * 201, headers=OFFICER))["errors"]["query"]
    # Paths no object can have: 404, not a database error.
    for path in ("/people/a%00b", "/people/" + "x" * 3000, "/units/%E2%80%AE", "/rule-packs/%00"):
        refused(client.get(path, headers=OFFICER), 404, "urn:thidua:problem:not-found")
    assert state(app) == before


def test_json_bodies_that_cannot_be_stored_are_refused_and_change_nothing(stack: Stack) -> None:
    app, client = seeded(stack)
    draft = a_file(client)
    file_id = draft.get_json()["nomination_id"]
    ballot = client.post(
        "/acclamations",
        json={"region": REGION, "year": 2024, "award": "CO_NGANH", "candidate_unit": "stp-01"},
        headers=LEAD,
    )
    assert ballot.status_code == 201, ballot.get_json()
    votes = f"/acclamations/{ballot.get_json()['acclamation_id']}/votes"
    before = state(app)
    writes = {
        "/rule-packs": OFFICER,
        "/registry/import": OFFICER,
        "/registrations": UNIT,
        "/nominations": UNIT,
        "/acclamations": LEAD,
        votes: as_role("unit_admin", "unit", "stp-01", unit="stp-01"),
        f"/nominations/{file_id}/nominees": with_etag(UNIT, draft),
        f"/nominations/{file_id}/moves": with_etag(UNIT, draft),
    }
    deep = '{"title": ' + "[" * 200 + "]" * 200 + "}"
    for path, headers in writes.items():
        problem = refused(raw_json(client, path, deep, headers), 400, MALFORMED)
        assert problem["max_depth"] == 64
        refused(raw_json(client, path, "{khong phai json", headers), 400, MALFORMED)
        refused(raw_json(client, path, '{"a": "\xff"}'.encode("latin-1"), headers), 400, MALFORMED)
        for literal in ("NaN", "Infinity", "-Infinity"):
            problem = refused(raw_json(client, path, '{"year": ' + literal + "}", headers))
            assert "year" in problem["errors"], (path, literal)
        problem = refused(raw_json(client, path, '{"title": "\\ud800"}', headers))
        assert "title" in problem["errors"], path
        plain = client.post(
            path, data="xin chào", headers={**headers, "Content-Type": "text/plain"}
        )
        refused(plain, 415, "urn:thidua:problem:unsupported-media-type")
        huge = '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'
        refused(raw_json(client, path, huge, headers), 413, "urn:thidua:problem:payload-too-large")
    assert state(app) == before


def test_nomination_texts_refuse_control_characters_and_are_stored_nfc(stack: Stack) -> None:
    app, client = seeded(stack)
    body = {"kind": "cong-trang", "award": "LDTT", "year": 2024, "unit": "stp-01", "title": "Tờ"}
    before = state(app)
    for field, value in [
        ("title", "Đề nghị\x00"),
        ("title", "Đề nghị\x07 năm 2024"),
        ("title", "Dòng 1\nDòng 2"),  # a title is one line
        ("title", ""),
        ("cover_summary", "Tóm tắt\x1b[31m"),
        ("act", "Thành tích\x0c"),
        ("unit", "stp\x0701"),
        ("award", "LD\u0085TT"),
        ("year", 10**30),
        ("year", 2024.5),
        ("year", True),
    ]:
        problem = refused(client.post("/nominations", json={**body, field: value}, headers=UNIT))
        assert list(problem["errors"]) == [field], (field, value)
    assert state(app) == before

    title = "Đề nghị tặng danh hiệu “Lao động tiên tiến” năm 2024"
    made = client.post(
        "/nominations",
        json={**body, "title": nfd(title), "cover_summary": nfd("Đoạn 1\r\nĐoạn 2\tcó tab")},
        headers=UNIT,
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["title"] == title
    assert made.get_json()["cover_summary"] == "Đoạn 1\nĐoạn 2\tcó tab"
    file_id = made.get_json()["nomination_id"]
    assert client.get(f"/nominations/{file_id}", headers=UNIT).get_json()["title"] == title
    after_made = state(app)

    url = f"/nominations/{file_id}"
    for patch in ({"title": "Sửa\x00"}, {"title": ""}, {"cover_summary": "x\x7f"}):
        field = next(iter(patch))
        problem = refused(client.patch(url, json=patch, headers=with_etag(UNIT, made)))
        assert list(problem["errors"]) == [field]
    for subjects in (["cb\x00"], ["cb-027\x07"], [""], ["x" * 65], []):
        problem = refused(
            client.post(
                f"{url}/nominees", json={"subjects": subjects}, headers=with_etag(UNIT, made)
            )
        )
        assert list(problem["errors"]) == ["subjects"], subjects
    for reason in ("Lý do\x00", "Lý do\x1b"):
        moved = client.post(
            f"{url}/moves",
            json={"to": "withdrawn", "reason": reason},
            headers=with_etag(UNIT, made),
        )
        assert list(refused(moved)["errors"]) == ["reason"]
    problem = refused(
        client.post(f"{url}/moves", json={"to": "đã duyệt"}, headers=with_etag(UNIT, made))
    )
    assert list(problem["errors"]) == ["to"]
    assert state(app) == after_made


def test_registrations_and_acclamations_name_the_field_they_refuse(stack: Stack) -> None:
    app, client = seeded(stack)
    registration = {"unit": "stp-01", "year": 2024, "award": "LDTT", "subject": "cb-027-0001"}
    ballot = {"region": REGION, "year": 2024, "award": "CO_NGANH", "candidate_unit": "stp-01"}
    before = state(app)
    for field, value in [
        ("subject", "cb\x07"),
        ("subject", "x" * 65),
        ("unit", "stp\u200e-01\x00"),
        ("year", 1999),
        ("award", ""),
    ]:
        problem = refused(
            client.post("/registrations", json={**registration, field: value}, headers=UNIT)
        )
        assert list(problem["errors"]) == [field], (field, value)
    for field, value in [("region", "kv\x00"), ("candidate_unit", "\x1b"), ("year", 3000)]:
        problem = refused(client.post("/acclamations", json={**ballot, field: value}, headers=LEAD))
        assert list(problem["errors"]) == [field], (field, value)
    assert state(app) == before


def test_a_registry_document_refuses_control_characters_by_pointer_and_is_stored_nfc(
    stack: Stack,
) -> None:
    app, client = seeded(stack)
    history = json.loads(HISTORY.read_text())
    before = state(app)
    for pointer, change in [
        ("/people/0/full_name", lambda d: d["people"][0].update(full_name="Phạm\x07 Thu Bình")),
        ("/people/0/full_name", lambda d: d["people"][0].update(full_name="Phạm\nThu Bình")),
        ("/people/1/id", lambda d: d["people"][1].update(id="cb\x1b-027")),
        ("/people/0/id", lambda d: d["people"][0].update(id="x" * 65)),
        ("/awards/0/year", lambda d: d["awards"][0].update(year=10**30)),
        ("/awards/0/year", lambda d: d["awards"][0].update(year=2024.5)),
    ]:
        broken = copy.deepcopy(history)
        change(broken)
        problem = refused(client.post("/registry/import", json=broken, headers=OFFICER))
        assert pointer in problem["errors"], (pointer, problem["errors"])
    nul = copy.deepcopy(history)
    nul["people"][0]["full_name"] = "Phạm\x00"
    problem = refused(client.post("/registry/import", json=nul, headers=OFFICER))
    assert "full_name" in json.dumps(problem["errors"])
    for shape in ({"people": "x", "awards": 5}, []):
        problem = refused(client.post("/registry/import", json=shape, headers=OFFICER))
        assert problem["errors"], shape
    assert state(app) == before

    person = copy.deepcopy(history["people"][0])
    person.update(id="cb-027-9999", unit_id="stp-01", full_name=nfd("Nguyễn Thị Hằng Nga"))
    made = client.post("/registry/import", json={"people": [person], "awards": []}, headers=OFFICER)
    assert made.status_code == 200, made.get_json()
    profile = client.get("/people/cb-027-9999", headers=OFFICER)
    assert profile.get_json()["full_name"] == "Nguyễn Thị Hằng Nga"
    for q in ("nguyen thi hang", nfd("Hằng Nga"), "NGUYỄN"):
        found = client.get(f"/people?q={q}", headers=OFFICER).get_json()["items"]
        assert "cb-027-9999" in [p["staff_code"] for p in found], q

    edited = client.put(
        "/people/cb-027-9999",
        json={**person, "full_name": "Nguyễn\x00"},
        headers=with_etag(OFFICER, profile),
    )
    assert "full_name" in json.dumps(refused(edited)["errors"])
    edited = client.put(
        "/people/cb-027-9999",
        json={**person, "full_name": "Nguyễn\x07Nga"},
        headers=with_etag(OFFICER, profile),
    )
    assert "full_name" in json.dumps(refused(edited)["errors"])
    assert client.get("/people/cb-027-9999", headers=OFFICER).get_json() == profile.get_json()


def test_registry_workbooks_empty_garbage_or_bombs_are_refused_in_the_kits_shape(
    stack: Stack,
) -> None:
    app, client = seeded(stack)
    before = state(app)
    for content, name in [
        (b"", "rong.xlsx"),
        (b"khong phai excel" * 50, "rac.xlsx"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "baocao.pdf"),
        (b"PK\x03\x04" + b"\0" * 100, "hong.xlsx"),
    ]:
        problem = refused(upload(client, "/registry/import", content, english(OFFICER), name=name))
        assert list(problem["errors"]) == ["file"]
        assert problem["excel_errors"], name
        for item in problem["excel_errors"]:  # the documented WorkbookError, nothing else
            assert WorkbookErrorSchema().validate(item) == {}, item
            assert item["en"] and item["vi"]
    # A workbook without the sheets: each missing part named, still the kit's shape.
    problem = refused(upload(client, "/registry/import", empty_workbook(), OFFICER))
    assert problem["excel_errors"]
    for item in problem["excel_errors"]:
        assert WorkbookErrorSchema().validate(item) == {}, item
    bomb = refused(
        upload(client, "/registry/import", zip_bomb(), OFFICER),
        413,
        "urn:thidua:problem:payload-too-large",
    )
    assert bomb["detail"]
    missing = upload(client, "/registry/import", b"PK", OFFICER, field="tep")
    assert list(refused(missing)["errors"]) == ["file"]
    assert state(app) == before


def test_a_registry_workbook_typed_decomposed_is_read_composed(stack: Stack) -> None:
    app, client = seeded(stack)
    exported = client.get("/registry/export.xlsx?unit=stp-01", headers=OFFICER)
    assert exported.status_code == 200
    book = load_workbook(io.BytesIO(exported.data))
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value != nfd(cell.value):
                    cell.value = nfd(cell.value)
                    changed += 1
    assert changed > 10
    buffer = io.BytesIO()
    book.save(buffer)
    before = state(app)
    again = upload(client, "/registry/import", buffer.getvalue(), OFFICER)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["people"]["updated"] == 0, "NFD is the same name: nothing changed"
    assert again.get_json()["awards"]["updated"] == 0
    assert state(app)[:3] == before[:3]


def test_nominee_workbooks_and_attachments_of_the_wrong_kind_are_refused(stack: Stack) -> None:
    app, client = seeded(stack)
    draft = a_file(client)
    url = f"/nominations/{draft.get_json()['nomination_id']}"
    headers = with_etag(UNIT, draft)
    before = state(app)
    for content, name in [
        (b"", "ds.xlsx"),
        (b"rac" * 100, "ds.xlsx"),
        (b"%PDF-1.7\n", "ds.pdf"),
        (empty_workbook(), "ds.xlsx"),
    ]:
        problem = refused(upload(client, f"{url}/nominees/import", content, headers, name=name))
        assert problem["errors"], name
    refused(
        upload(client, f"{url}/nominees/import", zip_bomb(), headers),
        413,
        "urn:thidua:problem:payload-too-large",
    )
    refused(
        client.post(f"{url}/nominees/import", json={"file": "x"}, headers=headers),
        415,
        "urn:thidua:problem:unsupported-media-type",
    )
    missing = upload(client, f"{url}/nominees/import", b"PK", headers, field="tep")
    assert list(refused(missing)["errors"]) == ["file"]
    for content, name in [(b"MZ\x90\x00\x03", "thu.exe"), (b"<html></html>", "thu.pdf")]:
        letter = upload(client, f"{url}/cover-letter", content, headers, name=name, method="put")
        problem = refused(letter, 415, "urn:thidua:problem:unsupported-media-type")
        assert problem["allowed"]
    assert state(app) == before


def test_a_rule_pack_refuses_what_it_cannot_store_and_is_stored_nfc(stack: Stack) -> None:
    app, client = seeded(stack)
    pack = json.loads(PACK.read_text())
    before = state(app)
    broken = copy.deepcopy(pack)
    broken["title"] = "Bộ quy tắc\x07"
    broken["awards"][0]["name"] = "Lao động\ntiên tiến"
    problem = refused(client.post("/rule-packs", json=broken, headers=OFFICER))
    assert {"/title", "/awards/0/name"} <= set(problem["errors"])
    nul = copy.deepcopy(pack)
    nul["awards"][0]["name"] = "Lao động\x00"
    assert "awards" in refused(client.post("/rule-packs", json=nul, headers=OFFICER))["errors"]
    text = json.dumps(pack)
    infinite = text.replace('"base_salary": ', '"base_salary": Infinity, "x": ', 1)
    assert "Infinity" in infinite
    refused(raw_json(client, "/rule-packs", infinite, OFFICER))
    for bad in ([], "bộ quy tắc", 7):
        refused(client.post("/rule-packs", json=bad, headers=OFFICER))
    assert state(app) == before

    decomposed = copy.deepcopy(pack)
    decomposed["title"] = nfd(pack["title"])
    decomposed["awards"][0]["name"] = nfd(pack["awards"][0]["name"])
    made = client.post("/rule-packs", json=decomposed, headers=OFFICER)
    assert made.status_code == 201, made.get_json()
    stored = client.get(f"/rule-packs/{made.get_json()['pack_id']}", headers=OFFICER).get_json()
    assert stored["document"]["title"] == unicodedata.normalize("NFC", pack["title"])
    assert stored["document"]["awards"][0]["name"] == unicodedata.normalize(
        "NFC", pack["awards"][0]["name"]
    )


def test_a_nominee_workbook_names_the_cell_it_refuses_and_is_read_nfc(stack: Stack) -> None:
    app, client = seeded(stack)
    draft = new_file(client, UNIT)
    url = f"/nominations/{draft.get_json()['nomination_id']}"
    before = state(app)
    sheet = "'Người được đề nghị'"
    for rows, cell in [
        ([("cb-027-0001", "Tốt"), ("cb-027\x7f", "Mã có ký tự điều khiển")], f"{sheet}!A3"),
        ([("cb-027-0001", "Tóm\x85tắt")], f"{sheet}!B2"),
        ([("x" * 65, "Mã quá dài")], f"{sheet}!A2"),
    ]:
        sent = upload(
            client, f"{url}/nominees/import", nominee_workbook(rows), with_etag(UNIT, draft)
        )
        assert list(refused(sent)["errors"]) == [cell], rows
    assert state(app) == before

    summary = "Hoàn thành xuất sắc nhiệm vụ; sáng kiến “Số hóa hồ sơ”"
    sent = upload(
        client,
        f"{url}/nominees/import",
        nominee_workbook([(nfd("cb-027-0001"), nfd(summary))]),
        with_etag(UNIT, draft),
    )
    assert sent.status_code == 200, sent.get_json()
    nominees = client.get(url, headers=UNIT).get_json()["nominees"]
    assert [(n["subject_id"], n["report_summary"]) for n in nominees] == [("cb-027-0001", summary)]


def nominee_workbook(rows: list[tuple[Any, Any]]) -> bytes:
    """The nominee sheet with ``rows`` (openpyxl writes DEL and C1 controls, not C0 ones)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Người được đề nghị"
    sheet.append(["Mã cán bộ/đơn vị", "Tóm tắt thành tích"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
