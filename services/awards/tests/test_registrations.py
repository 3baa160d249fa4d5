"""Registrations: a unit registers titles for its members or itself; the award must be a
title of the pack in force and the subject of the unit, fitting the award's recipient."""

from __future__ import annotations

from typing import Any

from services.awards.tests.seed import move, new_file, register, seeded
from tests.support.stack import Stack
from tests.support.tokens import unit_officer

UNIT = unit_officer("stp-01")


def post(client: Any, subject: str, award: str = "LDTT", unit: str = "stp-01") -> Any:
    return client.post(
        "/registrations",
        json={"unit": unit, "year": 2024, "award": award, "subject": subject},
        headers=UNIT,
    )


def test_register_list_and_withdraw(stack: Stack) -> None:
    _, client = seeded(stack)
    made = post(client, "cb-027-0001")
    assert made.status_code == 201, made.get_json()
    assert post(client, "stp-01", "TTLDTT").status_code == 201, "the unit itself"
    assert post(client, "cb-027-0001").status_code == 409, "once"
    listed = client.get("/registrations?unit=stp-01&year=2024", headers=UNIT).get_json()
    assert sorted((r["award"], r["subject"]) for r in listed["items"]) == [
        ("LDTT", "cb-027-0001"),
        ("TTLDTT", "stp-01"),
    ]
    gone = client.delete(f"/registrations/{made.get_json()['id']}", headers=UNIT)
    assert gone.status_code == 204
    assert client.get("/registrations?unit=stp-01&year=2024", headers=UNIT).get_json()["total"] == 1


def test_wrong_subjects_and_awards_are_refused(stack: Stack) -> None:
    _, client = seeded(stack)
    for subject, award in (
        ("cb-027-0015", "LDTT"),  # another unit's person
        ("stp-01", "LDTT"),  # a unit for an individual title
        ("cb-027-0001", "TTLDTT"),  # a person for a collective title
    ):
        refused = post(client, subject, award)
        assert refused.status_code == 422, (subject, award)
        assert subject in refused.get_json()["errors"]["subject"][0]
    form = post(client, "cb-027-0001", "BK_BT")
    assert form.status_code == 422, "a form of commendation is not registered"
    assert "award" in form.get_json()["errors"]
    assert post(client, "cb-027-0001", "KHONG_CO").status_code == 404
    assert client.get("/registrations?unit=stp-01", headers=UNIT).get_json()["total"] == 0


def test_a_registration_a_submitted_file_uses_stays(stack: Stack) -> None:
    _, client = seeded(stack)
    register(client, UNIT, "stp-01", "LDTT", "cb-027-0001")
    submitted = move(client, UNIT, new_file(client, UNIT, subjects=("cb-027-0001",)), "submitted")
    assert submitted.status_code == 200
    assert submitted.get_json()["nominees"][0]["registered"] is True
    assert submitted.get_json()["registration"]["passed"] is True
    row = client.get("/registrations?unit=stp-01&year=2024", headers=UNIT).get_json()["items"][0]
    assert client.delete(f"/registrations/{row['id']}", headers=UNIT).status_code == 409
