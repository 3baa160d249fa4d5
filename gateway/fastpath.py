"""The gateway's fast path: a forwarded GET or HEAD that needs nothing but a remembered token,
answered outside Flask.

Most of what reaches the gateway is such a read, and for it Flask's request context, its
routing and hooks cost about as much again as the gateway's own work (docs/decisions/0013).
This WSGI middleware stands in front of the Flask app and answers the common case itself,
with the functions the Flask app uses: Flask's URL map to route it, ``admission``'s checks in
their order (``admit_remembered``), ``proxy.send`` and ``proxy.answer`` to forward it, and
``kit.web.finish`` for the answer's headers, the request metrics and the log line. So the
client, the service, the logs and the metrics see the same request either way.

Everything else goes to the Flask app unchanged: another method, a request with a body,
another route, an unknown service or a path not forwarded, a public route's neighbour with no
token, a token missing, unknown, expired or of a withdrawn key, a scope an API client lacks,
or a limit that would refuse. A per-address hit counted here is not counted again there
(``admission.ADDRESS_COUNTED``). Once the request has gone upstream it is never sent again:
an upstream failure, or an error nobody expected, is answered here by the Flask app's own
answer for it (``proxy.unavailable``, the app's error handler) in a request context pushed
for that alone.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g
from werkzeug.exceptions import HTTPException

from gateway import admission, proxy
from gateway.http1 import UpstreamFailure
from kit import context, web

if TYPE_CHECKING:
    from gateway.app import Gateway

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

METHODS = frozenset({"GET", "HEAD"})
PATH_PREFIX = "/api/v1/"  # what every path proxy.forward routes starts with: a first sieve


class FastPath:
    """WSGI middleware: answers what it can (see the module), hands the rest to ``app``."""

    def __init__(self, flask_app: Flask, app: WsgiApp) -> None:
        self.flask_app = flask_app
        self.app = app  # the full path: the Flask app's WSGI callable, with kit.web's wrapper
        self.gateway: Gateway = flask_app.extensions["gateway"]
        self.name: str = flask_app.config["THIDUA_NAME"]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        # A context of its own: the request id set for the log lines goes with it.
        response = contextvars.copy_context().run(self._answer, environ)
        if response is None:
            return self.app(environ, start_response)
        return response(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> Response | None:
        """The answer to the request, or None to leave it to the Flask app."""
        if (
            environ.get("REQUEST_METHOD") not in METHODS
            or not proxy.framed_empty(environ)
            or not environ.get("PATH_INFO", "").startswith(PATH_PREFIX)
        ):
            return None
        started = time.perf_counter()
        req = self.flask_app.request_class(environ)
        try:
            rule, view_args = self.flask_app.create_url_adapter(req).match(  # type: ignore[union-attr]
                return_rule=True
            )
        except HTTPException:  # no route, another method, a redirect: Flask answers
            return None
        upstream = self.gateway.upstreams.get(view_args.get("service", ""))
        path = "/" + view_args.get("path", "")
        if rule.endpoint != admission.PROXY_ENDPOINT or upstream is None:
            return None
        if not proxy.is_forwarded(path):
            return None
        request_id = context.accept_or_new_id(req.headers.get("X-Request-ID"))
        context.request_id.set(request_id)
        context.correlation_id.set(request_id)
        log_extra: dict[str, Any] = {}
        try:
            admitted = admission.admit_remembered(self.gateway, req, upstream.name, path)
            if admitted is None:
                return None
            log_extra = {**admitted.log_extra, "upstream": upstream.name}
            prefix = proxy.api_prefix(upstream)
            try:
                reply = proxy.send(
                    upstream, req, prefix, request_id, admitted.address, self.gateway.settings, b""
                )
            except UpstreamFailure as failure:
                response = self._in_flask(
                    environ, request_id, proxy.unavailable, upstream, failure.kind, failure
                )
            else:
                response = proxy.answer(upstream, reply, req.method, prefix)
        except Exception as error:  # as the Flask app would answer it: kit.web's 500 problem
            response = self._in_flask(environ, request_id, self._handled, error)
        return web.finish(
            response,
            name=self.name,
            method=req.method,
            path=req.path,
            route=rule.rule,
            request_id=request_id,
            started=started,
            credentials=bool(req.headers.get("Authorization")),
            log_extra=log_extra,
        )

    def _in_flask(
        self,
        environ: dict[str, Any],
        request_id: str,
        answer: Callable[..., Response],
        *args: Any,
    ) -> Response:
        """``answer(*args)`` in a Flask request context for this request, as the Flask app's
        own answers need one (a problem speaks the caller's language and names the request)."""
        with self.flask_app.request_context(environ):
            g.request_id = request_id
            return answer(*args)

    def _handled(self, error: Exception) -> Response:
        """The Flask app's answer to ``error`` raised by its view (its error handlers')."""
        return self.flask_app.make_response(self.flask_app.handle_user_exception(error))
