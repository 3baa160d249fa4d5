"""Real upstreams for the gateway's tests: small WSGI apps and raw sockets on free ports.

The gateway is exercised through Flask's test client, but everything it does upstream goes
over real TCP connections, so pooling, timeouts and broken peers behave as in production. That
includes identity's JWKS: a small HTTP server serves the tests' public keys, and counts how
often the gateway asked for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import BaseWSGIServer, make_server

from gateway.app import create_app
from gateway.config import SERVICES
from kit.metrics import exposition
from tests.support.tokens import KID, PRIVATE_KEY, mint

PROBLEM = "application/problem+json"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


@dataclass
class Upstream:
    """A WSGI app served on 127.0.0.1 in a background thread (one connection per request)."""

    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Servers:
    def __init__(self) -> None:
        self.running: list[Upstream] = []

    def start(self, app: Any) -> Upstream:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        upstream = Upstream(server)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.running.append(upstream)
        return upstream

    def stop_all(self) -> None:
        for upstream in self.running:
            if upstream.server.socket.fileno() != -1:
                upstream.stop()


@pytest.fixture
def servers() -> Iterator[Servers]:
    s = Servers()
    try:
        yield s
    finally:
        s.stop_all()


@pytest.fixture
def closed_url() -> str:
    """An address where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _JwksHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: JwksServer = self.server  # type: ignore[assignment]
        with server.lock:
            server.fetches += 1
            body = json.dumps({"keys": list(server.keys.values())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class JwksServer(ThreadingHTTPServer):
    """Identity's ``/.well-known/jwks.json`` as the gateway sees it, with the tests' key."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _JwksHandler)
        self.lock = threading.Lock()
        self.fetches = 0
        self.keys: dict[str, dict[str, Any]] = {}
        self.publish(KID, PRIVATE_KEY.public_key())
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/.well-known/jwks.json"

    def publish(self, kid: str, public_key: Any) -> None:
        """Add a key, as identity does when it rotates."""
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        with self.lock:
            self.keys[kid] = {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.shutdown()
    server.server_close()


MakeGateway = Callable[..., FlaskClient]


@pytest.fixture
def gateway(
    monkeypatch: pytest.MonkeyPatch, closed_url: str, jwks: JwksServer
) -> Iterator[MakeGateway]:
    """Build the gateway with the given upstream URLs; the others point at a closed port.

    Its keys come from the ``jwks`` server, and its client sends a valid user token on every
    request unless ``signed_in=False`` (a request's own Authorization header wins). A metrics
    server it started (``GATEWAY_METRICS_PORT``) stops with the test.
    """
    made: list[Flask] = []

    def make(
        upstreams: dict[str, str] | None = None, *, signed_in: bool = True, **env: str
    ) -> FlaskClient:
        for name in list(os.environ):
            if name.startswith("GATEWAY_") or name in (
                "PROMETHEUS_MULTIPROC_DIR",
                "THIDUA_MAX_BODY_BYTES",
            ):
                monkeypatch.delenv(name)
        for name in SERVICES:
            url = (upstreams or {}).get(name, closed_url)
            monkeypatch.setenv(f"GATEWAY_UPSTREAM_{name.upper()}", url)
        monkeypatch.setenv("GATEWAY_JWKS_URL", jwks.url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = create_app()
        made.append(app)
        client = app.test_client(use_cookies=False)
        # As kit.serving frames every request (the length of the body it read), so that a
        # bodiless GET is the fast path's (gateway.fastpath), as in production.
        client.environ_base["CONTENT_LENGTH"] = "0"
        if signed_in:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {mint()}"
        return client

    yield make
    for app in made:
        if (server := app.extensions["gateway"].metrics) is not None:
            server.shutdown()
            server.server_close()


def metrics_text() -> str:
    """The gateway's metrics as its metrics port serves them (this process's registry)."""
    return exposition()[0].decode()


@dataclass
class Echo:
    """An upstream that answers with what it received, and a few special paths."""

    app: Flask
    seen: list[dict[str, Any]]


def echo_service(
    ready_status: int = 200, ready_delay: float = 0.0, slow_seconds: float = 2.0
) -> Echo:
    app = Flask("echo")
    seen: list[dict[str, Any]] = []

    def record() -> dict[str, Any]:
        entry = {
            "method": request.method,
            "raw_uri": request.environ.get("RAW_URI"),
            "query": request.query_string.decode(),
            "body": request.get_data(as_text=True),
            "headers": dict(request.headers),
        }
        seen.append(entry)
        return entry

    @app.get("/readyz")
    def ready() -> Response:
        record()
        time.sleep(ready_delay)
        return Response("{}", status=ready_status, mimetype="application/json")

    @app.get("/slow")
    def slow() -> Response:
        record()
        time.sleep(slow_seconds)
        return Response("late", mimetype="text/plain")

    @app.route("/", defaults={"path": ""}, methods=ALL_METHODS)
    @app.route("/<path:path>", methods=ALL_METHODS)
    def echo(path: str) -> Response:
        entry = record()
        status = int(request.headers.get("X-Answer-Status", "200"))
        response = Response(json.dumps(entry), status=status, mimetype="application/json")
        # "X-Answer-Header: Name: value | Name: value" asks for these headers in the answer.
        for header in request.headers.get("X-Answer-Header", "").split("|"):
            name, _, value = header.partition(":")
            if name.strip():
                response.headers.add(name.strip(), value.strip())
        return response

    return Echo(app, seen)


class _KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open after each answer

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.client_address[1]))  # type: ignore[attr-defined]
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class KeepAliveServer(ThreadingHTTPServer):
    """An upstream that, like gunicorn, keeps connections open between requests.

    (werkzeug's development server closes every connection after one answer.)
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.seen: list[tuple[str, int]] = []  # (path, client port) of each request
        self.connections: list[socket.socket] = []
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        self.connections.append(conn)
        return conn, address

    def stop(self) -> None:
        """Stop as a killed process would: the port closes and so do open connections."""
        self.shutdown()
        self.server_close()
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()


@pytest.fixture
def keep_alive_server() -> Iterator[KeepAliveServer]:
    server = KeepAliveServer()
    yield server
    if server.socket.fileno() != -1:
        server.stop()


class RawServer:
    """A TCP server that answers every connection with fixed bytes, then closes it."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.recv(65536)
                conn.sendall(self.answer)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes], RawServer]]:
    started: list[RawServer] = []

    def start(answer: bytes) -> RawServer:
        server = RawServer(answer)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """The response is problem+json of this status and type, with the request id in it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["type"] == f"urn:thidua:problem:{slug}"
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body
