"""The bearer token at the gateway: what is refused (401), what an API client may call (403),
which routes are public, and how identity's keys are fetched, cached and rotated."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient

from gateway.config import SERVICES
from gateway.tests.conftest import (
    JwksServer,
    MakeGateway,
    Servers,
    assert_problem,
    echo_service,
    metrics_text,
)
from gateway.tests.test_ops import _samples
from kit import auth
from tests.support.tokens import KID, PRIVATE_KEY, bearer, mint

OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": auth.issuer(),
        "aud": auth.audience(),
        "sub": "user-1",
        "iat": now,
        "exp": now + 900,
        "jti": "jti-1",
        "kind": "user",
        **changes,
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token() -> str:
    """``alg: none``: no signature at all."""
    return jwt.encode(_claims(), None, algorithm="none", headers={"kid": KID})


def hs256_keyed_with_the_public_key() -> str:
    """The classic confusion attack: HMAC keyed with the (public) RSA key's PEM text.

    PyJWT refuses to make one, so it is put together by hand, as an attacker would.
    """
    pem = PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _echo_gateway(
    gateway: MakeGateway, servers: Servers, **env: str
) -> tuple[FlaskClient, list[dict[str, Any]]]:
    echo = echo_service()
    url = servers.start(echo.app).url
    return gateway(dict.fromkeys(SERVICES, url), signed_in=False, **env), echo.seen


def test_a_valid_token_is_forwarded_unchanged_with_the_client_address(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(gateway, servers)
    token = mint("officer-1")

    response = client.get("/api/v1/scoring/results", headers=bearer(token))

    assert response.status_code == 200
    [request] = seen
    assert request["headers"]["Authorization"] == f"Bearer {token}"
    assert request["headers"]["X-Real-Ip"] == "127.0.0.1"


def _in(seconds: int) -> int:
    return int(time.time()) + seconds


# (what, the Authorization header, reason in the detail, metric label, WWW-Authenticate error);
# the headers are made when the test runs, so no token ages while the suite is collected.
REJECTED: list[tuple[str, Callable[[], str | None], str, str, str]] = [
    ("missing", lambda: None, "no bearer token", "missing_token", "missing_token"),
    (
        "not bearer",
        lambda: "Basic dXNlcjpwYXNz",
        "no bearer token",
        "missing_token",
        "missing_token",
    ),
    ("garbage", lambda: "Bearer not.a.jwt", "malformed token", "malformed", "invalid_token"),
    (
        "alg none",
        lambda: f"Bearer {unsigned_token()}",
        "'none' is not accepted",
        "algorithm",
        "invalid_token",
    ),
    (
        "HS256 keyed with the public key",
        lambda: f"Bearer {hs256_keyed_with_the_public_key()}",
        "'HS256' is not accepted",
        "algorithm",
        "invalid_token",
    ),
    (
        "expired",
        lambda: f"Bearer {mint(lifetime=-60)}",
        "token expired",
        "expired",
        "invalid_token",
    ),
    (
        "nbf beyond the leeway",
        lambda: f"Bearer {mint(nbf=_in(120))}",
        "token not yet valid",
        "not_yet_valid",
        "invalid_token",
    ),
    (
        "iat beyond the leeway",
        lambda: f"Bearer {mint(iat=_in(120))}",
        "token not yet valid",
        "not_yet_valid",
        "invalid_token",
    ),
    (
        "wrong issuer",
        lambda: f"Bearer {mint(iss='urn:evil')}",
        "wrong issuer",
        "wrong_issuer",
        "invalid_token",
    ),
    (
        "wrong audience",
        lambda: f"Bearer {mint(aud='urn:other')}",
        "wrong audience",
        "wrong_audience",
        "invalid_token",
    ),
    (
        "unknown kid",
        lambda: f"Bearer {mint(kid='nobody')}",
        "unknown signing key",
        "unknown_key",
        "invalid_token",
    ),
    (
        "another key",
        lambda: f"Bearer {mint(key=OTHER_KEY)}",
        "invalid token",
        "invalid",
        "invalid_token",
    ),
]


@pytest.mark.parametrize(
    ("authorization", "reason", "label", "error"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_a_request_without_a_valid_token_is_401_and_goes_nowhere(
    gateway: MakeGateway,
    servers: Servers,
    authorization: Callable[[], str | None],
    reason: str,
    label: str,
    error: str,
) -> None:
    client, seen = _echo_gateway(gateway, servers)
    failures = ("gateway_auth_failures_total", frozenset({("reason", label)}))
    before = _samples(metrics_text()).get(failures, 0.0)
    headers = {"Accept-Language": "en"}
    if (header := authorization()) is not None:
        headers["Authorization"] = header

    response = client.get("/api/v1/awards/decisions", headers=headers)

    body = assert_problem(response, 401, "unauthorized")
    assert reason in body["detail"]
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="thidua", error="{error}"'
    assert seen == []
    after = _samples(metrics_text())
    assert after[failures] - before == 1.0


def test_401_detail_is_in_vietnamese_by_default(gateway: MakeGateway) -> None:
    response = gateway(signed_in=False).get(
        "/api/v1/awards/decisions", headers=bearer(mint(lifetime=-60))
    )
    body = assert_problem(response, 401, "unauthorized")
    assert body["title"] == "Chưa xác thực"
    assert body["detail"] == "Mã truy cập không hợp lệ: token expired."


def test_public_routes_need_no_token(gateway: MakeGateway, servers: Servers) -> None:
    client, seen = _echo_gateway(gateway, servers)
    public = [
        ("POST", "/api/v1/identity/oauth/token"),
        ("POST", "/api/v1/identity/oauth/revoke"),
        ("GET", "/api/v1/identity/.well-known/jwks.json"),
        ("GET", "/api/v1/criteria/openapi.json"),
        ("GET", "/api/v1/notify/healthz"),
        ("GET", "/api/v1/awards/readyz"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/docs"),
    ]
    for method, path in public:
        assert client.open(path, method=method).status_code == 200, (method, path)
    forwarded = [(entry["method"], entry["raw_uri"]) for entry in seen]
    assert ("POST", "/oauth/token") in forwarded
    assert ("GET", "/.well-known/jwks.json") in forwarded


def test_paths_that_only_look_public_need_a_token(gateway: MakeGateway, servers: Servers) -> None:
    client, seen = _echo_gateway(gateway, servers)
    lookalikes = [
        ("GET", "/api/v1/identity/oauth/token"),  # the token endpoint is public for POST only
        ("POST", "/api/v1/identity/oauth/token/"),
        ("POST", "/api/v1/identity/oauth/token/../../users"),
        ("POST", "/api/v1/identity/x/..%2F..%2Foauth/token"),
        ("GET", "/api/v1/criteria/openapi.json/../criteria"),
        ("DELETE", "/api/v1/notify/healthz"),
        ("POST", "/api/v1/awards/oauth/token"),  # only identity's
    ]
    for method, path in lookalikes:
        assert_problem(client.open(path, method=method), 401, "unauthorized")
    assert seen == []


def test_an_api_client_calls_only_the_services_its_scopes_name(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, seen = _echo_gateway(gateway, servers)
    reader = bearer(mint("reporting-app", kind="client", scope="awards:read"))
    writer = bearer(mint("import-app", kind="client", scope="awards:write scoring:read"))
    refused = ("gateway_auth_failures_total", frozenset({("reason", "scope")}))
    before = _samples(metrics_text()).get(refused, 0.0)

    assert client.get("/api/v1/awards/decisions", headers=reader).status_code == 200
    assert client.head("/api/v1/awards/decisions", headers=reader).status_code == 200
    write = client.post("/api/v1/awards/decisions", json={}, headers=reader)
    body = assert_problem(write, 403, "forbidden")
    assert body["required_scope"] == "awards:write"
    assert 'error="insufficient_scope", scope="awards:write"' in write.headers["WWW-Authenticate"]
    other = client.get("/api/v1/identity/users", headers={**reader, "Accept-Language": "en"})
    body = assert_problem(other, 403, "forbidden")
    assert body["detail"] == (
        "This API client may not read from the identity service (it needs the scope identity:read)."
    )
    assert [entry["method"] for entry in seen] == ["GET", "HEAD"]

    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):  # write implies read
        assert client.open("/api/v1/awards/x", method=method, headers=writer).status_code == 200
    assert client.get("/api/v1/scoring/results", headers=writer).status_code == 200
    assert_problem(client.delete("/api/v1/scoring/results/1", headers=writer), 403, "forbidden")

    after = _samples(metrics_text())
    assert after[refused] - before == 3.0


def test_users_are_not_restricted_by_service_at_the_gateway(
    gateway: MakeGateway, servers: Servers
) -> None:
    client, _ = _echo_gateway(gateway, servers)
    user = bearer(mint("officer-2"))  # no OAuth scopes: services authorise users per object
    for service in SERVICES:
        assert client.post(f"/api/v1/{service}/things", json={}, headers=user).status_code == 200


def test_unknown_kids_cannot_make_the_gateway_hammer_identity(
    gateway: MakeGateway, jwks: JwksServer
) -> None:
    client = gateway(signed_in=False)
    app = client.application
    assert client.get("/api/v1/awards/x", headers=bearer(mint())).status_code == 503
    assert jwks.fetches == 1  # the first token fetched the keys

    def forge(worker: int) -> None:
        own = app.test_client()
        for attempt in range(10):
            token = mint(kid=f"forged-{worker}-{attempt}")
            assert own.get("/api/v1/awards/x", headers=bearer(token)).status_code == 401

    threads = [threading.Thread(target=forge, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert jwks.fetches == 1  # 40 unknown kids within the cooldown: not one more fetch


def test_a_new_key_is_accepted_once_the_cooldown_allows_a_refetch(
    gateway: MakeGateway, jwks: JwksServer
) -> None:
    client = gateway(signed_in=False, GATEWAY_JWKS_COOLDOWN="1.5")
    started = time.monotonic()
    assert client.get("/api/v1/awards/x", headers=bearer(mint())).status_code == 503

    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish("rotated-2", rotated.public_key())
    new_token = bearer(mint(key=rotated, kid="rotated-2"))
    assert_problem(client.get("/api/v1/awards/x", headers=new_token), 401, "unauthorized")
    assert jwks.fetches == 1  # identity was asked moments ago: not again yet

    time.sleep(max(0.0, started + 1.6 - time.monotonic()))
    assert client.get("/api/v1/awards/x", headers=new_token).status_code == 503  # let through
    assert client.get("/api/v1/awards/x", headers=bearer(mint())).status_code == 503
    assert jwks.fetches == 2


def test_a_token_is_not_refused_while_identitys_keys_cannot_be_fetched(
    gateway: MakeGateway, closed_url: str
) -> None:
    """Identity away (restarting): the gateway cannot tell a new key from a forged one, so the
    answer is 503 with Retry-After, which keeps the client's token, never 401."""
    client = gateway(signed_in=False, GATEWAY_JWKS_URL=f"{closed_url}/.well-known/jwks.json")
    answer = client.get("/api/v1/awards/x", headers=bearer(mint()))
    body = assert_problem(answer, 503, "service-unavailable")
    assert body["cause"] == "jwks_unreachable"
    assert int(answer.headers["Retry-After"]) >= 1
