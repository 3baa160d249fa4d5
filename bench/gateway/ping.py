"""The trivial upstream of the gateway benchmark: as little work as an HTTP answer can be.

A bare WSGI callable (no Flask) under gunicorn, so the figures are the gateway's: ``/ping``
and ``/healthz`` answer a fixed small JSON body, and ``/.well-known/jwks.json`` serves the
benchmark's public key (``BENCH_JWKS``), which puts it where the gateway looks for identity's
keys by default. Run as ``gunicorn bench.gateway.ping:app``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

PONG = b'{"ok":true}'


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path in ("/ping", "/healthz"):
        body = PONG
    elif path == "/.well-known/jwks.json":
        body = os.environ.get("BENCH_JWKS", '{"keys": []}').encode()
    else:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
