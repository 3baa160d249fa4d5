"""Fixtures every test folder shares (services/*/tests, kit, gateway and tests/)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from kit.app import create_app
from kit.service import Service
from tests.support import infra
from tests.support.stack import Stack
from tests.support.tokens import TEST_KEYS

# Identity encrypts its signing keys; tests (and the processes they start) share one passphrase.
os.environ.setdefault("IDENTITY_KEY_PASSPHRASE", "tests-only-passphrase")


@pytest.fixture(params=["embedded", "infra"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """Run the test on SQLite + the local bus, and again on PostgreSQL + RabbitMQ."""
    if request.param == "infra":
        infra.require()
    s = Stack(request.param, tmp_path / "stack")
    try:
        yield s
    finally:
        s.close()


def service_app(stack: Stack, service: Service) -> Flask:
    """The service's real app factory, on the stack's database and bus, migrated."""
    stack.prepare(service)
    app = create_app(service, stack.settings(service.name), keys=TEST_KEYS)
    app.config["TESTING"] = True
    return app
