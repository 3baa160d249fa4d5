"""Per-user preferences: each kind e-mailed at once (the default), in the daily digest, or not
at all; the inbox has every notification whatever the choice. Both stacks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.notify import mailer
from services.notify.domain import reminders
from services.notify.tests.people import Notify, SmtpServer, organisation, sheet_returned, text_of
from services.notify.tests.test_mail import messages, settings_for
from tests.support.stack import Stack
from tests.support.tokens import unit_officer


def test_every_kind_is_listed_with_its_default(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    listed = notify.client.get("/preferences", headers=people["hanoi_officer"].headers())
    assert listed.status_code == 200
    kinds = {p["kind"]: p for p in listed.get_json()}
    assert kinds["sheet_returned"] == {
        "kind": "sheet_returned",
        "name": "Bảng tự chấm bị trả lại",
        "email": "instant",
        "default": True,
    }
    assert {"deadline", "award_granted", "council_session", "nomination_returned"} <= set(kinds)


def test_a_choice_is_the_callers_own(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    me, other = people["hanoi_officer"], people["hanoi_clerk"]
    chosen = notify.client.put(
        "/preferences/sheet_returned", json={"email": "off"}, headers=me.headers()
    )
    assert chosen.status_code == 200 and chosen.get_json()["email"] == "off"
    mine = {
        p["kind"]: p["email"]
        for p in notify.client.get("/preferences", headers=me.headers()).get_json()
    }
    theirs = {
        p["kind"]: p["email"]
        for p in notify.client.get("/preferences", headers=other.headers()).get_json()
    }
    assert mine["sheet_returned"] == "off" and theirs["sheet_returned"] == "instant"


def test_refusals_name_the_field_and_change_nothing(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    headers = people["hanoi_officer"].headers()
    bad = notify.client.put("/preferences/deadline", json={"email": "weekly"}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert list(bad.get_json()["errors"]) == ["email"]
    unknown = notify.client.put("/preferences/no-such-kind", json={"email": "off"}, headers=headers)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    listed = notify.client.get("/preferences", headers=headers).get_json()
    assert all(p["default"] for p in listed)
    client = notify.client.get("/preferences", headers=unit_officer("stp-01"))
    assert client.status_code == 200  # any signed-in user has (default) preferences


def test_off_files_the_inbox_item_and_sends_no_mail(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    officer = people["hanoi_officer"]
    notify.client.put(
        "/preferences/sheet_returned", json={"email": "off"}, headers=officer.headers()
    )
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    assert notify.inbox(officer)["total"] == 1
    assert messages(notify) == []


def test_digest_gathers_a_days_notifications_into_one_message(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    officer = people["hanoi_officer"]
    notify.client.put(
        "/preferences/sheet_returned", json={"email": "digest"}, headers=officer.headers()
    )
    sheets = [str(uuid.uuid4()) for _ in range(2)]
    for sheet in sheets:
        notify.apply(sheet_returned(sheet, "stp-01", "Sai"))
    assert messages(notify) == [], "nothing at once"

    early = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 06:30 on 11 March in Hà Nội
    assert reminders.tick(notify.db(), 7, early)["digests"] == 0, "before the digest hour"
    morning = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)  # 07:30
    assert reminders.tick(notify.db(), 7, morning)["digests"] == 1
    assert reminders.tick(notify.db(), 7, morning)["digests"] == 0, "once a day"
    with SmtpServer() as smtp:
        mailer.tick(notify.db(), settings_for(notify, smtp))
        [digest] = smtp.messages
    assert digest["To"] == officer.email
    assert digest["Subject"] == "Tóm tắt thông báo ngày 11/03/2026: 2 thông báo mới"
    plain, html = text_of(digest)
    for sheet in sheets:
        assert f"https://thidua.moj.gov.vn/sheets/{sheet}" in plain
        assert f'href="https://thidua.moj.gov.vn/sheets/{sheet}"' in html

    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    later = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
    assert reminders.tick(notify.db(), 7, later)["digests"] == 0, "tomorrow's digest has it"
    tomorrow = datetime(2026, 3, 12, 0, 30, tzinfo=UTC)
    assert reminders.tick(notify.db(), 7, tomorrow)["digests"] == 1
