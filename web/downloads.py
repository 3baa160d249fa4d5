"""Files the API writes (Excel exports, the criteria template, a diff as text), passed on to
the browser as they came: fetched with the signed-in user's token (web.api), so the platform
decides who may have them, and answered as an attachment that is never shown as a page."""

from __future__ import annotations

from flask import Response, make_response

from web.api import Reply

PASSED_HEADERS = ("Content-Type", "Content-Disposition", "Last-Modified")


def passed_on(reply: Reply, filename: str | None = None) -> Response:
    """The API's answer as a download (``filename`` when the API names none)."""
    response = make_response(reply.content)
    for header in PASSED_HEADERS:
        if header in reply.headers:
            response.headers[header] = reply.headers[header]
    if "Content-Disposition" not in response.headers and filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Nothing in a file is the page's: no script, no style, no frame, whatever it holds.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
