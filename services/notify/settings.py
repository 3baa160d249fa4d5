"""Notify's own settings, read with the kit's (``kit.config.Settings.from_env``) once, when the
app or a command starts; ``service.py`` names the class, so ``runtime().settings`` is one.

Each part of notify keeps its fields, and a function reading them, in its own section below
(webhooks; the people's inbox and e-mail), so they grow without touching each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kit.config import Settings, secret


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# -- webhooks


def read_webhooks(env: Mapping[str, str]) -> dict[str, Any]:
    """Embedded (no AMQP_URL) unless NOTIFY_WEBHOOK_EMBEDDED says otherwise."""
    return {
        "webhook_embedded": _flag(
            env.get("NOTIFY_WEBHOOK_EMBEDDED"),
            not (env.get("AMQP_URL") or env.get("AMQP_URL_FILE")),
        ),
        "webhook_timeout_s": float(env.get("NOTIFY_WEBHOOK_TIMEOUT") or 15),
        "webhook_response_cap": int(env.get("NOTIFY_WEBHOOK_RESPONSE_CAP") or 64 * 1024),
        "webhook_rate_per_s": float(env.get("NOTIFY_WEBHOOK_RATE") or 20),
        "feed_settle_s": float(env.get("NOTIFY_FEED_SETTLE") or 2),
    }


# -- people: e-mail, digest, reminders


def read_people(env: Mapping[str, str]) -> dict[str, Any]:
    """SMTP and the e-mail outbox (the embedded mode's local server on 127.0.0.1:8025)."""
    return {
        "smtp_host": env.get("NOTIFY_SMTP_HOST") or "127.0.0.1",
        "smtp_port": int(env.get("NOTIFY_SMTP_PORT") or 8025),
        # Either may be given as a file (NOTIFY_SMTP_PASSWORD_FILE: a mounted Secret), which
        # may be absent: a relay that asks for no login needs no Secret notify-smtp.
        "smtp_username": secret(env, "NOTIFY_SMTP_USERNAME", optional=True),
        "smtp_password": secret(env, "NOTIFY_SMTP_PASSWORD", optional=True),
        "smtp_security": (env.get("NOTIFY_SMTP_SECURITY") or "none").strip().lower(),
        "smtp_timeout_s": float(env.get("NOTIFY_SMTP_TIMEOUT") or 30),
        "mail_from": env.get("NOTIFY_MAIL_FROM") or "Thi đua <thidua@localhost>",
        "web_url": (env.get("NOTIFY_WEB_URL") or "http://127.0.0.1:8080").rstrip("/"),
        "mail_max_attempts": int(env.get("NOTIFY_MAIL_MAX_ATTEMPTS") or 8),
        "mail_backoff_s": float(env.get("NOTIFY_MAIL_BACKOFF") or 30),
        "mail_lease_s": float(env.get("NOTIFY_MAIL_LEASE") or 300),
        "digest_hour": int(env.get("NOTIFY_DIGEST_HOUR") or 7),
    }


@dataclass(frozen=True)
class NotifySettings(Settings):
    # -- webhooks
    # Embedded mode: http:// endpoints and loopback or private receivers are allowed.
    webhook_embedded: bool = True
    # Seconds a receiver has to answer one delivery attempt (connect, then each read).
    webhook_timeout_s: float = 15.0
    # Bytes of a receiver's answer read at most (the attempt log keeps the first 1 KiB).
    webhook_response_cap: int = 64 * 1024
    # Delivery attempts per second to one endpoint, at most.
    webhook_rate_per_s: float = 20.0
    # The feed leaves events younger than this for the next read (domain/feed.read says why).
    feed_settle_s: float = 2.0
    # -- people (docs/operations.md, "Configuration")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_security: str = "none"  # none | starttls | tls
    smtp_timeout_s: float = 30.0
    mail_from: str = "Thi đua <thidua@localhost>"
    # Where the links of e-mails point: the web application as its users reach it.
    web_url: str = "http://127.0.0.1:8080"
    # Attempts of one message before it is given up (failed); the first retry waits
    # mail_backoff_s, each next one twice as long (jittered), at most 6 hours.
    mail_max_attempts: int = 8
    mail_backoff_s: float = 30.0
    # A message left "sending" this long (its sender died) is marked uncertain, not resent.
    mail_lease_s: float = 300.0
    # The hour (Vietnam time, UTC+7) from which each day's digest is sent.
    digest_hour: int = 7

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {**read_webhooks(env), **read_people(env)}
