"""The web application's settings, read once from the environment.

The embedded mode (``make up``, the tests) is the one without ``WEB_SECRET_KEY``: the key is
made once under ``var/web/`` and shared by every worker process, and the session cookie is not
``Secure`` because the browser talks plain HTTP to 127.0.0.1. A deployment sets
``WEB_SECRET_KEY`` (or ``WEB_SECRET_KEY_FILE``, the path of a mounted Secret, kit.config.secret)
and the cookie is ``Secure``; a container whose root filesystem is read-only and that forgot
the key stops at start-up instead of quietly running with a key nobody else has.
``WEB_COOKIE_SECURE=0`` keeps a configured key but a plain-HTTP cookie (docker compose on a
laptop); nothing else should need it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kit.config import secret, var_dir

DEFAULT_API_URL = "http://127.0.0.1:8080/api/v1"


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return None
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, not {raw!r}")


def embedded_secret_key(folder: Path) -> str:
    """The embedded mode's key: created once (atomically, so two workers starting together
    agree on it) and read by every later start, so a restart keeps people signed in."""
    path = folder / "secret-key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        candidate = folder / f".secret-key.{os.getpid()}"
        candidate.write_text(secrets.token_urlsafe(48))
        try:
            os.link(candidate, path)  # fails if another process made it first: keep theirs
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    """Where the API is, how long to wait for it, and how the session cookie is kept."""

    api_url: str  # the gateway's /api/v1, without a trailing slash
    secret_key: str
    embedded: bool  # no WEB_SECRET_KEY: the cookie is not Secure (plain HTTP on 127.0.0.1)
    connect_timeout: float
    read_timeout: float
    ready_timeout: float
    pool_size: int
    cookie_secure: bool | None = None  # WEB_COOKIE_SECURE; None: Secure unless embedded

    @property
    def secure_cookies(self) -> bool:
        return (not self.embedded) if self.cookie_secure is None else self.cookie_secure

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        key = (secret(env, "WEB_SECRET_KEY") or "").strip()  # or WEB_SECRET_KEY_FILE
        embedded = not key
        if embedded:
            key = embedded_secret_key(var_dir() / "web")
        elif len(key) < 32:
            raise ValueError("WEB_SECRET_KEY must be at least 32 characters long")
        return cls(
            api_url=(env.get("WEB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            secret_key=key,
            embedded=embedded,
            connect_timeout=_seconds(env, "WEB_API_CONNECT_TIMEOUT", 2.0),
            read_timeout=_seconds(env, "WEB_API_READ_TIMEOUT", 20.0),
            ready_timeout=_seconds(env, "WEB_READY_TIMEOUT", 1.5),
            pool_size=int(_seconds(env, "WEB_API_POOL_SIZE", 10)),
            cookie_secure=_flag(env, "WEB_COOKIE_SECURE"),
        )
