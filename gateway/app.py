"""The gateway's app factory: ``gateway.app:create_app()`` (see the Procfile).

The gateway is not a service (no database, no events), so it does not use ``kit.app``; it
installs the same HTTP conventions (kit.web) so clients see the same outside: an
``X-Request-ID`` on every answer, problem+json for every 4xx and 5xx it produces itself, JSON
logs carrying the request id, the body size limit, and metrics labelled ``service="gateway"``,
served on a port of their own (``GATEWAY_METRICS_PORT``), not the public one. Before
forwarding it checks rate limits and the bearer token (gateway.admission). A forwarded GET or
HEAD with a token it remembers is answered before Flask, by the same functions
(gateway.fastpath).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, request

from gateway import admission, docs_page, openapi, ops, proxy
from gateway.auth import VerifiedTokens, jwks_fetcher
from gateway.config import Settings
from gateway.fastpath import FastPath
from gateway.metrics import MetricsServer, serve
from gateway.ratelimit import ADDRESS, CLIENT, TOKEN, RateLimits, open_storage
from gateway.upstreams import Upstream, connect, new_session
from kit import logs, web
from kit.auth import JwksCache

log = logging.getLogger(__name__)

SERVICE = "gateway"
QUIET_ROUTES = frozenset({"/healthz", "/metrics"})


@dataclass(frozen=True)
class Gateway:
    """What a running gateway app holds, in ``app.extensions["gateway"]``."""

    settings: Settings
    upstreams: Mapping[str, Upstream]
    documents: openapi.DocumentCache
    keys: JwksCache  # identity's signing keys, one cache per worker process
    tokens: VerifiedTokens  # tokens verified by this worker, until they expire
    limits: RateLimits
    metrics: MetricsServer | None  # on GATEWAY_METRICS_PORT, never on the public port


def create_app(settings: Settings | None = None) -> Flask:
    """Build the gateway; each gunicorn worker calls this and so gets its own connection pools,
    JWKS cache, (with ``memory://``) rate limit counters and metrics server thread."""
    settings = settings or Settings.from_env()
    logs.configure(SERVICE)
    # No static folder: /static/… is the web application's (gateway.proxy.forward_web).
    app = Flask(SERVICE, static_folder=None)
    web.install(app, SERVICE, settings.max_body_bytes)

    @app.before_request
    def _uploads_may_be_larger() -> None:
        # Flask reads this per request; chunked uploads stay at the general limit (kit.web).
        if request.mimetype == "multipart/form-data":
            request.max_content_length = settings.upload_max_bytes

    upstreams = connect(settings)
    keys = JwksCache(
        settings.jwks_url,
        ttl=settings.jwks_ttl,
        cooldown=settings.jwks_cooldown,
        timeout=settings.connect_timeout,
        fetch=jwks_fetcher(new_session(2)),
    )
    app.extensions["gateway"] = Gateway(
        settings,
        upstreams,
        openapi.DocumentCache(upstreams, settings.openapi_ttl, settings.connect_timeout),
        keys,
        VerifiedTokens(
            keys,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            size=settings.token_cache_size,
        ),
        RateLimits(
            open_storage(settings.rate_limit_storage),
            {
                ADDRESS: settings.rate_limit_address,
                CLIENT: settings.rate_limit_client,
                TOKEN: settings.rate_limit_token,
            },
        ),
        serve(settings.metrics_host, settings.metrics_port) if settings.metrics_port else None,
    )
    # The web application: every path that is not the API's or the gateway's own (proxy).
    app.extensions["gateway.web"] = Upstream.open("web", settings.web_upstream, settings.pool_size)
    app.before_request(admission.admit)  # after kit.web's, which sets the request id
    for module in (ops, proxy, openapi, docs_page):
        app.register_blueprint(module.blueprint)
    # Forwarded reads with a remembered token are answered before Flask (gateway.fastpath).
    app.wsgi_app = FastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    return app
