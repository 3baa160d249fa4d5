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


def pytest_configure(config: pytest.Config) -> None:
    """A mistyped THIDUA_TEST_SERVERS stops the run here, not in the middle of it."""
    infra.mode()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Remove the test servers' containers (tests/support/infra.py), saying which ran."""
    containers = infra.started_servers()
    if containers:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"test servers in containers, now removed: {', '.join(containers)}")
    infra.stop_containers()


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
