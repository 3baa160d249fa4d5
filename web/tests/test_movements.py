"""Emulation movements and region covenants against a fake platform: lists, a new movement
with peak phases and its participants, the API's field errors next to their fields, the
launch; a new covenant, one per region, and signing it for one's unit."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from web import data
from web.tests.conftest import ME, FakeApi, csrf_of, sign_in
from web.tests.test_tables import MINISTRY

MOVEMENT: dict[str, Any] = {
    "id": "m-1",
    "title": "Phong trào thi đua năm 2026",
    "theme": "Đổi mới, sáng tạo\nvì nhân dân phục vụ",
    "kind": "regular",
    "launching_level": "ministry",
    "launching_unit_id": "btp",
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "phases": [{"name": "Đợt 1", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}],
    "participant_unit_ids": ["stp-01", "stp-79"],
    "table_id": None,
    "status": "draft",
    "created_at": "2026-01-02T00:00:00+00:00",
    "launched_at": None,
}
UNITS = {
    "items": [
        {"id": "btp", "name": "Bộ Tư pháp"},
        {"id": "stp-01", "name": "Sở Tư pháp thành phố Hà Nội"},
        {"id": "stp-79", "name": "Sở Tư pháp thành phố Hồ Chí Minh"},
    ],
    "page": 1,
    "page_size": 200,
    "total": 3,
}
REGIONS = [
    {
        "id": "2026-dbbb",
        "year": 2026,
        "code": "dbbb",
        "name": "Khu vực Đồng bằng Bắc Bộ",
        "lead_unit_id": "stp-31",
        "deputy_unit_ids": [],
        "member_ids": ["stp-01", "stp-31"],
    },
]
COVENANT = {
    "id": "c-1",
    "region_id": "2026-dbbb",
    "year": 2026,
    "title": "Giao ước thi đua năm 2026",
    "items": [{"code": "1", "content": "Hoàn thành 100% chỉ tiêu"}],
    "created_at": "2026-01-02T00:00:00+00:00",
    "member_count": 2,
    "signed_count": 1,
    "unsigned_unit_ids": ["stp-01"],
    "signatures": [
        {
            "id": "s-1",
            "covenant_id": "c-1",
            "unit_id": "stp-31",
            "signer_name": "Phạm Thị Dung",
            "signer_title": "Giám đốc",
            "signed_by_user": "u-3",
            "signed_at": "2026-01-05T02:00:00+00:00",
        }
    ],
}


@pytest.fixture(autouse=True)
def _fresh_unit_names() -> Any:
    """The fake's unit names are this module's: no other test may see them cached."""
    data.UNIT_NAMES.clear()
    yield
    data.UNIT_NAMES.clear()


def _ministry(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", MINISTRY)
    sign_in(web, "bo.tdkt")
    fake_api.json("GET", "/identity/org/units", UNITS)
    fake_api.json("GET", "/criteria/tables", {"items": [], "page": 1, "page_size": 200, "total": 0})
    fake_api.json("GET", "/identity/regions", REGIONS)


def test_the_movements_list_and_a_movement(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    page_ = {"items": [MOVEMENT], "page": 1, "page_size": 200, "total": 1}
    fake_api.json("GET", "/criteria/movements", page_)
    fake_api.json("GET", "/criteria/movements/m-1", MOVEMENT)
    listed = web.get("/movements?year=2026").get_data(as_text=True)
    assert "Phong trào thi đua năm 2026" in listed and "/movements/new" in listed
    page = web.get("/movements/m-1").get_data(as_text=True)
    assert "Đợt 1" in page and "30/06/2026" in page and "Bộ Tư pháp" in page
    assert "2 đơn vị tham gia" in page and 'id="launch"' in page


def test_a_unit_officer_creates_nothing(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)
    fake_api.json(
        "GET", "/criteria/movements", {"items": [], "page": 1, "page_size": 200, "total": 0}
    )
    assert "/movements/new" not in web.get("/movements").get_data(as_text=True)


def _form(**changes: str) -> dict[str, str]:
    form = {
        "title": "Phong trào thi đua năm 2026",
        "theme": "Đổi mới, sáng tạo",
        "kind": "regular",
        "launching_level": "ministry",
        "launching_unit_id": "btp",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "phase-1-name": "Đợt 1",
        "phase-1-start": "2026-01-01",
        "phase-1-end": "2026-06-30",
        "participants": "so-tu-phap",
        "table_id": "",
    }
    form.update(changes)
    return form


def test_a_new_movement_names_its_participants_and_phases(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _ministry(web, fake_api)
    fake_api.json("POST", "/criteria/movements", MOVEMENT, 201)
    response = web.post("/movements", data={"csrf_token": csrf_of(web), **_form()})
    assert response.status_code == 302 and response.headers["Location"] == "/movements/m-1"
    sent = [s for s in fake_api.seen if s["path"] == "/criteria/movements"][-1]["json"]
    assert sent["participant_unit_ids"] == ["btp", "stp-01", "stp-79"]  # the fake's units
    assert sent["phases"] == [{"name": "Đợt 1", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}]
    assert sent["table_id"] is None and sent["starts_on"] == "2026-01-01"
    asked = [s for s in fake_api.seen if s["path"] == "/identity/org/units"][-1]
    assert asked["method"] == "GET"


def test_the_movements_errors_are_shown_next_to_their_fields(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    _ministry(web, fake_api)
    missing = web.post(
        "/movements", data={"csrf_token": csrf_of(web), **_form(title="", ends_on="x")}
    )
    assert missing.status_code == 422
    page = missing.get_data(as_text=True)
    assert 'id="err-title" data-for="title">Vui lòng điền' in page
    assert 'id="err-ends_on" data-for="ends_on">Nhập ngày' in page
    fake_api.json(
        "POST",
        "/criteria/movements",
        {"status": 422, "errors": {"phases": ["Đợt thứ 1 nằm ngoài thời gian phong trào."]}},
        status=422,
    )
    refused = web.post("/movements", data={"csrf_token": csrf_of(web), **_form()})
    assert refused.status_code == 422
    assert "Đợt thứ 1 nằm ngoài thời gian phong trào." in refused.get_data(as_text=True)
    assert 'value="Đợt 1"' in refused.get_data(as_text=True)  # what was typed stays


def test_launching_a_movement(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.json("POST", "/criteria/movements/m-1/launch", {**MOVEMENT, "status": "launched"})
    fake_api.json("GET", "/criteria/movements/m-1", {**MOVEMENT, "status": "launched"})
    response = web.post("/movements/m-1/launch", data={"csrf_token": csrf_of(web)})
    assert response.status_code == 302
    page = web.get("/movements/m-1").get_data(as_text=True)
    assert "Đã phát động phong trào" in page and 'id="launch"' not in page
    fake_api.json("POST", "/criteria/movements/m-1/launch", {"status": 409}, status=409)
    web.post("/movements/m-1/launch", data={"csrf_token": csrf_of(web)})
    assert "đã được phát động" in web.get("/movements/m-1").get_data(as_text=True)


def test_covenants_list_create_and_one_per_region(web: FlaskClient, fake_api: FakeApi) -> None:
    _ministry(web, fake_api)
    fake_api.json(
        "GET", "/criteria/covenants", {"items": [COVENANT], "page": 1, "page_size": 200, "total": 1}
    )
    listed = web.get("/covenants?year=2026").get_data(as_text=True)
    assert "Giao ước thi đua năm 2026" in listed and "1/2" in listed
    assert "Khu vực Đồng bằng Bắc Bộ" in listed and "/covenants/new" in listed
    form = {
        "csrf_token": csrf_of(web),
        "year": "2026",
        "region_id": "2026-dbbb",
        "title": "Giao ước",
        "items": "Hoàn thành 100% chỉ tiêu\n\nKhông có sai phạm\n",
    }
    fake_api.json("POST", "/criteria/covenants", COVENANT, 201)
    created = web.post("/covenants", data=form)
    assert created.headers["Location"] == "/covenants/c-1"
    sent = [s for s in fake_api.seen if s["path"] == "/criteria/covenants"][-1]["json"]
    assert sent["items"] == [
        {"code": "1", "content": "Hoàn thành 100% chỉ tiêu"},
        {"code": "2", "content": "Không có sai phạm"},
    ]
    fake_api.json("POST", "/criteria/covenants", {"status": 409}, status=409)
    again = web.post("/covenants", data=form)
    assert again.status_code == 409
    assert "Khu vực này đã có giao ước" in again.get_data(as_text=True)
    empty = web.post("/covenants", data={**form, "items": " \n"})
    assert empty.status_code == 422


def test_a_member_units_officer_signs(web: FlaskClient, fake_api: FakeApi) -> None:
    sign_in(web)  # stp.hanoi, officer of stp-01: a member yet to sign
    fake_api.json("GET", "/identity/org/units", UNITS)
    fake_api.json("GET", "/identity/regions", REGIONS)
    fake_api.json("GET", "/criteria/covenants/c-1", COVENANT)
    page = web.get("/covenants/c-1").get_data(as_text=True)
    assert 'id="sign-form"' in page and "Phạm Thị Dung, Giám đốc" in page
    assert 'value="Trần Thị Bình"' in page
    fake_api.json("POST", "/criteria/covenants/c-1/signatures", {"id": "s-2"}, 201)
    done = web.post(
        "/covenants/c-1/sign",
        data={
            "csrf_token": csrf_of(web),
            "signer_name": "Trần Thị Bình",
            "signer_title": "Giám đốc Sở Tư pháp",
        },
    )
    assert done.status_code == 302
    sent = [s for s in fake_api.seen if s["path"].endswith("/signatures")][-1]["json"]
    assert sent == {"signer_name": "Trần Thị Bình", "signer_title": "Giám đốc Sở Tư pháp"}
    fake_api.json("POST", "/criteria/covenants/c-1/signatures", {"status": 409}, status=409)
    web.post(
        "/covenants/c-1/sign",
        data={"csrf_token": csrf_of(web), "signer_name": "A", "signer_title": "B"},
    )
    assert "đã ký giao ước này" in web.get("/covenants/c-1").get_data(as_text=True)
    signed = {**COVENANT, "unsigned_unit_ids": []}
    fake_api.json("GET", "/criteria/covenants/c-1", signed)
    assert 'id="sign-form"' not in web.get("/covenants/c-1").get_data(as_text=True)
    assert ME["unit"]["id"] == "stp-01"
