"""How an error reaches the user: a page in their language, never a stack trace or raw JSON.

The API client (web.api) turns the platform's problem answers into exceptions; a view handles
the ones it can explain in place (412 conflicts and 422 field errors next to their fields)
and lets the rest come here:

- ``SessionExpired``: to the sign-in page, which says the session ended, with ``next`` so that
  signing in again brings the user back to the page (htmx requests get ``HX-Redirect``, so
  the whole page goes there, not a fragment);
- ``NotFound`` and werkzeug's 404: the 404 page (a sheet of another province is one: the
  platform answers 404 for what the user may not know exists);
- any other ``ApiError``: a page with its status, the platform's explanation and the request
  id to quote to the administrators; a werkzeug error (400 for a bad CSRF token, 405) likewise.

htmx requests that fail here get the same message as a small fragment for the page's alert
region (static/js/app.js shows it), since htmx does not swap error answers into the page.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from web import session as web_session
from web.api import ApiError, NotFound, SessionExpired, Unavailable

log = logging.getLogger(__name__)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(candidate: str | None) -> str | None:
    """A path on this site to go back to after sign-in, or None (never another site)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return None
    if "\\" in candidate or any(ord(c) < 32 for c in candidate):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return None
    return candidate


def current_page() -> str:
    """The page the user is on: for htmx requests the page that sent them, not the fragment."""
    if is_htmx():
        current = request.headers.get("HX-Current-URL", "")
        parts = urlsplit(current)
        if parts.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def _session_expired(error: SessionExpired) -> Response:
    web_session.end(expired=error.had_session)
    target = url_for(
        "auth.sign_in",
        next=safe_next(current_page()) if request.method == "GET" or is_htmx() else None,
        expired="1" if error.had_session else None,
    )
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _page(status: int, title: str, message: str, request_id: str | None = None) -> Response:
    template = "errors/fragment.html" if is_htmx() else "errors/page.html"
    body = render_template(
        template,
        status=status,
        title=title,
        message=message,
        request_id=request_id or g.get("request_id"),
    )
    return make_response(body, status)


def _not_found(error: Exception) -> Response:
    if is_htmx():
        return _page(404, _("Not found"), _("This page does not exist or is not yours to see."))
    body = render_template("errors/404.html", request_id=g.get("request_id"))
    return make_response(body, 404)


def _explain(status: int) -> tuple[str, str]:
    if status == 403:
        return _("Not allowed"), _("Your roles do not allow this.")
    if status == 409:
        return _("Not possible now"), _("This cannot be done in the current state.")
    if status == 429:
        return _("Too many requests"), _("Please wait a moment and try again.")
    if status >= 500:
        return _("The platform is not available"), _(
            "The platform cannot answer right now. Try again in a few minutes; if it goes on, "
            "give the request id below to the administrators."
        )
    return _("Something went wrong"), _("The request could not be carried out.")


def _api_error(error: ApiError) -> Response:
    if isinstance(error, SessionExpired):
        return _session_expired(error)
    if isinstance(error, NotFound):
        return _not_found(error)
    status = 503 if isinstance(error, Unavailable) else error.status
    title, message = _explain(status)
    if error.detail and status < 500:
        message = error.detail
    return _page(status, title, message, error.request_id)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        return _not_found(error)
    if status == 400 and error.description == "csrf":
        return _page(
            400,
            _("The form has expired"),
            _("Reload the page and send the form again."),
        )
    if status == 405:
        return _page(405, _("Not possible"), _("This address does not accept that request."))
    title, message = _explain(status)
    return _page(status, title, message)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("unhandled error")
    title, message = _explain(500)
    return _page(500, title, message)


def install(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
