"""The criteria tables pages against a fake platform: the list, a table's tree with points and
methods in words, versions, the differences, Excel import with its row errors (and the other
ways it fails), export and template downloads, clone and publish, for ministry officers."""

from __future__ import annotations

import copy
from typing import Any

from flask import Response
from flask.testing import FlaskClient

from web.tests.conftest import ME, FakeApi, csrf_of, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MINISTRY = {
    **ME,
    "id": "u-9",
    "username": "bo.tdkt",
    "full_name": "Nguyễn Văn An",
    "unit": {"id": "btp", "name": "Bộ Tư pháp"},
    "roles": [{"role": "ministry_officer", "scope": "national", "scope_id": None}],
}
DOCUMENT: dict[str, Any] = {
    "title": "Bảng tiêu chí 2026",
    "year": 2026,
    "unit_kind": "so-tu-phap",
    "max_points": 10,
    "rounding": {"places": 2, "mode": "half_up"},
    "rank_bands": [{"code": "A", "min_total": 8}, {"code": "B", "min_total": None}],
    "parts": [
        {
            "code": "A",
            "title": "Nhiệm vụ trọng tâm",
            "max_points": 10,
            "children": [
                {
                    "code": "A.1",
                    "title": "Tỷ lệ văn bản được thẩm định đúng hạn",
                    "max_points": 6,
                    "method": {
                        "type": "bands_at_least",
                        "input": {"name": "value", "unit": "%"},
                        "bands": [{"threshold": 100, "points": 6}, {"threshold": 80, "points": 3}],
                    },
                    "evidence_required": True,
                },
                {
                    "code": "A.2",
                    "title": "Ban hành kế hoạch",
                    "max_points": 4,
                    "method": {"type": "boolean"},
                    "when_not_applicable": "full",
                },
            ],
        }
    ],
    "bonus": {
        "code": "E",
        "title": "Điểm thưởng",
        "cap": 5,
        "items": [{"code": "E.1", "title": "Mô hình hay", "per_count": 2, "max_count": 2}],
    },
}


def _table(table_id: str, status: str, version: int | None, year: int = 2026) -> dict:
    document = {**copy.deepcopy(DOCUMENT), "year": year}
    return {
        "id": table_id,
        "year": year,
        "unit_kind": "so-tu-phap",
        "status": status,
        "version": version,
        "title": document["title"],
        "amends_id": None,
        "change_note": "Sửa A.1" if version == 2 else None,
        "created_at": "2026-01-02T00:00:00+00:00",
        "updated_at": "2026-01-02T00:00:00+00:00",
        "published_at": "2026-01-03T00:00:00+00:00" if status != "draft" else None,
        "rules_version": "2024.1",
        "revision": 1,
        "document": document,
    }


V1, V2, DRAFT = _table("t-1", "superseded", 1), _table("t-2", "published", 2), None


def _summaries(*tables: dict) -> dict:
    items = [{k: v for k, v in t.items() if k not in ("document", "revision")} for t in tables]
    return {"items": items, "page": 1, "page_size": 200, "total": len(items)}


