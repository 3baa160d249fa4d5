"""The HTTP conventions every app of the platform keeps, services and gateway alike.

``install(app, name)`` gives an app: an ``X-Request-ID`` on every answer (the caller's when it
is safe, a new one otherwise) carried into logs and events; ``X-Content-Type-Options: nosniff``
on every answer and ``Cache-Control: no-store`` on every answer to a request with credentials
(exports and evidence downloads included: what one caller may read, no cache may keep); one
JSON log line and the request metrics per request; RFC 9457 problem+json for every 4xx and
5xx: any ``kit.errors`` error (one handler, in the language ``Accept-Language`` asks for),
werkzeug's own (404, 405, 413, which names the limit that applied) and
unexpected errors; and a body size limit that holds for chunked bodies too.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from kit import context
from kit.db import unavailable_cause
from kit.errors import Error, Unavailable
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS
from kit.problems import error_response, prefers_vietnamese, problem_response

__all__ = ["ChunkedBodyLimit", "finish", "http_problem", "install", "mebibytes"]

log = logging.getLogger(__name__)

QUIET_ROUTES = frozenset({"/healthz", "/metrics"})
TOO_LARGE = "thidua.body_too_large"


class ChunkedBodyLimit:
    """WSGI middleware: a chunked body over the limit becomes a 413, not a truncated body.

    werkzeug stops reading a chunked body at ``MAX_CONTENT_LENGTH`` and hands the app what it
    read so far, so an oversize upload would reach the view cut short. This reads such a body
    (up to one byte past the limit) before the app sees it.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                environ[TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ["wsgi.input_terminated"] = False
        return self.wsgi_app(environ, start_response)


# marshmallow's messages, in Vietnamese for callers who prefer it (the platform's default).
_VI_MESSAGES = {
    "Missing data for required field.": "Thiếu dữ liệu cho trường bắt buộc.",
    "Unknown field.": "Trường không được hỗ trợ.",
    "Field may not be null.": "Trường không được để trống (null).",
    "Not a valid string.": "Không phải là chuỗi ký tự hợp lệ.",
    "Not a valid integer.": "Không phải là số nguyên hợp lệ.",
    "Not a valid number.": "Không phải là số hợp lệ.",
    "Not a valid boolean.": "Không phải là giá trị đúng/sai hợp lệ.",
    "Not a valid datetime.": "Không phải là thời điểm hợp lệ.",
    "Not a valid date.": "Không phải là ngày hợp lệ.",
    "Invalid input type.": "Kiểu dữ liệu đầu vào không hợp lệ.",
    "Not a valid email address.": "Địa chỉ e-mail không hợp lệ.",
}


_LENGTH_BETWEEN = re.compile(r"Length must be between (\d+) and (\d+)\.")


def _translate(messages: Any) -> Any:
    if isinstance(messages, dict):
        return {k: _translate(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [_translate(m) for m in messages]
    if isinstance(messages, str):
        if match := _LENGTH_BETWEEN.fullmatch(messages):
            return "Độ dài phải từ {} đến {} ký tự.".format(*match.groups())
        return _VI_MESSAGES.get(messages, messages)
    return messages


def http_problem(error: HTTPException) -> Response:
    """problem+json for any werkzeug HTTP error, including webargs' validation errors."""
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 422 and messages:
        # webargs nests errors under the request location; the caller only needs the fields.
        errors = messages["json"] if set(messages) == {"json"} else messages
        if prefers_vietnamese():
            errors = _translate(errors)
        return problem_response(
            422,
            "validation-failed",
            ("Một số trường không hợp lệ, xem errors.", "Some fields are invalid, see errors."),
            errors=errors,
        )
    detail = {
        404: ("Không có tài nguyên nào ở địa chỉ này.", "Nothing exists at this address."),
        405: (
            f"Phương thức {request.method} không được hỗ trợ ở địa chỉ này.",
            f"{request.method} is not supported here.",
        ),
    }.get(status)
    if status == 413 and (limit := request.max_content_length) is not None:
        # The limit of this request, which a view may have raised (evidence uploads).
        return problem_response(
            413,
            detail=(
                f"Nội dung vượt quá giới hạn {limit} byte ({mebibytes(limit)}).",
                f"The body exceeds the limit of {limit} bytes ({mebibytes(limit)}).",
            ),
            headers=headers,
            max_bytes=limit,
        )
    return problem_response(status, detail=detail, headers=headers)


def mebibytes(size: int) -> str:
    """A byte count for people: ``1048576`` as ``1 MiB``, ``21037056`` as ``20.1 MiB``."""
    if size < 1024 * 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KiB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MiB"


def _begin_request() -> None:
    g.started = time.perf_counter()
    g.request_id = context.accept_or_new_id(request.headers.get("X-Request-ID"))
    g.context_tokens = (
        context.request_id.set(g.request_id),
        context.correlation_id.set(g.request_id),
    )
    if request.environ.get(TOO_LARGE):
        raise RequestEntityTooLarge()


def finish(
    response: Response,
    *,
    name: str,
    method: str,
    path: str,
    route: str,
    request_id: str,
    started: float | None,
    credentials: bool,
    log_extra: Mapping[str, Any],
) -> Response:
    """The conventions every answer gets (its headers, the request metrics, the log line),
    from plain values rather than Flask's ``request`` and ``g``, so that an answer made
    outside Flask (the gateway's fast path) gets them from this same code.

    ``started`` is the request's ``perf_counter()`` at its start (None: unknown, counted as
    now); ``credentials``: the request carried an ``Authorization`` header.
    """
    response.headers["X-Request-ID"] = request_id
    # Browsers take the declared type and never guess one (an upload read as HTML).
    response.headers["X-Content-Type-Options"] = "nosniff"
    if credentials:
        # An answer to one caller's credentials is for that caller: no cache may keep it.
        response.headers["Cache-Control"] = "no-store"
    elapsed = time.perf_counter() - (time.perf_counter() if started is None else started)
    HTTP_REQUESTS.labels(name, method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(name, method, route).observe(elapsed)
    if route not in QUIET_ROUTES:
        log.info(
            "request",
            extra={
                "method": method,
                "path": path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                **log_extra,
            },
        )
    return response


def _finish_request(response: Response) -> Response:
    """``after_request``: ``finish`` with the current request's values."""
    return finish(
        response,
        name=current_app.config["THIDUA_NAME"],
        method=request.method,
        path=request.path,
        route=request.url_rule.rule if request.url_rule else "unmatched",
        request_id=g.get("request_id", ""),
        started=g.get("started"),
        credentials=bool(request.headers.get("Authorization")),
        log_extra=g.get("log_extra", {}),
    )


def _end_request(_: BaseException | None) -> None:
    tokens = g.pop("context_tokens", None)
    if tokens:
        context.request_id.reset(tokens[0])
        context.correlation_id.reset(tokens[1])


def _problem(error: Error) -> Response:
    """Any kit.errors error raised by a view, a hook or the domain, in the caller's language."""
    return error_response(error)


# What a caller is told when the database could not serve (kit.db): busy or away, not broken.
DATABASE_UNAVAILABLE = {
    "lock_timeout": (
        "Dữ liệu này đang bị một thao tác khác giữ; hãy thử lại sau ít giây.",
        "This data is held by another operation; retry in a few seconds.",
    ),
    "statement_timeout": (
        "Cơ sở dữ liệu không trả lời kịp; hãy thử lại sau ít giây.",
        "The database did not answer in time; retry in a few seconds.",
    ),
    "database_busy": (
        "Dịch vụ đang bận; hãy thử lại sau ít giây.",
        "The service is busy; retry in a few seconds.",
    ),
    "database_unavailable": (
        "Tạm thời không kết nối được cơ sở dữ liệu; hãy thử lại sau ít giây.",
        "The database cannot be reached for the moment; retry in a few seconds.",
    ),
}


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_problem(error)
    cause = unavailable_cause(error)
    if cause is not None:
        # Nothing was changed (the transaction rolled back); the same request may succeed soon.
        log.warning("database could not serve", extra={"cause": cause, "error": str(error)[:300]})
        message = DATABASE_UNAVAILABLE[cause]
        return error_response(Unavailable(message, cause=cause, retry_after=2))
    log.exception("unhandled error")
    return problem_response(
        500,
        "internal-error",
        (
            "Đã có lỗi ngoài dự kiến; hãy báo mã yêu cầu cho quản trị viên.",
            "Something unexpected failed; quote the request id to the administrators.",
        ),
    )


def install(app: Flask, name: str, max_body_bytes: int) -> None:
    """Give ``app`` the platform's HTTP conventions; ``name`` labels its logs and metrics."""
    app.config["THIDUA_NAME"] = name
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, max_body_bytes)  # type: ignore[method-assign]
    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    app.register_error_handler(Error, _problem)
    app.register_error_handler(Exception, _unexpected)
