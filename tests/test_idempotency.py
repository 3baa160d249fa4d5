"""Idempotency-Key on POST: a retried request gets the first answer and changes nothing.
Tested on identity's announcements (any service's POST behaves the same). Both stacks."""

from __future__ import annotations

from conftest import service_app
from services.identity.service import SERVICE
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer

BODY = {"title": "Thông báo nghỉ Tết", "body": "Từ 14/02 đến 22/02."}


def test_a_retry_with_the_same_key_replays_the_first_answer(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    headers = {**ministry_officer(), "Idempotency-Key": "tet-2027-notice"}
    first = client.post("/announcements", json=BODY, headers=headers)
    again = client.post("/announcements", json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/announcements", headers=ministry_officer()).get_json()
    assert listed["total"] == 1, "the retry created nothing"

    other = client.post("/announcements", json={**BODY, "title": "Khác"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    fresh = client.post(
        "/announcements",
        json=BODY,
        headers={**ministry_officer(), "Idempotency-Key": "another-key"},
    )
    assert fresh.status_code == 201 and fresh.get_json()["id"] != first.get_json()["id"]


def test_keys_belong_to_their_caller_and_refusals_are_replayed_too(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    officer = {**ministry_officer(), "Idempotency-Key": "k-1"}
    invalid = client.post("/announcements", json={"title": ""}, headers=officer)
    replayed = client.post("/announcements", json={"title": ""}, headers=officer)
    assert invalid.status_code == replayed.status_code == 422
    assert replayed.headers["Idempotent-Replayed"] == "true"
    # The same key string from someone else is someone else's key.
    someone = {**as_role("ministry_officer", subject="another-officer"), "Idempotency-Key": "k-1"}
    assert client.post("/announcements", json=BODY, headers=someone).status_code == 201
    bad_key = client.post(
        "/announcements", json=BODY, headers={**ministry_officer(), "Idempotency-Key": "a" * 201}
    )
    assert bad_key.status_code == 400
