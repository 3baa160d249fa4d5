"""Forwarding ``/api/v1/<service>/<path>`` to ``<path>`` on that service, and every other path
(but the gateway's own: ``/healthz``, ``/readyz``, ``/metrics``, ``/api/docs``,
``/api/openapi.json``) unchanged to the web application.

The request goes upstream as the client sent it (method, path, query, body, end-to-end
headers, ``Authorization`` included: services verify the token again) plus ``X-Request-ID``,
the ``X-Forwarded-*`` headers and ``X-Real-IP``, the client's address as the gateway worked it
out (gateway.clientaddr; identity's audit log records it); the answer comes back as the
service gave it. The body is read whole in both directions: the gateway limits request bodies
anyway, and a complete answer is the only way to turn a service dying mid-answer into a clean
502 instead of a truncated 200.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Blueprint, Request, Response, current_app, g, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed

from gateway import clientaddr
from gateway.config import Settings
from gateway.http1 import TIMEOUT, UNAVAILABLE, Reply, UpstreamFailure
from gateway.metrics import UPSTREAM_ERRORS, UPSTREAM_LATENCY, UPSTREAM_REQUESTS
from gateway.upstreams import Upstream
from kit.problems import Problem, problem_response

log = logging.getLogger(__name__)

blueprint = Blueprint("proxy", __name__)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
OWN_PATHS = frozenset({"healthz", "readyz"})  # the gateway's (gateway.ops), never the web's

# Headers that describe one connection, not the message (RFC 9110 section 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)
# Set again by the gateway (or by requests, for Content-Length) rather than passed along.
REQUEST_REPLACED = frozenset(
    {
        "content-length",
        "expect",
        "x-request-id",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-forwarded-prefix",
        "x-real-ip",  # a client's own would be believed upstream
    }
)
# The gateway's server adds its own; two Date headers would confuse caches.
RESPONSE_REPLACED = frozenset({"content-length", "date", "server"})
# A service's paths the gateway never forwards: metrics are for the monitoring network only.
NOT_FORWARDED = frozenset({"/metrics"})


def _connection_tokens(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Header names listed in ``Connection`` are hop-by-hop too."""
    tokens: set[str] = set()
    for name, value in headers:
        if name.lower() == "connection":
            tokens.update(t.strip().lower() for t in value.split(",") if t.strip())
    return tokens


def end_to_end(
    headers: Iterable[tuple[str, str]], replaced: frozenset[str]
) -> list[tuple[str, str]]:
    """The headers that belong to the message, without hop-by-hop and replaced ones."""
    headers = list(headers)
    dropped = HOP_BY_HOP | replaced | _connection_tokens(headers)
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in dropped and not name.lower().startswith("proxy-")
    ]


def upstream_path(req: Request, prefix: str) -> str:
    """The path to ask the upstream for, without ``prefix``, keeping the client's
    percent-encoding (``%2F`` stays)."""
    raw = req.environ.get("RAW_URI") or req.environ.get("REQUEST_URI") or ""
    raw_path = raw.split("?", 1)[0]
    if not (raw_path == prefix or raw_path.startswith(prefix + "/")) or not raw_path:
        # No raw URI from the server (or an unusual one): re-encode the decoded path.
        raw_path = quote(req.path, safe="/:@!$&'()*+,;=-._~")
    return raw_path[len(prefix) :] or "/"


def environ_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request's headers as werkzeug's ``request.headers`` lists them, read straight from
    the WSGI environ: werkzeug's view costs a lookup through its proxies per header, and the
    gateway copies every header of every request."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                headers.append((key[5:].replace("_", "-").title(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-").title(), value))
    return headers


def _request_headers(
    req: Request, prefix: str, request_id: str, real_ip: str
) -> list[tuple[str, str]]:
    environ = req.environ
    headers = end_to_end(environ_headers(environ), REQUEST_REPLACED)
    forwarded_for = req.headers.get("X-Forwarded-For")
    client = req.remote_addr or "unknown"
    headers += [
        ("X-Request-ID", request_id),
        ("X-Forwarded-For", f"{forwarded_for}, {client}" if forwarded_for else client),
        ("X-Forwarded-Proto", req.scheme),
        ("X-Forwarded-Host", req.host),
        *([("X-Forwarded-Prefix", prefix)] if prefix else []),
        ("X-Real-IP", real_ip),
    ]
    return headers


