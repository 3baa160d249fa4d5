"""The region lead's and the Ministry's pages against a fake platform: the region's sheets, the
proposal and the appraisal saved in place, returning with a reason, marking reviewed,
finalising, the rounds with their phases, a new round, the move to an amended table and the
publication; above all what the user reads when the platform refuses (409 with ``allowed``,
422 a reason too short, 404 another region's sheet)."""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify
from flask.testing import FlaskClient

from web.tests.conftest import ME, FakeApi, csrf_of, sign_in

ROUND_ID = "r-2026"
SHEET_ID = "s-hanoi"
TABLE_ID = "t-2026"
REGION = "2026-dong-bang-bac-bo"
ETAG = 'W/"sheet-s-hanoi-7"'

REGION_LEAD = {
    **ME,
    "id": "u-kv",
    "username": "kv.dbbb",
    "full_name": "Phạm Thị Dung",
    "unit": {"id": "stp-31-2025", "name": "Sở Tư pháp thành phố Hải Phòng"},
    "roles": [{"role": "region_lead", "scope": "region", "scope_id": REGION}],
}
MINISTRY = {
    **ME,
    "id": "u-bo",
    "username": "bo.tdkt",
    "full_name": "Nguyễn Văn An",
    "unit": {"id": "vu-tdkt", "name": "Vụ Thi đua - Khen thưởng"},
    "roles": [{"role": "ministry_officer", "scope": "national", "scope_id": None}],
}

DOCUMENT = {
    "max_points": 5,
    "parts": [
        {
            "code": "A",
            "title": "Nhiệm vụ trọng tâm",
            "max_points": 5,
            "children": [
                {
                    "code": "A.1",
                    "title": "Ban hành kế hoạch",
                    "max_points": 2,
                    "method": {"type": "boolean"},
                },
                {
                    "code": "A.2",
                    "title": "Chất lượng báo cáo",
                    "max_points": 3,
                    "method": {"type": "manual"},
                },
            ],
        }
    ],
}
TABLE = {
    "id": TABLE_ID,
    "year": 2026,
    "unit_kind": "so-tu-phap",
    "status": "published",
    "version": 1,
    "title": "Bảng tiêu chí năm 2026",
    "document": DOCUMENT,
}
ROUND = {
    "id": ROUND_ID,
    "year": 2026,
    "unit_kind": "so-tu-phap",
    "name": "Thi đua năm 2026",
    "table_id": TABLE_ID,
    "phase": "region_review",
    "self_assessment_due": "2026-12-15T10:00:00+00:00",
    "review_due": "2026-12-20T10:00:00+00:00",
    "appraisal_due": "2027-01-10T10:00:00+00:00",
    "revision": 3,
    "published_at": None,
}


def _entry(code: str, inputs: dict[str, Any], points: str, **more: Any) -> dict[str, Any]:
    return {
        "code": code,
        "etag": f'W/"entry-{code}-2"',
        "inputs": inputs,
        "comment": None,
        "self_points": points,
        "review_points": None,
        "review_reason": None,
        "final_points": None,
        "final_reason": None,
        "revision": 2,
        **more,
    }


SHEET = {
    "id": SHEET_ID,
    "round_id": ROUND_ID,
    "unit_id": "stp-01",
    "region_id": REGION,
    "status": "submitted",
    "revision": 7,
    "submitted_at": "2026-12-01T03:00:00+00:00",
    "compute_status": "done",
    "total": "5.00",
    "band": "A",
    "bonus_counts": {},
    "deduction_counts": {},
    "result": {"subtotals": {"A": "5.00"}, "bonus": "0", "deduction": "0", "total": "5.00"},
    "entries": [
        _entry("A.1", {"done": True}, "2.00"),
        _entry("A.2", {"points": 3}, "3.00"),
    ],
    "allowed": ["review", "return", "mark_reviewed"],
}
UNITS = {
    "items": [
        {"id": "stp-01", "name": "Sở Tư pháp thành phố Hà Nội"},
        {"id": "stp-31-2025", "name": "Sở Tư pháp thành phố Hải Phòng"},
        {"id": "stp-79-2025", "name": "Sở Tư pháp thành phố Hồ Chí Minh"},
    ],
    "page": 1,
    "page_size": 200,
    "total": 3,
}
EMPTY_PAGE = {"items": [], "page": 1, "page_size": 200, "total": 0}


