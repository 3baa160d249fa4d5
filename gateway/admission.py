"""Whether a request gets through the gateway: rate limits and the token, in a fixed order.

The order is the point. Cheap checks come before expensive ones, and nothing an anonymous
caller sends can make the gateway do unbounded work:

1. the operators' endpoints (``/healthz``, ``/readyz``) pass untouched, so a probe from one
   address is never limited (metrics are scraped on a port of their own, gateway.metrics);
2. on identity's token endpoint, its own tighter per-address limit, before anything else;
3. the per-address limit, before the token is looked at, so a flood of forged tokens is
   throttled before it costs a signature check (or a JWKS refetch);
4. public routes stop here; every other route needs a valid token (401);
5. the per-client limit, keyed by the verified token's subject, so it cannot be dodged by
   changing address and cannot be spent on someone else's behalf with a forged token;
6. an API client's scopes (403).

An unknown route gets its 404/405 at once; an unknown service counts against the address
limit, then gets its 404 from the view, without a token check: there is nothing to protect.
"""

from __future__ import annotations

from flask import Response, current_app, g, request

from gateway import auth, clientaddr
from gateway.ratelimit import ADDRESS, CLIENT, TOKEN

UNLIMITED_BLUEPRINTS = frozenset({"ops"})
PROXY_ENDPOINT = "proxy.forward"


def admit() -> Response | None:
    """``before_request``: None lets the request through, a response refuses it."""
    if request.routing_exception is not None or request.blueprint in UNLIMITED_BLUEPRINTS:
        return None
    gateway = current_app.extensions["gateway"]
    address = clientaddr.current()
    g.log_extra = {**g.get("log_extra", {}), "client": address}
    key = clientaddr.limit_key(address)
    view_args = request.view_args or {}
    service = view_args.get("service")
    if request.endpoint != PROXY_ENDPOINT or service not in gateway.upstreams:
        # The gateway's own documents (and a 404 for an unknown service): the address limit.
        return gateway.limits.check(ADDRESS, key)
    path = "/" + view_args.get("path", "")
    if auth.is_token_endpoint(service, request.method, path) and (
        refused := gateway.limits.check(TOKEN, key)
    ):
        return refused
    if refused := gateway.limits.check(ADDRESS, key):
        return refused
    if auth.is_public(service, request.method, path):
        return None
    principal = auth.authenticate(gateway.tokens)
    if isinstance(principal, Response):
        return principal
    g.principal = principal
    if refused := gateway.limits.check(CLIENT, f"{principal.kind}:{principal.subject}"):
        return refused
    return auth.check_scope(principal, service, request.method, path)
