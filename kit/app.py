"""The app factory every service uses: ``create_app(service)``.

It gives each service the same outside: the HTTP conventions of kit.web (request ids, JSON
logs, problem+json for every error, the body limit), token checks on every view not marked
``public``, API clients' scopes (kit.policy), JSON body checks (415, 400), and ``/healthz``,
``/readyz``, ``/metrics`` (kit.ops) and ``/openapi.json``. The service brings only its
blueprints, its models, its event handlers and, if it has any, its own settings.

Views reach the running service through ``database()``, ``principal()``, ``runtime()`` (its
settings) and ``client_address()``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import fields
from werkzeug.exceptions import BadRequest, HTTPException

from kit import idempotency, inputs, logs, principals, web
from kit.auth import (
    InvalidToken,
    JwksCache,
    KeySource,
    KeysUnavailable,
    Principal,
    bearer_token,
    verify,
)
from kit.clientaddr import client_address as _address_of
from kit.config import Settings
from kit.db import Database
from kit.errors import Unauthorized, Unavailable
from kit.ops import blueprint as ops_blueprint
from kit.policy import install, insufficient_scope, missing_scope
from kit.problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from kit.problems import ProblemSchema, error_response, problem_response
from kit.runtime import EXTENSION, Runtime, database, runtime
from kit.service import Service

__all__ = [
    "Runtime",
    "accepts",
    "client_address",
    "create_app",
    "database",
    "keeps_no_answer",
    "principal",
    "public",
    "runtime",
]

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

JSON_TYPES = frozenset({"application/json"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def public(view: F) -> F:
    """Mark a view as answering without a token (the token endpoint, JWKS, health)."""
    view = Blueprint.doc(security=[])(view)
    view.public = True  # type: ignore[attr-defined]
    return view


def keeps_no_answer(view: F) -> F:
    """Mark a view whose answers must never be kept under the caller's id by Idempotency-Key
    (a secret ballot's receipts: kept, they would tie the voter to the ballot). The key is
    ignored there; a retry runs again."""
    view.keeps_no_answer = True  # type: ignore[attr-defined]
    return view


def _keeps_no_answer() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(
        getattr(view, "keeps_no_answer", False)
        or getattr(getattr(view, "view_class", None), "keeps_no_answer", False)
    )


def _is_public(view: Any) -> bool:
    return bool(
        getattr(view, "public", False)
        or getattr(getattr(view, "view_class", None), "public", False)
    )


def principal() -> Principal:
    """The verified caller of the current request (every non-public view has one)."""
    return g.principal


def client_address() -> str | None:
    """The caller's address: the ``X-Real-IP`` of a trusted proxy (the gateway), else the peer
    (kit.clientaddr: a direct caller cannot choose the address it is recorded under)."""
    return _address_of(
        request.remote_addr, request.headers.get("X-Real-IP"), runtime().settings.trusted_proxies
    )


def _authenticate() -> Response | None:
    """401 unless the request carries a valid bearer token (public views excepted)."""
    if request.routing_exception is not None:
        return None  # 404/405 answer first
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or _is_public(view) or request.blueprint == "api-docs":
        return None  # api-docs: flask-smorest's /openapi.json, public like the API's shape
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return error_response(Unauthorized.missing_token())
    try:
        settings = runtime().settings
        caller = verify(
            token,
            runtime().keys,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
        )
    except InvalidToken as error:
        return error_response(Unauthorized.invalid_token(error.reason))
    except KeysUnavailable as error:
        return error_response(Unavailable.keys_unreachable(error.retry_after))
    # A valid signature is not enough: identity may since have deactivated the user or
    # withdrawn a role the token carries (kit.principals, decision 0010).
    with runtime().db.read() as session:
        refused = principals.refusal(session, caller)
    if refused is not None:
        return error_response(Unauthorized.invalid_token(refused))
    g.principal = caller
    return None


def _check_scope(service: str) -> Response | None:
    """403 when an API client's token lacks the scope this call needs (kit.policy's rule, the
    gateway's): the service does not rely on the gateway having checked it."""
    caller = g.get("principal")
    if caller is None:
        return None
    needed = missing_scope(caller, service, request.method, request.path)
    return None if needed is None else insufficient_scope(service, needed)


def accepts(*content_types: str) -> Callable[[F], F]:
    """Declare the request body types a view takes (JSON unless it says otherwise)."""

    def mark(view: F) -> F:
        view.accepted_content_types = frozenset(content_types)  # type: ignore[attr-defined]
        return view

    return mark


def decimal_strings(converter: Any, field: fields.Field, **_: Any) -> dict[str, Any]:
    """apispec documents every Decimal as a number; one dumped as a string (points, totals:
    ``"12.50"``, exact) is documented as the string it is."""
    if isinstance(field, fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


class ProblemApi(Api):
    """flask-smorest's Api, answering (and documenting) its errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents errors as application/json; ours are problem+json.
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        return web.http_problem(error)


def _check_body() -> Response | None:
    """415 for a body type the view does not take, 400 for JSON that does not parse or nests
    too deeply, 422 for JSON strings no database can store (kit.inputs)."""
    routed = request.routing_exception is None  # unknown routes answer 404/405 instead
    if routed and request.method in BODY_METHODS and request.content_length:
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
                document = request.get_json(force=True)
            except RecursionError:  # nested past Python's own limit (about 1,000 levels)
                return inputs.too_deep()
            except BadRequest:
                return problem_response(
                    400,
                    "malformed-json",
                    (
                        "Nội dung không phải JSON hợp lệ (UTF-8).",
                        "The body is not valid JSON (UTF-8).",
                    ),
                )
            return inputs.check_json(document)
    return None


def create_app(
    service: Service, settings: Settings | None = None, keys: KeySource | None = None
) -> Flask:
    """Build the service's app; ``keys`` overrides where token keys come from (tests).

    ``settings`` default to ``service.settings.from_env``; the kit's settings alone (a test's)
    are extended with the service's own, read from the environment."""
    if settings is None:
        settings = service.settings.from_env(service.name)
    settings = settings.extended(service.settings)
    logs.configure(service.name)
    app = Flask(service.name)
    app.config.update(
        API_TITLE=service.title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": service.description},
            "security": [{"bearerAuth": []}],
        },
    )
    db = Database(settings.database_url, service.name)
    if keys is None:
        keys = service.key_source(db) if service.key_source else JwksCache(settings.jwks_url)
    app.extensions[EXTENSION] = Runtime(service, settings, db, keys)
    install(app, service.actions)  # its requests check the actions it declares (kit.policy)
    api = ProblemApi(app)
    api.ma_plugin.converter.add_attribute_function(decimal_strings)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    api.register_blueprint(ops_blueprint)
    for blueprint in service.blueprints:
        api.register_blueprint(blueprint)

    web.install(app, service.name, settings.max_body_bytes)
    app.before_request(_authenticate)
    app.before_request(lambda: _check_scope(service.name))
    app.before_request(inputs.check_request)
    app.before_request(_check_body)
    app.before_request(lambda: None if _keeps_no_answer() else idempotency.begin(runtime().db))
    app.after_request(lambda response: idempotency.finish(runtime().db, response))
    app.teardown_request(lambda _error: idempotency.abandon(runtime().db))
    if service.on_app:
        service.on_app(app)
    return app
