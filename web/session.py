"""What the session cookie holds, and the one place that reads and writes it.

The cookie is Flask's: signed by the server (``WEB_SECRET_KEY``), HttpOnly, SameSite=Lax,
Secure outside the embedded mode (web.app). It holds only what the web application needs to
act for the user: the token pair, when the access token expires, who the user is (name, unit,
roles, for the header and the home page, so no page asks identity again), the CSRF token and
the chosen language. Nothing in it is trusted for authorisation: the platform checks the token
on every call.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, request, session

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_COOKIE = "thidua_lang"  # outlives the session: the sign-in page keeps the language


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # seconds since the epoch

    @classmethod
    def from_grant(cls, body: Mapping[str, Any]) -> Tokens:
        return cls(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=time.time() + int(body.get("expires_in", 900)),
        )


@dataclass(frozen=True)
class User:
    """The signed-in user as identity's ``/me`` described them at sign-in."""

    id: str
    username: str
    full_name: str
    unit_id: str | None
    unit_name: str | None
    roles: tuple[tuple[str, str, str | None], ...]  # (role, scope, scope_id)

    def has_role(self, *roles: str) -> bool:
        return any(role in roles for role, _, _ in self.roles)

    def scope_ids(self, role: str, scope: str) -> set[str]:
        return {sid for r, s, sid in self.roles if r == role and s == scope and sid}

    @property
    def national(self) -> bool:
        return any(scope == "national" for _, scope, _ in self.roles)


def tokens() -> Tokens | None:
    raw = session.get("tokens")
    if not raw:
        return None
    return Tokens(raw["a"], raw["r"], float(raw["e"]))


def store_tokens(value: Tokens) -> None:
    session["tokens"] = {"a": value.access_token, "r": value.refresh_token, "e": value.expires_at}


def begin(value: Tokens, me: Mapping[str, Any]) -> None:
    """Start a signed-in session (a fresh CSRF token too: none from before sign-in survives)."""
    language_ = session.get("lang")
    session.clear()
    if language_:
        session["lang"] = language_
    store_tokens(value)
    unit = me.get("unit") or {}
    session["user"] = {
        "id": me["id"],
        "username": me.get("username") or "",
        "full_name": me.get("full_name") or me.get("username") or "",
        "unit_id": unit.get("id"),
        "unit_name": unit.get("name"),
        "roles": [[r["role"], r["scope"], r.get("scope_id")] for r in me.get("roles", [])],
    }
    session["csrf"] = secrets.token_urlsafe(32)


def end(*, expired: bool = False) -> None:
    """Forget the user (keeping the language); ``expired`` says the platform ended it."""
    language_ = session.get("lang")
    session.clear()
    if language_:
        session["lang"] = language_
    if expired:
        session["expired"] = True


def had_session() -> bool:
    """Whether this browser was signed in and the session ended (rather than never began)."""
    return bool(session.get("expired")) or "tokens" in session


def user() -> User | None:
    if "user" not in g:
        raw = session.get("user")
        g.user = (
            User(
                id=raw["id"],
                username=raw["username"],
                full_name=raw["full_name"],
                unit_id=raw.get("unit_id"),
                unit_name=raw.get("unit_name"),
                roles=tuple((r[0], r[1], r[2]) for r in raw.get("roles", [])),
            )
            if raw and "tokens" in session
            else None
        )
    return g.user


def csrf_token() -> str:
    """This session's CSRF token (made on first use: the sign-in form needs one too)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def language() -> str:
    """The page's language: the user's choice, else Vietnamese (the platform's language)."""
    chosen = session.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def choose_language(value: str) -> None:
    if value in LANGUAGES:
        session["lang"] = value
