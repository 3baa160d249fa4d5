"""Verified tokens remembered by the gateway (gateway.auth.VerifiedTokens): checked once, and
still refused the moment ``kit.auth.verify`` would refuse them; and the in-memory rate limit
storage, which counts without threads of its own."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway import auth as gateway_auth
from gateway import ratelimit
from gateway.auth import VerifiedTokens
from gateway.config import SERVICES
from gateway.ratelimit import LocalMovingWindow
from gateway.tests.conftest import JwksServer, MakeGateway, Servers, assert_problem, echo_service
from kit import auth as kit_auth
from kit.auth import LEEWAY_SECONDS, InvalidToken, StaticKeys
from tests.support.tokens import KID, PRIVATE_KEY, bearer, mint


def _counting_verify(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the full verifications VerifiedTokens asks kit.auth for."""
    calls: list[str] = []
    real = gateway_auth.verify

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(gateway_auth, "verify", counted)
    return calls


def _tokens(size: int = 16) -> VerifiedTokens:
    keys = StaticKeys({KID: PRIVATE_KEY.public_key()})
    return VerifiedTokens(keys, issuer=kit_auth.issuer(), audience=kit_auth.audience(), size=size)


def test_a_token_is_verified_once_and_then_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_verify(monkeypatch)
    tokens = _tokens()
    token = mint("officer-1")
    first, again = tokens.verify(token), tokens.verify(token)
    assert first == again and first.subject == "officer-1"
    assert len(calls) == 1


def test_the_least_recently_used_token_is_forgotten_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_verify(monkeypatch)
    tokens = _tokens(size=2)
    a, b, c = mint("a"), mint("b"), mint("c")
    for token in (a, b, a, c, a, b):
        tokens.verify(token)
    # a stays (used last but one each time), b is pushed out by c and verified again.
    assert calls == [a, b, c, b]
    assert len(tokens) == 2


def test_with_no_room_every_request_is_verified(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_verify(monkeypatch)
    tokens = _tokens(size=0)
    token = mint()
    tokens.verify(token)
    tokens.verify(token)
    assert len(calls) == 2 and len(tokens) == 0


def test_refused_tokens_are_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _counting_verify(monkeypatch)
    tokens = _tokens()
    forged = mint(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.verify(forged)
    assert len(calls) == 2 and len(tokens) == 0


def test_a_remembered_token_is_refused_once_it_expires(
    gateway: MakeGateway, servers: Servers
) -> None:
    url = servers.start(echo_service().app).url
    client = gateway(dict.fromkeys(SERVICES, url), signed_in=False)
    # Expired two seconds short of the leeway: accepted now, refused two seconds from now.
    now = int(time.time())
    token = bearer(mint(lifetime=0, exp=now - LEEWAY_SECONDS + 2))
    assert client.get("/api/v1/scoring/rounds", headers=token).status_code == 200
    assert client.get("/api/v1/scoring/rounds", headers=token).status_code == 200

    time.sleep(max(0.0, now + 2.1 - time.time()))
    refused = client.get("/api/v1/scoring/rounds", headers={**token, "Accept-Language": "en"})
    body = assert_problem(refused, 401, "unauthorized")
    assert "expired" in body["detail"]


def test_a_remembered_token_is_refused_once_identity_withdraws_its_key(
    gateway: MakeGateway, servers: Servers, jwks: JwksServer
) -> None:
    url = servers.start(echo_service().app).url
    client = gateway(
        dict.fromkeys(SERVICES, url),
        signed_in=False,
        GATEWAY_JWKS_TTL="0.5",
        GATEWAY_JWKS_COOLDOWN="0.5",
    )
    token = bearer(mint())
    assert client.get("/api/v1/awards/nominations", headers=token).status_code == 200

    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with jwks.lock:
        jwks.keys.clear()  # identity rotated, and no longer serves the old key
    jwks.publish("rotated-1", rotated.public_key())
    time.sleep(0.6)  # the keys the gateway holds are now stale: it asks identity again

    refused = client.get("/api/v1/awards/nominations", headers={**token, "Accept-Language": "en"})
    body = assert_problem(refused, 401, "unauthorized")
    assert "signing key" in body["detail"]
    new = bearer(mint(key=rotated, kid="rotated-1"))
    assert client.get("/api/v1/awards/nominations", headers=new).status_code == 200


def test_the_memory_storage_counts_without_starting_threads() -> None:
    storage = LocalMovingWindow()
    threads_before = threading.active_count()
    hits = [storage.acquire_entry("k", 50, 60) for _ in range(60)]
    assert hits == [True] * 50 + [False] * 10  # a refused hit is not counted
    assert storage.get_moving_window("k", 50, 60)[1] == 50
    assert threading.active_count() == threads_before


def test_the_memory_storage_forgets_keys_whose_hits_have_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = LocalMovingWindow()
    assert storage.acquire_entry("old", 5, 1)
    assert storage.acquire_entry("new", 5, 60)
    later = time.time() + 2
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    monkeypatch.setattr(ratelimit, "SWEEP_SECONDS", 0.0)
    assert storage.get_moving_window("old", 5, 1)[1] == 0  # its hit left the window
    assert storage.acquire_entry("new", 5, 60)  # the sweep runs with this hit
    assert storage.reset() == 1  # "old" is gone, "new" stays
