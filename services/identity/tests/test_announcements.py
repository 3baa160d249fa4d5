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
from tests.support.tokens import ministry_officer, unit_officer


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
        headers={"X-Request-ID": "req-2026-0001", **ministry_officer()},
    )
    assert response.status_code == 201
    created = response.get_json()
    assert created["title"] == "Phát động thi đua năm 2026"
    read = client.get(f"/announcements/{created['id']}", headers=unit_officer("stp-01"))
    assert read.get_json() == created

    [event] = outbox_envelopes(app)
    assert_valid_event(event)
    assert event["subject"] == f"announcement/{created['id']}"
    assert event["data"]["title"] == created["title"]
    assert event["correlationid"] == "req-2026-0001"


def test_invalid_announcement_is_refused_and_changes_nothing(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    response = client.post(
        "/announcements", json={"title": "x" * 201, "body": ""}, headers=ministry_officer()
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"title", "body"}
    assert client.get("/announcements", headers=ministry_officer()).get_json()["total"] == 0
    assert outbox_envelopes(app) == []


def test_only_ministry_officers_publish_and_everyone_must_sign_in(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    body = {"title": "Thông báo", "body": "..."}
    refused = client.post("/announcements", json=body, headers=unit_officer("stp-01"))
    assert refused.status_code == 403
    assert refused.get_json()["type"] == "urn:thidua:problem:forbidden"
    anonymous = client.post("/announcements", json=body)
    assert anonymous.status_code == 401
    assert "Bearer" in anonymous.headers["WWW-Authenticate"]
    assert client.get("/announcements").status_code == 401
    assert outbox_envelopes(app) == []


def test_list_is_paginated_newest_first(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    officer = ministry_officer()
    for n in range(3):
        client.post(
            "/announcements", json={"title": f"Thông báo {n}", "body": "..."}, headers=officer
        )
    page = client.get("/announcements?page=2&page_size=2", headers=officer).get_json()
    assert page["total"] == 3
    assert [a["title"] for a in page["items"]] == ["Thông báo 0"]
    assert client.get("/announcements?page_size=1000", headers=officer).status_code == 422


def test_unknown_announcement_is_a_404_problem(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    response = client.get("/announcements/999", headers=ministry_officer())
    assert response.status_code == 404
    assert response.get_json()["type"] == "urn:thidua:problem:not-found"
