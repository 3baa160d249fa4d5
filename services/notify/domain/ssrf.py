"""The address guard: notify never POSTs to the platform's own network on a stranger's behalf.

An endpoint's URL is the caller's to choose, so a webhook is a way to make notify send requests
(server-side request forgery). Outside the embedded mode a delivery may only go to a public
address: the host is resolved on *every* attempt, every address it resolves to is checked, and
the connection is made to the checked address itself (not to the name again), so a name that
resolves to a public address when checked and to 127.0.0.1 when connected (DNS rebinding)
gets nowhere. In the embedded mode (one machine, receivers on localhost) the guard lets local
addresses through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


class RefusedAddress(Exception):
    """The URL may not be delivered to; ``reason`` says why (safe to show its owner)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Destination:
    """Where one attempt connects: the checked address, and the name for Host and TLS."""

    scheme: str
    host: str
    address: str
    port: int
    path: str


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden(address: str) -> str | None:
    """Why ``address`` is not a public one, or None when it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip.is_unspecified, "unspecified"),
        (not ip.is_global, "not global"),
    )
    return next((name for hit, name in checks if hit), None)


def check_url(url: str, *, embedded: bool) -> None:
    """The rules on the URL alone (at registration): absolute http(s), https outside embedded,
    no credentials in it; an address literal is checked at once."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("not an absolute http(s) URL")
    if parts.scheme != "https" and not embedded:
        raise RefusedAddress("https only")
    if parts.username or parts.password:
        raise RefusedAddress("credentials in the URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise RefusedAddress("bad port") from None
    if not embedded:
        try:
            reason = forbidden(parts.hostname)
        except ValueError:
            return  # a name: checked after resolution, at every attempt
        if reason:
            raise RefusedAddress(f"{parts.hostname} is {reason}")


def destination(url: str, *, embedded: bool, resolve: Resolver = system_resolver) -> Destination:
    """Resolve and check ``url`` for one attempt; ``RefusedAddress`` when it may not be sent."""
    check_url(url, embedded=embedded)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except OSError as error:
        raise RefusedAddress(f"{host} does not resolve: {error}") from None
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    if not embedded:
        for address in addresses:
            reason = forbidden(address)
            if reason:
                raise RefusedAddress(f"{host} resolves to {address}, which is {reason}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Destination(parts.scheme, host, addresses[0], port, path)
