"""Deadline reminders: three days and one day before the deadline of the phase a round is in,
everyone in the round hears of it, once, however many schedulers run. Both stacks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from services.notify.domain import reminders
from services.notify.models import Notification, ReminderSent
from services.notify.tests.people import (
    ROUND,
    Notify,
    deadlines_from,
    organisation,
    phase_changed,
)
from tests.support.stack import Stack

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
IN_ROUND = ("hanoi_officer", "hanoi_clerk", "haiphong_officer", "lead", "hcm_officer")


def test_everyone_in_the_round_is_reminded_three_days_then_one_day_before(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    notify.unit("cuc-01", "Cục Thi hành án dân sự Hà Nội", kind="cuc-thads")
    outsider = notify.user("thads.officer", "cuc-01")
    due = deadlines_from(NOW, timedelta(days=2, hours=12))
    notify.apply(phase_changed("self_assessment", due))

    assert reminders.tick(notify.db(), 7, NOW)["reminders"] == 1
    assert reminders.tick(notify.db(), 7, NOW + timedelta(hours=1))["reminders"] == 0
    for name in IN_ROUND:
        [item] = notify.inbox(people[name])["items"]
        assert item["kind"] == "deadline", name
        assert item["title"] == "Còn 3 ngày đến hạn tự chấm điểm của đợt 2026"
        assert item["link"] == f"/rounds/{ROUND}"
        local = due["self_assessment"] + timedelta(hours=7)
        assert local.strftime("%H:%M ngày %d/%m/%Y") in item["body"], "Vietnam time"
    for name in ("council", "ministry"):
        assert notify.inbox(people[name])["total"] == 0
    assert notify.inbox(outsider)["total"] == 0, "another kind of unit is not in the round"

    one_day_before = due["self_assessment"] - timedelta(hours=20)
    assert reminders.tick(notify.db(), 7, one_day_before)["reminders"] == 1
    titles = notify.titles(people["hanoi_clerk"])
    assert titles[0] == "Còn 1 ngày đến hạn tự chấm điểm của đợt 2026" and len(titles) == 2
    after = due["self_assessment"] + timedelta(minutes=1)
    assert reminders.tick(notify.db(), 7, after)["reminders"] == 0, "a passed deadline"


def test_a_round_that_moves_on_is_reminded_of_its_next_deadline(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    due = deadlines_from(NOW, timedelta(hours=12))
    notify.apply(phase_changed("self_assessment", due))
    notify.apply(phase_changed("region_review", due, previous="self_assessment"))
    notify.apply(phase_changed("self_assessment", due))  # a late copy of the older news
    assert reminders.tick(notify.db(), 7, NOW)["reminders"] == 0, "self-assessment is over"

    before_review = due["region_review"] - timedelta(days=2)
    assert reminders.tick(notify.db(), 7, before_review)["reminders"] == 1
    [item] = notify.inbox(people["lead"])["items"]
    assert item["title"] == "Còn 3 ngày đến hạn cụm thẩm định của đợt 2026"


def test_rounds_without_deadlines_in_their_events_are_not_reminded(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(phase_changed("self_assessment", None))  # an event of before deadlines
    assert reminders.tick(notify.db(), 7, NOW) == {"reminders": 0, "digests": 0}


def test_schedulers_running_at_once_remind_once(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    notify.apply(phase_changed("self_assessment", deadlines_from(NOW, timedelta(days=2))))
    db = notify.db()
    made: list[int] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            made.append(reminders.tick(db, 7, NOW)["reminders"])
        except BaseException as error:  # a failed transaction is a failed test
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(made) == [0, 0, 0, 1]
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(ReminderSent)).scalar() == 1
        per_person = select(Notification.user_id, func.count()).group_by(Notification.user_id)
        assert {count for _, count in session.execute(per_person)} == {1}
    assert notify.inbox(people["lead"])["total"] == 1
