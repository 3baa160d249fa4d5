"""Every worked example of sample-award-cases.json, asked through the API: the verdicts
(eligible, and each top-level condition in the pack's order), the quotas and the bonuses.

The sample pack is uploaded and published and the sample registry imported through the API,
once per stack; each case is then one question."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import service_app
from services.awards.service import SERVICE
from services.awards.tests.seed import SHARED, import_sample_history, publish_sample_pack
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer, unit_officer

CASES = json.loads((SHARED / "sample-award-cases.json").read_text("utf-8"))


def _client(stack: Stack) -> FlaskClient:
    client = service_app(stack, SERVICE).test_client()
    publish_sample_pack(client)
    import_sample_history(client)
    return client


def _get(client: FlaskClient, path: str, **query: Any) -> Any:
    answer = client.get(path, query_string=query, headers=ministry_officer())
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_every_question_is_answered_as_the_cases_say(stack: Stack) -> None:
    client = _client(stack)
    wrong = []
    for case in CASES["questions"]:
        verdict = _get(
            client, "/eligibility", award=case["award"], year=case["year"], subject=case["subject"]
        )
        got = (verdict["eligible"], [c["passed"] for c in verdict["conditions"]])
        if got != (case["eligible"], case["conditions_passed"]):
            wrong.append((case, got, [c["reason"]["en"] for c in verdict["conditions"]]))
        assert verdict["rule_pack"]["code"] == "tdkt-tu-phap-mau"
        assert verdict["basis"]
        for condition in verdict["conditions"]:
            assert condition["reason"]["vi"] and condition["reason"]["en"]
    assert not wrong, wrong


@pytest.mark.parametrize(
    "case", CASES["quotas"], ids=lambda c: f"{c['award']}-{c['year']}-{c['unit']}"
)
def test_quotas(stack: Stack, case: dict[str, Any]) -> None:
    client = _client(stack)
    quota = _get(client, "/quotas", award=case["award"], year=case["year"], unit=case["unit"])
    assert quota["max"] == case["max"]
    assert quota["unit"] == case["unit"]
    # used: the unit's people holding the award that year (nothing is nominated yet)
    assert quota["used"] >= 0


def test_every_bonus(stack: Stack) -> None:
    client = _client(stack)
    for case in CASES["bonuses"]:
        bonus = _get(client, "/bonus", award=case["award"], decided_on=case["decided_on"])
        assert bonus["vnd"] == case["vnd"], case


def test_reasons_name_what_is_missing(stack: Stack) -> None:
    client = _client(stack)
    # cb-027-0024 misses LDTT in 2024 (the first condition of CSTDCS) and CSTDCS in 2022–2024.
    verdict = _get(client, "/eligibility", award="CSTD_TQ", year=2024, subject="cb-027-0024")
    held = verdict["conditions"][0]
    assert held["type"] == "held" and not held["passed"]
    assert "Chiến sĩ thi đua Bộ Tư pháp" in held["reason"]["vi"]
    assert "Chiến sĩ thi đua Bộ Tư pháp" in held["reason"]["en"]
    for year in held["found"]["years_missing"]:
        assert str(year) in held["reason"]["vi"] and str(year) in held["reason"]["en"]
    assert "thiếu" in held["reason"]["vi"] and "missing" in held["reason"]["en"]

    verdict = _get(client, "/eligibility", award="TTLDTT", year=2025, subject="stp-79-2025")
    assert verdict["subject_kind"] == "collective"
    disciplined = verdict["conditions"][1]
    assert not disciplined["passed"] and disciplined["found"]["disciplined"]
    assert disciplined["found"]["disciplined"][0] in disciplined["reason"]["en"]
    share = verdict["conditions"][0]
    assert "/" in share["found"]["share"] and share["found"]["share"] in share["reason"]["vi"]

    verdict = _get(client, "/eligibility", award="KNC_TP", year=2025, subject="cb-027-0006")
    assessed = verdict["conditions"][1]
    assert not assessed["passed"]
    assert (
        "2025" in assessed["reason"]["vi"] and "Hoàn thành tốt nhiệm vụ" in assessed["reason"]["vi"]
    )


def test_candidates_of_a_unit_eligible_first_then_by_name(stack: Stack) -> None:
    client = _client(stack)
    page = _get(
        client, "/eligibility/candidates", award="LDTT", year=2024, unit="stp-01", page_size=5
    )
    assert page["total"] == 12 and len(page["items"]) == 5
    everyone = _get(
        client, "/eligibility/candidates", award="LDTT", year=2024, unit="stp-01", page_size=50
    )["items"]
    flags = [v["eligible"] for v in everyone]
    assert flags == sorted(flags, reverse=True)
    # cb-027-0029 is not eligible (sample-award-cases.json): among the last
    assert not next(v for v in everyone if v["subject"] == "cb-027-0029")["eligible"]
    assert all(v["unit_id"] == "stp-01" for v in everyone)
    # the unit's own officer sees them; another unit's learns nothing
    mine = client.get(
        "/eligibility/candidates",
        query_string={"award": "LDTT", "year": 2024, "unit": "stp-01"},
        headers=unit_officer("stp-01"),
    )
    assert mine.status_code == 200 and mine.get_json()["total"] == 12
    theirs = client.get(
        "/eligibility/candidates",
        query_string={"award": "LDTT", "year": 2024, "unit": "stp-01"},
        headers=unit_officer("stp-02"),
    )
    assert theirs.status_code == 404


def test_collective_candidates_and_another_units_verdicts(stack: Stack) -> None:
    client = _client(stack)
    units = _get(client, "/eligibility/candidates", award="TTLDTT", year=2024)["items"]
    assert {v["subject"] for v in units} == {"stp-01", "stp-79-2025"}
    person = client.get(
        "/eligibility",
        query_string={"award": "LDTT", "year": 2024, "subject": "cb-027-0015"},
        headers=unit_officer("stp-02"),
    )
    assert person.status_code == 404
    quota = client.get(
        "/quotas",
        query_string={"award": "CSTDCS", "year": 2024, "unit": "stp-01"},
        headers=unit_officer("stp-02"),
    )
    assert quota.status_code == 404
    # a unit officer must name a scope; a missing award is named
    bare = client.get(
        "/eligibility/candidates",
        query_string={"award": "LDTT", "year": 2024},
        headers=unit_officer("stp-01"),
    )
    assert bare.status_code == 422
    missing = client.get(
        "/eligibility",
        query_string={"year": 2024, "subject": "cb-027-0015"},
        headers=ministry_officer(),
    )
    assert missing.status_code == 422 and "award" in json.dumps(missing.get_json())
    unknown = client.get(
        "/eligibility",
        query_string={"award": "NOPE", "year": 2024, "subject": "cb-027-0015"},
        headers=ministry_officer(),
    )
    assert unknown.status_code == 404
    wrong_kind = client.get(
        "/eligibility",
        query_string={"award": "TTLDTT", "year": 2024, "subject": "cb-027-0015"},
        headers=ministry_officer(),
    )
    assert wrong_kind.status_code == 422
