"""Optimistic concurrency for resources several people edit: ``If-Match`` against the ETag.

An endpoint that changes such a resource (a criteria table draft, a scoresheet, an entry)
answers its ETag when it is read, and takes it back as ``If-Match`` when it is changed:

- no ``If-Match``: ``PreconditionRequired`` (428), the caller must say which version it read;
- an ``If-Match`` that is not the current ETag: ``PreconditionFailed`` (412) with
  ``current_etag``, so the caller can reload, merge and try again.

The comparison is exact (the platform's ETags are weak and opaque, and ``*`` names no version
a caller read, so it is refused like any stale one).

Usage, in a view::

    sent = if_match()                       # 428 before any work when it is missing
    with database().transaction() as session:
        sheet = load(session, sheet_id)     # 404 first when there is nothing to change
        require_match(etag(sheet), sent)    # 412 when someone saved since
        ...

or, when the resource is at hand already, ``require_match(etag(sheet))`` alone. Decorate the
view with :func:`takes_if_match` so its OpenAPI operation says so (a client generated from the
document must know the header is required, and that 412 and 428 may come back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_smorest import Blueprint

from kit.errors import PreconditionFailed, PreconditionRequired, Text
from kit.problems import CONTENT_TYPE as PROBLEM_TYPE

__all__ = ["HEADER", "if_match", "require_match", "takes_if_match"]

HEADER = "If-Match"
F = TypeVar("F", bound=Callable[..., Any])


def takes_if_match(view: F) -> F:
    """Document that ``view`` requires ``If-Match`` and may answer 412 or 428."""
    return Blueprint.doc(
        parameters=[
            {
                "in": "header",
                "name": HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "The ETag of the version read (412 when it is no longer current).",
            }
        ],
        responses={
            "412": _problem("The version read is no longer current (current_etag says which is)."),
            "428": _problem("If-Match is missing."),
        },
    )(view)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def if_match() -> str:
    """The request's ``If-Match``; ``PreconditionRequired`` (428) when there is none."""
    sent = request.headers.get(HEADER)
    if not sent:
        raise PreconditionRequired()
    return sent


def require_match(current_etag: str, sent: str | None = None, *, stale: Text | None = None) -> None:
    """Go on only if the caller read the current version.

    ``sent`` is the ``If-Match`` already taken with ``if_match()``; without it the request's is
    read (428 when missing). ``stale`` words the 412's detail for this resource ("the table
    was changed"); the 412 always carries ``current_etag``.
    """
    if sent is None:
        sent = if_match()
    if sent != current_etag:
        raise PreconditionFailed(current_etag, stale)
