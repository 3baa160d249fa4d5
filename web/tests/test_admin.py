"""The administrators' pages against a fake platform: what is asked of identity, what each
role is shown, and how identity's answers (404, 409, 422, the secret) reach the page."""

from __future__ import annotations

from typing import Any

import pytest
from flask import jsonify, request
from flask.testing import FlaskClient

from web.tests.conftest import FakeApi, csrf_of, sign_in
from web.views import admin

UNITS = [
    {"id": "bo-tu-phap", "code": "BTP", "kind": "ministry", "name": "Bộ Tư pháp"},
    {"id": "stp-01", "code": "STP-01", "kind": "so-tu-phap", "name": "Sở Tư pháp thành phố Hà Nội"},
    {"id": "stp-79-2025", "code": "STP-79", "kind": "so-tu-phap", "name": "Sở Tư pháp TP HCM"},
]
USER = {
    "id": "u-9",
    "username": "nguyen.moi",
    "full_name": "Nguyễn Văn Mới",
    "email": None,
    "unit_id": "stp-01",
    "is_active": True,
    "has_password": False,
    "created_at": "2026-12-01T03:00:00+00:00",
    "roles": [],
    "lockout": {"failures": 0, "locked": False, "blocked_until": None},
}


def me(username: str, role: str, scope: str = "national", scope_id: str | None = None):
    return {
        "id": f"id-{username}",
        "kind": "user",
        "username": username,
        "full_name": username,
        "unit": {"id": "bo-tu-phap", "name": "Bộ Tư pháp"},
        "roles": [{"role": role, "scope": scope, "scope_id": scope_id}],
    }


def page(items: list[Any]) -> dict[str, Any]:
    return {"items": items, "page": 1, "page_size": 200, "total": len(items)}


@pytest.fixture(autouse=True)
def _organisation(fake_api: FakeApi) -> None:
    admin.UNITS.clear()
    fake_api.json("GET", "/identity/org/units", page(UNITS))
    fake_api.json("GET", "/identity/regions", [])
    fake_api.json("GET", "/identity/lockouts", page([]))


def recording(fake_api: FakeApi, method: str, path: str, body: Any, status: int = 200):
    """Answer ``body`` and keep each request's query arguments."""
    calls: list[dict[str, Any]] = []

    def answer() -> Any:
        calls.append(request.args.to_dict())
        response = jsonify(body)
        response.status_code = status
        if status >= 400:
            response.content_type = "application/problem+json"
        return response

    fake_api.on(method, path, answer)
    return calls


