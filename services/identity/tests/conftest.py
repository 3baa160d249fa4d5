"""An identity service with the real reference data and the demo accounts, per stack.

Built once per stack for the whole test package (loading 126 units, the mergers and 75
regions takes seconds); tests that change data change their own objects, never the shared
reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from kit.app import create_app, database
from kit.events.tables import outbox
from services.identity.domain import demo, reference
from services.identity.service import SERVICE
from tests.support import infra
from tests.support.stack import Stack


class Identity:
    def __init__(self, stack: Stack, app: Flask) -> None:
        self.stack = stack
        self.app = app

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def tokens(self, username: str, password: str = demo.PASSWORD) -> dict:
        response = self.client().post(
            "/oauth/token",
            data={"grant_type": "password", "username": username, "password": password},
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def login(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens(username)['access_token']}"}

    def events(self, event_type: str) -> list[dict]:
        with self.app.app_context(), database().read() as session:
            rows = session.execute(
                select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id)
            ).scalars()
            return [json.loads(r) for r in rows]


@pytest.fixture(scope="package", params=["embedded", "infra"])
def identity(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Identity]:
    if request.param == "infra":
        infra.require()
    stack = Stack(request.param, Path(tmp_path_factory.mktemp(f"identity-{request.param}")))
    try:
        stack.prepare(SERVICE)
        app = create_app(SERVICE, stack.settings("identity"))
        with app.app_context(), database().transaction() as session:
            reference.load(session, last_year=2027)
            demo.seed(session, year=2026)
        yield Identity(stack, app)
    finally:
        stack.close()
