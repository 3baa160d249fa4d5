"""The conditions engine on its edge cases: tenure's arithmetic and reference day, exact
shares, a unit without members, nested any_of / all_of, once per recipient.

The engine is pure; the ``stack`` fixture is taken so the module runs on both stacks like
every test of the service, and one test checks the same answer through the API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from conftest import service_app
from services.awards.domain import conditions as engine
from services.awards.service import SERVICE
from services.awards.tests.seed import PACK, publish_sample_pack
from tests.support.stack import Stack
from tests.support.tokens import ministry_officer

SAMPLE: dict[str, Any] = json.loads(PACK.read_text("utf-8"))


def award(*conditions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "code": "X",
        "name": "Giải X",
        "recipient": "individual",
        "conditions": list(conditions),
        **extra,
    }


def person(code: str = "p1", **fields: Any) -> engine.History:
    return engine.History(kind="individual", id=code, name=code, unit_id="u1", **fields)


def unit(members: list[engine.History], **fields: Any) -> engine.History:
    return engine.History(
        kind="collective", id="u1", name="Đơn vị 1", unit_id="u1", members=members, **fields
    )


def one(
    cond: dict[str, Any], subject: engine.History, year: int = 2024, **extra: Any
) -> engine.ConditionResult:
    [result] = engine.evaluate(award(cond, **extra), SAMPLE, year, subject)
    return result


TENURE = {
    "type": "tenure",
    "position": "cap-truong",
    "min_years": {"nam": 5, "nu": 3},
    "transferred_min_years": {"nam": 6, "nu": 4},
}


def test_tenure_threshold_is_floor_of_365_25_n_plus_half(stack: Stack) -> None:
    # 3 years: floor(1095.75 + 0.5) = 1096 days; 5 years: floor(1826.25 + 0.5) = 1826 days.
    start = date(2021, 1, 1)
    to_1095 = {"position": "cap-truong", "from": start.isoformat(), "to": "2023-12-31"}  # 1095 days
    to_1096 = {"position": "cap-truong", "from": start.isoformat(), "to": "2024-01-01"}
    short = one(TENURE, person(gender="nu", positions=[to_1095]))
    assert not short.passed and short.found["days"] == 1095 and short.found["required_days"] == 1096
    enough = one(TENURE, person(gender="nu", positions=[to_1096]))
    assert enough.passed and enough.found["days"] == 1096
    man = one(TENURE, person(gender="nam", positions=[to_1096]))
    assert man.found["required_days"] == 1826 and not man.passed
    # transferred from another sector: 4 years for a woman, floor(1461 + 0.5) = 1461
    moved = one(TENURE, person(gender="nu", transferred=True, positions=[to_1096]))
    assert moved.found["required_days"] == 1461 and not moved.passed


def test_tenure_counts_to_the_reference_day_only(stack: Stack) -> None:
    # still in post: counted up to 08-28 of the year, both days counted
    current = {"position": "cap-truong", "from": "2021-08-29", "to": None}
    result = one(TENURE, person(gender="nu", positions=[current]), reference_day="08-28")
    assert result.found["reference_day"] == "2024-08-28"
    assert result.found["days"] == (date(2024, 8, 28) - date(2021, 8, 29)).days + 1 == 1096
    assert result.passed
    # a day later in the year would count more, an earlier reference day less
    earlier = one(TENURE, person(gender="nu", positions=[current]), reference_day="08-27")
    assert earlier.found["days"] == 1095 and not earlier.passed
    # a period starting after the reference day counts nothing; periods are summed
    later = {"position": "cap-truong", "from": "2024-09-01", "to": None}
    first = {"position": "cap-truong", "from": "2020-01-01", "to": "2020-12-31"}  # 366 days
    other_post = {"position": "cap-pho", "from": "2010-01-01", "to": None}
    summed = one(
        TENURE, person(gender="nu", positions=[first, later, other_post]), reference_day="08-28"
    )
    assert summed.found["days"] == 366 and not summed.passed


def test_shares_are_exact(stack: Stack) -> None:
    def members(holding: int, total: int) -> list[engine.History]:
        return [
            person(f"m{i}", awards={("LDTT", 2024)} if i < holding else set()) for i in range(total)
        ]

    at_least = {"type": "members_share", "award": "LDTT", "at_least": 0.7, "year": 0}
    more_than = {"type": "members_share", "award": "LDTT", "more_than": 0.5, "year": 0}
    collective = {"recipient": "collective"}
    seven_of_ten = one(at_least, unit(members(7, 10)), **collective)
    assert (
        seven_of_ten.passed and seven_of_ten.found["share"] == "7/10"
    )  # 0.7 * 10 is not 7.0 in floats
    assert not one(at_least, unit(members(6, 10)), **collective).passed
    half = one(more_than, unit(members(1, 2)), **collective)
    assert not half.passed and half.found["share"] == "1/2"
    assert one(more_than, unit(members(2, 3)), **collective).passed


def test_a_unit_without_members_fails_member_conditions(stack: Stack) -> None:
    empty = unit([])
    for cond in (
        {"type": "members_share", "award": "LDTT", "at_least": 0, "year": 0},
        {"type": "members_assessed", "at_least": "hoan-thanh", "year": 0},
    ):
        result = one(cond, empty, recipient="collective")
        assert not result.passed and result.found["members"] == 0
        assert "thành viên" in result.reason["vi"] and "members" in result.reason["en"]


def test_any_of_and_all_of_nest(stack: Stack) -> None:
    xs = {"type": "assessed", "at_least": "xuat-sac", "years": [0]}
    idea = {"type": "initiatives", "scope_at_least": "co-so", "count": 1, "years": [0]}
    good = person(assessments={2024: "xuat-sac"})
    both = person(
        assessments={2024: "xuat-sac"}, initiatives=[{"year": 2024, "scope": "bo", "title": "t"}]
    )
    nobody = person(assessments={2024: "tot"})
    any_ = {"type": "any_of", "conditions": [xs, idea]}
    all_ = {"type": "all_of", "conditions": [xs, idea]}
    assert one(any_, good).passed and not one(all_, good).passed
    assert one(all_, both).passed
    failed = one(any_, nobody)
    assert not failed.passed and [c.passed for c in failed.conditions or []] == [False, False]
    assert failed.as_dict()["conditions"][0]["type"] == "assessed"
    nested = {"type": "any_of", "conditions": [{"type": "all_of", "conditions": [xs, idea]}, xs]}
    assert one(nested, good).passed and not one(nested, nobody).passed


def test_other_conditions(stack: Stack) -> None:
    # a year not listed in service_months is a full year
    months = {"type": "service_months", "min": 10}
    assert one(months, person()).found["months"] == 12
    assert not one(months, person(service_months={2024: 9})).passed
    # not_disciplined: a level at least the one named, in the years named
    cond = {"type": "not_disciplined", "at_least": "canh-cao", "years": [0]}
    assert one(cond, person(discipline=[{"year": 2024, "level": "khien-trach"}])).passed
    assert not one(cond, person(discipline=[{"year": 2024, "level": "cach-chuc"}])).passed
    assert one(cond, person(discipline=[{"year": 2023, "level": "cach-chuc"}])).passed
    # held, with the years missing named
    held = one(
        {"type": "held", "award": "CSTDCS", "years": [-2, -1, 0]},
        person(awards={("CSTDCS", 2022), ("CSTDCS", 2023)}),
    )
    assert not held.passed and held.found["years_missing"] == [2024]
    assert held.reason["vi"] == "Có 2/3 năm liên tục đạt Chiến sĩ thi đua cơ sở (thiếu năm 2024)"
    assert (
        held.reason["en"]
        == "Held Chiến sĩ thi đua cơ sở in 2 of the 3 consecutive years (missing 2024)"
    )
    # an assessment that does not exist fails, saying so
    missing = one({"type": "assessed", "at_least": "hoan-thanh", "years": [0]}, person())
    assert not missing.passed and "chưa có đánh giá" in missing.reason["vi"]


def test_ranking_reads_the_latest_result_of_the_units_kind(stack: Stack) -> None:
    rank = {"type": "ranking", "region_rank_at_most": 1}
    band = {"type": "ranking", "band_in": ["A", "B"]}
    nothing = one(rank, unit([]), recipient="collective")
    assert not nothing.passed and nothing.found["result"] is None
    results = [
        engine.Ranking("r1", 2024, "so-tu-phap", "C", 2, 5, "2025-01-10T00:00:00"),
        engine.Ranking("r2", 2024, "so-tu-phap", "A", 1, 1, "2025-02-10T00:00:00"),
        engine.Ranking("r3", 2024, "thads", "D", 9, 9, "2025-03-10T00:00:00"),
    ]
    leading = unit([], unit_kind="so-tu-phap", rankings=results)
    assert one(rank, leading, recipient="collective").passed
    assert one(band, leading, recipient="collective").found["band"] == "A"
    assert not one(rank, leading, 2025, recipient="collective").passed


def test_once_per_recipient(stack: Stack) -> None:
    rule = award(once_per_recipient=True)
    assert engine.once_per_recipient(rule, SAMPLE, person())["passed"]
    again = engine.once_per_recipient(rule, SAMPLE, person(awards={("X", 2019)}))
    assert again is not None and not again["passed"] and "2019" in again["reason"]["en"]
    assert engine.once_per_recipient(award(), SAMPLE, person()) is None


def test_once_per_recipient_through_the_api(stack: Stack) -> None:
    client = service_app(stack, SERVICE).test_client()
    publish_sample_pack(client)
    document = {
        "people": [
            {
                "id": "kn-1",
                "full_name": "Lê Thị Hoa",
                "gender": "nu",
                "unit_id": "stp-01",
                "positions": [{"position": "cap-truong", "from": "2015-01-01", "to": None}],
                "assessments": {"2024": "tot", "2025": "tot"},
            }
        ],
        "awards": [
            {
                "recipient": "kn-1",
                "award": "KNC_TP",
                "year": 2024,
                "decision": "QĐ 1",
                "decided_on": "2024-09-01",
            }
        ],
    }
    imported = client.post("/registry/import", json=document, headers=ministry_officer())
    assert imported.status_code == 200, imported.get_json()
    verdict = client.get(
        "/eligibility",
        query_string={"award": "KNC_TP", "year": 2025, "subject": "kn-1"},
        headers=ministry_officer(),
    ).get_json()
    assert all(c["passed"] for c in verdict["conditions"])
    assert verdict["once_per_recipient"]["passed"] is False and verdict["eligible"] is False
