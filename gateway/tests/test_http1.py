"""The gateway's HTTP/1.1 client (gateway.http1) against raw sockets: how answers are framed,
when a request is tried again, and which kind of failure each broken answer is."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from gateway.http1 import (
    BAD_GATEWAY,
    TIMEOUT,
    UNAVAILABLE,
    Pool,
    UpstreamFailure,
    remove_dot_segments,
)

TIMEOUTS = {"connect_timeout": 2.0, "read_timeout": 2.0}


class Scripted:
    """A server that answers each request with the next of ``answers`` (bytes, or None to close
    the connection without answering), keeping connections open between answers but after an
    HTTP/1.0 one, as an HTTP/1.0 server would."""

    def __init__(self, answers: list[bytes | None]) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
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
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            while True:
                received = b""
                while b"\r\n\r\n" not in received:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    received += chunk
                self.requests.append(received)
                if not self.answers:
                    return
                answer = self.answers.pop(0)
                if answer is None:
                    return
                conn.sendall(answer)
                if answer.startswith(b"HTTP/1.0"):
                    return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[Callable[[list[bytes | None]], Scripted]]:
    started: list[Scripted] = []

    def start(answers: list[bytes | None]) -> Scripted:
        server = Scripted(answers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Seen: 1\r\n\r\nok"


def test_a_kept_alive_connection_carries_the_next_request(scripted) -> None:
    server = scripted([OK, OK])
    pool = Pool(server.url, 2)
    for _ in range(2):
        reply = pool.request("GET", "/a", [("Accept", "*/*")], **TIMEOUTS)
        assert (reply.status, reply.body, reply.header("x-seen")) == (200, b"ok", "1")
    assert server.connections == 1
    first = server.requests[0].decode()
    assert first.startswith("GET /a HTTP/1.1\r\n")
    assert f"Host: {server.url.removeprefix('http://')}\r\n" in first
    assert "Accept-Encoding: identity\r\n" in first  # no coding the client did not ask for


def test_chunked_answers_are_read_whole_and_their_trailers_dropped(scripted) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    server = scripted([chunked, OK])
    pool = Pool(server.url, 2)
    assert pool.request("GET", "/", [], **TIMEOUTS).body == b"hello, world"
    assert pool.request("GET", "/", [], **TIMEOUTS).body == b"ok"  # the connection is in step
    assert server.connections == 1


def test_an_answer_without_a_length_runs_to_the_close(scripted) -> None:
    server = scripted([b"HTTP/1.0 200 OK\r\n\r\nall of it"])
    assert Pool(server.url, 2).request("GET", "/", [], **TIMEOUTS).body == b"all of it"


def test_head_and_not_modified_have_no_body_but_keep_their_length(scripted) -> None:
    server = scripted(
        [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5000\r\n\r\n",
            OK,
        ]
    )
    pool = Pool(server.url, 2)
    head = pool.request("HEAD", "/", [], **TIMEOUTS)
    assert (head.body, head.header("Content-Length")) == (b"", "5000")
    assert pool.request("GET", "/", [], **TIMEOUTS).status == 304
    assert pool.request("GET", "/", [], **TIMEOUTS).body == b"ok"
    assert server.connections == 1


def test_interim_answers_are_skipped(scripted) -> None:
    server = scripted([b"HTTP/1.1 100 Continue\r\n\r\n" + OK])
    assert Pool(server.url, 2).request("POST", "/", [], b"{}", **TIMEOUTS).body == b"ok"
    assert b"Content-Length: 2\r\n" in server.requests[0]


def test_a_safe_request_is_tried_once_more_when_the_connection_drops_before_an_answer(
    scripted,
) -> None:
    server = scripted([None, OK])
    reply = Pool(server.url, 2).request("GET", "/", [], **TIMEOUTS)
    assert reply.body == b"ok" and server.connections == 2


def test_an_unsafe_request_is_never_sent_twice(scripted) -> None:
    server = scripted([None, OK])
    with pytest.raises(UpstreamFailure) as failure:
        Pool(server.url, 2).request("POST", "/", [], b"{}", **TIMEOUTS)
    assert failure.value.kind == BAD_GATEWAY
    assert len(server.requests) == 1


def test_an_answer_cut_short_is_a_bad_gateway_not_a_short_body(raw_server) -> None:
    server = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")  # closes
    with pytest.raises(UpstreamFailure) as failure:
        Pool(server.url, 2).request("GET", "/", [], **TIMEOUTS)
    assert failure.value.kind == BAD_GATEWAY
    assert server.connections == 1  # part of an answer came: not asked again


def test_conflicting_lengths_are_a_bad_gateway(scripted) -> None:
    server = scripted([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"])
    with pytest.raises(UpstreamFailure) as failure:
        Pool(server.url, 2).request("POST", "/", [], b"", **TIMEOUTS)
    assert failure.value.kind == BAD_GATEWAY


def test_no_answer_in_time_is_a_timeout_and_is_not_asked_again(scripted) -> None:
    server = scripted([b""])  # reads the request and stays silent, the connection open
    with pytest.raises(UpstreamFailure) as failure:
        Pool(server.url, 2).request("GET", "/", [], connect_timeout=2.0, read_timeout=0.3)
    assert failure.value.kind == TIMEOUT
    assert server.connections == 1


def test_nothing_listening_is_unavailable(closed_url: str) -> None:
    with pytest.raises(UpstreamFailure) as failure:
        Pool(closed_url, 2).request("GET", "/", [], **TIMEOUTS)
    assert failure.value.kind == UNAVAILABLE


def test_the_target_is_sent_without_dot_segments_and_with_raw_bytes_encoded(scripted) -> None:
    server = scripted([OK])
    Pool(server.url, 2).request("GET", "/a/./b/../c?q=ph\xf2ng", [], **TIMEOUTS)
    assert server.requests[0].startswith(b"GET /a/c?q=ph%F2ng HTTP/1.1\r\n")
    assert remove_dot_segments("/a/b/..") == "/a/"
    assert remove_dot_segments("/units/a%2Fb") == "/units/a%2Fb"
