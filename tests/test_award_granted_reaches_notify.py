"""An issued decision's awards.award.granted reaches notify: the real awards service issues a
decision, the events taken from awards' outbox are delivered to notify's consumer, and the
recipient's unit finds one inbox item per award naming the decision, however often the
broker delivers it; another unit finds nothing. Both stacks.

A platform test: it drives two services, which no service's own tests may import
(import-linter: "Services are independent of each other")."""

from __future__ import annotations

import json

from sqlalchemy import select

from kit.app import runtime
from kit.events import CloudEvent
from kit.events.tables import outbox
from services.awards.tests.decision_support import PEOPLE, issued, with_unit
from services.notify.tests.people import Notify, grant, organisation
from tests.support.stack import Stack


def test_the_granted_award_is_in_the_units_inbox_once(stack: Stack) -> None:
    app, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type == "awards.award.granted")
            .order_by(outbox.c.id)
        )
        events = [CloudEvent.from_json(row[0]) for row in rows]
    assert len(events) == 2

    notify = Notify(stack)
    people = organisation(notify)
    notify.unit("stp-05", "Sở Tư pháp tỉnh Thử Nghiệm")
    officer = notify.user("tn.officer", "stp-05", grant("unit_officer", "unit", "stp-05"))
    notify.apply(*events)
    notify.apply(*events)  # the broker delivers again: nothing is filed twice
    again = CloudEvent.from_json(json.dumps(json.loads(events[0].to_json())))
    notify.apply(again)

    items = notify.inbox(officer)["items"]
    assert sorted(i["title"] for i in items) == [
        "Bùi Văn Toàn được tặng Lao động tiên tiến",
        "Ngô Thị Yến được tặng Lao động tiên tiến",
    ]
    for item in items:
        assert "Quyết định số 123/QĐ-BTP ngày 15/01/2025" in item["body"]
        assert "Sở Tư pháp tỉnh Thử Nghiệm" in item["body"]
    # Each item leads to the recipient's page of the registry, where the award now shows.
    recipients = {r["subject"] for r in decision.get_json()["recipients"]}
    assert {i["link"] for i in items} == {f"/awards/people/{s}" for s in recipients}
    for name in ("hanoi_officer", "haiphong_officer", "hcm_officer"):
        assert notify.inbox(people[name])["total"] == 0, name
