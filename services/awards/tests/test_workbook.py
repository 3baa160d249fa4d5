"""The registry workbook: the sample document written and read back unchanged, cells that
cannot be read reported at their Excel address all at once, the forms a user may type (text
dates, headings without diacritics, columns moved), oversized and foreign files refused, and
an import through POST /registry/import whose errors point at cells (both stacks)."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from kit.errors import Invalid, PayloadTooLarge
from services.awards.domain import workbook
from services.awards.domain.workbook import read_registry_workbook, write_document
from services.awards.tests.test_registry_reads import (
    HANOI,
    HCM,
    SAMPLE,
    awards_of,
    people_of,
    sorted_awards,
)
from tests.support.stack import Stack
from tests.support.tokens import as_role, ministry_officer, unit_officer

# Domain tests below touch no database: they run once. The import tests run on both stacks.


def edited(data: bytes, **cells: Any) -> bytes:
    """The workbook with cells set: ``edited(data, **{"Chức vụ!C2": "31/02/2020"})``."""
    book = load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        sheet, cell = ref.split("!")
        book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refusal(data: bytes) -> Invalid:
    with pytest.raises(Invalid) as caught:
        read_registry_workbook(data)
    return caught.value


def test_the_sample_reads_back_unchanged_and_every_value_has_its_cell() -> None:
    data = write_document(SAMPLE)
    back, locate = read_registry_workbook(data)
    assert back == SAMPLE
    first = SAMPLE["people"][0]
    assert locate("/people/0/full_name") == "'Cán bộ'!B2"
    assert locate("/people/0/positions/0/from") == "'Chức vụ'!C2"
    assert locate("/people/0/assessments/2018") == "'Xếp loại'!C2"
    assert locate("/awards/0/decided_on") == "'Khen thưởng'!E2"
    assert locate("/people/0/initiatives/5/title") == "'Cán bộ'!A2"  # nearest part read
    book = load_workbook(io.BytesIO(data))
    assert book["Cán bộ"]["B2"].value == first["full_name"]
    start = book["Chức vụ"]["C2"]
    assert start.is_date and start.value == datetime(2014, 8, 12)  # a real Excel date
    assert book["Khen thưởng"]["F2"].value == "có"  # the first award is revoked


def test_text_that_looks_like_a_formula_stays_text() -> None:
    document = copy.deepcopy(SAMPLE)
    document["people"][0]["full_name"] = '=HYPERLINK("http://evil.example","x")'
    data = write_document(document)
    assert load_workbook(io.BytesIO(data))["Cán bộ"]["B2"].data_type == "s"
    assert read_registry_workbook(data)[0] == document


def test_unreadable_cells_are_all_reported_at_their_address() -> None:
    data = edited(
        write_document(SAMPLE),
        **{
            "Chức vụ!C2": "31/02/2020",  # no such day
            "Xếp loại!B3": "hai nghìn",  # a year that is not a number
            "Khen thưởng!C4": 2019.5,  # a year that is not whole
            "Kỷ luật!A2": "cb-khong-co",  # a person the Cán bộ sheet does not list
            "Cán bộ!E3": "có lẽ",  # neither có nor không
        },
    )
    refused = refusal(data)
    assert set(refused.extra["errors"]) == {
        "'Chức vụ'!C2",
        "'Xếp loại'!B3",
        "'Khen thưởng'!C4",
        "'Kỷ luật'!A2",
        "'Cán bộ'!E3",
    }
    listed = {(e["sheet"], e["row"], e["column"]) for e in refused.extra["excel_errors"]}
    assert ("Chức vụ", 2, "C") in listed and ("Xếp loại", 3, "B") in listed
    message = refused.extra["errors"]["'Chức vụ'!C2"][0]
    assert "31/02/2020" in message[0] and "not a date" in message[1]


def test_a_user_may_type_dates_as_text_and_move_or_plainly_spell_the_columns() -> None:
    data = write_document({"people": SAMPLE["people"][:1], "awards": SAMPLE["awards"][:1]})
    book = load_workbook(io.BytesIO(data))
    people = book["Cán bộ"]
    people.move_range("A1:A2", cols=5)  # Mã cán bộ now last
    people.delete_cols(1)
    people["A1"] = "ho va ten"  # plain spelling of Họ và tên
    book["Chức vụ"]["C2"] = "12/08/2014"
    book["Khen thưởng"]["E2"] = "2019-01-10"
    out = io.BytesIO()
    book.save(out)
    back, locate = read_registry_workbook(out.getvalue())
    assert back == {"people": SAMPLE["people"][:1], "awards": SAMPLE["awards"][:1]}
    assert locate("/people/0/id") == "'Cán bộ'!E2"


def test_a_missing_sheet_or_heading_is_named() -> None:
    book = load_workbook(io.BytesIO(workbook.template()))
    del book["Kỷ luật"]
    book["Cán bộ"]["C1"] = "Phái"
    out = io.BytesIO()
    book.save(out)
    refused = refusal(out.getvalue())
    assert "'Kỷ luật'" in refused.extra["errors"]
    assert any("Giới tính" in m[0] for m in refused.extra["errors"]["'Cán bộ'!1"])


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    refused = refusal(b"%PDF-1.7 not a workbook")
    assert refused.extra["errors"] == {"file": [workbook.NOT_XLSX]}


def test_a_zip_bomb_is_refused_unread() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (workbook.MAX_UNPACKED_BYTES + 1))
    with pytest.raises(PayloadTooLarge):
        read_registry_workbook(out.getvalue())


# -- through the API ---------------------------------------------------------------------------


def upload(client: Any, data: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        "/registry/import",
        data={"file": (io.BytesIO(data), "so-khen-thuong.xlsx")},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_a_workbook_import_then_export_gives_the_same_registry(stack: Stack) -> None:
    from conftest import service_app
    from services.awards.service import SERVICE

    client = service_app(stack, SERVICE).test_client()
    response = upload(client, write_document(SAMPLE), ministry_officer())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["people"]["created"] == len(SAMPLE["people"])
    again = upload(client, write_document(SAMPLE), ministry_officer()).get_json()
    assert again["people"]["created"] == 0 and again["awards"]["created"] == 0
    for unit in (HANOI, HCM):
        exported = client.get(f"/registry/export.xlsx?unit={unit}", headers=unit_officer(unit))
        document, _ = read_registry_workbook(exported.data)
        assert sorted(document["people"], key=lambda p: p["id"]) == sorted(
            people_of(unit), key=lambda p: p["id"]
        )
        assert sorted_awards(document["awards"]) == sorted_awards(awards_of(unit))


def test_a_workbook_imports_problems_point_at_cells_and_nothing_is_saved(stack: Stack) -> None:
    from conftest import service_app
    from services.awards.service import SERVICE

    client = service_app(stack, SERVICE).test_client()
    admin = as_role("unit_admin", "unit", HANOI, unit=HANOI)
    hanoi = {"people": people_of(HANOI), "awards": awards_of(HANOI)}
    bad_date = edited(write_document(hanoi), **{"Khen thưởng!E3": "ngày mai"})
    response = upload(client, bad_date, admin)
    assert response.status_code == 422
    assert "'Khen thưởng'!E3" in response.get_json()["errors"]

    bad_gender = edited(write_document(hanoi), **{"Cán bộ!C4": "khác"})
    response = upload(client, bad_gender, admin)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert "'Cán bộ'!C4" in body["errors"]
    assert ("Cán bộ", 4, "C") in {(e["sheet"], e["row"], e["column"]) for e in body["excel_errors"]}
    page = client.get("/people", headers=admin).get_json()
    assert page["total"] == 0


def test_a_large_units_workbook_is_taken_past_the_general_body_limit(stack: Stack) -> None:
    """A whole unit's registry is a workbook of several MiB; the platform's 1 MiB body limit
    is for JSON requests, and a workbook is bounded by its own limits instead."""
    import secrets

    from conftest import service_app
    from services.awards.service import SERVICE

    people = [
        {
            **SAMPLE["people"][0],
            "id": f"cb-lon-{n:05d}",
            "full_name": f"Nguyễn Văn Lớn {n}",
            "unit_id": HANOI,
            # Random titles keep the file from compressing below the general limit.
            "initiatives": [
                {"year": 2020 + k, "scope": "co-so", "title": secrets.token_hex(40)}
                for k in range(8)
            ],
        }
        for n in range(1600)
    ]
    data = write_document({"people": people, "awards": []})
    assert len(data) > 1024 * 1024, "the workbook must be past the general limit to test it"
    response = upload(service_app(stack, SERVICE).test_client(), data, ministry_officer())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["people"]["created"] == len(people)