def _conflict(**body: Any) -> dict[str, Any]:
    return {"type": "urn:thidua:problem:conflict", "status": 409, "detail": "…", **body}


def _platform(fake_api: FakeApi, me: dict[str, Any], sheet: dict[str, Any] | None = None) -> None:
    """A round in region review with one submitted sheet, as ``me`` sees it."""
    fake_api.json("GET", "/identity/me", me)
    fake_api.json("GET", "/scoring/rounds", [ROUND])
    fake_api.json("GET", f"/scoring/rounds/{ROUND_ID}", ROUND)
    fake_api.json("GET", f"/criteria/tables/{TABLE_ID}", TABLE)
    fake_api.json("GET", f"/scoring/sheets/{SHEET_ID}", sheet or SHEET, ETag=ETAG)
    fake_api.json("GET", f"/scoring/sheets/{SHEET_ID}/evidence", {"items": []})
    fake_api.json("GET", f"/scoring/sheets/{SHEET_ID}/history", EMPTY_PAGE)
    fake_api.json("GET", "/identity/org/units", UNITS)
    fake_api.json(
        "GET",
        "/identity/regions",
        [{"id": REGION, "name": "Khu vực Đồng bằng Bắc Bộ", "year": 2026}],
    )
    summary = {k: v for k, v in (sheet or SHEET).items() if k not in ("entries", "result")}
    fake_api.json(
        "GET",
        f"/scoring/rounds/{ROUND_ID}/sheets",
        {"items": [summary], "page": 1, "page_size": 200, "total": 1},
    )
    fake_api.json(
        "GET",
        "/criteria/tables",
        {"items": [TABLE], "page": 1, "page_size": 200, "total": 1},
    )


