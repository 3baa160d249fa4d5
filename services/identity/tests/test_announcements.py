"""Announcements: stored, listed, and told to the platform through a valid event."""

from __future__ import annotations

import json

from sqlalchemy import select

from conftest import service_app
from kit.app import runtime
from kit.events.tables import outbox
from services.identity.service import SERVICE
from tests.support.events import assert_valid_event
from tests.support.stack import Stack


def outbox_envelopes(app) -> list[dict]:
    with app.app_context(), runtime().db.read() as session:
        rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
        return [json.loads(r) for r in rows]


def test_publishing_stores_the_announcement_and_emits_a_valid_event(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    response = client.post(
        "/announcements",
        json={"title": "Phát động thi đua năm 2026", "body": "Các đơn vị đăng ký giao ước."},
        headers={"X-Request-ID": "req-2026-0001"},
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["title"] == "Phát động thi đua năm 2026"
    assert client.get(f"/announcements/{created['id']}").get_json() == created

    [event] = outbox_envelopes(app)
    assert_valid_event(event)
    assert event["subject"] == f"announcement/{created['id']}"
    assert event["data"]["title"] == created["title"]
    assert event["correlationid"] == "req-2026-0001"


def test_invalid_announcement_is_refused_and_changes_nothing(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    response = client.post("/announcements", json={"title": "x" * 201, "body": ""})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"title", "body"}
    assert client.get("/announcements").get_json()["total"] == 0
    assert outbox_envelopes(app) == []


def test_list_is_paginated_newest_first(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    for n in range(3):
        client.post("/announcements", json={"title": f"Thông báo {n}", "body": "..."})
    page = client.get("/announcements?page=2&page_size=2").get_json()
    assert page["total"] == 3
    assert [a["title"] for a in page["items"]] == ["Thông báo 0"]
    assert client.get("/announcements?page_size=1000").status_code == 422


def test_unknown_announcement_is_a_404_problem(stack: Stack) -> None:
    response = service_app(stack, SERVICE).test_client().get("/announcements/999")
    assert response.status_code == 404
    assert response.get_json()["type"] == "urn:thidua:problem:not-found"
