"""The TT 02/2023/TT-BNV reports: every figure of the workbook against counts computed here,
independently, from the sample registry and stp-05's document (revoked awards left out, women
among individuals), nationally and for one unit; Vietnamese headings; a revocation lowers the
counts; every form's rows are the awards of its category."""

from __future__ import annotations

import io
import json
from collections import Counter
from fractions import Fraction
from typing import Any

import openpyxl

from services.awards.tests.decision_support import (
    MINISTRY,
    PEOPLE,
    UNIT,
    issued,
    revoke,
    unit_document,
    with_unit,
)
from services.awards.tests.seed import HISTORY, PACK
from tests.support.stack import Stack

HEADINGS = [
    "STT",
    "Mã",
    "Danh hiệu thi đua, hình thức khen thưởng",
    "Loại",
    "Cấp",
    "Tổng số",
    "Cá nhân",
    "Tập thể",
    "Trong đó nữ",
    "Tỷ lệ nữ (%)",
]


def expected(year: int, unit: str | None = None) -> dict[str, dict[str, int]]:
    """Per award code: total, individuals, collectives, women: from the documents themselves."""
    documents = [json.loads(HISTORY.read_text()), unit_document()]
    people = {p["id"]: p for d in documents for p in d["people"]}
    out: dict[str, Counter[str]] = {}
    for document in documents:
        for award in document["awards"]:
            if award["year"] != year or award.get("revoked"):
                continue
            person = people.get(award["recipient"])
            owner = person["unit_id"] if person else award["recipient"]
            if unit is not None and owner != unit:
                continue
            count = out.setdefault(award["award"], Counter())
            count["total"] += 1
            count["individuals" if person else "collectives"] += 1
            count["women"] += bool(person and person["gender"] == "nu")
    return {code: dict(c) for code, c in out.items()}


def read(client: Any, form: str, query: str, headers: dict[str, str] = MINISTRY) -> Any:
    answer = client.get(f"/reports/{form}.xlsx?{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(answer.data)).active


def table(sheet: Any) -> dict[str, list[Any]]:
    """Award code -> its row (from the row after the headings up to the total)."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if list(r[: len(HEADINGS)]) == HEADINGS)
    out = {}
    for row in rows[start + 1 :]:
        if row[2] == "Tổng cộng":
            out["total"] = list(row)
            break
        out[row[1]] = list(row)
    return out


def check(lines: dict[str, list[Any]], want: dict[str, dict[str, int]], codes: list[str]) -> None:
    assert [c for c in lines if c != "total"] == codes
    for code in codes:
        got = want.get(code, {})
        row = lines[code]
        assert row[5:9] == [
            got.get("total", 0),
            got.get("individuals", 0),
            got.get("collectives", 0),
            got.get("women", 0),
        ], code
        share = Fraction(got["women"], got["individuals"]) if got.get("individuals") else None
        if share is None:
            assert row[9] == "—", code
        else:
            assert abs(Fraction(row[9]) - share) < Fraction(1, 10**9), code
    assert lines["total"][5] == sum(want.get(c, {}).get("total", 0) for c in codes)


def test_the_forms_figures_nationally_and_for_one_unit(stack: Stack) -> None:
    _, client = with_unit(stack)
    pack = json.loads(PACK.read_text())
    codes = [a["code"] for a in pack["awards"]]
    names = {a["code"]: a["name"] for a in pack["awards"]}

    sheet = read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2024")
    assert sheet["A1"].value == "SỐ LƯỢNG KHEN THƯỞNG THEO DANH HIỆU, HÌNH THỨC VÀ CẤP KHEN THƯỞNG"
    assert sheet["A2"].value == "Năm: 2024"
    assert "Toàn quốc" in sheet["A3"].value
    assert "Thông tư 02/2023/TT-BNV" in sheet["A4"].value
    lines = table(sheet)
    want = expected(2024)
    assert want["LDTT"]["total"] > 10 and want["LDTT"]["women"] > 0, "the sample has them"
    check(lines, want, codes)
    assert lines["LDTT"][2] == "Lao động tiên tiến" and lines["LDTT"][3] == "Danh hiệu thi đua"
    assert lines["BK_BT"][3] == "Hình thức khen thưởng" and lines["CSTD_BO"][4] == "Bộ, ngành"

    unit = table(read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2024&unit=stp-05", UNIT))
    check(unit, expected(2024, "stp-05"), codes)
    assert unit["LDTT"][5:9] == [7, 7, 0, 4]
    hanoi = table(read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2025&unit=stp-01"))
    check(hanoi, expected(2025, "stp-01"), codes)
    # a year no rule pack covers (the sample's starts in 2024): the registry's codes still count
    before = table(read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2023&unit=stp-01"))
    assert before["LDTT"][5] == expected(2023, "stp-01")["LDTT"]["total"]

    soldiers = table(read(client, "chien-si-thi-dua", "year=2024"))
    cstd = [c for c in codes if names[c].startswith("Chiến sĩ thi đua")]
    assert cstd == ["CSTDCS", "CSTD_BO", "CSTD_TQ"]
    check(soldiers, want, cstd)
    flags = table(read(client, "co-thi-dua", "year=2024"))
    check(flags, want, ["CO_NGANH"])
    state = table(read(client, "khen-thuong-cap-nha-nuoc", "year=2024"))
    check(state, want, [a["code"] for a in pack["awards"] if a["level"] == "nha-nuoc"])

    forms = client.get("/reports", headers=UNIT).get_json()["items"]
    assert {f["code"] for f in forms} == {
        "khen-thuong-theo-hinh-thuc-va-cap",
        "chien-si-thi-dua",
        "co-thi-dua",
        "khen-thuong-cap-nha-nuoc",
    }
    assert client.get("/reports/khong-co.xlsx?year=2024", headers=MINISTRY).status_code == 404
    assert client.get("/reports/co-thi-dua.xlsx", headers=MINISTRY).status_code == 422


def test_granted_awards_count_and_revoked_ones_do_not(stack: Stack) -> None:
    _, client = with_unit(stack)
    decision = issued(client, "LDTT", PEOPLE[7], PEOPLE[8])
    lines = table(read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2024&unit=stp-05"))
    assert lines["LDTT"][5:9] == [9, 9, 0, 5]  # p8 is a woman, p7 a man
    assert revoke(client, decision, decision.get_json()["recipients"][1]["id"]).status_code == 201
    lines = table(read(client, "khen-thuong-theo-hinh-thuc-va-cap", "year=2024&unit=stp-05"))
    assert lines["LDTT"][5:9] == [8, 8, 0, 4]
    assert abs(Fraction(lines["LDTT"][9]) - Fraction(4, 8)) < Fraction(1, 10**9)
