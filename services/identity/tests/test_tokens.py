"""The token lifecycle: sign-in, claims, refresh rotation, reuse detection, logout, keys."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select, update

from kit import auth
from kit.app import database
from kit.db import utcnow
from services.identity.domain import keys, lockout
from services.identity.models import AuditEntry, SigningKey
from services.identity.tests.conftest import Identity


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jwks_keys(identity: Identity) -> auth.StaticKeys:
    body = identity.client().get("/.well-known/jwks.json").get_json()
    return auth.StaticKeys(auth.public_keys(body))


def test_sign_in_issues_a_verifiable_15_minute_token_with_unit_and_scoped_roles(
    identity: Identity,
) -> None:
    issued = identity.tokens("kv.dbbb")
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 900
    principal = auth.verify(issued["access_token"], jwks_keys(identity))
    claims = jwt.decode(issued["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert {"iss", "aud", "sub", "iat", "exp", "jti"} <= set(claims)
    assert jwt.get_unverified_header(issued["access_token"])["kid"]
    assert principal.unit_id == "stp-31-2025"
    [grant] = principal.grants
    assert (grant.role, grant.scope, grant.scope_id) == (
        "region_lead",
        "region",
        "2026-dong-bang-bac-bo",
    )


def test_wrong_password_is_an_oauth_error_and_is_audited(identity: Identity) -> None:
    response = identity.client().post(
        "/oauth/token",
        data={"grant_type": "password", "username": "hd.thanhvien", "password": "wrong-password-1"},
    )
    assert response.status_code == 400
    body = response.get_json()
    assert (body["error"], body["type"]) == ("invalid_grant", "urn:thidua:problem:bad-request")
    with identity.app.app_context(), database().read() as session:
        entry = (
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "login.failure", AuditEntry.target_id == "hd.thanhvien"
                )
            )
            .scalars()
            .first()
        )
    assert entry is not None and entry.outcome == "failure"


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family(
    identity: Identity,
) -> None:
    client = identity.client()
    first = identity.tokens("stp.hcm")
    second = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    ).get_json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]

    reused = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert reused.status_code == 400 and reused.get_json()["error"] == "invalid_grant"
    # The thief's use ended the family: the legitimate newest token is dead too.
    after = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
    )
    assert after.status_code == 400


def test_logout_ends_the_access_token_here_and_the_refresh_family(identity: Identity) -> None:
    client = identity.client()
    issued = identity.tokens("stp.hanoi")
    assert client.get("/me", headers=bearer(issued["access_token"])).status_code == 200
    out = client.post(
        "/logout",
        headers=bearer(issued["access_token"]),
        json={"refresh_token": issued["refresh_token"]},
    )
    assert out.status_code == 204
    signed_out = client.get("/me", headers=bearer(issued["access_token"]))
    assert signed_out.status_code == 401
    # A client learns from the header, as for any refused token, that it must sign in again.
    assert 'error="invalid_token"' in signed_out.headers["WWW-Authenticate"]
    refreshed = client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]},
    )
    assert refreshed.status_code == 400


def test_expired_and_foreign_tokens_are_refused(identity: Identity) -> None:
    client = identity.client()
    with identity.app.app_context(), database().transaction() as session:
        key = keys.active_key(session)
        signer = keys.private_key(key.kid, key.private_key_pem)
        now = int(time.time())
        base = {
            "iss": auth.issuer(),
            "aud": auth.audience(),
            "sub": "x",
            "jti": "j",
            "iat": now - 2000,
            "exp": now - 1000,
        }
        expired = auth.sign(base, signer, key.kid)
        wrong_audience = auth.sign(
            {**base, "exp": now + 600, "aud": "someone-else"}, signer, key.kid
        )
    for token, reason in ((expired, "expired"), (wrong_audience, "audience")):
        response = client.get("/me", headers=bearer(token))
        assert response.status_code == 401
        assert reason in response.get_json()["detail"]


def test_rotation_publishes_first_signs_later_and_keeps_old_tokens_valid(
    identity: Identity,
) -> None:
    client = identity.client()

    def published() -> set[str]:
        return {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}

    old = identity.tokens("hd.thanhvien")["access_token"]
    old_kid = jwt.get_unverified_header(old)["kid"]
    with identity.app.app_context(), database().transaction() as session:
        new_kid = keys.rotate(session, "test").kid
    # Published at once, but not signing yet: caches everywhere must see it first.
    assert {old_kid, new_kid} <= published()
    waiting = identity.tokens("hd.thanhvien")["access_token"]
    assert jwt.get_unverified_header(waiting)["kid"] == old_kid

    with identity.app.app_context(), database().transaction() as session:
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid == new_kid)
            .values(created_at=utcnow() - keys.PUBLISH_AHEAD - timedelta(seconds=1))
        )
    new = identity.tokens("hd.thanhvien")["access_token"]
    assert jwt.get_unverified_header(new)["kid"] == new_kid
    assert {old_kid, new_kid} <= published()
    assert client.get("/me", headers=bearer(old)).status_code == 200
    assert client.get("/me", headers=bearer(new)).status_code == 200

    # Once every token of the old key has expired, it leaves the JWKS.
    with identity.app.app_context(), database().transaction() as session:
        session.execute(
            update(SigningKey)
            .where(SigningKey.kid == old_kid)
            .values(retired_at=utcnow() - keys.VERIFY_AFTER_RETIREMENT - timedelta(seconds=1))
        )
    assert old_kid not in published()


def test_an_emergency_rotation_signs_with_the_new_key_at_once(identity: Identity) -> None:
    with identity.app.app_context(), database().transaction() as session:
        waiting = keys.rotate(session, "test").kid
        new_kid = keys.rotate(session, "test", now=True).kid
    published = {
        k["kid"] for k in identity.client().get("/.well-known/jwks.json").get_json()["keys"]
    }
    assert new_kid in published and waiting not in published, "a superseded next key is gone"
    token = identity.tokens("hd.thanhvien")["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == new_kid
    assert identity.client().get("/me", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({"grant_type": "implicit"}, 400, "unsupported_grant_type"),
        ({"grant_type": "password", "username": "bo.tdkt"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 400, "invalid_grant"),
        (
            {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
    ],
)
def test_bad_token_requests_get_rfc_6749_errors(
    identity: Identity, data: dict, status: int, error: str
) -> None:
    response = identity.client().post("/oauth/token", data=data)
    assert response.status_code == status
    assert response.get_json()["error"] == error
    assert response.headers["Cache-Control"] == "no-store"


def test_the_token_endpoint_takes_forms_not_json(identity: Identity) -> None:
    response = identity.client().post("/oauth/token", json={"grant_type": "password"})
    assert response.status_code == 415


def test_repeated_failures_slow_the_account_down_with_retry_after(identity: Identity) -> None:
    client = identity.client()
    form = {"grant_type": "password", "username": "kiemtoan", "password": "not-the-password"}
    statuses = [client.post("/oauth/token", data=form).status_code for _ in range(4)]
    assert statuses[:3] == [400, 400, 400]
    blocked = client.post("/oauth/token", data={**form, "password": "ThiDua-2026-demo"})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    with identity.app.app_context(), database().transaction() as session:
        lockout.unlock(session, "kiemtoan")
