"""Token verification as every service and the gateway do it (kit.auth)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from kit import auth
from tests.support.tokens import KID, PRIVATE_KEY, TEST_KEYS, mint


def _unsigned(header: dict, claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_a_good_token_yields_its_principal() -> None:
    principal = auth.verify(mint("u-1", unit="stp-01"), TEST_KEYS)
    assert (principal.subject, principal.unit_id, principal.kind) == ("u-1", "stp-01", "user")


def test_alg_none_and_hs256_keyed_with_the_public_key_are_refused() -> None:
    now = int(time.time())
    claims = {
        "iss": auth.issuer(),
        "aud": auth.audience(),
        "sub": "x",
        "jti": "j",
        "iat": now,
        "exp": now + 60,
    }
    with pytest.raises(auth.InvalidToken, match="algorithm"):
        auth.verify(_unsigned({"alg": "none", "kid": KID}, claims), TEST_KEYS)
    public_pem = PRIVATE_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    unsigned = _unsigned({"alg": "HS256", "kid": KID, "typ": "JWT"}, claims).rstrip(".")
    mac = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    forged = f"{unsigned}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(auth.InvalidToken, match="algorithm"):
        auth.verify(forged, TEST_KEYS)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not yet valid"),
        ({"iat": int(time.time()) + 600}, "not yet valid"),
        ({"iss": "urn:someone-else"}, "issuer"),
        ({"aud": "urn:someone-else"}, "audience"),
    ],
)
def test_time_and_audience_claims_are_enforced(overrides: dict, reason: str) -> None:
    with pytest.raises(auth.InvalidToken, match=reason):
        auth.verify(mint("u-1", **overrides), TEST_KEYS)


def test_an_unknown_key_id_is_refused() -> None:
    with pytest.raises(auth.InvalidToken, match="unknown signing key"):
        auth.verify(mint("u-1", kid="someone-elses-key"), TEST_KEYS)


def test_jwks_cache_refetches_unknown_kids_once_per_cooldown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key()))
    documents = [{"keys": [{**jwk, "kid": KID}]}]
    cache = auth.JwksCache(
        "http://identity/jwks", ttl=300, cooldown=30, fetch=lambda url, timeout: documents[-1]
    )
    assert cache.key(KID) is not None
    for _ in range(20):
        assert cache.key("forged") is None
    assert cache.fetches == 1, "unknown kids within the cooldown cost no fetch"
    documents.append({"keys": [{**jwk, "kid": KID}, {**jwk, "kid": "rotated"}]})
    clock[0] += 31
    assert cache.key("rotated") is not None
    for _ in range(20):
        assert cache.key("forged") is None
    assert cache.fetches == 2


def test_jwks_cache_retries_quickly_until_identity_first_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key()))
    up = [False]

    def fetch(url: str, timeout: float) -> dict:
        if not up[0]:
            raise ConnectionError("identity is still starting")
        return {"keys": [{**jwk, "kid": KID}]}

    cache = auth.JwksCache("http://identity/jwks", cooldown=30, fetch=fetch)
    with pytest.raises(auth.KeysUnavailable) as unavailable:
        cache.key(KID)  # cannot tell: not a 401 that would make the client drop its token
    assert unavailable.value.retry_after == 1
    up[0] = True
    clock[0] += 1.5  # not the 30 s cooldown: no key was ever fetched
    assert cache.key(KID) is not None


def test_a_new_key_id_during_identitys_restart_waits_a_second_not_the_cooldown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The campaign's case: keys cached, identity restarts and comes back signing with a key
    the cache has never seen; the first fetch for it falls in the restart."""
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key()))
    state = {"up": True, "kids": [KID]}

    def fetch(url: str, timeout: float) -> dict:
        if not state["up"]:
            raise ConnectionError("identity is restarting")
        return {"keys": [{**jwk, "kid": kid} for kid in state["kids"]]}

    cache = auth.JwksCache("http://identity/jwks", ttl=300, cooldown=30, fetch=fetch)
    assert cache.key(KID) is not None
    clock[0] += 60
    state["up"] = False
    with pytest.raises(auth.KeysUnavailable):
        cache.key("new-key")
    assert cache.key(KID) is not None, "a key already known keeps working while identity is away"
    clock[0] += 0.5
    with pytest.raises(auth.KeysUnavailable):
        cache.key("new-key")  # within the retry interval: no fetch, still cannot tell
    fetches = cache.fetches
    state.update(up=True, kids=[KID, "new-key"])
    clock[0] += 1.0
    assert cache.key("new-key") is not None
    assert cache.fetches == fetches + 1
    assert cache.key("forged") is None, "identity answers again: an unknown kid is a 401"


def test_an_empty_key_set_is_not_taken_as_identitys_last_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE_KEY.public_key()))
    documents = [{"keys": []}]
    cache = auth.JwksCache(
        "http://identity/jwks", cooldown=30, fetch=lambda url, timeout: documents[-1]
    )
    with pytest.raises(auth.KeysUnavailable):
        cache.key(KID)  # identity answered before it had made its first key
    documents.append({"keys": [{**jwk, "kid": KID}]})
    clock[0] += 1.0
    assert cache.key(KID) is not None
