"""Per-request and per-message context: the request id and the correlation id.

Kept in context variables so that logging and the outbox read them without every function
passing them along. A request sets both (the correlation id is the request id); a consumer
sets the correlation id from the event it handles, so the events its handler emits carry it.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

__all__ = ["accept_or_new_id", "correlation_id", "request_id"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)

# A client-supplied id is echoed back and written into logs, so it must be harmless there.
_ACCEPTABLE_ID = re.compile(r"\A[A-Za-z0-9._:-]{1,128}\Z")


def accept_or_new_id(candidate: str | None) -> str:
    """Return the caller's id when it is safe to reuse, otherwise a fresh one."""
    if candidate and _ACCEPTABLE_ID.match(candidate):
        return candidate
    return str(uuid.uuid4())
