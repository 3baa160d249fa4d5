"""What every answer of the web application carries, and what every form must carry.

- **CSRF**: every POST, PUT, PATCH and DELETE must send the session's token, as the form field
  ``csrf_token`` (every ``<form>`` has it, from the base layout's macro) or as the
  ``X-CSRF-Token`` header (htmx requests: static/js/app.js copies it from the page's
  ``<meta name="csrf-token">``). A missing or wrong token is 400 with a page that says to
  reload. SameSite=Lax on the cookie is the second line, not the only one.
- **CSP**: scripts, styles, images and fonts from this origin only; no inline script or style
  (so no ``style=""`` attribute and no ``onclick=""`` in any template), no plugins, no
  framing, forms post only here.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, and
  ``Cache-Control: no-store`` on pages (they show one user's data; a shared office machine's
  back button must not show it to the next person). Static files may be cached.
"""

from __future__ import annotations

import hmac

from flask import Response, abort, request

from web import session as web_session

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
EXEMPT_ENDPOINTS = frozenset({"ops.health", "ops.ready", "ops.metrics"})

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


def check_csrf() -> None:
    """``before_request``: refuse a state-changing request without this session's token."""
    if request.method not in UNSAFE_METHODS or request.endpoint in EXEMPT_ENDPOINTS:
        return
    expected = web_session.csrf_token()
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="csrf")


def secure_headers(response: Response) -> Response:
    """``after_request``: the headers every answer carries."""
    # A view may set a stricter one (a downloaded file: sandboxed, nothing allowed).
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response
