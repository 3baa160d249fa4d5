"""The moves of a nomination file publish awards.nomination.<submitted|returned|received|
forwarded>, each valid against its schema, in the move's transaction (a refused move emits
nothing)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from contracts.awards import NominationReturned
from kit.app import runtime
from kit.events.tables import outbox
from services.awards.tests.seed import move, new_file, register, seeded
from tests.support.events import assert_valid_event
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

UNIT = unit_officer("stp-01")
MINISTRY = ministry_officer()


def emitted(app: Any) -> list[dict[str, Any]]:
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type.like("awards.nomination.%"))
            .order_by(outbox.c.id)
        )
        return [json.loads(row[0]) for row in rows]


def test_every_move_publishes_its_event(stack: Stack) -> None:
    app, client = seeded(stack)
    register(client, UNIT, "stp-01", "LDTT", "cb-027-0001", "cb-027-0022")
    draft = new_file(client, UNIT, subjects=("cb-027-0022",))
    assert move(client, UNIT, draft, "submitted").status_code == 409
    assert emitted(app) == [], "a refused submission emits nothing"

    draft = new_file(client, UNIT, subjects=("cb-027-0001",))
    file_id = draft.get_json()["nomination_id"]
    answer = move(client, UNIT, draft, "submitted")
    answer = move(client, MINISTRY, answer, "returned", "Thiếu tờ trình.")
    answer = move(client, UNIT, answer, "submitted")
    answer = move(client, MINISTRY, answer, "received")
    answer = move(client, MINISTRY, answer, "forwarded")
    assert answer.status_code == 200

    events = emitted(app)
    assert [e["type"] for e in events] == [
        "awards.nomination.submitted",
        "awards.nomination.returned",
        "awards.nomination.submitted",
        "awards.nomination.received",
        "awards.nomination.forwarded",
    ]
    for envelope in events:
        assert_valid_event(envelope)
        assert envelope["subject"] == f"nomination/{file_id}"
    returned = NominationReturned.from_data(events[1]["data"])
    assert returned.reason == "Thiếu tờ trình."
    assert returned.actor == "ministry_officer-all"
    assert returned.award_name == "Lao động tiên tiến"
    assert [(n.subject_id, n.subject_kind, n.eligible) for n in returned.nominees] == [
        ("cb-027-0001", "individual", True)
    ]
    assert events[0]["data"]["reason"] is None
    assert events[0]["data"]["unit_id"] == "stp-01"
