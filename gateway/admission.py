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

The gateway's fast path (gateway.fastpath) makes the same checks in the same order with
``admit_remembered``, which refuses nothing: where a check would refuse, or need more than a
remembered token, it leaves the request to the Flask app and ``admit``. A hit it counted is
not counted again: it marks the request's environ (``ADDRESS_COUNTED``), and it never counts
the per-client hit of a request it then leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Request, Response, current_app, g, request

from gateway import auth, clientaddr
from gateway.ratelimit import ADDRESS, CLIENT, TOKEN
from kit.auth import KeysUnavailable, Principal, bearer_token
from kit.policy import missing_scope

if TYPE_CHECKING:
    from gateway.app import Gateway

UNLIMITED_BLUEPRINTS = frozenset({"ops"})
PROXY_ENDPOINT = "proxy.forward"
# In the WSGI environ: this request's per-address hit is counted already (by the fast path).
ADDRESS_COUNTED = "gateway.address_counted"


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
    if not request.environ.get(ADDRESS_COUNTED) and (refused := gateway.limits.check(ADDRESS, key)):
        return refused
    if auth.is_public(service, request.method, path):
        return None
    principal = auth.authenticate(gateway.tokens)
    if isinstance(principal, Response):
        return principal
    g.principal = principal
    if refused := gateway.limits.check(CLIENT, _client_key(principal)):
        return refused
    return auth.check_scope(principal, service, request.method, path)


def _client_key(principal: Principal) -> str:
    """What the per-client limit counts: the verified caller, whatever its address."""
    return f"{principal.kind}:{principal.subject}"


@dataclass(frozen=True)
class Admitted:
    """A request ``admit_remembered`` lets through: its client's address and what its log
    line says of it, as ``admit`` would have put in ``g.log_extra``."""

    address: str
    log_extra: dict[str, Any]


def admit_remembered(gateway: Gateway, req: Request, service: str, path: str) -> Admitted | None:
    """``admit``'s checks for a request to a known ``service`` (``path`` inside it) outside
    Flask, for the fast path: None leaves the request to the Flask app, which decides again."""
    method = req.method
    if auth.is_token_endpoint(service, method, path):
        return None  # its own limit comes first, and it is a POST: never the fast path's
    address = clientaddr.of_request(req, gateway.settings.trusted_proxies)
    if gateway.limits.retry_after(ADDRESS, clientaddr.limit_key(address)) is not None:
        return None  # nothing counted: admit refuses it with its 429
    req.environ[ADDRESS_COUNTED] = True
    if auth.is_public(service, method, path):
        return Admitted(address, {"client": address})
    token = bearer_token(req.headers.get("Authorization"))
    try:
        principal = None if token is None else gateway.tokens.remembered(token)
    except KeysUnavailable:
        return None
    # The scope before the client's hit, which a request left to admit must not have counted.
    if principal is None or missing_scope(principal, service, method, path) is not None:
        return None
    if gateway.limits.retry_after(CLIENT, _client_key(principal)) is not None:
        return None  # refused, so not counted: admit refuses it again
    return Admitted(address, {"client": address, "subject": principal.subject})
