"""Slow and idle clients cannot take an HTTP process down (kit.serving), on both stacks.

A real identity and a real gateway run under gunicorn with the platform's settings, with short
limits so the test does not wait long: the request head must arrive within 4 s, a body may
pause 2 s, an idle kept-alive connection is closed after 2 s. Then hundreds of connections that
drip their headers or send nothing at all are held open while ordinary requests are made.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from services.identity.service import SERVICE as IDENTITY
from tests.support import infra
from tests.support.processes import free_port, gunicorn, wait_until
from tests.support.stack import Stack

pytestmark = pytest.mark.processes

PROBLEM = "application/problem+json"
HEADER_TIMEOUT_S = 4
LIMITS = {
    "HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
    "HTTP_BODY_IDLE_TIMEOUT_S": "2",
    "GUNICORN_KEEPALIVE_S": "2",
    "WEB_CONCURRENCY": "1",
    "GUNICORN_THREADS": "4",
}


@dataclass
class Servers:
    identity: int
    gateway: int


@pytest.fixture(scope="module", params=["embedded", "infra"])
def servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    if request.param == "infra":
        infra.require()
    stack = Stack(request.param, tmp_path_factory.mktemp(f"serving-{request.param}"))
    ports = Servers(identity=free_port(), gateway=free_port())
    try:
        stack.prepare(IDENTITY)
        stack.spawn(
            "identity",
            gunicorn("services.identity.app:create_app()"),
            "identity",
            PORT=str(ports.identity),
            **LIMITS,
        )
        stack.spawn(
            "gateway",
            gunicorn("gateway.app:create_app()"),
            PORT=str(ports.gateway),
            GATEWAY_UPSTREAM_IDENTITY=f"http://127.0.0.1:{ports.identity}",
            **LIMITS,
        )
        wait_until(
            lambda: requests.get(_url(ports.gateway, "/api/v1/identity/readyz"), timeout=2).ok,
            timeout=60,
            what="identity through the gateway",
        )
        yield ports
    finally:
        stack.close()


def _url(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


class Crowd:
    """Connections that hold a server's sockets: some drip a header line a second, some idle."""

    def __init__(self, port: int, slow: int, idle: int) -> None:
        self.slow = [self._open(port) for _ in range(slow)]
        self.idle = [self._open(port) for _ in range(idle)]
        for s in self.slow:
            s.sendall(b"GET /api/v1/identity/me HTTP/1.1\r\nHost: x\r\n")
        self._stop = threading.Event()
        self._drip = threading.Thread(target=self._drip_headers, daemon=True)
        self._drip.start()

    @staticmethod
    def _open(port: int) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def _drip_headers(self) -> None:
        while not self._stop.wait(1.0):
            for s in self.slow:
                with contextlib.suppress(OSError):
                    s.sendall(b"X-Slow: 1\r\n")

    def answers(self) -> list[bytes]:
        """What each slow connection was finally told (they never finish their request)."""
        self._stop.set()
        self._drip.join()
        told = []
        for s in self.slow:
            try:
                told.append(s.recv(4096))
            except OSError:
                told.append(b"")
        return told

    def close(self) -> None:
        self._stop.set()
        for s in self.slow + self.idle:
            s.close()


def _timed_get(url: str) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = requests.get(url, timeout=10)
    return time.perf_counter() - started, response


@pytest.mark.parametrize("target", ["gateway", "identity"])
def test_hundreds_of_slow_and_idle_clients_do_not_stop_ordinary_requests(
    servers: Servers, target: str
) -> None:
    port = getattr(servers, target)
    path = "/api/v1/identity/readyz" if target == "gateway" else "/readyz"
    crowd = Crowd(port, slow=200, idle=200)
    try:
        # The crowd holds 400 connections, far more than the process has threads (4).
        for _ in range(5):
            elapsed, response = _timed_get(_url(port, path))
            assert response.status_code == 200, response.text
            assert elapsed < 1.0, f"an ordinary request took {elapsed:.2f}s behind the crowd"
            time.sleep(0.2)
        answers = crowd.answers()
    finally:
        crowd.close()
    # Every dripping client is cut off with a 408 problem once its head is overdue.
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), {a[:40] for a in answers}
    assert PROBLEM.encode() in answers[0]
    assert b"urn:thidua:problem:request-timeout" in answers[0]


def _exchange(port: int, raw: bytes, wait: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(raw)
        chunks = []
        with contextlib.suppress(TimeoutError):
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.parametrize(
    ("raw", "status", "slug"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "bad-request"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, None),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 150 + b"\r\n", 431, None),
    ],
    ids=["malformed-header", "long-uri", "long-header", "many-headers"],
)
def test_errors_of_the_http_layer_are_problems(
    servers: Servers, raw: bytes, status: int, slug: str | None
) -> None:
    for port in (servers.gateway, servers.identity):
        answer = _exchange(port, raw)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
        assert f"content-type: {PROBLEM}".encode() in head.lower()
        problem = requests.models.complexjson.loads(body)
        assert problem["status"] == status
        assert problem["type"] == "urn:thidua:problem:" + (slug or "headers-too-large")
        assert "/" in problem["detail"]  # Vietnamese / English: no request to choose from


def test_a_body_that_stalls_gets_408_and_frees_the_connection(servers: Servers) -> None:
    head = b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
    head += b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
    started = time.monotonic()
    answer = _exchange(servers.identity, head + b"grant_type=", wait=15)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:60]
    assert b"request-timeout" in answer
    assert time.monotonic() - started < 10


def test_an_idle_kept_alive_connection_is_closed(servers: Servers) -> None:
    with socket.create_connection(("127.0.0.1", servers.identity), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = s.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 "), first[:60]
        started = time.monotonic()
        assert s.recv(65536) == b"", "the server closes an idle connection"
        assert time.monotonic() - started < 8


def test_bodies_and_answers_pass_through_the_bridge_unchanged(servers: Servers) -> None:
    """A form body, a query string with Vietnamese text and a percent-encoded path arrive whole."""
    token = requests.post(
        _url(servers.gateway, "/api/v1/identity/oauth/token"),
        data={"grant_type": "password", "username": "không-có", "password": "sai"},
        timeout=10,
    )
    assert token.status_code in (400, 401), token.text
    assert token.headers["Content-Type"].startswith(PROBLEM)
    missing = requests.get(_url(servers.identity, "/kh%C3%B4ng-c%C3%B3?q=H%C3%A0+N%E1%BB%99i"))
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:thidua:problem:not-found"
    chunked = requests.post(
        _url(servers.identity, "/oauth/token"),
        data=iter([b"grant_type=password&", b"username=x&password=y"]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert chunked.status_code in (400, 401), chunked.text
