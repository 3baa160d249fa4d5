"""The webhooks:manage scope opens notify's webhooks and feed, and nothing else, in the gateway
and in notify alike (kit.policy.missing_scope is the one rule both apply)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kit.auth import Principal
from kit.policy import missing_scope


def client(*scopes: str) -> Principal:
    return Principal("hr", "client", "jti", datetime.now(UTC), scopes=frozenset(scopes))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/webhooks/endpoints"),
        ("GET", "/webhooks/endpoints/3/deliveries"),
        ("DELETE", "/webhooks/endpoints/3"),
        ("GET", "/feed"),
    ],
)
def test_it_opens_the_webhook_paths_of_notify(method: str, path: str) -> None:
    assert missing_scope(client("webhooks:manage"), "notify", method, path) is None


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("notify", "GET", "/inbox"),
        ("notify", "GET", "/webhooksX"),
        ("notify", "POST", None),  # no path: no capability
        ("awards", "GET", "/webhooks/endpoints"),
        ("identity", "GET", "/feed"),
    ],
)
def test_it_opens_nothing_else(service: str, method: str, path: str | None) -> None:
    needed = missing_scope(client("webhooks:manage"), service, method, path)
    assert needed == f"{service}:{'read' if method == 'GET' else 'write'}"