def _ministry(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", MINISTRY)
    sign_in(web, "bo.tdkt")
    fake_api.json("GET", "/criteria/tables", _summaries(V2, V1))
    fake_api.json("GET", "/criteria/tables/t-1", V1, ETag='W/"t-1-1"')
    fake_api.json("GET", "/criteria/tables/t-2", V2, ETag='W/"t-2-1"')


def test_the_list_shows_every_table_and_the_ministrys_actions(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _ministry(web, fake_api)
    page = web.get("/tables?year=2026&unit_kind=so-tu-phap").get_data(as_text=True)
    assert "Bảng tiêu chí 2026" in page and "/tables/t-2" in page and "/tables/t-1" in page
    assert "Đã ban hành" in page and "Đã được thay thế" in page
    assert "/tables/import" in page and "/tables/template.xlsx" in page
    asked = [s for s in fake_api.seen if s["path"] == "/criteria/tables"][-1]
    assert asked["headers"]  # filters went to the API as query parameters
    assert "year=2026" in web.get("/tables?year=2026").request.url


def test_a_unit_officer_sees_no_import(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    fake_api.json("GET", "/criteria/tables", _summaries(V2))
    page = web.get("/tables").get_data(as_text=True)
    assert "/tables/import" not in page and "/tables/t-2" in page


def test_the_tree_shows_points_methods_in_words_bands_and_versions(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _ministry(web, fake_api)
    page = web.get("/tables/t-2").get_data(as_text=True)
    assert "Tỷ lệ văn bản được thẩm định đúng hạn" in page
    assert "Theo mức: đạt từ ngưỡng trở lên" in page  # the method's name
    assert "từ 100%: 6" in page  # and its bands in words (web.scoresheet.hint)
    assert "Thực hiện hoặc không" in page and "4 điểm nếu đã thực hiện" in page
    assert "Xếp loại A: từ 8 điểm" in page
    assert "Mô hình hay" in page and "tối đa 2 lần" in page
    assert 'id="versions"' in page and "Sửa A.1" in page
    assert "/tables/t-2/diff?against=t-1" in page
    assert 'id="clone-form"' in page and 'value="2027"' in page
    assert "/tables/t-2/export.xlsx" in page


def test_a_draft_the_user_may_not_see_is_the_404_page(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    assert web.get("/tables/t-draft").status_code == 404


def _workbook() -> Response:
    return Response(
        b"PK\x03\x04 xlsx",
        mimetype=XLSX,
        headers={"Content-Disposition": 'attachment; filename="bang-tieu-chi-2026.xlsx"'},
    )


def test_export_and_template_are_passed_on(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.on("GET", "/criteria/tables/t-2/export.xlsx", _workbook)
    fake_api.on("GET", "/criteria/tables/template.xlsx", _workbook)
    exported = web.get("/tables/t-2/export.xlsx")
    assert exported.status_code == 200 and exported.data.startswith(b"PK")
    assert exported.headers["Content-Type"] == XLSX
    assert "attachment" in exported.headers["Content-Disposition"]
    assert web.get("/tables/template.xlsx").data.startswith(b"PK")


def _import(web: FlaskClient, **fields: Any) -> Any:
    import io

    form = {"csrf_token": csrf_of(web), "year": "2027", "unit_kind": "so-tu-phap", **fields}
    if "file" not in fields:
        form["file"] = (io.BytesIO(b"PK\x03\x04 xlsx"), "bang.xlsx")
    return web.post("/tables/import", data=form, content_type="multipart/form-data")


def test_an_import_with_errors_lists_every_row_error(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    errors = [
        {
            "sheet": "Bảng tiêu chí",
            "row": 12,
            "column": "E (Tham số)",
            "code": "param_syntax",
            "vi": "Tham số không đọc được",
            "en": "Unreadable parameters",
            "ref": "'Bảng tiêu chí'!E12",
        },
        {
            "sheet": "Xếp loại",
            "row": None,
            "column": None,
            "code": "sheet_missing",
            "vi": "Thiếu trang Xếp loại",
            "en": "No rank sheet",
            "ref": "'Xếp loại'",
        },
    ]
    fake_api.json(
        "POST",
        "/criteria/tables/import",
        {
            "type": "urn:thidua:problem:validation-failed",
            "status": 422,
            "detail": "Tệp có 140 lỗi (liệt kê 100 lỗi đầu); chưa lưu gì.",
            "errors": {"'Bảng tiêu chí'!E12": ["Tham số không đọc được / Unreadable"]},
            "excel_errors": errors,
            "error_count": 140,
            "errors_truncated": True,
        },
        status=422,
    )
    response = _import(web)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="excel-errors"' in page
    assert "Tệp có 140 lỗi; chưa lưu gì." in page
    assert "Chỉ liệt kê 2 lỗi đầu" in page
    row = page.split("<td>Bảng tiêu chí</td>")[1].split("</tr>")[0]
    assert "12" in row and "E (Tham số)" in row and "Tham số không đọc được" in row
    assert "Thiếu trang Xếp loại" in page
    sent = [s for s in fake_api.seen if s["path"] == "/criteria/tables/import"][-1]
    assert sent["form"] == {"year": "2027", "unit_kind": "so-tu-phap"}
    assert 'value="2027"' in page  # the form keeps what was chosen


def test_an_import_breaking_the_table_rules_lists_its_issues(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _ministry(web, fake_api)
    fake_api.json(
        "POST",
        "/criteria/tables/import",
        {
            "status": 422,
            "errors": {"/max_points": ["x"]},
            "issues": [
                {
                    "pointer": "/max_points",
                    "code": "parts_sum_mismatch",
                    "vi": "Tổng các phần khác điểm tối đa",
                    "en": "Parts do not sum",
                }
            ],
        },
        status=422,
    )
    page = _import(web).get_data(as_text=True)
    assert 'id="table-issues"' in page and "Tổng các phần khác điểm tối đa" in page


def test_an_import_too_large_or_incomplete_says_why(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.json(
        "POST",
        "/criteria/tables/import",
        {"status": 413, "limit": "max_unpacked_bytes", "limit_value": 8388608},
        status=413,
    )
    response = _import(web)
    assert response.status_code == 413
    assert "quá lớn khi giải nén" in response.get_data(as_text=True)
    missing = _import(web, year="20x7", file=None)
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert "Nhập năm từ 2000 đến 2100." in page and "Chọn tệp Excel" in page


def test_a_good_import_becomes_a_draft(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.json("POST", "/criteria/tables/import", _table("t-9", "draft", None, 2027), 201)
    response = _import(web)
    assert response.status_code == 302 and response.headers["Location"] == "/tables/t-9"


def test_clone_for_next_year_and_its_errors(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.json("POST", "/criteria/tables/t-2/clones", _table("t-3", "draft", None, 2027), 201)
    response = web.post("/tables/t-2/clone", data={"csrf_token": csrf_of(web), "year": "2027"})
    assert response.headers["Location"] == "/tables/t-3"
    assert [s["json"] for s in fake_api.seen if s["path"].endswith("/clones")] == [{"year": 2027}]
    bad = web.post("/tables/t-2/clone", data={"csrf_token": csrf_of(web), "year": "next"})
    assert bad.status_code == 422 and "Nhập năm từ 2000 đến 2100." in bad.get_data(as_text=True)
    fake_api.json("POST", "/criteria/tables/t-2/clones", {"status": 409}, status=409)
    refused = web.post("/tables/t-2/clone", data={"csrf_token": csrf_of(web), "year": "2027"})
    assert refused.status_code == 302
    assert "Không thể nhân bản" in web.get("/tables/t-2").get_data(as_text=True)


def test_publishing_an_amendment_needs_a_change_note(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    draft = _table("t-4", "draft", None)
    fake_api.json("GET", "/criteria/tables/t-4", draft)
    page = web.get("/tables/t-4").get_data(as_text=True)
    assert 'id="publish-form"' in page and 'id="clone-form"' not in page
    fake_api.json(
        "POST",
        "/criteria/tables/t-4/publish",
        {"status": 422, "errors": {"change_note": ["Bắt buộc khi đã có phiên bản ban hành."]}},
        status=422,
    )
    refused = web.post("/tables/t-4/publish", data={"csrf_token": csrf_of(web)})
    assert refused.status_code == 422
    assert "Bắt buộc khi đã có phiên bản ban hành." in refused.get_data(as_text=True)
    fake_api.json("POST", "/criteria/tables/t-4/publish", {**draft, "status": "published"})
    done = web.post("/tables/t-4/publish", data={"csrf_token": csrf_of(web), "change_note": "x"})
    assert done.status_code == 302


def test_the_differences_in_words_and_as_text(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    new_method = {"type": "bands_at_least", "bands": [{"threshold": 90, "points": 6}]}
    old_method = DOCUMENT["parts"][0]["children"][0]["method"]
    V2["document"]["parts"][0]["children"][0]["method"] = new_method
    difference = {
        "from": "t-1",
        "to": "t-2",
        "added": [{"code": "A.3", "title": "Tiêu chí mới", "max_points": 1}],
        "removed": [{"code": "A.9", "title": "Tiêu chí bỏ", "max_points": 2}],
        "changed": [
            {
                "code": "A.1",
                "title": "Tỷ lệ văn bản",
                "changes": {
                    "max_points": {"old": 5, "new": 6},
                    "method": {"old": old_method, "new": new_method},
                },
            }
        ],
        "table": {"rank_bands": {"old": [{"code": "A", "min_total": 9}], "new": []}},
    }

    def answer() -> Any:
        from flask import jsonify, request

        if request.args.get("format") == "text":
            return Response("So sánh 2026 v1 → 2026 v2\n+ Thêm A.3\n", mimetype="text/plain")
        assert request.args["against"] == "t-1"
        return jsonify(difference)

    fake_api.on("GET", "/criteria/tables/t-2/diff", answer)
    page = web.get("/tables/t-2/diff?against=t-1").get_data(as_text=True)
    assert "Tiêu chí mới" in page and "Tiêu chí bỏ" in page
    changed = page.split('id="diff-changed"')[1].split("</table>")[0]
    assert "<td>điểm tối đa</td>" in changed and "<td>5</td>" in changed and "<td>6</td>" in changed
    assert "từ 90%" not in changed and "từ 90: 6" in changed and "từ 100%: 6" in changed
    assert "So sánh 2026 v1 → 2026 v2" in page
    text = web.get("/tables/t-2/diff.txt?against=t-1")
    assert text.headers["Content-Type"].startswith("text/plain")
    assert "attachment" in text.headers["Content-Disposition"]
    assert web.get("/tables/t-2/diff").status_code == 404
    V2["document"]["parts"][0]["children"][0]["method"] = old_method
