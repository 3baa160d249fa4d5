"""Access tokens for tests: a key pair of the tests' own, and tokens for typical callers.

Services under test take ``TEST_KEYS`` as their key source, so a test can act as any role in
any scope without going through identity (identity's own tests issue real tokens).
"""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from kit import auth
from kit.auth import Grant, StaticKeys

KID = "test-key-1"
PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TEST_KEYS = StaticKeys({KID: PRIVATE_KEY.public_key()})


# Modules keep tokens minted at import (``OFFICER = ministry_officer()``), and the whole suite
# runs longer than a real token lives (15 min): the tests' tokens live a working day unless a
# test asks for less (an expiry test passes ``lifetime``).
LIFETIME = 8 * 3600


def mint(
    subject: str = "user-1",
    *,
    unit: str | None = None,
    grants: tuple[Grant, ...] = (),
    kind: str = "user",
    scope: str = "",
    lifetime: int = LIFETIME,
    key: Any = PRIVATE_KEY,
    kid: str = KID,
    **claims: Any,
) -> str:
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": auth.issuer(),
        "aud": auth.audience(),
        "sub": subject,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "kind": kind,
        "roles": [g.as_claim() for g in grants],
    }
    if unit:
        body["unit"] = unit
    if scope:
        body["scope"] = scope
    body.update(claims)
    return auth.sign(body, key, kid)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_role(
    role: str,
    scope: str = "national",
    scope_id: str | None = None,
    unit: str = "vu-tdkt",
    subject: str | None = None,
) -> dict[str, str]:
    """Headers of a caller holding one role, in force since 2020."""
    grant = Grant(role=role, scope=scope, scope_id=scope_id, valid_from=date(2020, 1, 1))
    return bearer(mint(subject or f"{role}-{scope_id or 'all'}", unit=unit, grants=(grant,)))


def ministry_officer() -> dict[str, str]:
    return as_role("ministry_officer")


def unit_officer(unit: str) -> dict[str, str]:
    return as_role("unit_officer", "unit", unit, unit=unit)
