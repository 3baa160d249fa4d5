"""The RS256 keys identity signs access tokens with, and their rotation.

One key is ``active`` (it signs). Rotating adds a ``next`` key: published in the JWKS at once
but signing only once every JWKS cache has had time to see it (``PUBLISH_AHEAD``: the caches'
TTL plus their refetch cooldown), so no gateway or service ever meets a token whose key it
has not fetched. Then it becomes active and the old key ``previous``: it no longer signs but
stays in the JWKS until every token it signed has expired (the token lifetime plus the
verification leeway), then it is ``retired`` and leaves the JWKS. A rotation therefore never
invalidates a token early. ``rotate(now=True)`` skips the wait, for a compromised key.

The first key is made when identity starts (``publish_first_key``, from the app factory), not
at the first sign-in: a fresh platform's JWKS has a key before any token exists, so whatever
fetches the JWKS early (a gateway, a service, an external verifier) already holds the key of the
first token. With no token signed yet there is nothing to publish it ahead of, so it is active
at once. Several workers start together: the key is made under a lock (PostgreSQL: an
advisory lock; SQLite: the write lock of ``BEGIN IMMEDIATE``) and only where none is
published, so they agree on one.

Private keys are stored encrypted (PKCS#8, BestAvailableEncryption) with identity's
``key_passphrase`` setting (``IDENTITY_KEY_PASSPHRASE``); in embedded mode, without it, a
random passphrase is kept in the file ``key_passphrase_file`` under ``var/secrets`` (readable by
its owner only).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kit.auth import ACCESS_TOKEN_SECONDS, LEEWAY_SECONDS
from kit.db import Database, utcnow
from services.identity.domain import audit
from services.identity.models import SigningKey
from services.identity.settings import current as settings

log = logging.getLogger(__name__)

KEY_BITS = 2048
# How long a key stays published after it stopped signing.
VERIFY_AFTER_RETIREMENT = timedelta(seconds=ACCESS_TOKEN_SECONDS + LEEWAY_SECONDS)
# How long a new key is published before it signs: JWKS caches refresh within their TTL
# (300 s) and refetch unknown kids after a cooldown (30 s).
PUBLISH_AHEAD = timedelta(minutes=6)
# pg_advisory_xact_lock key serialising the transactions that make a first active key.
KEYS_LOCK = 0x7468696475616B  # "thiduak"


@cache
def _passphrase() -> bytes:
    value = settings().key_passphrase
    if value:
        return value.encode()
    path = settings().key_passphrase_file
    if not path.exists():
        # Workers starting together must not each write a passphrase of their own: the file
        # appears whole, once (a link fails where one exists), and every process reads it.
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
            log.warning("IDENTITY_KEY_PASSPHRASE is not set; using %s (embedded mode only)", path)
        except FileExistsError:
            pass  # another process made it first
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def _new_key(status: str) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = f"{utcnow():%Y%m%d}-{uuid.uuid4().hex[:8]}"
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid=kid, use="sig", alg="RS256")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    ).decode()
    return SigningKey(
        kid=kid, private_key_pem=pem, public_jwk=jwk, status=status, created_at=utcnow()
    )


def _lock_keys(session: Session) -> None:
    """Serialise the transactions that may make an active key (SQLite's already are)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEYS_LOCK})


def _active(session: Session) -> SigningKey | None:
    return session.execute(select(SigningKey).where(SigningKey.status == "active")).scalar()


def active_key(session: Session) -> SigningKey:
    """The signing key: made if there is none yet (identity makes it when it starts), and
    replaced by a ``next`` key whose time came."""
    _promote_due(session)
    key = _active(session)
    if key is None:
        _lock_keys(session)
        key = _active(session)  # made by another transaction while this one waited
    if key is None:
        key = _new_key("active")
        session.add(key)
        session.flush()
    return key


def publish_first_key(db: Database) -> SigningKey | None:
    """Make and publish the first signing key unless one is published; the key made, or None.

    Called as identity starts, by every worker at once: the RSA key is generated outside the
    transaction (it takes a while), then kept only if, under the lock, no key is published.
    """
    with db.read() as session:
        if published(session):
            return None
    candidate = _new_key("active")
    with db.transaction() as session:
        _lock_keys(session)
        if published(session):
            return None  # another worker's key won
        session.add(candidate)
    log.info("first signing key published", extra={"kid": candidate.kid})
    return candidate


def publish_at_start(db: Database) -> None:
    """``publish_first_key`` when identity starts; a database not there yet (migrations still
    running) only delays it to the first JWKS read or sign-in, it does not stop identity."""
    try:
        publish_first_key(db)
    except SQLAlchemyError:
        log.warning("could not publish a signing key at start; will on first use", exc_info=True)


def _promote_due(session: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    due = (
        session.execute(
            select(SigningKey)
            .where(SigningKey.status == "next", SigningKey.created_at <= now - PUBLISH_AHEAD)
            .order_by(SigningKey.created_at.desc())
        )
        .scalars()
        .first()
    )
    if due is not None:
        _make_active(session, due, now)


def _make_active(session: Session, key: SigningKey, now: datetime) -> None:
    for old in session.execute(select(SigningKey).where(SigningKey.status == "active")).scalars():
        old.status = "previous"
        old.retired_at = now
    key.status = "active"
    session.flush()


@cache
def private_key(kid: str, pem: str) -> Any:
    """The decrypted private key (decrypted once per process: it is slow on purpose)."""
    return serialization.load_pem_private_key(pem.encode(), password=_passphrase())


def rotate(session: Session, actor_id: str | None, now: bool = False) -> SigningKey:
    """Publish a new key that signs after ``PUBLISH_AHEAD`` (at once with ``now=True``)."""
    moment = utcnow()
    # A key still waiting to sign is superseded: it never signed, so it can simply go.
    for waiting in session.execute(select(SigningKey).where(SigningKey.status == "next")).scalars():
        waiting.status = "retired"
        waiting.retired_at = moment
    new = _new_key("next")
    session.add(new)
    session.flush()
    if now:
        _make_active(session, new, moment)
    retire_expired(session, moment)
    audit.record(
        session,
        "keys.rotated",
        actor_id=actor_id,
        target_type="signing_key",
        target_id=new.kid,
        immediate=now,
    )
    return new


def retire_expired(session: Session, now: datetime | None = None) -> None:
    """Previous keys whose last tokens have expired leave the JWKS."""
    now = now or utcnow()
    for key in session.execute(select(SigningKey).where(SigningKey.status == "previous")).scalars():
        if key.retired_at and now - key.retired_at > VERIFY_AFTER_RETIREMENT:
            key.status = "retired"


def published(session: Session) -> list[SigningKey]:
    """The keys in the JWKS: the next and active ones, and previous ones still verifying."""
    now = utcnow()
    keys = session.execute(
        select(SigningKey)
        .where(SigningKey.status.in_(("next", "active", "previous")))
        .order_by(SigningKey.created_at.desc())
    ).scalars()
    return [
        k
        for k in keys
        if k.status != "previous"
        or (k.retired_at and now - k.retired_at <= VERIFY_AFTER_RETIREMENT)
    ]


def every_key(session: Session) -> list[SigningKey]:
    return list(session.execute(select(SigningKey).order_by(SigningKey.created_at)).scalars())


def jwks(session: Session) -> dict[str, Any]:
    return {"keys": [k.public_jwk for k in published(session)]}


class DatabaseKeys:
    """Identity verifying its own tokens: the published keys, re-read every few seconds.

    A kid it does not know yet (a rotation a moment ago, possibly in another process) costs one
    primary-key lookup; the gateway in front already turns away kids identity never published.
    """

    def __init__(self, db: Database, ttl: float = 5.0) -> None:
        self.db = db
        self.ttl = ttl
        self._keys: dict[str, Any] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any | None:
        with self._lock:
            if time.monotonic() - self._read_at > self.ttl:
                with self.db.read() as session:
                    self._keys = {k.kid: _public(k) for k in published(session)}
                self._read_at = time.monotonic()
            if kid not in self._keys:
                with self.db.read() as session:
                    key = session.get(SigningKey, kid)
                    if key is not None and key in published(session):
                        self._keys[kid] = _public(key)
            return self._keys.get(kid)


def _public(key: SigningKey) -> Any:
    return RSAAlgorithm.from_jwk(json.dumps(key.public_jwk))
