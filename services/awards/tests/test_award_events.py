"""Issuing publishes awards.award.granted per recipient and revoking awards.award.revoked, each
valid against its schema and read back through contracts.awards, in the same transaction (a
refused issue emits nothing)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from contracts.awards import AwardGranted, AwardRevoked
from kit.app import runtime
from kit.events.tables import outbox
from services.awards.tests.decision_support import (
    PEOPLE,
    add,
    draft,
    issue,
    issued,
    received_file,
    revoke,
    with_unit,
)
from tests.support.events import assert_valid_event
from tests.support.stack import Stack


def emitted(app: Any, kind: str) -> list[dict[str, Any]]:
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(
            select(outbox.c.envelope).where(outbox.c.type == kind).order_by(outbox.c.id)
        )
        return [json.loads(row[0]) for row in rows]


def test_one_granted_event_per_recipient_and_one_revoked_per_award(stack: Stack) -> None:
    app, client = with_unit(stack)
    file = received_file(client, "LDTT", PEOPLE[1])
    decision = add(client, draft(client), (file.get_json()["nomination_id"], None))
    assert issue(client, decision).status_code == 409  # p1 already holds LDTT 2024
    assert emitted(app, "awards.award.granted") == [], "a refused issue emits nothing"

    decision = issued(client, "TTLDTT", "stp-05", number="124/QĐ-BTP", certificate_kind="giay-khen")
    events = emitted(app, "awards.award.granted")
    assert len(events) == 1
    [recipient] = decision.get_json()["recipients"]
    for envelope in events:
        assert_valid_event(envelope)
    granted = AwardGranted.from_data(events[0]["data"])
    assert events[0]["subject"] == f"award/{recipient['award_id']}"
    assert granted.award_id == recipient["award_id"] and granted.serial == recipient["serial"]
    assert (granted.recipient.kind, granted.recipient.id, granted.unit_id) == (
        "collective",
        "stp-05",
        "stp-05",
    )
    assert (granted.award, granted.award_name, granted.year) == (
        "TTLDTT",
        "Tập thể lao động tiên tiến",
        2024,
    )
    assert (granted.decision.number, granted.decision.date.isoformat()) == (
        "124/QĐ-BTP",
        "2025-01-15",
    )
    assert granted.bonus_vnd == 1_880_000  # 0.8 × 2,340,000 = 1,872,000 → 1,880,000

    second = issued(client, "LDTT", PEOPLE[7], PEOPLE[8], number="125/QĐ-BTP")
    people = [AwardGranted.from_data(e["data"]) for e in emitted(app, "awards.award.granted")]
    assert [(g.recipient.id, g.name, g.bonus_vnd) for g in people[1:]] == [
        (PEOPLE[7], "Bùi Văn Toàn", 710_000),
        (PEOPLE[8], "Ngô Thị Yến", 710_000),
    ]

    answer = revoke(client, second, second.get_json()["recipients"][0]["id"])
    assert answer.status_code == 201
    [envelope] = emitted(app, "awards.award.revoked")
    assert_valid_event(envelope)
    revoked = AwardRevoked.from_data(envelope["data"])
    assert envelope["subject"] == f"award/{people[1].award_id}", "the grant's subject"
    assert revoked.award_id == people[1].award_id
    assert revoked.revocation_id == answer.get_json()["revocation_id"]
    assert revoked.revoked_on.isoformat() == "2025-06-02"
    assert revoked.reason.startswith("Khai man")
    assert revoked.decision.number == "125/QĐ-BTP"
