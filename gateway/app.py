"""The gateway's app factory: ``gateway.app:create_app()`` (see the Procfile).

The gateway is not a service (no database, no events), so it does not use ``kit.app``; it
installs the same HTTP conventions (kit.web) so clients see the same outside: an
``X-Request-ID`` on every answer, problem+json for every 4xx and 5xx it produces itself, JSON
logs carrying the request id, the body size limit, and metrics labelled ``service="gateway"``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask

from gateway import docs_page, openapi, ops, proxy
from gateway.config import Settings
from gateway.upstreams import Upstream, connect
from kit import logs, web

log = logging.getLogger(__name__)

SERVICE = "gateway"
QUIET_ROUTES = frozenset({"/healthz", "/metrics"})


@dataclass(frozen=True)
class Gateway:
    """What a running gateway app holds, in ``app.extensions["gateway"]``."""

    settings: Settings
    upstreams: Mapping[str, Upstream]
    documents: openapi.DocumentCache


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway; each gunicorn worker calls this and so gets its own connection pools."""
    settings = settings or Settings.from_env()
    logs.configure(SERVICE)
    app = Flask(SERVICE)
    web.install(app, SERVICE, settings.max_body_bytes)
    upstreams = connect(settings)
    app.extensions["gateway"] = Gateway(
        settings,
        upstreams,
        openapi.DocumentCache(upstreams, settings.openapi_ttl, settings.connect_timeout),
    )
    for module in (ops, proxy, openapi, docs_page):
        app.register_blueprint(module.blueprint)
    return app
