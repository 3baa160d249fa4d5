"""Rule packs: validation with JSON pointers, versions chosen by effective date and reference
day, immutability once published, and who may do what."""

from __future__ import annotations

import copy
import json
from typing import Any

from flask.testing import FlaskClient

from conftest import service_app
from services.awards.service import SERVICE
from services.awards.tests.seed import PACK, import_sample_history, publish_sample_pack
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

SAMPLE: dict[str, Any] = json.loads(PACK.read_text("utf-8"))


def _award(document: dict[str, Any], code: str) -> dict[str, Any]:
    return next(a for a in document["awards"] if a["code"] == code)


def upload(client: FlaskClient, document: dict[str, Any]) -> Any:
    return client.post("/rule-packs", json=document, headers=ministry_officer())


def publish(client: FlaskClient, created: Any) -> Any:
    return client.post(
        f"/rule-packs/{created.get_json()['pack_id']}/publish",
        headers={**ministry_officer(), "If-Match": created.headers["ETag"]},
    )


def amended(effective_from: str, months: int) -> dict[str, Any]:
    """The sample with another threshold of LDTT's service months, effective from a day."""
    document = copy.deepcopy(SAMPLE)
    document["effective_from"] = effective_from
    _award(document, "LDTT")["conditions"][1]["min"] = months
    return document