def framed_empty(environ: Mapping[str, Any]) -> bool:
    """Whether the server framed the request's body as empty (kit.serving reads every body
    whole and gives its length): then there is nothing to read."""
    return environ.get("CONTENT_LENGTH") == "0" and "HTTP_TRANSFER_ENCODING" not in environ


def _body(req: Request) -> bytes:
    """The request's body; 413 over the limit (kit.web bounds chunked ones too). A body
    framed as empty is not read through werkzeug's stream at all."""
    if framed_empty(req.environ):
        return b""
    return req.get_data(cache=False)


def _public_location(location: str, upstream: Upstream, prefix: str) -> str:
    """Rewrite a redirect to the service's own address into the gateway's address for it."""
    if location.startswith(upstream.base_url + "/") or location == upstream.base_url:
        location = location[len(upstream.base_url) :] or "/"
    elif not location.startswith("/") or location.startswith("//"):
        return location  # elsewhere, or relative to the current path: already right
    base_path = urlsplit(upstream.base_url).path
    if base_path and location.startswith(base_path + "/"):
        location = location[len(base_path) :]
    return prefix + location


def unavailable(upstream: Upstream, kind: str, error: BaseException) -> Response:
    """The answer when ``upstream`` gave none (``kind``: gateway.http1's), for the current
    request; the gateway's fast path pushes a request context to answer with it too."""
    UPSTREAM_ERRORS.labels(upstream.name, kind).inc()
    log.warning(
        "upstream %s failed: %s",
        upstream.name,
        kind,
        extra={"upstream": upstream.name, "kind": kind, "error": repr(error)[:500]},
    )
    name = upstream.name
    if kind == UNAVAILABLE:
        return problem_response(
            503,
            "service-unavailable",
            (
                f"Dịch vụ {name} hiện không kết nối được; hãy thử lại sau ít phút.",
                f"The {name} service cannot be reached right now; try again in a few minutes.",
            ),
            service=name,
        )
    if kind == TIMEOUT:
        timeout = current_app.extensions["gateway"].settings.read_timeout
        return problem_response(
            504,
            "gateway-timeout",
            (
                f"Dịch vụ {name} không trả lời trong {timeout:g} giây; yêu cầu có thể đã được "
                "xử lý, hãy kiểm tra trước khi gửi lại.",
                f"The {name} service did not answer within {timeout:g} s; the request may "
                "have been carried out, check before sending it again.",
            ),
            service=name,
        )
    return problem_response(
        502,
        "bad-gateway",
        (
            f"Dịch vụ {name} trả lời không hợp lệ.",
            f"The {name} service sent an invalid answer.",
        ),
        service=name,
    )


def api_prefix(upstream: Upstream) -> str:
    """The part of a forwarded request's path that names its service."""
    return f"/api/v1/{upstream.name}"


def forward_to(upstream: Upstream, prefix: str | None = None) -> Response:
    """Send the current request to ``upstream`` and build the client's answer from its reply;
    ``prefix`` is the part of the path that names the upstream (``/api/v1/<service>``; none
    for the web application, which gets the path as it is)."""
    req = request._get_current_object()  # type: ignore[attr-defined]  # once, not per use
    prefix = api_prefix(upstream) if prefix is None else prefix
    g.log_extra = {**g.get("log_extra", {}), "upstream": upstream.name}  # for the log line
    settings = current_app.extensions["gateway"].settings
    body = _body(req)
    try:
        reply = send(upstream, req, prefix, g.request_id, clientaddr.current(), settings, body)
    except UpstreamFailure as failure:
        return unavailable(upstream, failure.kind, failure)
    return answer(upstream, reply, req.method, prefix)


