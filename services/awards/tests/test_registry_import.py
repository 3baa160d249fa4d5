"""The registry import: all or nothing, idempotent, NFC, and a unit admin kept to its unit."""

from __future__ import annotations

import copy
import io
import json
import unicodedata
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conftest import service_app
from kit.app import runtime
from services.awards.domain import workbook
from services.awards.models import Achievement, Person, RegistryChange
from services.awards.service import SERVICE
from services.awards.tests.seed import HISTORY
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer

SAMPLE: dict[str, Any] = json.loads(HISTORY.read_text("utf-8"))


def unit_admin(unit: str) -> dict[str, str]:
    return as_role("unit_admin", "unit", unit, unit=unit)


def counts(app: Flask) -> tuple[int, int, int]:
    with app.app_context(), runtime().db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Person, Achievement, RegistryChange)
        )


def post(client: FlaskClient, document: Any, headers: dict[str, str] | None = None) -> Any:
    return client.post("/registry/import", json=document, headers=headers or ministry_officer())


def test_one_bad_row_and_nothing_is_written(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    document = copy.deepcopy(SAMPLE)
    document["people"][5]["gender"] = "x"
    document["people"][7]["assessments"]["2024"] = "gioi"  # not in the scale
    document["people"][9]["id"] = document["people"][8]["id"]  # a duplicate staff code
    document["awards"][3]["recipient"] = "nobody-here"
    document["awards"][4]["decided_on"] = "2024-02-30"
    document["awards"].append(dict(document["awards"][0]))  # a duplicate (recipient, award, year)
    answer = post(client, document)
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    for pointer in (
        "/people/5/gender",
        "/people/7/assessments/2024",
        "/people/9/id",
        "/awards/3/recipient",
        "/awards/4/decided_on",
        f"/awards/{len(document['awards']) - 1}",
    ):
        assert pointer in errors, (pointer, sorted(errors))
    assert counts(app) == (0, 0, 0)

    one_bad = copy.deepcopy(SAMPLE)
    one_bad["awards"][-1]["year"] = 1899
    refused = post(client, one_bad)
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == [
        f"/awards/{len(one_bad['awards']) - 1}/year"
    ]
    assert counts(app) == (0, 0, 0)

    empty = post(client, {})  # a wrong file, not a request to import nothing
    assert empty.status_code == 422 and list(empty.get_json()["errors"]) == ["/people"]
    assert counts(app) == (0, 0, 0)


def test_reimporting_changes_nothing_and_a_change_is_one_update(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    first = post(client, SAMPLE).get_json()
    assert first == {
        "people": {"created": 34, "updated": 0, "unchanged": 0},
        "awards": {"created": 233, "updated": 0, "unchanged": 0},
    }
    before = counts(app)
    again = post(client, SAMPLE).get_json()
    assert again == {
        "people": {"created": 0, "updated": 0, "unchanged": 34},
        "awards": {"created": 0, "updated": 0, "unchanged": 233},
    }
    assert counts(app) == before, "no new audit rows"
    profile = client.get("/people/cb-027-0001", headers=ministry_officer())
    revision = profile.headers.get("ETag")

    changed = copy.deepcopy(SAMPLE)
    changed["people"][1]["assessments"]["2025"] = "xuat-sac"
    changed["awards"][1]["revoked"] = True
    result = post(client, changed).get_json()
    assert result["people"] == {"created": 0, "updated": 1, "unchanged": 33}
    assert result["awards"] == {"created": 0, "updated": 1, "unchanged": 232}
    people, awards, audit = counts(app)
    assert (people, awards) == before[:2] and audit == before[2] + 1  # one subject changed
    with app.app_context(), runtime().db.read() as session:
        person = session.get(Person, changed["people"][1]["id"])
        assert person is not None and person.revision == 2
        assert person.assessments["2025"] == "xuat-sac"
        change = session.execute(
            select(RegistryChange).order_by(RegistryChange.id.desc()).limit(1)
        ).scalar_one()
        assert change.subject_id == person.staff_code and change.action == "updated"
    if revision is not None:  # the profile (helper B's) follows the revision
        assert client.get("/people/cb-027-0001", headers=ministry_officer()).headers["ETag"] != (
            revision
        )


def test_nfc_and_nfd_spellings_are_the_same_person(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    person = {"id": "nfd-1", "full_name": "Nguyễn Văn An", "gender": "nam", "unit_id": "stp-01"}
    decomposed = {**person, "full_name": unicodedata.normalize("NFD", person["full_name"])}
    assert decomposed["full_name"] != person["full_name"]
    assert post(client, {"people": [decomposed]}).get_json()["people"]["created"] == 1
    with app.app_context(), runtime().db.read() as session:
        stored = session.get(Person, "nfd-1")
        assert stored is not None and stored.full_name == person["full_name"]  # NFC
        assert stored.name_key == " nguyen van an"
    again = post(client, {"people": [person]}).get_json()
    assert again["people"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_unit_admin_imports_only_its_own_units_people(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    ours = [p for p in SAMPLE["people"] if p["unit_id"] == "stp-01"]
    theirs = [p for p in SAMPLE["people"] if p["unit_id"] != "stp-01"]
    mixed = {"people": [ours[0], theirs[0]]}
    refused = post(client, mixed, unit_admin("stp-01"))
    assert refused.status_code == 422
    assert "/people/1/unit_id" in refused.get_json()["errors"]
    assert counts(app) == (0, 0, 0)

    # the Ministry imports everyone; then stp-01's admin may not move a person of stp-79-2025
    post(client, SAMPLE)
    moved = {"people": [{**theirs[0], "unit_id": "stp-01"}]}
    refused = post(client, moved, unit_admin("stp-01"))
    assert refused.status_code == 422 and "/people/0/id" in refused.get_json()["errors"]
    award = next(a for a in SAMPLE["awards"] if a["recipient"] == theirs[0]["id"])
    refused = post(client, {"awards": [{**award, "decision": "QĐ khác"}]}, unit_admin("stp-01"))
    assert refused.status_code == 422 and "/awards/0/recipient" in refused.get_json()["errors"]
    # its own people it may change
    mine = post(client, {"people": [{**ours[0], "full_name": "Tên Mới"}]}, unit_admin("stp-01"))
    assert mine.status_code == 200 and mine.get_json()["people"]["updated"] == 1
    # an officer (not an editor) may not import at all
    officer = as_role("unit_officer", "unit", "stp-01", unit="stp-01")
    assert post(client, {"people": [ours[0]]}, officer).status_code == 403


def test_a_workbook_import_reports_errors_at_their_cells(stack: Stack) -> None:
    app = service_app(stack, SERVICE)
    client = app.test_client()
    document = copy.deepcopy(SAMPLE)
    document["people"][3]["gender"] = "khac"
    content = workbook.write_document(document)
    answer = client.post(
        "/registry/import",
        data={"file": (io.BytesIO(content), "so-khen-thuong.xlsx")},
        content_type="multipart/form-data",
        headers=ministry_officer(),
    )
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert list(body["errors"]) == ["'Cán bộ'!C5"]
    assert body["excel_errors"][0]["sheet"] == "Cán bộ" and body["excel_errors"][0]["row"] == 5
    assert counts(app) == (0, 0, 0)
    good = client.post(
        "/registry/import",
        data={"file": (io.BytesIO(workbook.write_document(SAMPLE)), "so.xlsx")},
        content_type="multipart/form-data",
        headers=ministry_officer(),
    )
    assert good.status_code == 200 and good.get_json()["people"]["created"] == 34
    assert post(client, SAMPLE).get_json()["awards"]["unchanged"] == 233
