"""The app factory every service uses: ``create_app(service)``.

It gives each service the same outside: request ids, JSON logs, problem+json errors for every
4xx and 5xx, a body size limit, ``/healthz``, ``/readyz``, ``/metrics`` and ``/openapi.json``.
The service brings only its blueprints, its models and its event handlers.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api
from werkzeug.exceptions import BadRequest, HTTPException

from kit import context, logs
from kit.config import Settings
from kit.db import Database
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS
from kit.problems import Problem, prefers_vietnamese, problem_response
from kit.service import Service

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

JSON_TYPES = frozenset({"application/json"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Runtime:
    """What a running service app holds: its settings, its database, its description."""

    service: Service
    settings: Settings
    db: Database


def runtime() -> Runtime:
    return current_app.extensions["thidua"]


def database() -> Database:
    """The current service's database, for use inside a request."""
    return runtime().db


def accepts(*content_types: str) -> Callable[[F], F]:
    """Declare the request body types a view takes (JSON unless it says otherwise)."""

    def mark(view: F) -> F:
        view.accepted_content_types = frozenset(content_types)  # type: ignore[attr-defined]
        return view

    return mark


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
        413: (
            f"Nội dung vượt quá {current_app.config['MAX_CONTENT_LENGTH']} byte.",
            f"The body exceeds {current_app.config['MAX_CONTENT_LENGTH']} bytes.",
        ),
    }.get(status)
    return problem_response(status, detail=detail, headers=headers)


class ProblemApi(Api):
    """flask-smorest's Api, answering its errors as problem+json."""

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return http_problem(error)


def _begin_request() -> Response | None:
    g.started = time.perf_counter()
    g.request_id = context.accept_or_new_id(request.headers.get("X-Request-ID"))
    g.context_tokens = (
        context.request_id.set(g.request_id),
        context.correlation_id.set(g.request_id),
    )
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    routed = request.routing_exception is None  # unknown routes answer 404/405 instead
    if routed and request.method in BODY_METHODS and (request.content_length or chunked):
        view = current_app.view_functions.get(request.endpoint or "")
        accepted = getattr(view, "accepted_content_types", JSON_TYPES)
        mimetype = request.mimetype
        is_json = mimetype in JSON_TYPES or mimetype.endswith("+json")
        if not (mimetype in accepted or (is_json and accepted == JSON_TYPES)):
            return problem_response(
                415,
                "unsupported-media-type",
                (
                    f"Kiểu nội dung '{mimetype or 'không có'}' không được nhận; "
                    f"hãy gửi {', '.join(sorted(accepted))}.",
                    f"Content type '{mimetype or 'none'}' is not accepted; "
                    f"send {', '.join(sorted(accepted))}.",
                ),
            )
        if is_json:
            try:
                request.get_json(force=True)
            except BadRequest:
                return problem_response(
                    400,
                    "malformed-json",
                    (
                        "Nội dung không phải JSON hợp lệ (UTF-8).",
                        "The body is not valid JSON (UTF-8).",
                    ),
                )
    return None


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    route = request.url_rule.rule if request.url_rule else "unmatched"
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    service = runtime().service.name
    HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(service, request.method, route).observe(elapsed)
    if route not in ("/healthz", "/metrics"):
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
    return response


def _end_request(_: BaseException | None) -> None:
    tokens = g.pop("context_tokens", None)
    if tokens:
        context.request_id.reset(tokens[0])
        context.correlation_id.reset(tokens[1])


def _problem(error: Problem) -> Response:
    return problem_response(error.status, error.slug, error.detail, **error.extra)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return http_problem(error)
    log.exception("unhandled error")
    return problem_response(
        500,
        "internal-error",
        (
            "Đã có lỗi ngoài dự kiến; hãy báo mã yêu cầu cho quản trị viên.",
            "Something unexpected failed; quote the request id to the administrators.",
        ),
    )


def create_app(service: Service, settings: Settings | None = None) -> Flask:
    from kit.ops import blueprint as ops_blueprint

    settings = settings or Settings.from_env(service.name)
    logs.configure(service.name)
    app = Flask(service.name)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config.update(
        API_TITLE=service.title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_SPEC_OPTIONS={"info": {"description": service.description}},
    )
    app.extensions["thidua"] = Runtime(
        service, settings, Database(settings.database_url, service.name)
    )
    api = ProblemApi(app)
    api.register_blueprint(ops_blueprint)
    for blueprint in service.blueprints:
        api.register_blueprint(blueprint)

    app.before_request(_begin_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    app.register_error_handler(Problem, _problem)
    app.register_error_handler(Exception, _unexpected)
    if service.on_app:
        service.on_app(app)
    return app
