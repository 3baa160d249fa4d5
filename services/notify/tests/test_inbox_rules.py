"""Who hears of what: each rule of domain/rules.py, from the event its service sends, reaches
exactly the people it names, in their own inbox, linked to the thing. Both stacks."""

from __future__ import annotations

import uuid

from services.notify.tests.people import (
    Notify,
    event,
    nomination_returned,
    organisation,
    phase_changed,
    sheet_returned,
    sheet_submitted,
)
from tests.support.stack import Stack


def everyone_but(people: dict, *names: str) -> list:
    return [user for name, user in people.items() if name not in names]


def test_a_returned_sheet_reaches_its_units_officers_alone(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    sheet = str(uuid.uuid4())
    notify.apply(sheet_returned(sheet, "stp-01", "Thiếu minh chứng tiêu chí 2.1"))

    [item] = notify.inbox(people["hanoi_officer"])["items"]
    assert item["kind"] == "sheet_returned"
    assert item["title"] == "Bảng tự chấm điểm của Sở Tư pháp thành phố Hà Nội bị trả lại"
    assert "Thiếu minh chứng tiêu chí 2.1" in item["body"]
    assert item["link"] == f"/sheets/{sheet}" and item["read"] is False
    for other in everyone_but(people, "hanoi_officer"):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_submitted_sheet_reaches_the_lead_of_its_region(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    notify.apply(phase_changed("self_assessment", None))  # the round's year: 2026
    sheet = str(uuid.uuid4())
    notify.apply(sheet_submitted(sheet, "stp-01"))
    # An event of before compute_requested, asking for a computation, is no submission.
    notify.apply(sheet_submitted(str(uuid.uuid4()), "stp-01", status="reviewed"))

    [item] = notify.inbox(people["lead"])["items"]
    assert item["title"] == "Sở Tư pháp thành phố Hà Nội đã nộp bảng tự chấm điểm"
    assert item["link"] == f"/sheets/{sheet}"
    for other in everyone_but(people, "lead"):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_returned_nomination_reaches_the_officers_with_the_reason(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    returned = nomination_returned("stp-31", "Thiếu biên bản họp xét.")
    notify.apply(returned)

    [item] = notify.inbox(people["haiphong_officer"])["items"]
    assert item["kind"] == "nomination_returned"
    assert "Thiếu biên bản họp xét." in item["body"]
    assert item["link"] == f"/awards/nominations/{returned.data['nomination_id']}"
    assert item["event_id"] == returned.id
    # The region lead belongs to stp-31 but is not its officer: not told.
    for other in everyone_but(people, "haiphong_officer"):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_received_or_forwarded_nomination_reaches_the_whole_unit(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    returned = nomination_returned("stp-01")
    for kind in ("received", "forwarded"):
        data = {**returned.data, "reason": None}
        notify.apply(event(f"awards.nomination.{kind}", "awards", returned.subject, data))

    for name in ("hanoi_officer", "hanoi_clerk"):
        kinds = [i["kind"] for i in notify.inbox(people[name])["items"]]
        assert kinds == ["nomination_forwarded", "nomination_received"], name
    for other in everyone_but(people, "hanoi_officer", "hanoi_clerk"):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_scheduled_council_session_reaches_the_council_members(stack: Stack) -> None:
    """awards.council.session_scheduled is awards part 2's; the payload it plans."""
    notify = Notify(stack)
    people = organisation(notify)
    session_id = str(uuid.uuid4())
    notify.apply(
        event(
            "awards.council.session_scheduled",
            "awards",
            f"council-session/{session_id}",
            {
                "session_id": session_id,
                "title": "Phiên xét khen thưởng năm 2025",
                "starts_at": "2026-01-20T08:00:00+07:00",
                "location": "Phòng họp tầng 3, Bộ Tư pháp",
                "nomination_ids": [str(uuid.uuid4()), str(uuid.uuid4())],
            },
        )
    )
    [item] = notify.inbox(people["council"])["items"]
    assert (
        item["title"] == "Phiên họp Hội đồng Thi đua – Khen thưởng: Phiên xét khen thưởng năm 2025"
    )
    assert "Phòng họp tầng 3" in item["body"] and "xét 2 hồ sơ" in item["body"]
    assert item["link"] == f"/awards/council/sessions/{session_id}"
    for other in everyone_but(people, "council"):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_granted_award_reaches_the_unit_and_its_officers(stack: Stack) -> None:
    """awards.award.granted is issue 12's; the payload it plans."""
    notify = Notify(stack)
    people = organisation(notify)
    award_id = str(uuid.uuid4())
    notify.apply(
        event(
            "awards.award.granted",
            "awards",
            f"award/{award_id}",
            {
                "award_id": award_id,
                "unit_id": "stp-31",
                "subject_kind": "individual",
                "subject_id": "cb-031-07",
                "name": "Trần Thị B",
                "award": "CSTDCS",
                "award_name": "Chiến sĩ thi đua cơ sở",
                "year": 2025,
                "decision": "Quyết định 123/QĐ-BTP",
            },
        )
    )
    told = ("haiphong_officer", "lead")  # the lead's account belongs to stp-31: its staff
    for name in told:
        [item] = notify.inbox(people[name])["items"]
        assert item["title"] == "Trần Thị B được tặng Chiến sĩ thi đua cơ sở", name
        assert "Quyết định 123/QĐ-BTP" in item["body"]
    for other in everyone_but(people, *told):
        assert notify.inbox(other)["total"] == 0, other.username


def test_a_redelivered_or_replayed_event_files_nothing_twice(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    returned = sheet_returned(str(uuid.uuid4()), "stp-01", "Sai số liệu")
    notify.apply(returned, returned)
    with notify.app.app_context():
        from kit.app import runtime
        from services.notify.domain import rules

        with runtime().db.transaction() as session:  # as a replay after forget_handled would
            rules.handle(session, returned)
    assert notify.inbox(people["hanoi_officer"])["total"] == 1


def test_deactivated_people_and_withdrawn_roles_hear_nothing(stack: Stack) -> None:
    from contracts.identity import UserDeactivated, UserRolesChanged

    notify = Notify(stack)
    people = organisation(notify)
    officer = people["hanoi_officer"]
    second = notify.user("hn.second", "stp-01", *officer.grants)
    gone = UserDeactivated(
        user_id=officer.user_id, unit_id="stp-01", username=officer.username, roles=officer.grants
    )
    withdrawn = UserRolesChanged(user_id=second.user_id, unit_id="stp-01", username=second.username)
    for news in (gone, withdrawn):
        notify.apply(event(news.TYPE, "identity", news.subject, news.to_data()))
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai số liệu"))

    with notify.app.app_context():
        from kit.app import runtime
        from services.notify.models import Notification

        with runtime().db.read() as session:
            assert session.query(Notification).count() == 0
