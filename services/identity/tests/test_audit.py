"""The audit log: entries carry the actor, the request id and the source address; auditors and
system admins read them with filters; everyone else gets 403. The source address is the
gateway's X-Real-IP only when the gateway (a trusted proxy) sent it: a direct caller cannot
choose the address it is recorded under."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kit.app import create_app
from kit.clientaddr import parse_networks
from kit.db import utcnow
from services.identity.tests.test_users import (
    IDENTITY,
    admin,
    grant,
    identity_app,
    new_user,
    seed_org,
    unit_admin,
    use_cheap_hashing,
)
from tests.support.stack import Stack
from tests.support.tokens import TEST_KEYS, as_role, unit_officer


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


@pytest.fixture
def app(stack: Stack) -> Flask:
    return identity_app(stack)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_entries_record_who_from_where_and_auditors_read_them(
    app: Flask, client: FlaskClient
) -> None:
    headers = {**admin("admin-7"), "X-Request-ID": "req-audit-42", "X-Real-IP": "203.0.113.42"}
    user = client.post(
        "/users",
        json={"username": "audited", "full_name": "Đỗ Thị E", "unit_id": "stp-79"},
        headers=headers,
    ).get_json()
    hanoi = {**unit_admin("stp-01", subject="hn-admin"), "X-Real-IP": "198.51.100.5"}
    assert client.post(f"/users/{user['id']}/deactivate", headers=hanoi).status_code == 404

    auditor = as_role("auditor")
    page = client.get("/audit", headers=auditor)
    assert page.status_code == 200
    entries = page.get_json()["items"]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("user.deactivated", "denied"),  # newest first
        ("user.created", "success"),
    ]
    denied, created = entries
    assert created["actor_id"] == "admin-7"
    assert created["request_id"] == "req-audit-42"
    assert created["source_address"] == "203.0.113.42"
    assert created["target_type"] == "user" and created["target_id"] == user["id"]
    assert created["details"]["username"] == "audited"
    assert (denied["actor_id"], denied["source_address"]) == ("hn-admin", "198.51.100.5")
    assert denied["target_id"] == user["id"]
    assert denied["details"]["status"] == 404
    assert len(denied["request_id"]) == 36  # generated when the caller sent none


def test_filters_narrow_the_log(client: FlaskClient) -> None:
    first = new_user(client, "stp-01", "first.user", headers=admin("admin-1"))
    second = new_user(client, "stp-79", "second.user", headers=admin("admin-2"))
    grant(client, second["id"], "unit_officer", "unit", "stp-79")  # by admin-1
    auditor = as_role("auditor")

    def actions(query: str) -> list[str]:
        response = client.get(f"/audit?{query}", headers=auditor)
        assert response.status_code == 200, response.get_json()
        return [e["action"] for e in response.get_json()["items"]]

    assert actions("action=user.created") == ["user.created", "user.created"]
    assert actions("actor_id=admin-1") == ["role.assigned", "user.created"]
    assert actions(f"target_id={second['id']}") == ["role.assigned", "user.created"]
    assert actions(f"target_id={first['id']}&outcome=success") == ["user.created"]
    assert actions("outcome=denied") == []
    past = quote((utcnow() - timedelta(hours=1)).isoformat())
    future = quote((utcnow() + timedelta(hours=1)).isoformat())
    assert len(actions(f"from={past}&to={future}")) == 3
    assert actions(f"from={future}") == []
    assert actions(f"to={past}") == []
    naive = (utcnow() - timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    assert len(actions(f"from={quote(naive)}")) == 3  # a time without a zone is UTC
    page = client.get("/audit?page=2&page_size=2", headers=auditor).get_json()
    assert (page["total"], len(page["items"])) == (3, 1)
    assert client.get("/audit?from=yesterday", headers=auditor).status_code == 422
    assert client.get("/audit?outcome=maybe", headers=auditor).status_code == 422


def test_only_auditors_and_system_admins_read_the_log(client: FlaskClient) -> None:
    new_user(client, "stp-01", "someone")
    assert client.get("/audit", headers=admin()).status_code == 200
    for other in (
        unit_officer("stp-01"),
        unit_admin("stp-01"),
        as_role("ministry_officer"),
        as_role("council_member"),
    ):
        refused = client.get("/audit", headers=other)
        assert refused.status_code == 403
        assert refused.get_json()["type"] == "urn:thidua:problem:forbidden"
        assert "someone" not in refused.text
    assert client.get("/audit").status_code == 401
    assert client.post("/audit", json={}, headers=as_role("auditor")).status_code == 405


FORGED = {"X-Real-IP": "198.51.100.99"}


def _from(app: Flask, address: str) -> FlaskClient:
    """A client whose connections come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _addresses(client: FlaskClient) -> dict[str, str]:
    """Action -> source address of the newest entry of each action."""
    entries = client.get("/audit?page_size=200", headers=as_role("auditor")).get_json()["items"]
    found: dict[str, str] = {}
    for entry in entries:
        found.setdefault(entry["action"], entry["source_address"])
    return found


def test_a_direct_caller_cannot_choose_the_address_it_is_recorded_under(app: Flask) -> None:
    direct = _from(app, "203.0.113.7")  # not a proxy of ours
    new_user(direct, "stp-01", "direct.caller", headers={**admin("admin-3"), **FORGED})
    failed = direct.post(
        "/oauth/token",
        data={"grant_type": "password", "username": "nobody.here", "password": "not-it-at-all"},
        headers=FORGED,
    )
    assert failed.status_code == 400

    recorded = _addresses(app.test_client())
    assert recorded["user.created"] == "203.0.113.7"
    assert recorded["login.failure"] == "203.0.113.7"  # and so the lockout counts that address


def test_the_gateways_address_header_is_believed_from_the_trusted_proxies_only(
    stack: Stack,
) -> None:
    stack.prepare(IDENTITY)
    settings = dataclasses.replace(
        stack.settings("identity"), trusted_proxies=parse_networks("10.0.0.0/8, 2001:db8::/32")
    )
    app = create_app(IDENTITY, settings, keys=TEST_KEYS)
    seed_org(app)

    new_user(_from(app, "10.1.2.3"), "stp-01", "via.gateway", headers={**admin("gw"), **FORGED})
    new_user(_from(app, "127.0.0.1"), "stp-01", "via.loopback", headers={**admin("lo"), **FORGED})
    new_user(_from(app, "2001:db8::7"), "stp-01", "via.ipv6", headers={**admin("v6"), **FORGED})

    entries = app.test_client().get("/audit", headers=as_role("auditor")).get_json()["items"]
    by_actor = {e["actor_id"]: e["source_address"] for e in entries}
    assert by_actor == {"gw": "198.51.100.99", "lo": "127.0.0.1", "v6": "198.51.100.99"}


def test_behind_the_embedded_gateway_the_clients_address_is_kept(app: Flask) -> None:
    """The gateway of ``make up`` runs on 127.0.0.1, which a service trusts by default."""
    new_user(_from(app, "127.0.0.1"), "stp-01", "behind.gateway", headers={**admin(), **FORGED})
    assert _addresses(app.test_client())["user.created"] == "198.51.100.99"
