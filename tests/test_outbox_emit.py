"""What ``emit`` and ``emit_many`` write, and how often a transaction wakes the relay.

Both stacks: ``emit_many`` writes exactly the rows one ``emit`` per event would, in order.
PostgreSQL: a transaction that emitted sends one ``pg_notify`` at its commit, however many
events it holds, none when it rolls back, and one when its events were emitted in a
savepoint that committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from kit.db import Database
from kit.events import emit, emit_many
from kit.events.tables import outbox
from tests.support.probe import EVENT_TYPE, service
from tests.support.stack import Stack

SOURCE = "probe-src"


def rows(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.read() as session:
        found = session.execute(
            select(outbox.c.type, outbox.c.subject, outbox.c.envelope).order_by(outbox.c.id)
        ).all()
    return [(r.type, r.subject, json.loads(r.envelope)["data"]) for r in found]


@contextmanager
def notifies(db: Database) -> Iterator[list[str]]:
    """The ``pg_notify`` statements sent to the database meanwhile."""
    sent: list[str] = []

    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "pg_notify" in statement:
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)


def test_emit_many_writes_what_emit_writes_in_order(stack: Stack) -> None:
    db = stack.prepare(service(SOURCE))
    wanted = [(EVENT_TYPE, f"thing/{n}", {"seq": n}) for n in range(5)]
    with db.transaction() as session:
        for event_type, subject, data in wanted:
            emit(session, event_type, subject, data)
    with db.transaction() as session:
        emitted = emit_many(session, wanted)
        assert emit_many(session, []) == []
    assert [e.subject for e in emitted] == [s for _, s, _ in wanted]
    one_by_one, together = rows(db)[:5], rows(db)[5:]
    assert together == one_by_one == [(t, s, {"schema_version": 1, **d}) for t, s, d in wanted]
    with pytest.raises(ValueError), db.transaction() as session:
        emit_many(session, [("not-a-type", "thing/x", {})])


def test_one_notify_per_committed_transaction_on_postgresql(stack: Stack) -> None:
    if stack.kind == "embedded":
        pytest.skip("SQLite notifies nobody")
    db = stack.prepare(service(SOURCE))
    with notifies(db) as sent, db.transaction() as session:
        for n in range(3):
            emit(session, EVENT_TYPE, f"thing/{n}", {"seq": n})
        emit_many(session, [(EVENT_TYPE, "thing/3", {"seq": 3})])
    assert len(sent) == 1

    with notifies(db) as sent:
        with pytest.raises(RuntimeError), db.transaction() as session:
            emit(session, EVENT_TYPE, "gone/1", {})
            raise RuntimeError("rolled back")
        with db.transaction() as session:
            pass  # a later transaction that emitted nothing
    assert sent == [], "a rolled-back transaction wakes nobody, nor does the next one"

    with notifies(db) as sent, db.transaction() as session, session.begin_nested():
        emit(session, EVENT_TYPE, "kept/1", {})
    assert len(sent) == 1, "an event of a committed savepoint wakes the relay at the commit"
    assert [s for _, s, _ in rows(db)][-1] == "kept/1"
