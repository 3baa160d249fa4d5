"""Searching the registry (GET /people): names without diacritics, in either Unicode form,
word by word from the start of words; by unit and by an award held (in a year); paginated;
only people of units the caller may read. The sample registry's names. Both stacks."""

from __future__ import annotations

import unicodedata
from typing import Any

from kit.text import fold
from services.awards.tests.test_registry_reads import HANOI, HCM, REGION, SAMPLE, World, seed
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

MINISTRY = ministry_officer()


def codes(world: World, query: str, headers: dict[str, str] = MINISTRY) -> list[str]:
    response = world.client.get(f"/people?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["staff_code"] for item in response.get_json()["items"]]


def test_a_name_is_found_without_its_diacritics_and_in_any_case(stack: Stack) -> None:
    world = seed(stack)
    assert sorted(codes(world, "q=nguyen")) == ["cb-027-0003", "cb-027-0005"]
    assert codes(world, "q=NGUYEN thanh") == ["cb-027-0003"]
    assert codes(world, "q=duong binh") == ["cb-027-0006"]
    assert sorted(codes(world, "q=do hoa")) == ["cb-027-0022", "cb-027-0024"]
    assert codes(world, "q=Nguyễn Minh Mai") == ["cb-027-0005"]


def test_an_nfd_query_finds_the_nfc_name(stack: Stack) -> None:
    world = seed(stack)
    decomposed = unicodedata.normalize("NFD", "Đặng Ngọc Mai")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    response = world.client.get("/people", query_string={"q": decomposed}, headers=MINISTRY)
    assert [p["staff_code"] for p in response.get_json()["items"]] == ["cb-027-0007"]
    assert response.get_json()["items"][0]["full_name"] == "Đặng Ngọc Mai"


def test_a_word_matches_only_at_the_start_of_a_word(stack: Stack) -> None:
    world = seed(stack)
    # "an" begins An, not Thanh, Quang or Giang.
    assert sorted(codes(world, "q=an")) == ["cb-027-0001", "cb-027-0018", "cb-027-0020"]
    assert codes(world, "q=%25") == []  # a LIKE wildcard is a character, not a pattern


def test_the_unit_filter(stack: Stack) -> None:
    world = seed(stack)
    hanoi = {p["id"] for p in SAMPLE["people"] if p["unit_id"] == HANOI}
    page = world.client.get(f"/people?unit={HANOI}&page_size=200", headers=MINISTRY).get_json()
    assert page["total"] == len(hanoi)
    assert {p["staff_code"] for p in page["items"]} == hanoi
    assert sorted(codes(world, f"q=mai&unit={HANOI}")) == ["cb-027-0005", "cb-027-0016"]


def held(award: str, year: int | None = None) -> set[str]:
    return {
        a["recipient"]
        for a in SAMPLE["awards"]
        if a["award"] == award and (year is None or a["year"] == year) and not a.get("revoked")
    }


def test_the_award_filter_finds_the_holders_and_not_the_revoked(stack: Stack) -> None:
    world = seed(stack)
    got = set(codes(world, "award=CSTDCS&year=2020&page_size=200"))
    assert got == held("CSTDCS", 2020) != set()
    assert "cb-027-0028" not in got  # its CSTDCS 2020 was revoked
    assert set(codes(world, "award=CSTDCS&page_size=200")) == held("CSTDCS")
    both = set(codes(world, f"award=LDTT&year=2024&unit={HCM}&page_size=200"))
    hcm = {p["id"] for p in SAMPLE["people"] if p["unit_id"] == HCM}
    assert both == held("LDTT", 2024) & hcm


def test_pages_cover_the_list_once_in_name_order(stack: Stack) -> None:
    world = seed(stack)
    officer = unit_officer(HCM)
    hcm = [p for p in SAMPLE["people"] if p["unit_id"] == HCM]
    seen: list[dict[str, Any]] = []
    for page in range(1, 6):
        body = world.client.get(f"/people?page={page}&page_size=5", headers=officer).get_json()
        assert body["total"] == len(hcm) == 22
        assert body["page"] == page and body["page_size"] == 5
        seen.extend(body["items"])
    by_name = sorted(hcm, key=lambda p: (fold(p["full_name"]), p["id"]))
    assert [p["staff_code"] for p in seen] == [p["id"] for p in by_name]
    assert world.client.get("/people?page=6&page_size=5", headers=officer).get_json()["items"] == []


def test_the_list_shows_only_the_units_the_caller_reads(stack: Stack) -> None:
    world = seed(stack)
    assert codes(world, "q=nguyen", unit_officer(HANOI)) == ["cb-027-0005"]
    assert codes(world, f"unit={HCM}", unit_officer(HANOI)) == []
    lead = as_role("region_lead", "region", REGION, unit="stp-02")
    page = world.client.get("/people?page_size=200", headers=lead).get_json()
    assert {p["unit_id"] for p in page["items"]} == {HANOI}
    assert codes(world, "q=nguyen", as_role("auditor")) == [
        "cb-027-0005",
        "cb-027-0003",
    ]  # Minh, Thanh


def test_bad_search_arguments_are_refused_with_the_field(stack: Stack) -> None:
    world = seed(stack)
    response = world.client.get("/people?year=1800", headers=MINISTRY)
    assert response.status_code == 422
    assert "year" in str(response.get_json())
    assert world.client.get("/people?page_size=0", headers=MINISTRY).status_code == 422
