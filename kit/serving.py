"""How every HTTP process of the platform serves: an asyncio front that buffers, threads behind it.

gunicorn's threaded worker gives each connection a thread while it reads the request, so a few
clients that send their headers slowly (or connect and send nothing) hold every thread and the
process stops answering. Here a connection costs a coroutine, not a thread, until its request is
complete:

- gunicorn's asyncio worker parses the request head; the head must arrive within
  ``HEADER_TIMEOUT_S`` of the connection opening (and a kept-alive connection that sits idle for
  ``keepalive`` seconds is closed), or the client gets 408;
- :class:`WsgiBridge` reads the whole body in the event loop, with a limit on its size and on the
  time it may take, before a thread is involved;
- only then does one of ``threads`` threads run the Flask app, and the answer is written back by
  the event loop, so a client that reads slowly holds no thread either;
- the errors gunicorn itself answers (400, 408, 413, 414, 431, 501) are problem+json like every
  other error of the platform.

The worker is selected by ``kit.gunicorn_conf``: ``worker_class = "kit.serving.BufferedWorker"``.

Its limits (``HTTP_HEADER_TIMEOUT_S``, ``HTTP_BODY_IDLE_TIMEOUT_S``, ``HTTP_BODY_TIMEOUT_S``,
``HTTP_MAX_BUFFERED_BODY_BYTES``) are process settings, read from the environment when gunicorn
loads the worker: the server runs before, and apart from, the app and its settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from gunicorn.asgi import parser as asgi_parser
from gunicorn.asgi import protocol as asgi_protocol
from gunicorn.workers import gasgi

from kit.problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from kit.problems import STATUS_SLUGS, TITLES, TYPE_PREFIX

log = logging.getLogger(__name__)

# The request head (request line and headers) must be complete this long after the connection
# opens. Ordinary clients send it in one packet; only a slow or hostile one takes seconds.
HEADER_TIMEOUT_S = float(os.environ.get("HTTP_HEADER_TIMEOUT_S", "10"))
# A body may pause this long between two reads, and take this long in all.
BODY_IDLE_TIMEOUT_S = float(os.environ.get("HTTP_BODY_IDLE_TIMEOUT_S", "15"))
BODY_TIMEOUT_S = float(os.environ.get("HTTP_BODY_TIMEOUT_S", "300"))
# The largest body held in memory for a request. Apps apply their own, usually smaller, limits
# per route (kit.web); this one only stops a client from filling the process's memory.
MAX_BUFFERED_BODY_BYTES = int(os.environ.get("HTTP_MAX_BUFFERED_BODY_BYTES", str(32 * 1024**2)))

# What the client hears when gunicorn's parser or this module refuses its request.
_DETAILS: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu HTTP không đúng cú pháp.", "The HTTP request is malformed."),
    408: (
        "Yêu cầu đến quá chậm; hãy gửi lại.",
        "The request arrived too slowly; send it again.",
    ),
    413: (
        f"Nội dung vượt quá {MAX_BUFFERED_BODY_BYTES} byte.",
        f"The body exceeds {MAX_BUFFERED_BODY_BYTES} bytes.",
    ),
    414: ("Địa chỉ (URI) quá dài.", "The request URI is too long."),
    431: ("Phần đầu (headers) của yêu cầu quá lớn.", "The request headers are too large."),
    501: (
        "Kiểu mã hóa truyền (Transfer-Encoding) không được hỗ trợ.",
        "The transfer coding is not supported.",
    ),
}


def problem_bytes(status: int) -> bytes:
    """The problem+json body for an error answered before any app saw the request.

    No request is parsed yet (its Accept-Language may be what failed), so the title and the
    detail carry both languages, Vietnamese first.
    """
    slug = STATUS_SLUGS.get(status, "bad-request")
    vi_title, en_title = TITLES[slug]
    vi, en = _DETAILS.get(status, _DETAILS[400])
    body = {
        "type": TYPE_PREFIX + slug,
        "title": f"{vi_title} / {en_title}",
        "status": status,
        "detail": f"{vi} / {en}",
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class BodyTooLarge(Exception):
    pass


class WsgiBridge:
    """An ASGI app that runs a WSGI app in a thread once the request is in memory.

    The whole body is read in the event loop first (bounded in size and time), so the thread
    that runs the app never waits on the client; the answer is collected in the thread and
    written back by the loop, so a slow reader holds no thread either.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], threads: int) -> None:
        self.wsgi_app = wsgi_app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # lifespan is off (kit.gunicorn_conf); websockets are not served
        loop = asyncio.get_running_loop()
        try:
            body = await self._read_body(receive, loop)
        except BodyTooLarge:
            await self._send_problem(send, 413)
            return
        except TimeoutError:
            await self._send_problem(send, 408)
            return
        if body is None:
            return  # the client went away
        environ = wsgi_environ(scope, body)
        # The thread settles this future itself (one call_soon_threadsafe): run_in_executor's
        # chaining of a concurrent future into an asyncio one cost a measurable share of a
        # forwarded request at the gateway (docs/decisions/0013).
        answer: asyncio.Future[tuple[int, list[tuple[bytes, bytes]], bytes]] = loop.create_future()
        self.pool.submit(self._run_for, loop, answer, environ)
        status, headers, content = await answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _read_body(self, receive: Any, loop: asyncio.AbstractEventLoop) -> bytes | None:
        """The whole body, or None if the client went away; TimeoutError when it pauses
        longer than ``BODY_IDLE_TIMEOUT_S`` or takes longer than ``BODY_TIMEOUT_S`` in all.

        One timer per request, moved after each read: ``asyncio.wait_for`` would wrap every
        read in a task of its own, which cost more than the rest of the bridge together.
        """
        chunks: list[bytes] = []
        size = 0
        give_up_at = loop.time() + BODY_TIMEOUT_S
        async with asyncio.timeout(min(give_up_at, loop.time() + BODY_IDLE_TIMEOUT_S)) as limit:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BUFFERED_BODY_BYTES:
                    raise BodyTooLarge
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
                limit.reschedule(min(give_up_at, loop.time() + BODY_IDLE_TIMEOUT_S))

    def _run_for(
        self,
        loop: asyncio.AbstractEventLoop,
        answer: asyncio.Future[tuple[int, list[tuple[bytes, bytes]], bytes]],
        environ: dict[str, Any],
    ) -> None:
        """In an app thread: run the app and hand its answer (or its error) to the loop."""
        if answer.done():
            return  # cancelled while queued (the client went away): as run_in_executor did
        try:
            result = self._run(environ)
        except BaseException as error:  # the loop's task raises it, as run_in_executor did
            _settle_soon(loop, answer, None, error)
        else:
            _settle_soon(loop, answer, result, None)

    def _run(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Run the app in this thread and collect its whole answer."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [status, headers]
            return lambda data: collected.append(data)  # the legacy write() callable

        collected: list[bytes] = []
        result = self.wsgi_app(environ, start_response)
        try:
            for data in result:
                if data:
                    collected.append(data)
        finally:
            if hasattr(result, "close"):
                result.close()
        status_line, headers = started
        return (
            int(status_line.split(" ", 1)[0]),
            [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            b"".join(collected),
        )

    async def _send_problem(self, send: Any, status: int) -> None:
        body = problem_bytes(status)
        headers = [
            (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _settle_soon(
    loop: asyncio.AbstractEventLoop,
    answer: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    """From an app thread: settle ``answer`` in its loop (unless the request was cancelled
    meanwhile, or the worker's loop has already closed)."""

    def settle() -> None:
        if answer.done():
            return  # cancelled: the client went away, or the worker is stopping
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result)

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


def wsgi_environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose body has been read."""
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client")
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = raw_path.split(b"?", 1)[0]
    root_path = scope.get("root_path", "").encode("utf-8")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.decode("latin-1"),
        # WSGI carries the path as the raw bytes read as latin-1; werkzeug decodes it.
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]) if len(server) > 1 and server[1] else "80",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0] if client else "",
        "REMOTE_PORT": str(client[1]) if client and len(client) > 1 else "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue  # the body is already read whole: its length is the one above
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
            continue
        key = "HTTP_" + key
        if key in environ:
            separator = "; " if key == "HTTP_COOKIE" else ","
            environ[key] = environ[key] + separator + text
        else:
            environ[key] = text
    return environ


class BufferedProtocol(asgi_protocol.ASGIProtocol):
    """gunicorn's asyncio HTTP protocol, with a deadline on the request head and problem+json.

    gunicorn bounds the wait for the next request on a kept-alive connection (``keepalive``),
    but not the first request's head: a client that opens a connection and sends a header line
    every few seconds would keep it forever. ``HEADER_TIMEOUT_S`` after the connection opens, a
    head that is still incomplete gets 408 and the connection is closed.
    """

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._head_timer = self.worker.loop.call_later(HEADER_TIMEOUT_S, self._head_too_slow)

    def _on_headers_complete(self) -> Any:
        self._cancel_head_timer()
        return super()._on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._closed:
            return
        self._send_error_response(408, "request head too slow")
        self._close_transport()
        if self._request_ready is not None:
            self._request_ready.set()  # let the connection's task see it is closed

    def _send_error_response(self, status: int, message: str, extra_headers: Any = ()) -> None:
        """Every error gunicorn answers by itself is problem+json, as the apps' errors are."""
        body = problem_bytes(status)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        extra = "".join(f"{name}: {value}\r\n" for name, value in extra_headers)
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"{extra}"
            "Connection: close\r\n\r\n"
        )
        self._safe_write(head.encode("latin-1") + body)


# The bytes RFC 9110 section 5.5 forbids in a field value (CTLs but HTAB; obs-text is allowed).
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


class LeanPythonProtocol(asgi_parser.PythonProtocol):
    """gunicorn's HTTP/1.1 parser, whose field-value check is one regular expression.

    gunicorn checks each value in a Python loop per byte; a bearer token makes that about
    50 µs per request on a quiet core, paid by every process a request passes (docs/decisions/
    0013). The rule is the same: a value with any of these bytes is a 400.
    """

    def _has_invalid_header_chars(self, value: bytes) -> bool:
        return _FORBIDDEN_IN_VALUE.search(value) is not None


# gunicorn's asyncio protocol picks its pure-Python parser by this module-level name (and
# checks a parser's class against it), so the subclass takes its place everywhere.
asgi_protocol.PythonProtocol = LeanPythonProtocol  # type: ignore[misc]

# gunicorn's asyncio worker builds each connection's protocol from this module-level name; the
# platform's workers use the subclass above. Pinned gunicorn version: requirements.txt; the tests
# in tests/test_serving.py fail if this stops taking effect.
gasgi.ASGIProtocol = BufferedProtocol  # type: ignore[misc]


class BufferedWorker(gasgi.ASGIWorker):
    """gunicorn's asyncio worker serving a WSGI app through :class:`WsgiBridge`."""

    @classmethod
    def check_config(cls, cfg: Any, log: Any) -> None:
        pass  # ``threads`` is used here: the bridge's thread pool

    def load_wsgi(self) -> None:
        self.asgi = WsgiBridge(self.app.wsgi(), threads=max(1, self.cfg.threads))
