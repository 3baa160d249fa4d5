"""Another unit learns nothing of a unit's registry: every registry read and edit of another
unit's person or unit answers 404 (the same answer as for one that does not exist), lists
show only the caller's own; a unit officer may see its own people but not replace them (403).
Both stacks."""

from __future__ import annotations

from services.awards.tests.test_registry_reads import HANOI, HCM, _entry, people_of, seed
from tests.support.stack import Stack
from tests.support.tokens import as_role, unit_officer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_another_units_officer_gets_404_for_everything_of_the_unit(stack: Stack) -> None:
    world = seed(stack)
    outsider = unit_officer(HANOI)
    person = people_of(HCM)[0]["id"]
    for path in (
        f"/people/{person}",
        f"/units/{HCM}",
        f"/registry/export?unit={HCM}",
        f"/registry/export.xlsx?unit={HCM}",
    ):
        response = world.client.get(path, headers=outsider)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
        # The same answer as for what does not exist at all.
        missing = world.client.get(path.replace(HCM, "stp-khong-co").replace(person, "cb-x"),
                                   headers=outsider)  # fmt: skip
        assert missing.status_code == 404
    exported = world.client.get(
        f"/registry/export?unit={HCM}", headers={**outsider, "Accept": XLSX}
    )
    assert exported.status_code == 404


def test_another_units_admin_cannot_replace_or_even_find_the_person(stack: Stack) -> None:
    world = seed(stack)
    person = people_of(HCM)[0]["id"]
    tag = world.client.get(f"/people/{person}", headers=unit_officer(HCM)).headers["ETag"]
    outsider = as_role("unit_admin", "unit", HANOI, unit=HANOI)
    response = world.client.put(
        f"/people/{person}", json=_entry(person), headers={**outsider, "If-Match": tag}
    )
    assert response.status_code == 404
    assert world.client.get(f"/people/{person}", headers=unit_officer(HCM)).headers["ETag"] == tag


def test_a_unit_officer_sees_its_own_people_but_may_not_replace_them(stack: Stack) -> None:
    world = seed(stack)
    officer = unit_officer(HCM)
    person = people_of(HCM)[0]["id"]
    read = world.client.get(f"/people/{person}", headers=officer)
    assert read.status_code == 200
    response = world.client.put(
        f"/people/{person}",
        json=_entry(person),
        headers={**officer, "If-Match": read.headers["ETag"]},
    )
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_lists_show_only_the_callers_own_unit(stack: Stack) -> None:
    world = seed(stack)
    officer = unit_officer(HANOI)
    people = world.client.get("/people?page_size=200", headers=officer).get_json()
    assert {p["unit_id"] for p in people["items"]} == {HANOI}
    assert people["total"] == len(people_of(HANOI))
    searched = world.client.get(f"/people?unit={HCM}", headers=officer).get_json()
    assert searched["total"] == 0
    held = world.client.get("/people?award=LDTT&page_size=200", headers=officer).get_json()
    assert {p["unit_id"] for p in held["items"]} == {HANOI}
    changes = world.client.get("/registry/changes?page_size=200", headers=officer).get_json()
    assert {c["unit_id"] for c in changes["items"]} == {HANOI}
    of_other = people_of(HCM)[0]["id"]
    hidden = world.client.get(f"/registry/changes?subject={of_other}", headers=officer)
    assert hidden.get_json()["total"] == 0
    by_unit = world.client.get(f"/registry/changes?unit={HCM}", headers=officer).get_json()
    assert by_unit["total"] == 0


def test_a_caller_without_a_registry_role_reads_nothing(stack: Stack) -> None:
    world = seed(stack)
    nobody = as_role("system_admin_of_nothing", "unit", HANOI, unit=HANOI)
    assert world.client.get("/people", headers=nobody).status_code == 403
    assert world.client.get(f"/units/{HANOI}", headers=nobody).status_code == 404
    assert world.client.get("/registry/template.xlsx").status_code == 401
