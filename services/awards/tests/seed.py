"""Seeding awards for tests through its own API: the sample rule pack published, the sample
registry imported, and the regions of a year as identity would announce them.

``seeded(stack)`` gives a test client of a fresh awards app with all of it; the helpers are
also usable one by one. The data are ../shared/data's samples (stp-01 with 12 people,
stp-79-2025 with 22), which sample-award-cases.json answers questions about.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import service_app
from kit.app import runtime
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.awards.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer

PACK = Path(__file__).resolve().parents[1] / "data" / "sample-award-rules.json"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HISTORY = SHARED / "sample-award-history.json"

# A region of 2024 for the tests: stp-01 leads it, stp-79-2025 and stp-02 are members.
REGION = "2024-kv-thu-nghiem"
OTHER_REGION = "2024-kv-khac"
MEMBERS = ("stp-01", "stp-79-2025", "stp-02")


def publish_sample_pack(client: FlaskClient) -> dict[str, Any]:
    """POST the sample pack as the Ministry, then publish it with its ETag."""
    document = json.loads(PACK.read_text())
    created = client.post("/rule-packs", json=document, headers=ministry_officer())
    assert created.status_code == 201, created.get_json()
    pack_id = created.get_json()["pack_id"]
    published = client.post(
        f"/rule-packs/{pack_id}/publish",
        headers={**ministry_officer(), "If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.get_json()
    return published.get_json()


def import_sample_history(client: FlaskClient) -> dict[str, Any]:
    """POST sample-award-history.json to /registry/import as the Ministry."""
    answer = client.post(
        "/registry/import", json=json.loads(HISTORY.read_text()), headers=ministry_officer()
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def region_event(
    region_id: str, year: int, lead: str | None, members: tuple[str, ...]
) -> CloudEvent:
    return CloudEvent(
        type="identity.region.membership_changed",
        source="/thidua/identity",
        subject=f"region/{region_id}",
        data={
            "schema_version": 1,
            "region_id": region_id,
            "year": year,
            "code": region_id.split("-", 1)[1],
            "name": f"Cụm thi đua {region_id}",
            "lead_unit_id": lead,
            "deputy_unit_ids": [],
            "member_ids": list(members),
            "added": list(members),
            "removed": [],
        },
    )


def deliver(stack: Stack, app: Flask, *events: CloudEvent) -> None:
    """Hand identity's events to awards' consumer, as the broker would."""
    with app.app_context():
        consumer = Consumer(stack.settings("awards"), runtime().db, SERVICE.subscriptions)
    for event in events:
        consumer.apply(event)


def seeded(stack: Stack) -> tuple[Flask, FlaskClient]:
    """A fresh app with the sample pack published, the sample registry imported and two
    regions of 2024 (ours: stp-01 leading stp-79-2025 and stp-02; another: stp-03, stp-04)."""
    app = service_app(stack, SERVICE)
    client = app.test_client()
    publish_sample_pack(client)
    import_sample_history(client)
    deliver(
        stack,
        app,
        region_event(REGION, 2024, "stp-01", MEMBERS),
        region_event(OTHER_REGION, 2024, "stp-03", ("stp-03", "stp-04")),
    )
    return app, client


# -- nomination files ----------------------------------------------------------------------


def with_etag(headers: dict[str, str], answer: Any) -> dict[str, str]:
    """``headers`` with If-Match set to the ETag of ``answer`` (a response)."""
    return {**headers, "If-Match": answer.headers["ETag"]}


def register(client: FlaskClient, headers: dict[str, str], unit: str, award: str, *subjects: str):
    for subject in subjects:
        answer = client.post(
            "/registrations",
            json={"unit": unit, "year": 2024, "award": award, "subject": subject},
            headers=headers,
        )
        assert answer.status_code == 201, answer.get_json()


def new_file(
    client: FlaskClient,
    headers: dict[str, str],
    *,
    award: str = "LDTT",
    unit: str = "stp-01",
    subjects: tuple[str, ...] = (),
    **extra: Any,
) -> Any:
    """A draft file of ``unit`` for ``award`` in 2024 naming ``subjects``: the last answer."""
    body = {"kind": "cong-trang", "award": award, "year": 2024, "title": "Đề nghị năm 2024"}
    if "region" not in extra:
        body["unit"] = unit
    answer = client.post("/nominations", json={**body, **extra}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    if subjects:
        file_id = answer.get_json()["nomination_id"]
        answer = client.post(
            f"/nominations/{file_id}/nominees",
            json={"subjects": list(subjects)},
            headers=with_etag(headers, answer),
        )
        assert answer.status_code == 200, answer.get_json()
    return answer


def move(
    client: FlaskClient, headers: dict[str, str], answer: Any, to: str, reason: str | None = None
) -> Any:
    """POST the move with the ETag of ``answer`` (the file as last read)."""
    file_id = answer.get_json()["nomination_id"]
    body: dict[str, Any] = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return client.post(
        f"/nominations/{file_id}/moves", json=body, headers=with_etag(headers, answer)
    )
