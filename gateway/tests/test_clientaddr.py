"""Working out the client's address from the socket peer and X-Forwarded-For."""

from __future__ import annotations

import pytest

from gateway.clientaddr import client_address, limit_key


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        # No trusted proxy: the header is the client's own claim.
        ("10.1.2.3", ["203.0.113.9"], 0, "10.1.2.3"),
        ("10.1.2.3", [], 0, "10.1.2.3"),
        # One proxy: the address it appended, whatever the client put before it.
        ("10.0.0.2", ["203.0.113.9"], 1, "203.0.113.9"),
        ("10.0.0.2", ["198.51.100.7, 203.0.113.9"], 1, "203.0.113.9"),
        # Two proxies: the second from the right (what the outer one saw).
        ("10.0.0.2", ["198.51.100.7, 203.0.113.9, 10.0.0.1"], 2, "203.0.113.9"),
        # The entries may come in several header lines, in order.
        ("10.0.0.2", ["198.51.100.7", "203.0.113.9, 10.0.0.1"], 2, "203.0.113.9"),
        # Fewer entries than proxies: the leftmost.
        ("10.0.0.2", ["203.0.113.9"], 3, "203.0.113.9"),
        # No header at all, or a trusted entry that is not an address: the peer.
        ("10.0.0.2", [], 1, "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.7, unknown"], 1, "10.0.0.2"),
        # One spelling per address.
        ("10.0.0.2", ["2001:DB8:0:0::1"], 1, "2001:db8::1"),
        ("10.0.0.2", ["[2001:db8::1]:443"], 1, "2001:db8::1"),
        ("::ffff:192.0.2.1", [], 0, "192.0.2.1"),
    ],
)
def test_client_address(peer: str, forwarded_for: list[str], trusted: int, expected: str) -> None:
    assert client_address(peer, forwarded_for, trusted) == expected


def test_ipv6_clients_are_limited_by_their_64_bit_prefix() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::7")
    assert limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("203.0.113.9") == "203.0.113.9"
