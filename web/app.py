"""The web application's factory: ``web.app:create_app()`` (see the Procfile).

A Flask app that renders pages from the platform's public API (web.api) with the signed-in
user's token, and answers ``/healthz`` and ``/readyz`` like every process of the platform.
Each request gets an ``X-Request-ID`` (passed on to the gateway, so one click can be followed
through every log), one JSON log line with the time spent waiting for the API, and the
platform's request metrics labelled ``service="web"``.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, Response, g, request

from kit import context, logs
from kit.metrics import HTTP_LATENCY, HTTP_REQUESTS
from web import errors, i18n, security, templating
from web.api import Client
from web.settings import Settings
from web.views import (
    admin,
    auth,
    awards,
    covenants,
    home,
    inbox,
    movements,
    ops,
    results,
    rounds,
    sheets,
    tables,
    webhooks,
)

log = logging.getLogger(__name__)

SERVICE = "web"
SESSION_COOKIE = "thidua_session"
QUIET_ROUTES = frozenset({"/healthz", "/metrics", "/static/<path:filename>"})
MAX_FORM_BYTES = 21 * 1024 * 1024  # an evidence file (20 MiB) and the form around it


def _begin_request() -> None:
    g.started = time.perf_counter()
    g.request_id = context.accept_or_new_id(request.headers.get("X-Request-ID"))
    g.context_token = context.request_id.set(g.request_id)


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    route = request.url_rule.rule if request.url_rule else "unmatched"
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    HTTP_REQUESTS.labels(SERVICE, request.method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(SERVICE, request.method, route).observe(elapsed)
    if route not in QUIET_ROUTES:
        log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
                "api_ms": round(g.get("api_ms", 0.0), 2),
            },
        )
    return response


def _end_request(_: BaseException | None) -> None:
    token = g.pop("context_token", None)
    if token is not None:
        context.request_id.reset(token)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application; each gunicorn worker calls this (its own connection pool)."""
    settings = settings or Settings.from_env()
    logs.configure(SERVICE)
    app = Flask(SERVICE, root_path=str(Path(__file__).parent))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(days=7),  # no longer than the refresh token
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
        SEND_FILE_MAX_AGE_DEFAULT=timedelta(hours=1),
        WEB_SETTINGS=settings,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["web.api"] = Client(
        settings.api_url, settings.connect_timeout, settings.read_timeout, settings.pool_size
    )
    i18n.install(app)
    templating.install(app)
    app.jinja_env.globals["unread_count"] = inbox.unread_count  # the header's count
    app.before_request(_begin_request)
    app.before_request(security.check_csrf)
    app.after_request(security.secure_headers)
    app.after_request(_finish_request)
    app.teardown_request(_end_request)
    errors.install(app)
    blueprints = (ops, auth, home, sheets, results, rounds, admin, tables, movements, covenants)
    blueprints += (inbox, webhooks)
    for module in (*blueprints, awards, awards.public):
        app.register_blueprint(module.blueprint)
    return app