def test_the_user_search_goes_to_identity_and_the_system_admin_may_create(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    calls = recording(fake_api, "GET", "/identity/users", page([USER]))
    sign_in(web, "quantri")
    html = web.get("/admin/users?q=nguyen moi&unit=stp-01").get_data(as_text=True)
    assert calls[-1]["q"] == "nguyen moi" and calls[-1]["unit_id"] == "stp-01"
    assert "Nguyễn Văn Mới" in html and "Sở Tư pháp thành phố Hà Nội" in html
    assert 'id="new-user"' in html and 'id="unit"' in html


def test_the_auditor_is_shown_no_button_that_writes(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", me("kiemtoan", "auditor"))
    fake_api.json("GET", "/identity/users", page([USER]))
    fake_api.json(
        "GET",
        "/identity/users/u-9",
        {
            **USER,
            "roles": [
                {
                    "id": "a-1",
                    "role": "unit_officer",
                    "scope": "unit",
                    "scope_id": "stp-01",
                    "valid_from": "2026-01-01",
                    "valid_to": None,
                    "revoked_at": None,
                },
            ],
        },
    )
    sign_in(web, "kiemtoan")
    listing = web.get("/admin/users").get_data(as_text=True)
    detail = web.get("/admin/users/u-9").get_data(as_text=True)
    assert 'id="new-user"' not in listing
    assert '<form method="post" action="/admin/users/u-9' not in detail
    assert 'id="grant"' not in detail and 'id="deactivate"' not in detail
    assert all(s["method"] == "GET" for s in fake_api.seen if s["path"].startswith("/identity/u"))


def test_another_units_user_is_the_404_page(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", me("qt.hanoi", "unit_admin", "unit", "stp-01"))
    fake_api.json("GET", "/identity/users/u-hcm", {"status": 404}, status=404)
    sign_in(web, "qt.hanoi")
    response = web.get("/admin/users/u-hcm")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_creating_a_user_shows_identitys_errors_next_to_their_fields(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    problem = {"status": 422, "errors": {"password": ["Mật khẩu quá ngắn."]}}
    fake_api.json("POST", "/identity/users", problem, status=422)
    sign_in(web, "quantri")
    web.get("/admin/users/new")
    form = {
        "csrf_token": csrf_of(web),
        "username": "nguyen.moi",
        "full_name": "Nguyễn Văn Mới",
        "unit_id": "stp-01",
        "password": "short",
    }
    response = web.post("/admin/users/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-error">Mật khẩu quá ngắn.' in html
    assert 'value="short"' not in html  # a password is never sent back
    sent = [s for s in fake_api.seen if s["path"] == "/identity/users"][-1]["json"]
    assert sent == {
        **{k: form[k] for k in ("username", "full_name", "unit_id")},
        "email": None,
        "password": "short",
    }


def test_a_role_is_granted_in_the_scope_its_role_takes(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    fake_api.json("GET", "/identity/users/u-9", USER)
    fake_api.json("POST", "/identity/users/u-9/roles", {"id": "a-2"}, status=201)
    sign_in(web, "quantri")
    response = web.post(
        "/admin/users/u-9/roles",
        data={
            "csrf_token": csrf_of(web),
            "role": "unit_officer",
            "unit_id": "stp-01",
            "region_id": "2026-dong-nam-bo",
            "valid_from": "2026-12-01",
            "valid_to": "2027-12-31",
        },
    )
    assert response.status_code == 302
    sent = [s for s in fake_api.seen if s["path"] == "/identity/users/u-9/roles"][-1]["json"]
    assert sent == {
        "role": "unit_officer",
        "scope": "unit",
        "scope_id": "stp-01",
        "valid_from": "2026-12-01",
        "valid_to": "2027-12-31",
    }
    auditor = web.post(
        "/admin/users/u-9/roles",
        data={"csrf_token": csrf_of(web), "role": "auditor", "unit_id": "stp-01"},
    )
    assert auditor.status_code == 302
    sent = [s for s in fake_api.seen if s["path"] == "/identity/users/u-9/roles"][-1]["json"]
    assert sent["scope"] == "national" and sent["scope_id"] is None


def test_deactivating_oneself_is_said_on_the_page(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    refusal = {"status": 409, "detail": "Bạn không thể tự khóa tài khoản của mình."}
    fake_api.json("POST", "/identity/users/u-9/deactivate", refusal, status=409)
    fake_api.json("GET", "/identity/users/u-9", USER)
    sign_in(web, "quantri")
    response = web.post("/admin/users/u-9/deactivate", data={"csrf_token": csrf_of(web)})
    assert response.headers["Location"] == "/admin/users/u-9"
    html = web.get("/admin/users/u-9").get_data(as_text=True)
    assert "Bạn không thể tự khóa tài khoản của mình." in html


def test_a_new_clients_secret_is_shown_once_and_kept_nowhere(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    created = {
        "client_id": "csdl-khen-thuong",
        "name": "CSDL",
        "scopes": ["awards:read"],
        "client_secret": "s3cret-s3cret",
        "is_active": True,
    }
    fake_api.json("POST", "/identity/clients", created, status=201)
    sign_in(web, "quantri")
    response = web.post(
        "/admin/clients",
        data={
            "csrf_token": csrf_of(web),
            "client_id": "csdl-khen-thuong",
            "name": "CSDL",
            "scopes": ["awards:read"],
        },
    )
    assert response.status_code == 201
    assert "s3cret-s3cret" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    with web.session_transaction() as session:
        assert "s3cret-s3cret" not in repr(dict(session))
    sent = [s for s in fake_api.seen if s["path"] == "/identity/clients"][-1]["json"]
    assert sent == {
        "client_id": "csdl-khen-thuong",
        "name": "CSDL",
        "scopes": ["awards:read"],
        "unit_id": None,
    }


def test_the_audit_filters_become_identitys_query(web: FlaskClient, fake_api: FakeApi) -> None:
    fake_api.json("GET", "/identity/me", me("kiemtoan", "auditor"))
    fake_api.json("GET", "/identity/users", page([{**USER, "username": "quantri", "id": "u-1"}]))
    fake_api.json("GET", "/identity/users/u-1", {**USER, "id": "u-1", "username": "quantri"})
    entry = {
        "id": 7,
        "at": "2026-12-01T03:00:00+00:00",
        "actor_id": "u-1",
        "action": "user.created",
        "outcome": "success",
        "target_type": "client",
        "target_id": "x",
        "details": {"username": "nguyen.moi"},
    }
    calls = recording(fake_api, "GET", "/identity/audit", page([entry]))
    sign_in(web, "kiemtoan")
    html = web.get(
        "/admin/audit?who=QuanTri&action=user.created&from=2026-12-01&to=2026-12-01"
    ).get_data(as_text=True)
    assert calls[-1] == {
        "page": "1",
        "page_size": "50",
        "action": "user.created",
        "actor_id": "u-1",
        "from": "2026-12-01T00:00:00+07:00",
        "to": "2026-12-02T00:00:00+07:00",  # the last day included: identity's is exclusive
    }
    assert "01/12/2026 10:00" in html and "username: nguyen.moi" in html
    unknown = web.get("/admin/audit?who=nobody").get_data(as_text=True)
    assert 'id="who-error"' in unknown and len(calls) == 1  # not asked without a match


def test_the_organisation_counts_units_and_names_successors(
    web: FlaskClient, fake_api: FakeApi
) -> None:
    fake_api.json("GET", "/identity/me", me("quantri", "system_admin"))
    old = {
        "id": "stp-79",
        "code": "STP-79",
        "kind": "so-tu-phap",
        "name": "Sở Tư pháp TP HCM cũ",
        "valid_from": None,
        "valid_to": "2025-06-30",
        "successor_id": "stp-79-2025",
        "children": [],
    }
    tree = [{**UNITS[0], "valid_from": None, "valid_to": None, "children": [old]}]
    calls = recording(fake_api, "GET", "/identity/org/tree", tree)
    sign_in(web, "quantri")
    html = web.get("/admin/org?as_of=2024-12-31").get_data(as_text=True)
    assert calls[-1] == {"as_of": "2024-12-31"}
    assert '<tr data-kind="so-tu-phap">' in html
    assert "Sở Tư pháp TP HCM" in html and "01/07/2025" in html
    wrong = web.get("/admin/org?as_of=31-12-2024").get_data(as_text=True)
    assert 'aria-invalid="true"' in wrong
