"""Who is on the other end: the client's address, as far as the gateway can trust it.

Rate limits per address and identity's audit log both need the client's address, and behind
a load balancer the socket peer is the load balancer. Each proxy appends the address it saw to
``X-Forwarded-For``, but a client can send that header too, with anything in it. So the
gateway trusts exactly as many entries, counted from the right, as there are proxies of ours in
front of it (``GATEWAY_TRUSTED_PROXIES``): with N proxies the client is the N-th address from
the right, the one the outermost proxy saw. With none, the socket peer is the client and the
header is the client's own claim, ignored, so varying it cannot dodge a limit.

The address goes upstream as ``X-Real-IP``; the services believe it only from the proxies they
trust (kit.clientaddr, ``THIDUA_TRUSTED_PROXIES``), such as this gateway.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from flask import current_app, g, request
from werkzeug.wrappers import Request

from kit.clientaddr import normalised

# An IPv6 client usually holds a whole /64 and can pick a fresh address in it per request.
IPV6_LIMIT_PREFIX = 64


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted_proxies: int) -> str:
    """The client's address from the socket peer and the ``X-Forwarded-For`` header values.

    With ``trusted_proxies`` = N > 0 it is the N-th entry from the right, or the leftmost when
    there are fewer (a proxy that did not add one); an entry that is not an address means a
    proxy was misconfigured, and then the peer is used, never the untrusted text.
    """
    fallback = _spelled(peer) if peer else "unknown"
    if trusted_proxies <= 0:
        return fallback
    entries = [entry for value in forwarded_for for entry in value.split(",") if entry.strip()]
    if not entries:
        return fallback
    chosen = entries[-trusted_proxies] if len(entries) >= trusted_proxies else entries[0]
    return normalised(chosen) or fallback


@functools.lru_cache(maxsize=4096)
def _spelled(peer: str) -> str:
    """The socket peer's one spelling (or the peer as given, if it is no address), remembered
    per peer: parsing the same address again on every request was most of this module's cost."""
    return normalised(peer) or peer


@functools.lru_cache(maxsize=4096)
def limit_key(address: str) -> str:
    """What the per-address limits count: the address itself, or its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_LIMIT_PREFIX}", strict=False))
    return address


def of_request(req: Request, trusted_proxies: int) -> str:
    """``req``'s client address (Flask's current request, or one the fast path answers)."""
    return client_address(req.remote_addr, req.headers.getlist("X-Forwarded-For"), trusted_proxies)


def current() -> str:
    """The current request's client address, worked out once per request."""
    if "client_address" not in g:
        trusted = current_app.extensions["gateway"].settings.trusted_proxies
        g.client_address = of_request(request, trusted)
    return g.client_address
