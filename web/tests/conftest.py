"""The web application's own tests: a real app in front of a fake platform API.

``fake_api`` is a small Flask app standing in for the gateway's ``/api/v1`` (served on a real
port, so the app's HTTP client is exercised as it is in production); each test sets the
answers it needs. The browser tests against the real platform are in tests/web/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from web.app import create_app
from web.i18n import compile_translations
from web.settings import Settings

SECRET = "unit-tests-only-secret-key-0123456789abcdefghij"
ME = {
    "id": "u-1",
    "kind": "user",
    "username": "stp.hanoi",
    "full_name": "Trần Thị Bình",
    "unit": {"id": "stp-01", "name": "Sở Tư pháp thành phố Hà Nội"},
    "roles": [{"role": "unit_officer", "scope": "unit", "scope_id": "stp-01"}],
}


@pytest.fixture(scope="session", autouse=True)
def _translations() -> None:
    compile_translations()


@dataclass
class FakeApi:
    """Routes (method, path) to a handler; records every request it answers."""

    app: Flask
    url: str = ""
    routes: dict[tuple[str, str], Callable[[], Any]] = field(default_factory=dict)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def on(self, method: str, path: str, handler: Callable[[], Any]) -> None:
        self.routes[(method, path)] = handler

    def json(self, method: str, path: str, body: Any, status: int = 200, **headers: str) -> None:
        def answer() -> Response:
            response = jsonify(body)
            response.status_code = status
            if status >= 400:
                response.content_type = "application/problem+json"
            response.headers.update(headers)
            return response

        self.on(method, path, answer)


def _tokens(n: int) -> dict[str, Any]:
    return {"access_token": f"access-{n}", "refresh_token": f"refresh-{n}", "expires_in": 900}


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    app = Flask("fake-api")
    api = FakeApi(app)

    @app.route("/api/v1/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def dispatch(path: str) -> Any:
        api.seen.append(
            {
                "method": request.method,
                "path": "/" + path,
                "headers": dict(request.headers),
                "form": request.form.to_dict(),
                "json": request.get_json(silent=True),
            }
        )
        handler = api.routes.get((request.method, "/" + path))
        if handler is None:
            response = jsonify({"type": "urn:thidua:problem:not-found", "status": 404})
            response.status_code = 404
            response.content_type = "application/problem+json"
            return response
        return handler()

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    issued = iter(range(1, 1000))
    api.on("POST", "/identity/oauth/token", lambda: jsonify(_tokens(next(issued))))
    api.json("GET", "/identity/me", ME)
    api.json("GET", "/scoring/rounds", [])
    api.json("GET", "/identity/announcements", {"items": [], "page": 1, "page_size": 5, "total": 0})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield api
    finally:
        server.shutdown()


@pytest.fixture
def web(fake_api: FakeApi) -> FlaskClient:
    """The web application, talking to the fake API."""
    settings = Settings(
        api_url=f"{fake_api.url}/api/v1",
        secret_key=SECRET,
        embedded=True,
        connect_timeout=2,
        read_timeout=5,
        ready_timeout=1,
        pool_size=4,
    )
    app = create_app(settings)
    app.config["TESTING"] = True
    return app.test_client()


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of the client's session (as the page's forms carry it)."""
    with client.session_transaction() as session:
        if "csrf" not in session:
            session["csrf"] = "test-csrf-token"
        return session["csrf"]


def sign_in(client: FlaskClient, username: str = "stp.hanoi") -> None:
    client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"username": username, "password": "secret", "csrf_token": csrf_of(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
