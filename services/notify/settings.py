"""Notify's own settings, read with the kit's (``kit.config.Settings.from_env``) once, when the
app or a command starts; ``service.py`` names the class, so ``runtime().settings`` is one.

Each part of notify keeps its fields, and a function reading them, in its own section below
(webhooks; the people's inbox and e-mail), so they grow without touching each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kit.config import Settings


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# -- webhooks


def read_webhooks(env: Mapping[str, str]) -> dict[str, Any]:
    """Embedded (no AMQP_URL) unless NOTIFY_WEBHOOK_EMBEDDED says otherwise."""
    return {
        "webhook_embedded": _flag(env.get("NOTIFY_WEBHOOK_EMBEDDED"), not env.get("AMQP_URL")),
        "webhook_timeout_s": float(env.get("NOTIFY_WEBHOOK_TIMEOUT") or 15),
        "webhook_response_cap": int(env.get("NOTIFY_WEBHOOK_RESPONSE_CAP") or 64 * 1024),
        "webhook_rate_per_s": float(env.get("NOTIFY_WEBHOOK_RATE") or 20),
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

    @classmethod
    def read_own(cls, env: Mapping[str, str]) -> dict[str, Any]:
        return {**read_webhooks(env)}
