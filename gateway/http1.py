"""A small HTTP/1.1 client for forwarded requests: kept-alive connections to one upstream.

The gateway forwards a request it has already parsed and sends back an answer it reads whole,
so all it needs from a client is to write one message and read one back. ``requests`` and
urllib3 (with ``http.client`` and its e-mail header parser underneath) spent most of the
gateway's own time per request re-preparing and re-parsing messages (docs/decisions/0013);
this writes the request head in one piece and reads the answer's head and body with plain
byte operations, keeping what the gateway relied on:

- connections are kept alive and reused, one thread at a time; an idle one the service has
  closed (gunicorn closes them after a few seconds) is noticed before it is used;
- a safe request (GET, HEAD, OPTIONS) whose connection broke before any answer came back, or
  that got nonsense instead of an answer, is tried once more on a fresh connection; nothing
  else is ever sent twice, and a slow answer is not asked for again;
- a failure is one of three kinds the client can act on: ``unavailable`` (no connection:
  nothing reached the service), ``timeout`` (connected, but no answer within the read
  timeout, between any two reads) and ``bad_gateway`` (an answer that is not HTTP, or cut
  short: never passed on as a truncated success);
- the body is framed as RFC 9112 says: none for HEAD, 1xx, 204 and 304, else chunked,
  ``Content-Length`` or until the connection closes;
- nothing of its own is added but ``Host``, ``Content-Length`` (for a body, and for an empty
  one where a body is expected) and ``Accept-Encoding: identity`` when the client named no
  coding (as ``http.client`` did), so a service never compresses for a client that did not ask.
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})

TIMEOUT = "timeout"
UNAVAILABLE = "unavailable"
BAD_GATEWAY = "bad_gateway"

MAX_HEAD_BYTES = 64 * 1024  # an answer's status line and headers together
MAX_BODY_BYTES = 64 * 1024 * 1024  # larger than any answer of the platform (an evidence file)
READ_SIZE = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})


class UpstreamFailure(Exception):
    """The upstream gave no usable answer; ``kind`` is timeout, unavailable or bad_gateway."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class _Broken(Exception):
    """The connection broke, or the bytes were not HTTP, before an answer was read whole;
    ``before_answer``: not one byte of an answer had arrived (a retry is safe)."""

    def __init__(self, detail: str, *, before_answer: bool) -> None:
        super().__init__(detail)
        self.before_answer = before_answer


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]  # as the upstream sent them, in order, repeats kept
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, as urllib3 applied it before: ``/a/./b/../c`` is ``/a/c``."""
    if "/." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    last = path.rsplit("/", 1)[-1]
    trailing = "/" if last in (".", "..") else ""
    return "/" + "/".join(output) + trailing


def _request_target(target: str) -> str:
    """The target with dot segments removed and anything but visible ASCII percent-encoded
    (the text is the request's bytes read as latin-1, so each character is one byte)."""
    path, mark, query = target.partition("?")
    target = remove_dot_segments(path) + mark + query
    if target.isascii() and all(" " < char < "\x7f" for char in target):
        return target
    return "".join(
        char if " " < char < "\x7f" else "".join(f"%{b:02X}" for b in char.encode("latin-1"))
        for char in target
    )


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()  # bytes read past the last answer (none when in step)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def is_dropped(self) -> bool:
        """An idle connection with something to read has been closed by the peer (or sent
        bytes nobody asked for): either way it is unusable."""
        if self.buffer:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def _fill(self, before_answer: bool) -> None:
        try:
            chunk = self.sock.recv(READ_SIZE)
        except TimeoutError:
            raise
        except OSError as error:
            raise _Broken(repr(error), before_answer=before_answer and not self.buffer) from error
        if not chunk:
            raise _Broken("connection closed", before_answer=before_answer and not self.buffer)
        self.buffer += chunk

    def read_head(self) -> bytes:
        """The next status line and headers, without the blank line."""
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buffer[:end])
                del self.buffer[: end + 4]
                return head
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _Broken("answer head too large", before_answer=False)
            self._fill(before_answer=True)

    def read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill(before_answer=False)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def read_line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line = bytes(self.buffer[:end])
                del self.buffer[: end + 2]
                return line
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise _Broken("chunk line too long", before_answer=False)
            self._fill(before_answer=False)

    def read_to_close(self) -> bytes:
        while True:
            try:
                chunk = self.sock.recv(READ_SIZE)
            except TimeoutError:
                raise
            except OSError as error:
                raise _Broken(repr(error), before_answer=False) from error
            if not chunk:
                data = bytes(self.buffer)
                self.buffer.clear()
                return data
            self.buffer += chunk
            if len(self.buffer) > MAX_BODY_BYTES:
                raise _Broken("answer too large", before_answer=False)

    def read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_text = self.read_line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _Broken("malformed chunk size", before_answer=False) from None
            if size < 0 or len(body) + size > MAX_BODY_BYTES:
                raise _Broken("malformed or oversize chunk", before_answer=False)
            if size == 0:
                while self.read_line():  # trailers, dropped
                    pass
                return bytes(body)
            body += self.read_exactly(size)
            if self.read_exactly(2) != b"\r\n":
                raise _Broken("malformed chunk", before_answer=False)


