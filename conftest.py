"""Fixtures every test folder shares (services/*/tests, kit, gateway and tests/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import infra
from tests.support.stack import Stack


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
