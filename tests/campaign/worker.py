"""A scoring worker that also records every computation it commits, for the campaign's check.

``python -m tests.campaign.worker consume ...`` is ``python -m services.scoring consume ...``
with one addition: whenever ``lifecycle.computed`` or ``lifecycle.not_computable`` writes a
revision's outcome, a row (sheet, revision, outcome, process id) goes into
``campaign_computations`` in the same transaction. A computation whose transaction rolls
back (a worker killed before its commit, a database cut) leaves no row, exactly like its
effect; one committed twice leaves two rows. Scoring itself keeps no such record (its sheet
holds only the last outcome), so this is the only way to see "computed twice" from outside.
The product's code is not changed: the functions are wrapped in this process only.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, object_session

from services.scoring.domain import lifecycle

TABLE = "campaign_computations"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " id BIGSERIAL PRIMARY KEY, sheet_id VARCHAR(36) NOT NULL, revision INTEGER NOT NULL,"
    " outcome VARCHAR(16) NOT NULL, pid INTEGER NOT NULL,"
    " at TIMESTAMPTZ NOT NULL DEFAULT now())"
)
INSERT = text(
    f"INSERT INTO {TABLE} (sheet_id, revision, outcome, pid)"
    " VALUES (:sheet, :revision, :outcome, :pid)"
)


def _identify(args: tuple[Any, ...]) -> tuple[Session, str, int]:
    """(session, sheet id, revision) from either shape of the lifecycle functions: the
    conditional-UPDATE one ``(session, sheet_id, revision, ...)`` or the older
    ``(sheet, revision, ...)`` on a loaded sheet."""
    if isinstance(args[0], Session):
        return args[0], str(args[1]), int(args[2])
    session = object_session(args[0])
    assert session is not None, "a computed sheet belongs to the worker's session"
    return session, str(args[0].id), int(args[1])


def recording(outcome: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        written = original(*args, **kwargs)
        if written is not False:  # the older functions return None and always write
            session, sheet_id, revision = _identify(args)
            session.execute(
                INSERT,
                {"sheet": sheet_id, "revision": revision, "outcome": outcome, "pid": os.getpid()},
            )
        return written

    return wrapper


def install() -> None:
    lifecycle.computed = recording("done", lifecycle.computed)  # type: ignore[method-assign]
    lifecycle.not_computable = recording(  # type: ignore[method-assign]
        "failed", lifecycle.not_computable
    )


if __name__ == "__main__":
    install()
    sys.argv[0] = "python -m services.scoring"
    runpy.run_module("services.scoring", run_name="__main__", alter_sys=True)