def _htmx(web: FlaskClient, path: str, form: dict[str, str]) -> str:
    response = web.post(
        path,
        data=form,
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(web)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _sent(fake_api: FakeApi, method: str, path: str) -> list[dict[str, Any]]:
    return [s for s in fake_api.seen if s["method"] == method and s["path"] == path]


# -- the region lead -------------------------------------------------------------------------


def test_the_region_lead_sees_the_regions_sheets_with_status_and_totals(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    sign_in(web, "kv.dbbb")
    assert web.get("/sheets").headers["Location"] == f"/rounds/{ROUND_ID}/sheets"
    page = web.get(f"/rounds/{ROUND_ID}/sheets").get_data(as_text=True)
    assert "Khu vực Đồng bằng Bắc Bộ" in page  # the region the lead leads, in the heading
    assert "Sở Tư pháp thành phố Hà Nội" in page and "Đã nộp" in page and "5,00" in page
    assert f'href="/sheets/{SHEET_ID}"' in page
    home = web.get("/").get_data(as_text=True)
    assert "Phiếu chờ bạn xem xét" in home and "Sở Tư pháp thành phố Hà Nội" in home


def test_the_region_lead_gets_a_proposal_form_per_criterion_and_the_decisions(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    sign_in(web, "kv.dbbb")
    page = web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    assert 'id="A-1-review-points"' in page and 'id="A-2-review-reason"' in page
    assert '<label for="A-2-review-points">' in page and '<label for="A-2-review-reason">' in page
    assert 'id="return-reason"' in page and 'id="mark-reviewed"' in page
    assert 'id="sheet-etag-points"' in page and "sheet-s-hanoi-7" in page
    assert "finalise-sheet" not in page  # the Ministry's, not the region's


def test_the_unit_officer_gets_no_reviewers_form(web: FlaskClient, fake_api: FakeApi) -> None:
    _platform(fake_api, ME)
    sign_in(web)
    page = web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    assert "review-points" not in page and "return-reason" not in page


def test_a_proposal_is_saved_in_place_with_the_sheets_etag(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    after = copy.deepcopy(SHEET)
    after["entries"][1].update(review_points="2.50", review_reason="Báo cáo nộp chậm")
    after["compute_status"] = "pending"
    fake_api.json("POST", f"/scoring/sheets/{SHEET_ID}/entries/A.2/review", after)
    sign_in(web, "kv.dbbb")
    fake_api.json("GET", f"/scoring/sheets/{SHEET_ID}", after, ETag='W/"sheet-s-hanoi-8"')
    body = _htmx(
        web,
        f"/sheets/{SHEET_ID}/entries/A.2/review",
        {"table_id": TABLE_ID, "points": "2,5", "reason": "Báo cáo nộp chậm", "sheet_etag": ETAG},
    )
    (sent,) = _sent(fake_api, "POST", f"/scoring/sheets/{SHEET_ID}/entries/A.2/review")
    assert sent["json"] == {"points": "2.5", "reason": "Báo cáo nộp chậm"}
    assert sent["headers"]["If-Match"] == ETAG
    assert 'id="pr-A-2"' in body and "2,50" in body and "Đã lưu" in body
    assert 'id="sheet-etags" hx-swap-oob="true"' in body and "sheet-s-hanoi-8" in body
    assert 'id="totals"' in body and "4,50" in body  # the preview counts the proposal


def test_a_proposal_the_sheet_no_longer_allows_says_what_it_allows_now(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    fake_api.json(
        "POST",
        f"/scoring/sheets/{SHEET_ID}/entries/A.2/review",
        _conflict(sheet_status="reviewed", phase="appraisal", allowed=["appraise", "finalise"]),
        status=409,
    )
    sign_in(web, "kv.dbbb")
    body = _htmx(
        web,
        f"/sheets/{SHEET_ID}/entries/A.2/review",
        {"table_id": TABLE_ID, "points": "2", "reason": "Thiếu minh chứng", "sheet_etag": ETAG},
    )
    assert "Việc này không còn thực hiện được" in body
    assert "“Khu vực đã chấm chéo”" in body and "“Bộ thẩm định”" in body
    assert "thẩm định, hoàn tất thẩm định" in body
    assert 'role="alert"' in body


def test_points_and_reason_errors_sit_next_to_their_fields(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    fake_api.json(
        "POST",
        f"/scoring/sheets/{SHEET_ID}/entries/A.2/review",
        {
            "type": "urn:thidua:problem:validation-failed",
            "status": 422,
            "errors": {"/entries/A.2": ["Điểm phải từ 0 đến 3. / Points must be between 0 and 3."]},
            "issues": [
                {
                    "pointer": "/entries/A.2",
                    "code": "points_out_of_range",
                    "vi": "Điểm phải từ 0 đến 3.",
                    "en": "Points must be between 0 and 3.",
                }
            ],
        },
        status=422,
    )
    sign_in(web, "kv.dbbb")
    body = _htmx(
        web,
        f"/sheets/{SHEET_ID}/entries/A.2/review",
        {"table_id": TABLE_ID, "points": "4", "reason": "Vượt", "sheet_etag": ETAG},
    )
    assert 'id="err-A-2-review-points" data-for="A-2-review-points" hx-swap-oob="true">' in body
    assert "Điểm phải từ 0 đến 3.</p>" in body
    empty = _htmx(
        web,
        f"/sheets/{SHEET_ID}/entries/A.2/review",
        {"table_id": TABLE_ID, "points": "hai", "reason": "", "sheet_etag": ETAG},
    )
    assert "Nhập số điểm" in empty and "Hãy nêu lý do" in empty


def test_returning_with_a_reason_too_short_shows_the_error_next_to_it(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    fake_api.json(
        "POST",
        f"/scoring/sheets/{SHEET_ID}/return",
        {
            "type": "urn:thidua:problem:validation-failed",
            "status": 422,
            "errors": {"reason": ["Độ dài phải từ 3 đến 2000 ký tự."]},
        },
        status=422,
    )
    sign_in(web, "kv.dbbb")
    response = web.post(
        f"/sheets/{SHEET_ID}/return",
        data={"reason": "ok", "sheet_etag": ETAG, "csrf_token": csrf_of(web)},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = 'id="err-return-reason" data-for="return-reason">Viết lý do từ 3 đến 2.000 ký tự.'
    assert error in page
    assert ">ok</textarea>" in page  # what was typed stays
    (sent,) = _sent(fake_api, "POST", f"/scoring/sheets/{SHEET_ID}/return")
    assert sent["json"] == {"reason": "ok"} and sent["headers"]["If-Match"] == ETAG
    nothing = web.post(
        f"/sheets/{SHEET_ID}/return",
        data={"reason": "  ", "sheet_etag": ETAG, "csrf_token": csrf_of(web)},
    )
    assert nothing.status_code == 422
    assert len(_sent(fake_api, "POST", f"/scoring/sheets/{SHEET_ID}/return")) == 1


def test_returning_and_marking_reviewed_go_back_to_the_sheet_with_a_message(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, REGION_LEAD)
    fake_api.json("POST", f"/scoring/sheets/{SHEET_ID}/return", {**SHEET, "status": "returned"})
    fake_api.json(
        "POST",
        f"/scoring/sheets/{SHEET_ID}/reviewed",
        _conflict(sheet_status="returned", phase="region_review", allowed=["edit", "submit"]),
        status=409,
    )
    sign_in(web, "kv.dbbb")
    returned = web.post(
        f"/sheets/{SHEET_ID}/return",
        data={"reason": "Thiếu minh chứng A.2", "sheet_etag": ETAG, "csrf_token": csrf_of(web)},
    )
    assert returned.headers["Location"] == f"/sheets/{SHEET_ID}"
    assert "Đã trả lại phiếu cho đơn vị" in web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    refused = web.post(
        f"/sheets/{SHEET_ID}/reviewed", data={"sheet_etag": ETAG, "csrf_token": csrf_of(web)}
    )
    assert refused.headers["Location"] == f"/sheets/{SHEET_ID}"
    page = web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    assert "Việc này không còn thực hiện được" in page and "sửa số liệu, nộp" in page


def test_another_regions_sheet_is_the_404_page(web: FlaskClient, fake_api: FakeApi) -> None:
    _platform(fake_api, REGION_LEAD)
    sign_in(web, "kv.dbbb")
    response = web.get("/sheets/s-of-another-region")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
    htmx = web.post(
        "/sheets/s-of-another-region/entries/A.2/review",
        data={"table_id": TABLE_ID, "points": "1", "reason": "Không đúng", "sheet_etag": "x"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf_of(web)},
    )
    assert htmx.status_code == 404 and "Không tìm thấy" in htmx.get_data(as_text=True)
    moved = web.post(
        "/sheets/s-of-another-region/reviewed", data={"sheet_etag": "x", "csrf_token": csrf_of(web)}
    )
    assert moved.status_code == 404


def test_the_unit_reads_the_regions_reason_on_its_home_page_and_its_sheet(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    returned = {
        **SHEET,
        "status": "returned",
        "allowed": ["edit", "submit"],
    }
    _platform(fake_api, ME, returned)
    reason = "Tiêu chí A.2 thiếu báo cáo kèm theo; đề nghị bổ sung."
    fake_api.json(
        "GET",
        f"/scoring/sheets/{SHEET_ID}/history",
        {
            "items": [
                {
                    "code": None,
                    "stage": "status",
                    "field": "status",
                    "old": "submitted",
                    "new": "returned",
                    "reason": reason,
                    "actor_id": "u-kv",
                    "at": "2026-12-02T02:00:00+00:00",
                }
            ],
            "page": 1,
            "page_size": 200,
            "total": 1,
        },
    )
    sign_in(web)
    home = web.get("/").get_data(as_text=True)
    assert "Phiếu bị trả lại" in home and reason in home and "02/12/2026 09:00" in home
    page = web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    assert 'id="returned-reason"' in page and reason in page
    assert 'id="A-2-points"' in page  # the officer corrects it in the form


# -- the Ministry ----------------------------------------------------------------------------


def test_the_ministry_appraises_a_criterion_and_finalises(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    appraisal = {**SHEET, "status": "reviewed", "allowed": ["appraise", "finalise"]}
    _platform(fake_api, MINISTRY, appraisal)
    fake_api.json("POST", f"/scoring/sheets/{SHEET_ID}/entries/A.1/appraisal", appraisal)
    fake_api.json("POST", f"/scoring/sheets/{SHEET_ID}/finalise", {**appraisal, "status": "final"})
    sign_in(web, "bo.tdkt")
    page = web.get(f"/sheets/{SHEET_ID}").get_data(as_text=True)
    assert 'id="A-1-appraisal-points"' in page and 'id="finalise-sheet"' in page
    assert "return-reason" not in page
    _htmx(
        web,
        f"/sheets/{SHEET_ID}/entries/A.1/appraisal",
        {"table_id": TABLE_ID, "points": "1,75", "reason": "Kế hoạch ban hành muộn"},
    )
    (sent,) = _sent(fake_api, "POST", f"/scoring/sheets/{SHEET_ID}/entries/A.1/appraisal")
    assert sent["json"] == {"points": "1.75", "reason": "Kế hoạch ban hành muộn"}
    done = web.post(
        f"/sheets/{SHEET_ID}/finalise", data={"sheet_etag": ETAG, "csrf_token": csrf_of(web)}
    )
    assert done.headers["Location"] == f"/sheets/{SHEET_ID}"
    assert _sent(fake_api, "POST", f"/scoring/sheets/{SHEET_ID}/finalise")


def test_the_rounds_page_offers_the_next_phase(web: FlaskClient, fake_api: FakeApi) -> None:
    _platform(fake_api, MINISTRY)
    sign_in(web, "bo.tdkt")
    listing = web.get("/rounds").get_data(as_text=True)
    assert "Thi đua năm 2026" in listing and "Khu vực chấm chéo" in listing
    assert 'id="create-round"' in listing and '<label for="round-table">' in listing
    page = web.get(f"/rounds/{ROUND_ID}").get_data(as_text=True)
    assert 'name="to" value="appraisal"' in page and 'id="move-appraisal"' in page
    assert "Không có phiên bản nào khác" in page  # no amended version to move to


def test_a_phase_move_the_platform_refuses_offers_the_moves_it_allows(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, MINISTRY)
    fake_api.json(
        "POST",
        f"/scoring/rounds/{ROUND_ID}/phase",
        _conflict(phase="appraisal", allowed=["closed"]),
        status=409,
    )
    sign_in(web, "bo.tdkt")
    response = web.post(
        f"/rounds/{ROUND_ID}/phase", data={"to": "appraisal", "csrf_token": csrf_of(web)}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "đợt đang ở giai đoạn “Bộ thẩm định”" in page and "“Đã kết thúc”" in page
    assert 'name="to" value="closed"' in page and 'value="appraisal"' not in page
    (sent,) = _sent(fake_api, "POST", f"/scoring/rounds/{ROUND_ID}/phase")
    assert sent["json"] == {"to": "appraisal", "reason": None}


def test_publishing_before_every_sheet_is_final_names_the_units(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, MINISTRY)
    fake_api.json(
        "POST",
        f"/scoring/rounds/{ROUND_ID}/results",
        _conflict(not_ready=["stp-01", "stp-79-2025"]),
        status=409,
    )
    sign_in(web, "bo.tdkt")
    response = web.post(f"/rounds/{ROUND_ID}/results", data={"csrf_token": csrf_of(web)})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "2 phiếu chưa được thẩm định" in page
    assert "Sở Tư pháp thành phố Hà Nội, Sở Tư pháp thành phố Hồ Chí Minh" in page
    assert 'id="publish-results"' in page


def test_publishing_links_to_the_results(web: FlaskClient, fake_api: FakeApi) -> None:
    _platform(fake_api, MINISTRY)
    fake_api.json("POST", f"/scoring/rounds/{ROUND_ID}/results", {"items": []})
    sign_in(web, "bo.tdkt")
    response = web.post(f"/rounds/{ROUND_ID}/results", data={"csrf_token": csrf_of(web)})
    assert response.headers["Location"] == f"/rounds/{ROUND_ID}"
    fake_api.json(
        "GET", f"/scoring/rounds/{ROUND_ID}", {**ROUND, "phase": "published", "published_at": "x"}
    )
    page = web.get(f"/rounds/{ROUND_ID}").get_data(as_text=True)
    assert "Đã công bố kết quả" in page and f'href="/rounds/{ROUND_ID}/results"' in page


def test_a_new_round_takes_year_and_kind_from_its_table_and_deadlines_in_vietnam_time(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, MINISTRY)
    created = {**ROUND, "id": "r-new", "phase": "draft", "name": "Thi đua bổ sung 2026"}
    fake_api.on("POST", "/scoring/rounds", lambda: (jsonify(created), 201, {"ETag": 'W/"r-new-1"'}))
    sign_in(web, "bo.tdkt")
    form = {
        "table_id": TABLE_ID,
        "name": "Thi đua bổ sung 2026",
        "self_assessment_due": "2026-12-15T17:00",
        "review_due": "2026-12-20T17:00",
        "appraisal_due": "2027-01-10T17:00",
        "csrf_token": csrf_of(web),
    }
    response = web.post("/rounds", data=form)
    assert response.headers["Location"] == "/rounds/r-new"
    (sent,) = _sent(fake_api, "POST", "/scoring/rounds")
    assert sent["json"] == {
        "year": 2026,
        "unit_kind": "so-tu-phap",
        "table_id": TABLE_ID,
        "name": "Thi đua bổ sung 2026",
        "self_assessment_due": "2026-12-15T17:00:00+07:00",
        "review_due": "2026-12-20T17:00:00+07:00",
        "appraisal_due": "2027-01-10T17:00:00+07:00",
    }


def test_a_new_round_with_deadlines_out_of_order_shows_the_platforms_errors(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _platform(fake_api, MINISTRY)
    fake_api.json(
        "POST",
        "/scoring/rounds",
        {
            "type": "urn:thidua:problem:validation-failed",
            "status": 422,
            "errors": {"deadlines": ["Hạn tự chấm < hạn khu vực kiểm tra < hạn thẩm định."]},
        },
        status=422,
    )
    sign_in(web, "bo.tdkt")
    response = web.post(
        "/rounds",
        data={
            "table_id": TABLE_ID,
            "name": "Thi đua 2026",
            "self_assessment_due": "2026-12-20T17:00",
            "review_due": "2026-12-15T17:00",
            "appraisal_due": "",
            "csrf_token": csrf_of(web),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="err-round-appraisal_due" data-for="round-appraisal_due">Nhập ngày và giờ.' in page
    assert not _sent(fake_api, "POST", "/scoring/rounds")  # nothing sent with a field missing
    form = {
        "table_id": TABLE_ID,
        "name": "Thi đua 2026",
        "self_assessment_due": "2026-12-20T17:00",
        "review_due": "2026-12-15T17:00",
        "appraisal_due": "2027-01-10T17:00",
        "csrf_token": csrf_of(web),
    }
    again = web.post("/rounds", data=form).get_data(as_text=True)
    assert "Hạn tự chấm &lt; hạn khu vực kiểm tra &lt; hạn thẩm định." in again
    assert 'value="2026-12-20T17:00"' in again  # what was typed stays


def test_moving_to_an_amended_table_needs_a_reason(web: FlaskClient, fake_api: FakeApi) -> None:
    _platform(fake_api, MINISTRY)
    amended = {**TABLE, "id": "t-2026-v2", "version": 2, "change_note": "Sửa A.2"}
    tables = {"items": [amended, TABLE], "page": 1, "page_size": 200, "total": 2}
    fake_api.json("GET", "/criteria/tables", tables)
    fake_api.json(
        "POST",
        f"/scoring/rounds/{ROUND_ID}/table",
        {
            "type": "urn:thidua:problem:validation-failed",
            "status": 422,
            "errors": {"reason": ["Độ dài phải từ 3 đến 1000 ký tự."]},
        },
        status=422,
    )
    sign_in(web, "bo.tdkt")
    page = web.get(f"/rounds/{ROUND_ID}").get_data(as_text=True)
    assert 'value="t-2026-v2"' in page and "phiên bản 2" in page
    response = web.post(
        f"/rounds/{ROUND_ID}/table",
        data={"table_id": "t-2026-v2", "reason": "ab", "csrf_token": csrf_of(web)},
    )
    assert response.status_code == 422
    assert "Viết lý do từ 3 đến 1.000 ký tự." in response.get_data(as_text=True)
    (sent,) = _sent(fake_api, "POST", f"/scoring/rounds/{ROUND_ID}/table")
    assert sent["json"] == {"table_id": "t-2026-v2", "reason": "ab"}