def send(
    upstream: Upstream,
    req: Request,
    prefix: str,
    request_id: str,
    real_ip: str,
    settings: Settings,
    body: bytes,
) -> Reply:
    """Send ``req`` (with ``body``) to ``upstream`` as the gateway forwards it, the client's
    address (gateway.clientaddr) as ``X-Real-IP``; count the answer in the upstream metrics
    and return it, or raise UpstreamFailure. Flask's ``request`` and ``g`` are not used: the
    gateway's fast path sends with this too."""
    target = upstream.target(upstream_path(req, prefix))
    query = req.environ.get("QUERY_STRING", "")
    if query:
        target += "?" + query
    started = time.perf_counter()
    reply = upstream.pool.request(
        req.method,
        target,
        _request_headers(req, prefix, request_id, real_ip),
        body,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
    )
    _upstream_latency(upstream.name).observe(time.perf_counter() - started)
    _upstream_requests(upstream.name, reply.status).inc()
    return reply


def answer(upstream: Upstream, reply: Reply, method: str, prefix: str) -> Response:
    """The client's answer to a request of ``method`` from the upstream's ``reply``."""
    # Undecoded: a gzip answer stays gzip, with its Content-Encoding, for the client.
    headers = end_to_end(reply.headers, RESPONSE_REPLACED)
    for index, (name, value) in enumerate(headers):
        if name.lower() == "location":
            headers[index] = (name, _public_location(value, upstream, prefix))
    # The service's headers only: werkzeug adds Content-Length from the body when it sends the
    # answer (none for 204). HEAD and 304 have no body, so they keep the service's, which
    # describes the body they leave out.
    response = Response(reply.body, status=reply.status)
    response.headers = Headers(headers)
    length = reply.header("Content-Length")
    if length is not None and (method == "HEAD" or reply.status == 304):
        response.headers["Content-Length"] = length
    return response


@functools.cache
def _upstream_latency(name: str) -> Any:
    """The latency histogram's child for one upstream (``labels`` looks it up under a lock)."""
    return UPSTREAM_LATENCY.labels(name)


@functools.lru_cache(maxsize=1024)
def _upstream_requests(name: str, status: int) -> Any:
    return UPSTREAM_REQUESTS.labels(name, str(status))


def resolved(path: str) -> str:
    """``path`` as the service ends up reading it: empty and ``.`` segments dropped and ``..``
    resolved (gateway.http1 removes dot segments before it sends), so ``/a/../metrics`` or
    ``//metrics`` is recognised for what it reaches."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments)


def is_forwarded(path: str) -> bool:
    """Whether the gateway forwards ``path`` (the service's path, decoded) at all."""
    return resolved(path) not in NOT_FORWARDED


def _upstreams() -> Mapping[str, Upstream]:
    return current_app.extensions["gateway"].upstreams


@blueprint.route(
    "/api/v1/<service>/",
    defaults={"path": ""},
    methods=METHODS,
    strict_slashes=False,
    provide_automatic_options=False,
)
@blueprint.route("/api/v1/<service>/<path:path>", methods=METHODS, provide_automatic_options=False)
def forward(service: str, path: str) -> Response:
    """Any method on any path under a known service goes to that service (OPTIONS included),
    but its metrics, which are scraped from inside the cluster only."""
    upstream = _upstreams().get(service)
    if upstream is None:
        known = ", ".join(_upstreams())
        raise Problem(
            404,
            "not-found",
            (
                f"Không có dịch vụ '{service}'; các dịch vụ: {known}.",
                f"There is no service '{service}'; the services are: {known}.",
            ),
        )
    if not is_forwarded("/" + path):
        raise Problem(
            404,
            "not-found",
            (
                "Không có tài nguyên nào ở địa chỉ này.",
                "Nothing exists at this address.",
            ),
        )
    return forward_to(upstream)


@blueprint.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
@blueprint.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
def forward_web(path: str) -> Response:
    """Every other path is the web application's (its pages, forms and static files). The
    API's namespace stays the gateway's, so an unknown ``/api/...`` is the gateway's 404, and
    ``/metrics`` is not public here either (the web application's are for monitoring only)."""
    if path in OWN_PATHS:  # another method on the gateway's own /healthz or /readyz
        raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
    if resolved(path).split("/", 2)[1] in ("api", "metrics"):  # `/x/../metrics` too
        raise Problem(
            404,
            "not-found",
            (
                "Không có địa chỉ này; API ở /api/v1/<dịch vụ>/….",
                "Nothing here; the API is at /api/v1/<service>/….",
            ),
        )
    return forward_to(current_app.extensions["gateway.web"], prefix="")
