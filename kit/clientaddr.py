"""The client's address, as far as a service can trust it.

The gateway works out the client's address past its own proxies and sends it on as
``X-Real-IP`` (gateway.clientaddr). A service must not believe that header from just anyone: a
caller that reaches the service directly could write any address there and have identity's
audit log and lockout record it. So a service believes ``X-Real-IP`` only when the socket peer
is one of its trusted proxies (``THIDUA_TRUSTED_PROXIES``: addresses or networks, by default
the loopback addresses, where the embedded mode's gateway runs); from anyone else the peer is
the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = [
    "LOOPBACK",
    "Network",
    "client_address",
    "is_trusted",
    "normalised",
    "parse_networks",
]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The embedded mode's gateway runs on the same machine as the services.
LOOPBACK = "127.0.0.1/32,::1/128"


def normalised(text: str) -> str | None:
    """One spelling per address (``::FFFF:1.2.3.4`` and ``1.2.3.4`` are one client), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443", as some proxies write it
        text = text[1 : text.index("]")]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.compressed


def parse_networks(raw: str, name: str = "THIDUA_TRUSTED_PROXIES") -> tuple[Network, ...]:
    """``10.0.0.0/8, 192.0.2.7`` as networks; a malformed entry stops start-up, naming ``name``."""
    networks = []
    for entry in raw.replace(";", ",").split(","):
        if not entry.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"{name} must list addresses or networks such as 10.0.0.0/8, not {entry!r}"
            ) from None
    return tuple(networks)


def is_trusted(address: str | None, trusted: Iterable[Network]) -> bool:
    parsed = normalised(address or "")
    if parsed is None:
        return False
    ip = ipaddress.ip_address(parsed)
    return any(ip.version == network.version and ip in network for network in trusted)


def client_address(peer: str | None, real_ip: str | None, trusted: Iterable[Network]) -> str | None:
    """``real_ip`` when the peer is a trusted proxy and it is an address, else the peer."""
    if real_ip and is_trusted(peer, trusted):
        believed = normalised(real_ip)
        if believed is not None:
            return believed
    return normalised(peer or "") or peer
