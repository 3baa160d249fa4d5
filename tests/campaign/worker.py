"""A scoring worker that also records every computation it commits, for the campaign's check.

``python -m tests.campaign.worker consume ...`` is ``python -m services.scoring consume ...``
with one addition: whenever ``lifecycle.record_outcomes`` writes revisions' outcomes (a batch's
results, at its commit), a row (sheet, revision, outcome, process id) per outcome written goes
into ``campaign_computations`` in the same transaction. A computation whose transaction rolls
back (a worker killed before its commit, a database cut) leaves no row, exactly like its
effect; one committed twice leaves two rows. Scoring itself keeps no such record (its sheet
holds only the last outcome), so this is the only way to see "computed twice" from outside.
The product's code is not changed: the function is wrapped in this process only.
"""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

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


def recording(original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        written = original(session, *args, **kwargs)
        if written:
            session.execute(
                INSERT,
                [
                    {"sheet": sheet, "revision": revision, "outcome": outcome, "pid": os.getpid()}
                    for sheet, revision, outcome in written
                ],
            )
        return written

    return wrapper


def install() -> None:
    lifecycle.record_outcomes = recording(lifecycle.record_outcomes)  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    sys.argv[0] = "python -m services.scoring"
    runpy.run_module("services.scoring", run_name="__main__", alter_sys=True)
