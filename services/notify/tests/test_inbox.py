"""An announcement event becomes exactly one inbox item, however often it is delivered."""

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.notify.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import unit_officer


def announcement(n: int) -> CloudEvent:
    return CloudEvent(
        type="identity.announcement.published",
        source="/thidua/identity",
        subject=f"announcement/{n}",
        data={
            "schema_version": 1,
            "announcement_id": n,
            "title": f"Thông báo {n}",
            "body": "Nội dung",
            "published_at": "2026-11-23T08:00:00+00:00",
        },
    )


def test_announcement_is_filed_once_in_the_inbox(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    with app.app_context():
        consumer = Consumer(stack.settings("notify"), runtime().db, SERVICE.subscriptions)
    event = announcement(7)
    assert consumer.apply(event) is True
    assert consumer.apply(event) is False, "a redelivered event is recognised"
    consumer.apply(announcement(8))

    page = app.test_client().get("/inbox", headers=unit_officer("stp-79")).get_json()
    assert page["total"] == 2
    assert [item["title"] for item in page["items"]] == ["Thông báo 8", "Thông báo 7"]
    assert page["items"][1]["event_id"] == event.id


# -- a person's inbox (issue 13) ---------------------------------------------------------------


def _people_inbox(stack: Stack):  # type: ignore[no-untyped-def]
    import uuid

    from services.notify.tests.people import Notify, organisation, sheet_returned

    notify = Notify(stack)
    people = organisation(notify)
    sheets = [str(uuid.uuid4()) for _ in range(3)]
    for sheet in sheets:
        notify.apply(sheet_returned(sheet, "stp-01", "Sai"))
    notify.apply(announcement(9))
    return notify, people, sheets


def test_the_inbox_counts_marks_and_filters(stack: Stack) -> None:
    notify, people, sheets = _people_inbox(stack)
    officer = people["hanoi_officer"]
    headers = officer.headers()
    page = notify.inbox(officer)
    assert page["total"] == 4 and page["unread"] == 4
    assert [i["kind"] for i in page["items"]] == ["announcement"] + ["sheet_returned"] * 3
    assert [i["link"] for i in page["items"][1:]] == [f"/sheets/{s}" for s in reversed(sheets)]
    count = notify.client.get("/inbox/unread-count", headers=headers)
    assert count.status_code == 200 and count.get_json() == {"unread": 4}

    newest = page["items"][1]
    marked = notify.client.patch(
        f"/inbox/items/{newest['id']}", json={"read": True}, headers=headers
    )
    assert marked.status_code == 200 and marked.get_json()["read"] is True
    assert notify.inbox(officer)["unread"] == 3
    unread = notify.inbox(officer, "?read=false")
    assert unread["total"] == 3 and newest["id"] not in [i["id"] for i in unread["items"]]
    assert notify.inbox(officer, "?read=true")["items"][0]["id"] == newest["id"]
    only = notify.inbox(officer, "?kind=announcement")
    assert [i["kind"] for i in only["items"]] == ["announcement"]
    two = notify.inbox(officer, "?page=2&page_size=2")
    assert two["total"] == 4 and len(two["items"]) == 2 and two["page"] == 2

    announcement_id = page["items"][0]["id"]
    notify.client.patch(f"/inbox/items/{announcement_id}", json={"read": True}, headers=headers)
    clerk = people["hanoi_clerk"]
    assert notify.inbox(clerk)["unread"] == 1, "an announcement read by one is unread by others"

    everything = notify.client.post("/inbox/read-all", json={}, headers=headers)
    assert everything.get_json() == {"marked": 2, "unread": 0}
    again = notify.client.patch(
        f"/inbox/items/{newest['id']}", json={"read": False}, headers=headers
    )
    assert again.get_json()["read"] is False and notify.inbox(officer)["unread"] == 1


def test_nobody_sees_or_marks_another_persons_item(stack: Stack) -> None:
    notify, people, _ = _people_inbox(stack)
    mine = notify.inbox(people["hanoi_officer"])["items"][1]["id"]
    for other in ("hanoi_clerk", "haiphong_officer", "lead"):
        headers = people[other].headers()
        assert notify.inbox(people[other])["total"] == 1, "the announcement alone"
        seen = notify.client.get(f"/inbox/items/{mine}", headers=headers)
        assert seen.status_code == 404 and seen.mimetype == "application/problem+json"
        marked = notify.client.patch(f"/inbox/items/{mine}", json={"read": True}, headers=headers)
        assert marked.status_code == 404
    assert notify.inbox(people["hanoi_officer"])["unread"] == 4, "nothing changed"
    for bad in ("x1", "n", "n99999999999999999999", "a-1"):
        answer = notify.client.get(f"/inbox/items/{bad}", headers=people["lead"].headers())
        assert answer.status_code == 404, bad


def test_an_api_client_has_no_inbox(stack: Stack) -> None:
    from tests.support.tokens import bearer, mint

    app = service_app(stack, SERVICE)
    client_token = bearer(mint("client-1", kind="client", scope="notify:read"))
    answer = app.test_client().get("/inbox", headers=client_token)
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"


def test_inbox_refusals_are_problems(stack: Stack) -> None:
    notify, people, _ = _people_inbox(stack)
    headers = people["hanoi_officer"].headers()
    for query in ("?kind=nothing", "?read=maybe"):
        answer = notify.client.get(f"/inbox{query}", headers=headers)
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", query
    no_body = notify.client.patch("/inbox/items/a1", json={}, headers=headers)
    assert no_body.status_code == 422 and list(no_body.get_json()["errors"]) == ["read"]
    assert notify.inbox(people["hanoi_officer"])["unread"] == 4
