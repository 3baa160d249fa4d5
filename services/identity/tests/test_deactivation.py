"""Identity refuses a deactivated user's access token at once, and a withdrawn role's token,
on reads and writes alike; refresh tokens end with the deactivation (decision 0010).

Real tokens from the real token endpoint, on the package's identity (both stacks); every test
creates its own users, so the demo accounts stay as they are.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from kit import principals
from kit.app import database
from kit.auth import Principal
from services.identity.tests.conftest import Identity
from services.identity.tests.test_users import STRONG, use_cheap_hashing

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_hashing(monkeypatch)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def new_user(identity: Identity, *roles: tuple[str, str, str | None]) -> tuple[str, str, list[str]]:
    """A user of vu-tdkt with a password and these roles: (id, username, assignment ids)."""
    admin, client = identity.login("quantri"), identity.client()
    username = f"u{uuid.uuid4().hex[:10]}"
    body = {
        "username": username,
        "full_name": "Nguyễn Thị Thử",
        "unit_id": "vu-tdkt",
        "password": STRONG,
    }
    created = client.post("/users", json=body, headers=admin)
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    assignments = []
    for role, scope, scope_id in roles:
        granted = client.post(
            f"/users/{user_id}/roles",
            json={"role": role, "scope": scope, "scope_id": scope_id},
            headers=admin,
        )
        assert granted.status_code == 201, granted.get_json()
        assignments.append(granted.get_json()["id"])
    return user_id, username, assignments


def sign_in(identity: Identity, username: str) -> dict[str, Any]:
    return identity.tokens(username, STRONG)


def refresh(client: FlaskClient, refresh_token: str) -> Any:
    return client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )


def announce(client: FlaskClient, token: str) -> Any:
    return client.post(
        "/announcements",
        json={"title": "Thông báo thử", "body": "Nội dung thử."},
        headers=bearer(token),
    )


def assert_refused(response: Any, words: str) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.headers["Content-Type"] == PROBLEM
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    body = response.get_json()
    assert body["type"] == "urn:thidua:problem:unauthorized"
    assert words in body["detail"], body["detail"]


def next_second() -> None:
    """Tokens' ``iat`` is in whole seconds: one signed in the second of a deactivation counts as
    issued before it. A person takes longer than that to sign in again; a test waits."""
    time.sleep(1.05 - time.time() % 1)


def test_a_deactivated_users_token_is_refused_at_once_on_reads_and_writes(
    identity: Identity,
) -> None:
    client = identity.client()
    user_id, username, _ = new_user(identity, ("ministry_officer", "national", None))
    tokens = sign_in(identity, username)
    assert client.get("/me", headers=bearer(tokens["access_token"])).status_code == 200
    assert announce(client, tokens["access_token"]).status_code == 201
    published = len(identity.events("identity.announcement.published"))

    off = client.post(f"/users/{user_id}/deactivate", headers=identity.login("quantri"))
    assert off.status_code == 200

    assert_refused(client.get("/me", headers=bearer(tokens["access_token"])), "deactivated")
    assert_refused(announce(client, tokens["access_token"]), "deactivated")
    assert len(identity.events("identity.announcement.published")) == published
    vietnamese = client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert "vô hiệu hóa" in vietnamese.get_json()["detail"]
    # Nor can it get a new token, by refresh or by password.
    assert refresh(client, tokens["refresh_token"]).status_code == 400
    password = client.post(
        "/oauth/token",
        data={"grant_type": "password", "username": username, "password": STRONG},
    )
    assert password.status_code == 400


def test_a_reactivated_user_signs_in_again_and_old_sessions_stay_ended(
    identity: Identity,
) -> None:
    client, admin = identity.client(), identity.login("quantri")
    user_id, username, _ = new_user(identity, ("ministry_officer", "national", None))
    old = sign_in(identity, username)
    assert client.post(f"/users/{user_id}/deactivate", headers=admin).status_code == 200
    assert client.post(f"/users/{user_id}/reactivate", headers=admin).status_code == 200

    # What was issued before the deactivation stays dead: it may be why the account was closed.
    assert_refused(client.get("/me", headers=bearer(old["access_token"])), "before")
    assert refresh(client, old["refresh_token"]).status_code == 400

    next_second()
    new = sign_in(identity, username)
    assert client.get("/me", headers=bearer(new["access_token"])).status_code == 200
    assert announce(client, new["access_token"]).status_code == 201
    again = refresh(client, new["refresh_token"])
    assert again.status_code == 200
    assert client.get("/me", headers=bearer(again.get_json()["access_token"])).status_code == 200


def test_a_withdrawn_role_stops_granting_and_a_refresh_brings_the_current_roles(
    identity: Identity,
) -> None:
    client, admin = identity.client(), identity.login("quantri")
    user_id, username, (officer, _) = new_user(
        identity, ("ministry_officer", "national", None), ("auditor", "national", None)
    )
    tokens = sign_in(identity, username)
    assert announce(client, tokens["access_token"]).status_code == 201

    # A role granted does not disturb the token: everything it carries is still held.
    granted = client.post(
        f"/users/{user_id}/roles",
        json={"role": "council_member", "scope": "national"},
        headers=admin,
    )
    assert granted.status_code == 201
    assert client.get("/me", headers=bearer(tokens["access_token"])).status_code == 200

    revoked = client.delete(f"/users/{user_id}/roles/{officer}", headers=admin)
    assert revoked.status_code == 204
    assert_refused(client.get("/me", headers=bearer(tokens["access_token"])), "withdrawn")
    assert_refused(announce(client, tokens["access_token"]), "withdrawn")

    refreshed = refresh(client, tokens["refresh_token"])
    assert refreshed.status_code == 200
    token = refreshed.get_json()["access_token"]
    me = client.get("/me", headers=bearer(token))
    assert me.status_code == 200
    assert sorted(r["role"] for r in me.get_json()["roles"]) == ["auditor", "council_member"]
    assert announce(client, token).status_code == 403  # the officer's right is gone, honestly


def test_other_users_and_api_clients_are_not_affected(identity: Identity) -> None:
    client = identity.client()
    user_id, _, _ = new_user(identity, ("auditor", "national", None))
    off = client.post(f"/users/{user_id}/deactivate", headers=identity.login("quantri"))
    assert off.status_code == 200
    assert client.get("/me", headers=identity.login("kiemtoan")).status_code == 200
    # Only a user's token is the user's: an API client that happened to share the id is not.
    as_client = Principal(
        subject=user_id, kind="client", token_id="t", expires_at=datetime.max.replace(tzinfo=UTC)
    )
    with identity.app.app_context(), database().read() as session:
        assert principals.refusal(session, as_client) is None