def _parse_head(head: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    """(HTTP version, status, headers) of an answer's head, or _Broken if it is not HTTP."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0") or not parts[1].isdigit():
        raise _Broken(f"not an HTTP answer: {lines[0][:80]!r}", before_answer=True)
    status = int(parts[1])
    if not 100 <= status <= 999 or len(parts[1]) != 3:
        raise _Broken(f"not an HTTP status: {lines[0][:80]!r}", before_answer=True)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t") and headers:  # obsolete line folding: one value
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip().decode('latin-1')}")
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise _Broken(f"malformed header line: {line[:80]!r}", before_answer=False)
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    return parts[0].decode(), status, headers


def _tokens(headers: list[tuple[str, str]], name: str) -> list[str]:
    return [
        token.strip().lower()
        for key, value in headers
        if key.lower() == name
        for token in value.split(",")
        if token.strip()
    ]


def _content_length(headers: list[tuple[str, str]]) -> int | None:
    """The answer's ``Content-Length``; _Broken when repeated with other values, or not a
    number, or larger than any answer should be."""
    lengths = {value.strip() for key, value in headers if key.lower() == "content-length"}
    if not lengths:
        return None
    if len(lengths) != 1 or not (length := lengths.pop()).isdigit():
        raise _Broken("malformed Content-Length", before_answer=False)
    if int(length) > MAX_BODY_BYTES:
        raise _Broken("answer too large", before_answer=False)
    return int(length)


class Pool:
    """Kept-alive connections to one upstream (``http://`` or ``https://`` base URL), used by
    one thread at a time each; at most ``size`` idle ones are kept."""

    def __init__(self, base_url: str, size: int) -> None:
        parts = urlsplit(base_url)
        self.tls = parts.scheme == "https"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.tls else 80)
        default_port = parts.port is None or parts.port == (443 if self.tls else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = host if default_port else f"{host}:{self.port}"
        self.size = size
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._tls_context = ssl.create_default_context() if self.tls else None

    def _connect(self, timeout: float) -> _Connection:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls_context is not None:
                sock = self._tls_context.wrap_socket(sock, server_hostname=self.host)
        except OSError as error:  # refused, unreachable, unknown host, or no answer in time
            raise UpstreamFailure(UNAVAILABLE, repr(error)) from error
        return _Connection(sock)

    def _take(self, timeout: float) -> _Connection:
        """An idle connection that is still open, else a new one."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._connect(timeout)
            if not connection.is_dropped():
                return connection
            connection.close()

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _message(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> bytes:
        lines = [f"{method} {_request_target(target)} HTTP/1.1", f"Host: {self.host_header}"]
        named_coding = False
        for name, value in headers:
            lowered = name.lower()
            if lowered in ("host", "content-length", "transfer-encoding"):
                continue  # framing and the address are this client's to write
            named_coding = named_coding or lowered == "accept-encoding"
            lines.append(f"{name}: {value}")
        if not named_coding:
            lines.append("Accept-Encoding: identity")
        if body or method in BODY_EXPECTED:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes = b"",
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> Reply:
        """Send one request and read its whole answer, or raise UpstreamFailure."""
        head = self._message(method, target, headers, body)
        tries = 2 if method in SAFE_METHODS else 1
        for attempt in range(tries):
            connection = self._take(connect_timeout)
            try:
                return self._exchange(connection, method, head, body, read_timeout)
            except TimeoutError as error:
                connection.close()
                raise UpstreamFailure(TIMEOUT, repr(error)) from error
            except _Broken as broken:
                connection.close()
                if attempt + 1 < tries and broken.before_answer:
                    continue
                raise UpstreamFailure(BAD_GATEWAY, str(broken)) from broken
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self, connection: _Connection, method: str, head: bytes, body: bytes, read_timeout: float
    ) -> Reply:
        connection.sock.settimeout(read_timeout)
        try:
            if len(body) <= READ_SIZE:
                connection.sock.sendall(head + body)
            else:
                connection.sock.sendall(head)
                connection.sock.sendall(body)
        except TimeoutError:
            raise
        except OSError as error:
            raise _Broken(repr(error), before_answer=True) from error
        while True:
            version, status, headers = _parse_head(connection.read_head())
            if 100 <= status < 200 and status != 101:
                continue  # an interim answer (100 Continue, 103 Early Hints): the next one
            break
        reusable = True
        connection_tokens = _tokens(headers, "connection")
        if "close" in connection_tokens or (
            version == "HTTP/1.0" and "keep-alive" not in connection_tokens
        ):
            reusable = False
        if method == "HEAD" or status < 200 or status in _NO_BODY_STATUSES:
            content = b""
        elif codings := _tokens(headers, "transfer-encoding"):
            if codings[-1] == "chunked":
                content = connection.read_chunked()
            else:
                content, reusable = connection.read_to_close(), False
        elif lengths := {
            value.strip() for key, value in headers if key.lower() == "content-length"
        }:
            if len(lengths) != 1 or not (length := lengths.pop()).isdigit():
                raise _Broken("malformed Content-Length", before_answer=False)
            if int(length) > MAX_BODY_BYTES:
                raise _Broken("answer too large", before_answer=False)
            content = connection.read_exactly(int(length))
        else:
            content, reusable = connection.read_to_close(), False
        if reusable and not connection.buffer:
            self._give_back(connection)
        else:
            connection.close()
        return Reply(status, headers, content)
