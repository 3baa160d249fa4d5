"""The pages, one blueprint per area (docs/web.md: how to add one).

A view asks the platform through ``web.api.client()``, shapes the answers for its template
and renders it; it raises nothing of its own for errors the platform reports (web.errors
shows them), except where it explains one in place (a 412 conflict, 422 field errors).
"""

from __future__ import annotations

from web import session as web_session
from web.api import SessionExpired


def require_user() -> web_session.User:
    """The signed-in user, or off to the sign-in page (and back here afterwards)."""
    user = web_session.user()
    if user is None:
        raise SessionExpired(had_session=web_session.had_session())
    return user
