"""OAuth 2.0 tokens (RFC 6749): the password, refresh_token and client_credentials grants.

Access tokens are RS256 JWTs for 15 minutes carrying the caller's unit and its role grants
with their scopes and periods, so the gateway and every service authorise without calling
identity. Refresh tokens are random strings stored only as hashes; each use rotates it, and
presenting a used one again (a sign it was stolen) revokes its whole family.

Each grant returns a ``Result``: tokens, or an OAuth error. Failures are *returned*, not
raised, because what they record (a failed login, a revoked family) must be committed even
though the request fails.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kit import auth, dates
from kit.db import Database, utcnow
from services.identity.domain import audit, clients, keys, lockout, passwords, users
from services.identity.models import ApiClient, RefreshToken, RevokedAccessToken, User
from services.identity.settings import current as settings

REFRESH_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class OAuthError:
    """An RFC 6749 error, with the HTTP status and a Vietnamese/English description."""

    error: str
    description: tuple[str, str]
    status: int = 400
    retry_after: int | None = None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.scope is not None:
            body["scope"] = self.scope
        return body


Result = Tokens | OAuthError

INVALID_LOGIN = OAuthError(
    "invalid_grant", ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
)
INVALID_REFRESH = OAuthError(
    "invalid_grant",
    ("Mã làm mới không hợp lệ hoặc đã hết hạn.", "The refresh token is invalid or expired."),
)
INVALID_CLIENT = OAuthError(
    "invalid_client", ("Ứng dụng không được xác thực.", "Client authentication failed."), status=401
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sign(session: Session, claims: dict[str, Any]) -> str:
    key = keys.active_key(session)
    return auth.sign(claims, keys.private_key(key.kid, key.private_key_pem), key.kid)


def _base_claims(subject: str, kind: str) -> dict[str, Any]:
    now = int(utcnow().timestamp())
    return {
        "iss": settings().token_issuer,
        "aud": settings().token_audience,
        "sub": subject,
        "kind": kind,
        "iat": now,
        "nbf": now,
        "exp": now + auth.ACCESS_TOKEN_SECONDS,
        "jti": str(uuid.uuid4()),
    }


def access_token_for(session: Session, user: User, on: date | None = None) -> str:
    claims = _base_claims(user.id, "user")
    claims.update(
        unit=user.unit_id,
        name=user.full_name,
        username=user.username,
        roles=[g.as_claim() for g in users.grants_of(user, on or dates.today())],
    )
    return _sign(session, claims)


def _issue_for_user(session: Session, user: User, family_id: str | None = None) -> Tokens:
    refresh = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        RefreshToken(
            id=str(uuid.uuid4()),
            family_id=family_id or str(uuid.uuid4()),
            user_id=user.id,
            token_hash=_hash(refresh),
            issued_at=now,
            expires_at=now + REFRESH_LIFETIME,
        )
    )
    return Tokens(access_token_for(session, user), auth.ACCESS_TOKEN_SECONDS, refresh)


def password_grant(db: Database, username: str, password: str, address: str | None) -> Result:
    """Sign a user in. Unlike the other grants it takes the database, not a session: the
    argon2id check (a tenth of a second, on purpose) runs between two short transactions, so
    no write lock is held while it hashes and parallel sign-ins do not queue behind it."""
    username = username.strip().lower()
    blocked: lockout.LoginBlocked | None = None
    with db.read() as session:
        try:
            lockout.check(session, username, address)
        except lockout.LoginBlocked as error:
            blocked = error
        user = users.find_by_username(session, username)
        known_hash = user.password_hash if user else None
    valid = blocked is None and passwords.verify_password(known_hash, password)
    with db.transaction() as session:
        if blocked is not None:
            audit.record(
                session,
                "login.blocked",
                actor_id=None,
                outcome="denied",
                target_type="user",
                target_id=username,
                locked=blocked.locked,
            )
            return OAuthError(
                "invalid_grant",
                (
                    f"Đăng nhập tạm bị chặn; thử lại sau {blocked.retry_after_seconds} giây.",
                    f"Sign-in is blocked for now; try again in {blocked.retry_after_seconds} s.",
                ),
                status=429,
                retry_after=blocked.retry_after_seconds,
            )
        user = users.find_by_username(session, username)
        if user is None or not valid or not user.is_active or user.password_hash != known_hash:
            lockout.record_failure(session, username, address)
            audit.record(
                session,
                "login.failure",
                actor_id=user.id if user else None,
                outcome="failure",
                target_type="user",
                target_id=username,
                reason="inactive" if user and valid else "credentials",
            )
            return INVALID_LOGIN
        lockout.record_success(session, username, address)
        if passwords.needs_rehash(user.password_hash):  # type: ignore[arg-type]
            user.password_hash = passwords.hash_password(password)
        user.last_login_at = utcnow()
        audit.record(
            session, "login.success", actor_id=user.id, target_type="user", target_id=user.id
        )
        return _issue_for_user(session, user)


def refresh_grant(session: Session, refresh_token: str) -> Result:
    token = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token))
    ).scalar()
    if token is None:
        return INVALID_REFRESH
    now = utcnow()
    if token.used_at is not None or token.revoked_at is not None:
        # A used token presented again: whoever holds the family may be a thief. End it.
        revoke_family(session, token.family_id)
        audit.record(
            session,
            "token.reuse_detected",
            actor_id=token.user_id,
            outcome="denied",
            target_type="refresh_family",
            target_id=token.family_id,
        )
        return INVALID_REFRESH
    user = session.get(User, token.user_id)
    if token.expires_at <= now or user is None or not user.is_active:
        return INVALID_REFRESH
    token.used_at = now
    audit.record(
        session,
        "token.refreshed",
        actor_id=user.id,
        target_type="refresh_family",
        target_id=token.family_id,
    )
    return _issue_for_user(session, user, token.family_id)


def client_credentials_grant(
    session: Session, client_id: str, secret: str, requested_scope: str | None
) -> Result:
    client: ApiClient | None = clients.authenticate_client(session, client_id, secret)
    if client is None:
        audit.record(
            session,
            "client.auth_failure",
            actor_id=None,
            outcome="failure",
            target_type="client",
            target_id=client_id,
        )
        return INVALID_CLIENT
    allowed = set(client.scopes.split())
    wanted = set(requested_scope.split()) if requested_scope else allowed
    if not wanted <= allowed:
        return OAuthError(
            "invalid_scope",
            (
                f"Phạm vi không được cấp: {' '.join(sorted(wanted - allowed))}.",
                f"Scope not granted: {' '.join(sorted(wanted - allowed))}.",
            ),
        )
    claims = _base_claims(client.id, "client")
    claims.update(scope=" ".join(sorted(wanted)), name=client.name)
    if client.unit_id:
        claims["unit"] = client.unit_id
    audit.record(
        session,
        "client.token_issued",
        actor_id=client.id,
        target_type="client",
        target_id=client.id,
        scope=claims["scope"],
    )
    return Tokens(_sign(session, claims), auth.ACCESS_TOKEN_SECONDS, scope=claims["scope"])


def revoke_family(session: Session, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_refresh_token(session: Session, refresh_token: str) -> None:
    """RFC 7009: revoking a refresh token ends its family; an unknown token is not an error."""
    token = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == _hash(refresh_token))
    ).scalar()
    if token is not None:
        revoke_family(session, token.family_id)


def logout(session: Session, principal: auth.Principal, refresh_token: str | None) -> None:
    """End the session: the access token now, the refresh family so nothing new is issued."""
    session.merge(RevokedAccessToken(jti=principal.token_id, expires_at=principal.expires_at))
    if refresh_token:
        revoke_refresh_token(session, refresh_token)
    audit.record(
        session,
        "logout",
        actor_id=principal.subject,
        target_type="user",
        target_id=principal.subject,
    )


def is_revoked(session: Session, token_id: str) -> bool:
    return session.get(RevokedAccessToken, token_id) is not None