def verdict(client: FlaskClient, award: str, year: int, subject: str) -> dict[str, Any]:
    answer = client.get(
        "/eligibility",
        query_string={"award": award, "year": year, "subject": subject},
        headers=ministry_officer(),
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_every_problem_is_reported_with_its_pointer(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    document = copy.deepcopy(SAMPLE)
    document["effective_to"] = "2023-12-31"  # before effective_from
    document["awards"][3]["conditions"][1]["years"] = [-1, "0"]
    document["awards"][0]["conditions"][0]["at_least"] = "gioi"  # not in scales.assessment
    document["awards"][1]["quota"]["of_award"] = "KHONG_CO"
    document["awards"][2]["code"] = "LDTT"  # a duplicate
    document["awards"][4]["extra"] = True
    document["awards"][5]["reference_day"] = "02-30"
    document["awards"][6]["conditions"][0]["at_least"] = 0.5  # both more_than and at_least
    document["awards"][8]["conditions"][0] = {"type": "ranking"}  # neither rank nor band
    document["base_salary"][0]["vnd"] = -1
    document["scales"]["assessment"] = []
    answer = upload(client, document)
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    for pointer in (
        "/effective_to",
        "/awards/3/conditions/1/years/1",
        "/awards/1/quota/of_award",
        "/awards/2/code",
        "/awards/4/extra",
        "/awards/5/reference_day",
        "/awards/6/conditions/0",
        "/awards/8/conditions/0",
        "/base_salary/0/vnd",
        "/scales/assessment",
    ):
        assert pointer in errors, (pointer, sorted(errors))
    assert client.get("/rule-packs", headers=ministry_officer()).get_json()["total"] == 0
    english = client.post(
        "/rule-packs", json={"code": "x"}, headers={**ministry_officer(), "Accept-Language": "en"}
    )
    assert english.status_code == 422 and "/awards" in english.get_json()["errors"]
    assert "Required." in english.get_json()["errors"]["/awards"]


def test_condition_types_and_their_parameters(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    document = copy.deepcopy(SAMPLE)
    ldtt = _award(document, "LDTT")
    ldtt["conditions"] = [
        {"type": "unknown"},
        {"type": "service_months", "min": 10, "max": 12},  # a parameter it does not have
        {"type": "members_share", "award": "LDTT", "at_least": 0.5, "year": 0},  # a unit's
        {"type": "any_of", "conditions": []},
        {"type": "tenure", "position": "cap-truong", "min_years": {"nam": 5}},
        {"type": "held", "award": "LDTT", "years": [0], "confidence": "X"},
    ]
    errors = upload(client, document).get_json()["errors"]
    assert "/awards/0/conditions/0/type" in errors
    assert "/awards/0/conditions/1/max" in errors
    assert "/awards/0/conditions/2/type" in errors
    assert "/awards/0/conditions/3/conditions" in errors
    assert "/awards/0/conditions/4/min_years/nu" in errors
    assert "/awards/0/conditions/5/confidence" in errors


def test_versions_by_effective_date_and_reference_day(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    v1 = publish_sample_pack(client)
    import_sample_history(client)
    assert v1["version"] == 1 and v1["status"] == "published"

    # a draft answers nothing: 2026 is still answered by v1
    draft = upload(client, amended("2026-01-01", 12))
    assert draft.status_code == 201 and draft.get_json()["version"] == 2
    assert verdict(client, "LDTT", 2026, "cb-027-0015")["rule_pack"]["version"] == 1
    assert publish(client, draft).status_code == 200

    for year, version, months in ((2025, 1, 10), (2026, 2, 12)):
        answer = verdict(client, "LDTT", year, "cb-027-0015")
        assert answer["rule_pack"]["version"] == version
        assert answer["conditions"][1]["found"]["min"] == months

    # v3 from 1 September 2026: LDTT's 2026 (reference day 12-31) moves to it, but KNC_TP's
    # reference day is 08-28, when v2 is still in force
    v3 = upload(client, amended("2026-09-01", 11))
    assert publish(client, v3).status_code == 200
    assert verdict(client, "LDTT", 2026, "cb-027-0015")["rule_pack"]["version"] == 3
    assert verdict(client, "KNC_TP", 2026, "cb-027-0006")["rule_pack"]["version"] == 2
    types = client.get("/award-types", query_string={"year": 2026}, headers=unit_officer("stp-01"))
    by_code = {t["code"]: t for t in types.get_json()["items"]}
    assert by_code["LDTT"]["rule_pack"]["version"] == 3
    assert by_code["KNC_TP"]["rule_pack"]["version"] == 2
    assert by_code["KNC_TP"]["reference_day"] == "2026-08-28"
    assert by_code["CO_NGANH"]["proposed_by"] == "region"

    # before any pack: 409 naming the day
    early = client.get(
        "/eligibility",
        query_string={"award": "LDTT", "year": 2023, "subject": "cb-027-0015"},
        headers=ministry_officer(),
    )
    assert early.status_code == 409 and early.get_json()["code"] == "no_rule_pack"
    assert "2023" in early.get_json()["detail"]
    assert (
        client.get("/award-types?year=2023", headers=ministry_officer()).get_json()["code"]
        == "no_rule_pack"
    )
    # newest first
    listed = client.get("/rule-packs", headers=ministry_officer()).get_json()
    assert [p["version"] for p in listed["items"]] == [3, 2, 1]


def test_a_published_pack_is_immutable_and_a_draft_may_go(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    created = upload(client, SAMPLE)
    pack_id = created.get_json()["pack_id"]
    url = f"/rule-packs/{pack_id}/publish"
    assert client.post(url, headers=ministry_officer()).status_code == 428
    stale = client.post(url, headers={**ministry_officer(), "If-Match": 'W/"x-0"'})
    assert stale.status_code == 412
    published = publish(client, created)
    assert published.status_code == 200
    again = client.post(url, headers={**ministry_officer(), "If-Match": published.headers["ETag"]})
    assert again.status_code == 409
    assert client.delete(f"/rule-packs/{pack_id}", headers=ministry_officer()).status_code == 409
    read = client.get(f"/rule-packs/{pack_id}", headers=ministry_officer())
    assert read.get_json()["status"] == "published" and read.headers["ETag"]
    assert read.get_json()["document"] == SAMPLE

    draft = upload(client, amended("2027-01-01", 12))
    draft_id = draft.get_json()["pack_id"]
    assert client.delete(f"/rule-packs/{draft_id}", headers=ministry_officer()).status_code == 204
    assert client.get(f"/rule-packs/{draft_id}", headers=ministry_officer()).status_code == 404


def test_who_may_read_and_manage_rules(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    for caller in (unit_officer("stp-01"), as_role("unit_admin", "unit", "stp-01")):
        refused = client.post("/rule-packs", json=SAMPLE, headers=caller)
        assert refused.status_code == 403
    assert client.get("/rule-packs", headers=ministry_officer()).get_json()["total"] == 0
    created = upload(client, SAMPLE)
    pack_id = created.get_json()["pack_id"]
    officer = unit_officer("stp-01")
    forbidden = client.post(
        f"/rule-packs/{pack_id}/publish", headers={**officer, "If-Match": created.headers["ETag"]}
    )
    assert forbidden.status_code == 403
    assert client.delete(f"/rule-packs/{pack_id}", headers=officer).status_code == 403
    assert client.get(f"/rule-packs/{pack_id}", headers=officer).status_code == 200
    lead = as_role("region_lead", "region", "2024-kv1")
    assert client.get("/rule-packs", headers=lead).status_code == 200
    assert client.get("/rule-packs").status_code == 401
    assert (
        client.get(f"/rule-packs/{pack_id}", headers=ministry_officer()).get_json()["status"]
        == "draft"
    )
