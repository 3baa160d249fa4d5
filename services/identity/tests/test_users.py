"""Users, roles and API clients: per-object authorisation across two provinces, validation
that changes nothing, self-service refusals, history kept on revoke, events and audit.

Org units are created here directly (vu-tdkt, stp-01 Hà Nội, stp-79 Hồ Chí Minh City, and
stp-02, closed by a merger), not through the reference loader.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conftest import service_app
from kit.app import runtime
from kit.auth import Principal
from kit.db import utcnow
from kit.events.tables import outbox
from services.identity.api import audit as audit_api
from services.identity.api import clients as clients_api
from services.identity.api import users as users_api
from services.identity.domain import clients, passwords, users
from services.identity.models import (
    ApiClient,
    AuditEntry,
    OrgUnit,
    OrgUnitVersion,
    RefreshToken,
    Region,
    RegionMember,
    RoleAssignment,
    User,
)
from services.identity.service import SERVICE
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import as_role, unit_officer

MINE = [users_api.blueprint, audit_api.blueprint, clients_api.blueprint]
IDENTITY = dataclasses.replace(
    SERVICE, blueprints=[*SERVICE.blueprints, *(b for b in MINE if b not in SERVICE.blueprints)]
)

STRONG = "trống đồng Ngọc Lũ 1893"  # 12+ characters, not common, Vietnamese letters
REGION = "2025-dong-nam-bo"

UNITS = [
    # id, kind, province, name, valid_to
    ("vu-tdkt", "department", None, "Vụ Thi đua - Khen thưởng", None),
    ("stp-01", "so-tu-phap", "01", "Sở Tư pháp thành phố Hà Nội", None),
    ("stp-79", "so-tu-phap", "79", "Sở Tư pháp Thành phố Hồ Chí Minh", None),
    ("stp-02", "so-tu-phap", "02", "Sở Tư pháp tỉnh Hà Giang", date(2025, 6, 30)),
]


# -- helpers shared with the other test modules ---------------------------------------------


def use_cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id at the smallest cost: API tests need not spend 0.1 s per hash."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


def seed_org(app: Flask) -> None:
    with app.app_context(), runtime().db.transaction() as session:
        for unit_id, kind, province, _, valid_to in UNITS:
            session.add(
                OrgUnit(
                    id=unit_id,
                    code=unit_id,
                    kind=kind,
                    province_code=province,
                    valid_from=None,
                    valid_to=valid_to,
                    created_at=utcnow(),
                )
            )
        session.flush()
        for unit_id, _, _, name, _ in UNITS:
            session.add(OrgUnitVersion(unit_id=unit_id, valid_from=None, name=name))
        session.add(
            Region(
                id=REGION,
                year=2025,
                code="dong-nam-bo",
                name="Khu vực thi đua các tỉnh miền Đông Nam Bộ",
                lead_unit_id="stp-79",
                members=[RegionMember(unit_id="stp-79")],
            )
        )


def identity_app(stack: Stack) -> Flask:
    app = service_app(stack, IDENTITY)
    seed_org(app)
    return app


@pytest.fixture
def app(stack: Stack) -> Flask:
    return identity_app(stack)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def admin(subject: str = "admin-1") -> dict[str, str]:
    return as_role("system_admin", subject=subject)


def unit_admin(unit: str, subject: str | None = None) -> dict[str, str]:
    return as_role("unit_admin", "unit", unit, unit=unit, subject=subject)


def new_user(
    client: FlaskClient,
    unit: str,
    username: str | None = None,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "username": username or f"u{uuid.uuid4().hex[:8]}",
        "full_name": "Nguyễn Văn An",
        "unit_id": unit,
        **fields,
    }
    response = client.post("/users", json=body, headers=headers or admin())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def grant(
    client: FlaskClient, user_id: str, role: str, scope: str, scope_id: str | None = None
) -> dict[str, Any]:
    body = {"role": role, "scope": scope, "scope_id": scope_id}
    response = client.post(f"/users/{user_id}/roles", json=body, headers=admin())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def envelopes(app: Flask) -> list[dict[str, Any]]:
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        return [json.loads(r) for r in rows]


def audit_entries(app: Flask, **where: Any) -> list[AuditEntry]:
    with app.app_context(), runtime().db.read() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(session.execute(query).scalars())


def count(app: Flask, model: Any) -> int:
    with app.app_context(), runtime().db.read() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def load_user(app: Flask, user_id: str) -> User:
    with app.app_context(), runtime().db.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def principal(subject: str = "admin-1") -> Principal:
    from kit.auth import Grant

    return Principal(
        subject=subject,
        kind="user",
        token_id="t",
        expires_at=utcnow() + timedelta(minutes=5),
        grants=(Grant("system_admin", "national", valid_from=date(2020, 1, 1)),),
    )


# -- creating users --------------------------------------------------------------------------


def test_admin_creates_a_user_with_event_and_audit(app: Flask, client: FlaskClient) -> None:
    headers = {**admin(), "X-Request-ID": "req-create-1", "X-Real-IP": "203.0.113.9"}
    response = client.post(
        "/users",
        json={
            "username": "Nguyen.Van.An",
            "full_name": "Nguyễn Văn An",
            "email": "an@stp.hanoi.gov.vn",
            "unit_id": "stp-01",
            "password": STRONG,
        },
        headers=headers,
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["username"] == "nguyen.van.an"
    assert created["has_password"] is True
    assert created["is_active"] is True
    assert created["roles"] == []
    assert created["lockout"] == {
        "failures": 0,
        "blocked_until": None,
        "locked": False,
        "last_failure_at": None,
    }
    assert "password" not in created and "password_hash" not in created
    assert "$argon2" not in response.text

    stored = load_user(app, created["id"])
    assert stored.password_hash.startswith("$argon2id$")
    assert passwords.verify_password(stored.password_hash, STRONG)

    [event] = envelopes(app)
    assert_valid_event(event)
    assert event["type"] == "identity.user.created"
    assert event["subject"] == f"user/{created['id']}"
    assert event["data"] == {
        "schema_version": 1,
        "user_id": created["id"],
        "unit_id": "stp-01",
        "username": "nguyen.van.an",
        "roles": [],
        "email": "an@stp.hanoi.gov.vn",
    }
    assert event["correlationid"] == "req-create-1"

    [entry] = audit_entries(app, action="user.created")
    assert (entry.actor_id, entry.outcome, entry.target_id) == ("admin-1", "success", created["id"])
    assert (entry.request_id, entry.source_address) == ("req-create-1", "203.0.113.9")
    assert entry.details["has_password"] is True
    assert STRONG not in json.dumps(entry.details)


def test_unit_admin_creates_users_only_in_its_own_unit(app: Flask, client: FlaskClient) -> None:
    hanoi = unit_admin("stp-01", subject="hn-admin")
    new_user(client, "stp-01", "hn.officer", headers=hanoi)
    refused = client.post(
        "/users",
        json={"username": "hcm.officer", "full_name": "Trần Thị B", "unit_id": "stp-79"},
        headers=hanoi,
    )
    assert refused.status_code == 403
    assert (
        client.post(
            "/users",
            json={"username": "x.officer", "full_name": "Lê C", "unit_id": "stp-01"},
            headers=unit_officer("stp-01"),
        ).status_code
        == 403
    )
    assert count(app, User) == 1
    denied = audit_entries(app, outcome="denied")
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in denied] == [
        ("user.created", "hn-admin", "unit", "stp-79"),
        ("user.created", "unit_officer-stp-01", "unit", "stp-01"),
    ]


def test_invalid_user_is_refused_with_field_errors_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(
        "/users",
        json={
            "username": "Bad Name!",
            "full_name": "  ",
            "unit_id": "stp-02",  # closed by the 2025 merger
            "password": "matkhau123456",
        },
        headers={**admin(), "Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) == {"username", "full_name", "unit_id", "password"}
    assert any("common" in m for m in errors["password"])

    vietnamese = client.post(
        "/users",
        json={"username": "okname", "full_name": "A", "unit_id": "stp-01", "password": "ngắn"},
        headers=admin(),
    )
    assert vietnamese.status_code == 422
    assert vietnamese.get_json()["errors"]["password"] == ["Mật khẩu phải có ít nhất 12 ký tự."]

    shape = client.post("/users", json={"username": "ab", "unit_id": 5}, headers=admin())
    assert shape.status_code == 422
    assert set(shape.get_json()["errors"]) == {"username", "full_name", "unit_id"}

    assert count(app, User) == 0
    assert envelopes(app) == []
    assert audit_entries(app) == []


def test_usernames_are_unique_whatever_their_case(app: Flask, client: FlaskClient) -> None:
    new_user(client, "stp-01", "tran.b")
    again = client.post(
        "/users",
        json={"username": "TRAN.B", "full_name": "Trần B", "unit_id": "stp-79"},
        headers=admin(),
    )
    assert again.status_code == 409
    with app.app_context(), runtime().db.read() as session:
        assert users.find_by_username(session, " Tran.B ").username == "tran.b"
        assert users.find_by_username(session, "nobody") is None


# -- per-object authorisation across two provinces ------------------------------------------


def _manage_calls(user_id: str, assignment_id: str, unit: str) -> list[tuple[str, str, Any]]:
    return [
        ("PATCH", f"/users/{user_id}", {"full_name": "Tên mới"}),
        ("PUT", f"/users/{user_id}/password", {"password": STRONG}),
        (
            "POST",
            f"/users/{user_id}/roles",
            {"role": "unit_admin", "scope": "unit", "scope_id": unit},
        ),
        ("DELETE", f"/users/{user_id}/roles/{assignment_id}", None),
        ("POST", f"/users/{user_id}/unlock", None),
        ("POST", f"/users/{user_id}/deactivate", None),
        ("POST", f"/users/{user_id}/reactivate", None),
    ]


def _call(client: FlaskClient, method: str, path: str, body: Any, headers: dict[str, str]):
    return client.open(path, method=method, json=body, headers=headers)


def _snapshot(client: FlaskClient, user_id: str) -> dict[str, Any]:
    return client.get(f"/users/{user_id}", headers=admin()).get_json()


def test_unit_admin_of_hanoi_cannot_touch_a_hcmc_user_on_any_endpoint(
    app: Flask, client: FlaskClient
) -> None:
    hcm = new_user(client, "stp-79", "hcm.user")
    hcm_role = grant(client, hcm["id"], "unit_officer", "unit", "stp-79")
    before, events_before = _snapshot(client, hcm["id"]), len(envelopes(app))
    hanoi = unit_admin("stp-01", subject="hn-admin")

    assert client.get(f"/users/{hcm['id']}", headers=hanoi).status_code == 404
    calls = _manage_calls(hcm["id"], hcm_role["id"], "stp-79")
    for method, path, body in calls:
        response = _call(client, method, path, body, hanoi)
        assert response.status_code == 404, (method, path, response.get_json())
        assert response.get_json()["type"] == "urn:thidua:problem:not-found"
    assert _snapshot(client, hcm["id"]) == before
    assert len(envelopes(app)) == events_before

    denied = audit_entries(app, outcome="denied")
    assert len(denied) == len(calls)
    assert {e.actor_id for e in denied} == {"hn-admin"}
    assert {e.target_id for e in denied} == {hcm["id"]}
    assert {e.details["reason"] for e in denied} == {"not_visible"}
    assert [e.action for e in denied] == [
        "user.updated",
        "user.password_set",
        "role.assigned",
        "role.revoked",
        "lockout.unlocked",
        "user.deactivated",
        "user.reactivated",
    ]
    # A user that does not exist is a plain 404, not an audited refusal.
    assert client.get(f"/users/{uuid.uuid4()}", headers=hanoi).status_code == 404


def test_unit_admin_manages_users_of_its_own_unit(app: Flask, client: FlaskClient) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    hn_role = grant(client, hn["id"], "unit_officer", "unit", "stp-01")
    hanoi = unit_admin("stp-01", subject="hn-admin")
    assert client.get(f"/users/{hn['id']}", headers=hanoi).status_code == 200
    expected = [200, 204, 201, 204, 200, 200, 200]
    for (method, path, body), status in zip(
        _manage_calls(hn["id"], hn_role["id"], "stp-01"), expected, strict=True
    ):
        response = _call(client, method, path, body, hanoi)
        assert response.status_code == status, (method, path, response.get_json())
    assert audit_entries(app, outcome="denied") == []
    after = _snapshot(client, hn["id"])
    assert after["full_name"] == "Tên mới"
    assert after["is_active"] is True
    assert {(r["role"], r["revoked_by"]) for r in after["roles"]} == {
        ("unit_officer", "hn-admin"),
        ("unit_admin", None),
    }


def test_readers_get_403_when_they_see_the_user_and_404_when_they_do_not(
    app: Flask, client: FlaskClient
) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    hn_role = grant(client, hn["id"], "unit_officer", "unit", "stp-01")
    for reader in (as_role("ministry_officer"), as_role("auditor")):
        assert client.get(f"/users/{hn['id']}", headers=reader).status_code == 200
        for method, path, body in _manage_calls(hn["id"], hn_role["id"], "stp-01"):
            response = _call(client, method, path, body, reader)
            assert response.status_code == 403, (method, path)
    officer = unit_officer("stp-01")  # may not read users, even of its own unit
    assert client.get(f"/users/{hn['id']}", headers=officer).status_code == 404
    for method, path, body in _manage_calls(hn["id"], hn_role["id"], "stp-01"):
        assert _call(client, method, path, body, officer).status_code == 404, (method, path)
    assert client.get("/users", headers=officer).status_code == 403
    assert client.get(f"/users/{hn['id']}").status_code == 401


def test_lists_show_only_what_the_caller_may_see(client: FlaskClient) -> None:
    new_user(client, "stp-01", "an.hn", full_name="Nguyễn Văn An", email="an@hanoi.gov.vn")
    new_user(client, "stp-01", "binh.hn", full_name="Trần Bình")
    new_user(client, "stp-79", "an.hcm", full_name="Lê Văn An")

    def names(headers: dict[str, str], query: str = "") -> list[str]:
        page = client.get(f"/users{query}", headers=headers)
        assert page.status_code == 200, page.get_json()
        return [u["username"] for u in page.get_json()["items"]]

    assert names(admin()) == ["an.hcm", "an.hn", "binh.hn"]
    assert names(as_role("auditor")) == ["an.hcm", "an.hn", "binh.hn"]
    assert names(unit_admin("stp-01")) == ["an.hn", "binh.hn"]
    assert names(unit_admin("stp-01"), "?unit_id=stp-79") == []
    assert names(admin(), "?unit_id=stp-79") == ["an.hcm"]
    assert names(admin(), "?q=An") == ["an.hcm", "an.hn"]
    assert names(admin(), "?q=hanoi.gov") == ["an.hn"]
    assert names(admin(), "?q=%25") == []  # LIKE wildcards are literal
    page = client.get("/users?page=2&page_size=2", headers=admin()).get_json()
    assert (page["total"], [u["username"] for u in page["items"]]) == (3, ["binh.hn"])


def test_a_unit_admin_cannot_manage_a_user_holding_higher_roles(
    app: Flask, client: FlaskClient
) -> None:
    boss = new_user(client, "stp-01", "sysadmin.hn")
    grant(client, boss["id"], "system_admin", "national")
    hanoi = unit_admin("stp-01", subject="hn-admin")
    assert client.get(f"/users/{boss['id']}", headers=hanoi).status_code == 200
    taken_over = client.put(
        f"/users/{boss['id']}/password", json={"password": STRONG}, headers=hanoi
    )
    assert taken_over.status_code == 403
    assert client.post(f"/users/{boss['id']}/deactivate", headers=hanoi).status_code == 403
    assert load_user(app, boss["id"]).password_hash is None
    [denied] = audit_entries(app, outcome="denied", action="user.password_set")
    assert denied.details["reason"] == "outranked"


# -- roles -------------------------------------------------------------------------------------


def test_unit_admin_grants_only_unit_roles_in_its_own_unit(app: Flask, client: FlaskClient) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    hanoi = unit_admin("stp-01", subject="hn-admin")

    def post(body: dict[str, Any]):
        return client.post(f"/users/{hn['id']}/roles", json=body, headers=hanoi)

    ok = post({"role": "unit_officer", "scope": "unit", "scope_id": "stp-01"})
    assert ok.status_code == 201
    assert ok.get_json()["granted_by"] == "hn-admin"
    assert post({"role": "ministry_officer", "scope": "national"}).status_code == 403
    assert post({"role": "unit_admin", "scope": "unit", "scope_id": "stp-79"}).status_code == 403
    assert post({"role": "unit_officer", "scope": "unit", "scope_id": "stp-01"}).status_code == 409
    assert [e.action for e in audit_entries(app, outcome="denied")] == ["role.assigned"] * 2
    roles = _snapshot(client, hn["id"])["roles"]
    assert [(r["role"], r["scope_id"]) for r in roles] == [("unit_officer", "stp-01")]


def test_invalid_grants_are_422_with_field_errors_and_change_nothing(
    app: Flask, client: FlaskClient
) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    events_before = len(envelopes(app))
    cases = [
        ({"role": "unit_officer", "scope": "national"}, "scope"),
        ({"role": "region_lead", "scope": "unit", "scope_id": "stp-01"}, "scope"),
        ({"role": "region_lead", "scope": "region", "scope_id": "2025-nowhere"}, "scope_id"),
        ({"role": "unit_officer", "scope": "unit", "scope_id": "stp-99"}, "scope_id"),
        ({"role": "unit_officer", "scope": "unit", "scope_id": "stp-02"}, "scope_id"),
        ({"role": "unit_officer", "scope": "unit"}, "scope_id"),
        ({"role": "auditor", "scope": "national", "scope_id": "stp-01"}, "scope_id"),
        ({"role": "emperor", "scope": "national"}, "role"),
        (
            {
                "role": "auditor",
                "scope": "national",
                "valid_from": "2026-01-01",
                "valid_to": "2025-12-31",
            },
            "valid_to",
        ),
    ]
    for body, field in cases:
        response = client.post(f"/users/{hn['id']}/roles", json=body, headers=admin())
        assert response.status_code == 422, body
        assert list(response.get_json()["errors"]) == [field], (body, response.get_json())
    assert count(app, RoleAssignment) == 0
    assert len(envelopes(app)) == events_before
    assert audit_entries(app, action="role.assigned") == []


def test_region_lead_is_granted_in_an_existing_region(app: Flask, client: FlaskClient) -> None:
    lead = new_user(client, "stp-79", "lead.hcm")
    granted = grant(client, lead["id"], "region_lead", "region", REGION)
    assert (granted["scope"], granted["scope_id"]) == ("region", REGION)
    event = envelopes(app)[-1]
    assert_valid_event(event)
    assert event["data"]["roles"] == [
        {
            "role": "region_lead",
            "scope": "region",
            "scope_id": REGION,
            "valid_from": granted["valid_from"],
        }
    ]


def test_nobody_grants_revokes_or_deactivates_themselves(app: Flask, client: FlaskClient) -> None:
    me = new_user(client, "stp-01", "hn.admin")
    mine = grant(client, me["id"], "unit_admin", "unit", "stp-01")
    headers = unit_admin("stp-01", subject=me["id"])
    body = {"role": "unit_officer", "scope": "unit", "scope_id": "stp-01"}
    assert client.post(f"/users/{me['id']}/roles", json=body, headers=headers).status_code == 409
    assert (
        client.delete(f"/users/{me['id']}/roles/{mine['id']}", headers=headers).status_code == 409
    )
    assert client.post(f"/users/{me['id']}/deactivate", headers=headers).status_code == 409
    own = client.put(f"/users/{me['id']}/password", json={"password": STRONG}, headers=headers)
    assert own.status_code == 409
    # As a system administrator too. The role must really be held: a token carrying a role
    # identity says the user does not hold is refused outright (kit.principals).
    grant(client, me["id"], "system_admin", "national")
    system = admin(subject=me["id"])
    assert client.post(f"/users/{me['id']}/deactivate", headers=system).status_code == 409
    after = _snapshot(client, me["id"])
    assert after["is_active"] is True
    assert [r["revoked_at"] for r in after["roles"]] == [None, None]


def test_revoking_keeps_the_assignment_as_history(app: Flask, client: FlaskClient) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    officer = grant(client, hn["id"], "unit_officer", "unit", "stp-01")
    headers = {**admin(), "X-Request-ID": "req-revoke"}
    path = f"/users/{hn['id']}/roles/{officer['id']}"
    assert client.delete(path, headers=headers).status_code == 204
    assert client.delete(path, headers=headers).status_code == 204  # idempotent
    [role] = _snapshot(client, hn["id"])["roles"]
    assert role["id"] == officer["id"]
    assert role["revoked_by"] == "admin-1"
    assert role["revoked_at"] is not None
    assert users.grants_of(load_user(app, hn["id"]), date.today()) == []

    changes = [e for e in envelopes(app) if e["type"] == "identity.user.roles_changed"]
    assert len(changes) == 2  # the grant and one revoke
    for event in changes:
        assert_valid_event(event)
    assert changes[-1]["data"]["roles"] == []
    [revoked] = audit_entries(app, action="role.revoked")
    assert (revoked.request_id, revoked.details["assignment_id"]) == ("req-revoke", officer["id"])
    other = new_user(client, "stp-01", "other.user")
    assert (
        client.delete(f"/users/{other['id']}/roles/{officer['id']}", headers=admin()).status_code
        == 404
    )


def test_grants_of_gives_the_assignments_in_force_on_a_day(app: Flask) -> None:
    with app.app_context(), runtime().db.transaction() as session:
        user = users.create_user(
            session,
            principal(),
            username="dated",
            full_name="Phạm D",
            email=None,
            unit_id="stp-01",
            password=None,
        )
        users.assign_role(
            session, principal(), user.id, "unit_officer", "unit", "stp-01",
            date.today(), date.today() + timedelta(days=30),
        )  # fmt: skip
        later = users.assign_role(
            session, principal(), user.id, "unit_admin", "unit", "stp-01",
            date.today() + timedelta(days=10), None,
        )  # fmt: skip
        user_id = user.id
    user = load_user(app, user_id)
    today = date.today()
    assert [g.role for g in users.grants_of(user, today)] == ["unit_officer"]
    assert {g.role for g in users.grants_of(user, today + timedelta(days=15))} == {
        "unit_officer",
        "unit_admin",
    }
    assert [g.role for g in users.grants_of(user, today + timedelta(days=31))] == ["unit_admin"]
    claim = next(
        g for g in users.grants_of(user, today + timedelta(days=15)) if g.role == "unit_admin"
    )
    assert claim.as_claim() == {
        "role": "unit_admin",
        "scope": "unit",
        "scope_id": "stp-01",
        "valid_from": later.valid_from.isoformat(),
    }


# -- deactivation and passwords ------------------------------------------------------------------


def test_deactivate_and_reactivate_emit_valid_events(app: Flask, client: FlaskClient) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    grant(client, hn["id"], "unit_officer", "unit", "stp-01")
    off = client.post(f"/users/{hn['id']}/deactivate", headers=admin())
    assert (off.status_code, off.get_json()["is_active"]) == (200, False)
    assert client.post(f"/users/{hn['id']}/deactivate", headers=admin()).status_code == 200
    on = client.post(f"/users/{hn['id']}/reactivate", headers=admin())
    assert (on.status_code, on.get_json()["is_active"]) == (200, True)

    types = [e["type"] for e in envelopes(app)]
    assert types == [
        "identity.user.created",
        "identity.user.roles_changed",
        "identity.user.deactivated",
        "identity.user.reactivated",
    ]
    for event in envelopes(app):
        assert_valid_event(event)
        assert "password" not in json.dumps(event["data"])
    assert [e.action for e in audit_entries(app, target_id=hn["id"])] == [
        "user.created",
        "role.assigned",
        "user.deactivated",
        "user.reactivated",
    ]


def test_admin_sets_a_password_under_the_policy_and_ends_sessions(
    app: Flask, client: FlaskClient
) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    with app.app_context(), runtime().db.transaction() as session:
        session.add(
            RefreshToken(
                id=str(uuid.uuid4()),
                family_id=str(uuid.uuid4()),
                user_id=hn["id"],
                token_hash="0" * 64,
                issued_at=utcnow(),
                expires_at=utcnow() + timedelta(days=7),
            )
        )
    weak = client.put(
        f"/users/{hn['id']}/password",
        json={"password": "HN.USER.123456"},
        headers={**admin(), "Accept-Language": "en"},
    )
    assert weak.status_code == 422
    assert weak.get_json()["errors"] == {
        "password": ["The password must not contain the username."]
    }
    assert load_user(app, hn["id"]).password_hash is None

    ok = client.put(f"/users/{hn['id']}/password", json={"password": STRONG}, headers=admin())
    assert ok.status_code == 204
    stored = load_user(app, hn["id"])
    assert passwords.verify_password(stored.password_hash, STRONG)
    assert stored.password_changed_at is not None
    with app.app_context(), runtime().db.read() as session:
        [token] = session.execute(select(RefreshToken)).scalars()
        assert token.revoked_at is not None
    [entry] = audit_entries(app, action="user.password_set")
    assert entry.details == {"by_admin": True}
    assert _snapshot(client, hn["id"])["has_password"] is True


def test_self_service_password_change_goes_through_the_domain(app: Flask) -> None:
    """/me (the lead's) calls set_password with the user as actor, after checking the old one."""
    client = app.test_client()
    hn = new_user(client, "stp-01", "hn.user")
    me = dataclasses.replace(principal(hn["id"]), grants=())
    with app.app_context(), runtime().db.transaction() as session:
        users.set_password(session, me, hn["id"], STRONG)
    assert passwords.verify_password(load_user(app, hn["id"]).password_hash, STRONG)


def test_patch_validates_and_audits(app: Flask, client: FlaskClient) -> None:
    hn = new_user(client, "stp-01", "hn.user")
    bad = client.patch(f"/users/{hn['id']}", json={"email": "not-an-address"}, headers=admin())
    assert bad.status_code == 422
    assert list(bad.get_json()["errors"]) == ["email"]
    assert client.patch(f"/users/{hn['id']}", json={"id": "x"}, headers=admin()).status_code == 422
    ok = client.patch(f"/users/{hn['id']}", json={"email": "moi@hanoi.gov.vn"}, headers=admin())
    assert ok.get_json()["email"] == "moi@hanoi.gov.vn"
    [entry] = audit_entries(app, action="user.updated")
    assert entry.details == {"fields": ["email"]}


# -- API clients -------------------------------------------------------------------------------


def test_clients_are_for_system_admins_and_show_their_secret_once(
    app: Flask, client: FlaskClient
) -> None:
    body = {
        "client_id": "csdl-khen-thuong",
        "name": "Cơ sở dữ liệu quốc gia về thi đua, khen thưởng",
        "scopes": ["awards:read", "identity:read"],
    }
    for other in (unit_admin("stp-01"), as_role("ministry_officer"), as_role("auditor")):
        assert client.post("/clients", json=body, headers=other).status_code == 403
        assert client.get("/clients", headers=other).status_code == 403
    created = client.post("/clients", json=body, headers=admin())
    assert created.status_code == 201
    answer = created.get_json()
    secret = answer["client_secret"]
    assert len(secret) >= 43
    assert answer["scopes"] == ["awards:read", "identity:read"]
    listed = client.get("/clients", headers=admin())
    assert secret not in listed.text and "client_secret" not in listed.text
    assert "$argon2" not in listed.text
    assert listed.get_json()["items"][0]["client_id"] == "csdl-khen-thuong"
    assert client.post("/clients", json=body, headers=admin()).status_code == 409

    with app.app_context(), runtime().db.read() as session:
        assert clients.authenticate_client(session, "csdl-khen-thuong", secret) is not None
        assert clients.authenticate_client(session, "csdl-khen-thuong", secret + "x") is None
        assert clients.authenticate_client(session, "nobody", secret) is None
        stored = session.get(ApiClient, "csdl-khen-thuong")
        assert stored.secret_hash.startswith("$argon2id$")

    off = client.post("/clients/csdl-khen-thuong/deactivate", headers=admin())
    assert (off.status_code, off.get_json()["is_active"]) == (200, False)
    with app.app_context(), runtime().db.read() as session:
        assert clients.authenticate_client(session, "csdl-khen-thuong", secret) is None
    assert client.post("/clients/nope/deactivate", headers=admin()).status_code == 404
    actions = [(e.action, e.outcome) for e in audit_entries(app, target_type="client")]
    assert actions.count(("client.created", "success")) == 1
    assert actions.count(("client.created", "denied")) == 3
    assert ("client.deactivated", "success") in actions


def test_invalid_clients_are_422_and_change_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/clients",
        json={"client_id": "Bad Id", "name": " ", "scopes": ["awards:delete"], "unit_id": "stp-99"},
        headers=admin(),
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"client_id", "name", "scopes", "unit_id"}
    empty = client.post("/clients", json={"client_id": "abc", "name": "A", "scopes": []},
                        headers=admin())  # fmt: skip
    assert empty.status_code == 422
    assert count(app, ApiClient) == 0
