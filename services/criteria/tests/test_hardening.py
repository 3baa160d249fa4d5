"""No input gets a 500, and data that must be refused is (issue 8, items 3, 6 and 7): criteria,
through the real app on both stacks. Every refusal names the field and changes nothing."""

from __future__ import annotations

import copy
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from conftest import service_app
from kit.app import runtime
from kit.events.tables import outbox
from services.criteria.domain import excel
from services.criteria.models import CriteriaTable, Movement
from services.criteria.service import SERVICE
from services.criteria.tests.test_movements import (
    REGIONS,
    UNITS,
    apply,
    body,
    org_created,
    region_changed,
)
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "sample-criteria-table.json").read_text()
)
OFFICER = ministry_officer()
PROBLEM = "application/problem+json"
VALIDATION = "urn:thidua:problem:validation-failed"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def state(app: Flask) -> tuple[int, ...]:
    with app.app_context(), runtime().db.read() as session:
        return tuple(
            session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (CriteriaTable, Movement, outbox)
        )


def refused(response: Any, status: int = 422, type_: str = VALIDATION) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["type"] == type_
    return problem


def criteria_app(stack: Stack) -> Flask:
    """The whole criteria service, its read models holding a few units and regions."""
    app = service_app(stack, SERVICE)
    apply(stack, app, *(org_created(*unit) for unit in UNITS))
    apply(stack, app, *(region_changed(*region) for region in REGIONS))
    return app


def new_table(year: Any = 2026, document: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"year": year, "unit_kind": "so-tu-phap", "document": document or SAMPLE}


def test_lists_bounds_years_and_deep_json_are_refused_without_a_500(stack: Stack) -> None:
    app = criteria_app(stack)
    client, before = app.test_client(), state(app)
    for path in ("/tables", "/movements", "/covenants"):
        problem = refused(client.get(f"{path}?page=200000000000000000", headers=OFFICER))
        assert "page" in problem["errors"]["query"]
        assert client.get(f"{path}?page=999999", headers=OFFICER).get_json()["items"] == []
        assert (
            "year" in refused(client.get(f"{path}?year=2027.5", headers=OFFICER))["errors"]["query"]
        )
    for year in (2027.5, 1999, 10**30, "2027.5", True):
        problem = refused(client.post("/tables", headers=OFFICER, json=new_table(year)))
        assert list(problem["errors"]) == ["year"], year
    deep = '{"year": 2026, "unit_kind": "so-tu-phap", "document": {"parts": '
    deep += "[" * 200 + "]" * 200 + "}}"
    refused(
        client.post("/tables", data=deep, headers={**OFFICER, "Content-Type": "application/json"}),
        400,
        "urn:thidua:problem:malformed-json",
    )
    assert state(app) == before
    made = client.post("/tables", headers=OFFICER, json=new_table()).get_json()
    clone = client.post(f"/tables/{made['id']}/clones", headers=OFFICER, json={"year": 2027.5})
    assert list(refused(clone)["errors"]) == ["year"]


def test_a_table_document_is_stored_nfc_and_control_characters_are_issues(
    stack: Stack,
) -> None:
    app = criteria_app(stack)
    client, before = app.test_client(), state(app)
    broken = copy.deepcopy(SAMPLE)
    broken["title"] = "Bảng tiêu chí\x07 2026"
    broken["parts"][0]["title"] = "Phần A\nthứ hai"
    broken["parts"][0]["children"][0]["guidance"] = "Dòng 1\nDòng 2"  # multi-line: fine
    problem = refused(client.post("/tables", headers=OFFICER, json=new_table(document=broken)))
    assert set(problem["errors"]) == {"/title", "/parts/0/title"}
    assert {i["code"] for i in problem["issues"]} == {"text_control_character"}
    assert state(app) == before

    decomposed = copy.deepcopy(SAMPLE)
    decomposed["title"] = nfd("Bảng tiêu chí chấm điểm năm 2026")
    decomposed["parts"][0]["title"] = nfd(SAMPLE["parts"][0]["title"])
    made = client.post("/tables", headers=OFFICER, json=new_table(document=decomposed))
    assert made.status_code == 201, made.get_json()
    table = made.get_json()
    assert table["title"] == "Bảng tiêu chí chấm điểm năm 2026"
    assert table["document"]["title"] == table["title"]
    assert table["document"]["parts"][0]["title"] == SAMPLE["parts"][0]["title"]
    assert client.get(f"/tables/{table['id']}", headers=OFFICER).get_json() == table


def test_an_excel_import_is_stored_nfc(stack: Stack) -> None:
    app = criteria_app(stack)
    client = app.test_client()
    book = load_workbook(io.BytesIO(excel.export_table(SAMPLE)))
    sheet = book[excel.TABLE_SHEET]
    changed = 0
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value != nfd(cell.value):
                cell.value = nfd(cell.value)
                changed += 1
    assert changed > 10
    buffer = io.BytesIO()
    book.save(buffer)
    upload = buffer.getvalue()
    imported = client.post(
        "/tables/import",
        headers=OFFICER,
        data={
            "year": "2026",
            "unit_kind": "so-tu-phap",
            "file": (io.BytesIO(upload), "t.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()
    document = imported.get_json()["document"]
    assert document["parts"][0]["title"] == SAMPLE["parts"][0]["title"]
    texts = json.dumps(document, ensure_ascii=False)
    assert texts == unicodedata.normalize("NFC", texts)
    refused_year = client.post(
        "/tables/import",
        headers=OFFICER,
        data={
            "year": "2027.5",
            "unit_kind": "so-tu-phap",
            "file": (io.BytesIO(upload), "t.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert "year" in refused(refused_year)["errors"]["form"]


def test_movement_and_covenant_texts_refuse_control_characters(stack: Stack) -> None:
    app = criteria_app(stack)
    client, before = app.test_client(), state(app)
    for field, value in [("title", "Phong trào\x00"), ("title", "Dòng 1\nDòng 2")]:
        problem = refused(client.post("/movements", headers=OFFICER, json=body(**{field: value})))
        assert list(problem["errors"]) == [field]
    problem = refused(client.post("/movements", headers=OFFICER, json=body(starts_on="0001-01-01")))
    assert list(problem["errors"]) == ["starts_on"]
    phases = [{"name": "Đợt\x1b1", "starts_on": "2026-01-01", "ends_on": "2026-12-31"}]
    problem = refused(client.post("/movements", headers=OFFICER, json=body(phases=phases)))
    assert list(problem["errors"]) == ["phases"] and "name" in problem["errors"]["phases"]["0"]
    assert state(app) == before
    made = client.post(
        "/movements",
        headers=OFFICER,
        json=body(title=nfd("Thi đua “Vì Hà Nội”"), theme="Đoạn 1\r\nĐoạn 2"),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["title"] == "Thi đua “Vì Hà Nội”"
    assert made.get_json()["theme"] == "Đoạn 1\nĐoạn 2"
    covenant = {
        "region_id": "2026-dong-bang-bac-bo",
        "title": "Giao ước\x07",
        "items": [{"code": "1", "content": "Nội dung"}],
    }
    problem = refused(client.post("/covenants", headers=OFFICER, json=covenant))
    assert list(problem["errors"]) == ["title"]
