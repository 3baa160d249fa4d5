"""Scoring's results in Excel, laid out the way the Ministry's officers keep them.

``ranking_workbook`` — a round's ranking: sheet ``Xếp hạng`` (a title block naming the round
and year, then one row per unit: STT, Đơn vị, Khu vực, Tổng điểm, Hạng, Xếp hạng toàn quốc,
Xếp hạng khu vực) and sheet ``Thống kê`` (per region, then the whole country: number of units,
mean, median, lowest, highest, standard deviation, and units per rank band).

``sheet_workbook`` — one unit's scored sheet (``Phiếu chấm điểm``): the criteria tree with, per
criterion, the standard points, the unit's figures written out (``98.9%``, ``Chậm 7 ngày``,
``Thực hiện 7 / chỉ tiêu 10``, ``Đạt``…), the points self-assessed, proposed by the region and
set by the appraisal, and the notes and reasons; each part and section carries its subtotal
from the computed result; bonus and deduction items show their counts; the criteria sum,
bonus, deduction, total and rank band close the sheet. ``Điểm thẩm định`` is the appraisal's
points where it set some, and on a final sheet the points that counted for every criterion.

Points are written as numbers formatted ``0.00``; headings are bold on a blue fill, parts on
grey, bonus and deduction on yellow (the criteria service's annex style). Every cell is written
with ``kit.spreadsheets.put``: what a unit or officer wrote (comments, reasons, notes, names) is a
string cell, never a formula, and stored text Excel cannot hold never fails an export.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from kit.spreadsheets import put
from services.scoring.models import Round, Sheet

RANKING_SHEET = "Xếp hạng"
STATISTICS_SHEET = "Thống kê"
SCORESHEET = "Phiếu chấm điểm"

RANKING_HEADINGS = (
    "STT",
    "Đơn vị",
    "Khu vực",
    "Tổng điểm",
    "Hạng",
    "Xếp hạng toàn quốc",
    "Xếp hạng khu vực",
)
STATISTICS_HEADINGS = (
    "Khu vực",
    "Số đơn vị",
    "Điểm trung bình",
    "Trung vị",
    "Thấp nhất",
    "Cao nhất",
    "Độ lệch chuẩn",
)
SHEET_HEADINGS = (
    "Mã",
    "Nội dung tiêu chí",
    "Điểm chuẩn",
    "Số liệu",
    "Điểm tự chấm",
    "Điểm khu vực đề xuất",
    "Điểm thẩm định",
    "Ghi chú",
)
NATIONAL = "Toàn quốc"
POINTS = "0.00"

STATUS_NAMES = {
    "draft": "Đang tự chấm",
    "submitted": "Đã nộp",
    "returned": "Trả lại để bổ sung",
    "reviewed": "Khu vực đã kiểm tra",
    "final": "Đã thẩm định",
}

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_PART_FILL = PatternFill("solid", fgColor="F2F2F2")
_SECTION_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(wrap_text=True, vertical="center", horizontal="center")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_NOTE = Font(italic=True, color="666666")


def _number(value: Any) -> Decimal | None:
    """A points value (string, Decimal, int, float) as a Decimal, or None."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _plain(value: Any) -> str:
    """A number as short decimal text: 98.9, 10, 0.5."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(ws: Any, row: int, value: str, width: int, font: Font = _TITLE) -> None:
    cell = put(ws, row, 1, value)
    cell.font = font
    cell.alignment = Alignment(vertical="center", horizontal="left")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _header(ws: Any, row: int, headings: Sequence[str], widths: Sequence[float]) -> None:
    for index, heading in enumerate(headings, start=1):
        cell = put(ws, row, index, heading)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = _CENTER
        ws.column_dimensions[get_column_letter(index)].width = widths[index - 1]
    ws.freeze_panes = ws.cell(row + 1, 1)
    ws.print_title_rows = f"{row}:{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _put(
    ws: Any,
    row: int,
    values: Sequence[Any],
    *,
    points: Sequence[int] = (),
    bold: bool = False,
    fill: PatternFill | None = None,
) -> None:
    for index, value in enumerate(values, start=1):
        cell = put(ws, row, index, value)
        cell.border = _BORDER
        cell.alignment = _WRAP
        if index in points and isinstance(value, int | float | Decimal):
            cell.number_format = POINTS
        if bold:
            cell.font = _BOLD
        if fill is not None:
            cell.fill = fill


# -- the ranking ---------------------------------------------------------------------------


def ranking_workbook(
    round_: Round, rows: Sequence[Mapping[str, Any]], statistics: Mapping[str, Any]
) -> bytes:
    """The round's ranking and its statistics (``rankings.rows`` and ``rankings.statistics``)."""
    book = Workbook()
    ws = book.active
    ws.title = RANKING_SHEET
    width = len(RANKING_HEADINGS)
    _title(ws, 1, "KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG THI ĐUA", width)
    _title(ws, 2, f"{round_.name} — năm {round_.year}", width, _BOLD)
    if round_.published_at is not None:
        status = f"Công bố ngày {round_.published_at:%d/%m/%Y}"
    else:
        status = "Kết quả dự kiến, chưa công bố (chỉ dùng nội bộ)"
    _title(ws, 3, status, width, _NOTE)
    header = 5
    _header(ws, header, RANKING_HEADINGS, (6, 44, 30, 12, 8, 12, 12))
    for number, item in enumerate(rows, start=1):
        _put(
            ws,
            header + number,
            [
                number,
                item.get("unit_name") or item["unit_id"],
                item.get("region_name") or item.get("region_id") or "",
                _number(item["total"]),
                item["band"],
                item["national_rank"],
                item.get("region_rank"),
            ],
            points=(4,),
        )
    last = header + max(len(rows), 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(width)}{last}"
    _statistics_sheet(book.create_sheet(STATISTICS_SHEET), round_, statistics)
    return _save(book)


def _statistics_sheet(ws: Any, round_: Round, statistics: Mapping[str, Any]) -> None:
    national = statistics.get("national") or {}
    codes = list((national.get("bands") or {}).keys())
    headings = [*STATISTICS_HEADINGS, *(f"Hạng {code}" for code in codes)]
    _title(ws, 1, f"Thống kê điểm — {round_.name} — năm {round_.year}", len(headings))
    header = 3
    _header(ws, header, headings, (34, 10, 14, 12, 12, 12, 14, *(9 for _ in codes)))

    def line(label: str, figures: Mapping[str, Any]) -> list[Any]:
        bands = figures.get("bands") or {}
        return [
            label,
            figures.get("count", 0),
            *(_number(figures.get(key)) for key in ("mean", "median", "min", "max", "stddev")),
            *(bands.get(code, 0) for code in codes),
        ]

    row = header + 1
    for region in statistics.get("regions") or []:
        label = region.get("region_name") or region["region_id"]
        _put(ws, row, line(label, region), points=range(3, 8))
        row += 1
    _put(ws, row, line(NATIONAL, national), points=range(3, 8), bold=True, fill=_PART_FILL)


# -- one scored sheet ----------------------------------------------------------------------


def inputs_text(node: Mapping[str, Any], inputs: Mapping[str, Any] | None) -> str:
    """The unit's figures for a criterion, written for people."""
    if not inputs:
        return ""
    if inputs.get("not_applicable") is True:
        return "Không phát sinh"
    method = node.get("method") or {}
    kind = method.get("type")
    if kind == "bands_at_least" and "value" in inputs:
        unit = (method.get("input") or {}).get("unit") or ""
        separator = "" if unit == "%" or not unit else " "
        return f"{_plain(inputs['value'])}{separator}{unit}"
    if kind == "bands_at_most" and "days_late" in inputs:
        days = inputs["days_late"]
        return "Đúng hạn" if days == 0 else f"Chậm {_plain(days)} ngày"
    if kind == "proportional" and {"achieved", "target"} <= inputs.keys():
        return f"Thực hiện {_plain(inputs['achieved'])} / chỉ tiêu {_plain(inputs['target'])}"
    if kind == "boolean" and "done" in inputs:
        return "Đạt" if inputs["done"] else "Không đạt"
    if kind == "manual" and "points" in inputs:
        return f"Chấm trực tiếp: {_plain(inputs['points'])} điểm"
    return "; ".join(f"{key}: {_plain(value)}" for key, value in inputs.items() if key != "note")


def _notes(entry: Any) -> str:
    inputs = (entry.inputs or {}) if entry is not None else {}
    parts = []
    if inputs.get("note"):
        parts.append(str(inputs["note"]))
    if entry is not None and entry.comment:
        parts.append(str(entry.comment))
    if entry is not None and entry.review_reason:
        parts.append(f"Khu vực: {entry.review_reason}")
    if entry is not None and entry.final_reason:
        parts.append(f"Thẩm định: {entry.final_reason}")
    return "\n".join(parts)


def sheet_workbook(
    sheet: Sheet, round_: Round, table_document: Mapping[str, Any], unit_name: str
) -> bytes:
    """One unit's scored sheet in the officers' layout (see the module docstring)."""
    book = Workbook()
    ws = book.active
    ws.title = SCORESHEET
    width = len(SHEET_HEADINGS)
    result = sheet.result if sheet.result and "total" in sheet.result else None
    computed = result is not None and sheet.computed_revision == sheet.revision
    final = sheet.status == "final" and computed
    _title(ws, 1, "PHIẾU CHẤM ĐIỂM THI ĐUA", width)
    _title(ws, 2, f"Đơn vị: {unit_name}", width, _BOLD)
    _title(ws, 3, f"Đợt chấm điểm: {round_.name} — năm {round_.year}", width)
    status = STATUS_NAMES.get(sheet.status, sheet.status)
    _title(ws, 4, f"Trạng thái: {status} (lần cập nhật {sheet.revision})", width, _NOTE)
    header = 6
    _header(ws, header, SHEET_HEADINGS, (10, 58, 10, 26, 11, 12, 11, 40))
    entries = {entry.code: entry for entry in sheet.entries}
    leaf_points = (result or {}).get("leaf_points") or {}
    subtotals = (result or {}).get("subtotals") or {}
    row = header + 1

    def walk(node: Mapping[str, Any], depth: int) -> None:
        nonlocal row
        code = node["code"]
        children = node.get("children") or []
        if children:
            _put(
                ws,
                row,
                [
                    code,
                    node.get("title"),
                    _number(node.get("max_points")),
                    "",
                    "",
                    "",
                    _number(subtotals.get(code)),
                    "",
                ],
                points=(3, 7),
                bold=True,
                fill=_PART_FILL if depth == 0 else None,
            )
        else:
            entry = entries.get(code)
            final_points = entry.final_points if entry is not None else None
            if final_points is None and final:
                final_points = leaf_points.get(code)
            _put(
                ws,
                row,
                [
                    code,
                    node.get("title"),
                    _number(node.get("max_points")),
                    inputs_text(node, entry.inputs if entry is not None else None),
                    _number(entry.self_points) if entry is not None else None,
                    _number(entry.review_points) if entry is not None else None,
                    _number(final_points),
                    _notes(entry),
                ],
                points=(3, 5, 6, 7),
            )
        ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top", indent=depth)
        row += 1
        for child in children:
            walk(child, depth + 1)

    for part in table_document.get("parts") or []:
        walk(part, 0)
    for kind, counts in (("bonus", sheet.bonus_counts), ("deduction", sheet.deduction_counts)):
        block = table_document.get(kind)
        if not block:
            continue
        amount = (result or {}).get(kind)
        _put(
            ws,
            row,
            [
                block.get("code"),
                block.get("title"),
                _number(block.get("cap")),
                "",
                "",
                "",
                _number(amount),
                "Điểm chuẩn: mức tối đa của mục",
            ],
            points=(3, 7),
            bold=True,
            fill=_SECTION_FILL,
        )
        row += 1
        for item in block.get("items") or []:
            count = int((counts or {}).get(item["code"], 0))
            limit = item.get("max_count")
            counted = count if limit is None else min(count, int(limit))
            figures = f"{count} lần" + ("" if limit is None else f" (tối đa {limit} lần)")
            _put(
                ws,
                row,
                [
                    item["code"],
                    item.get("title"),
                    _number(item.get("per_count")),
                    figures,
                    "",
                    "",
                    Decimal(str(item["per_count"])) * counted,
                    "",
                ],
                points=(3, 7),
            )
            ws.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top", indent=1)
            row += 1
    row += 1
    if result is None:
        _title(ws, row, "Phiếu chưa được tính điểm.", width, _NOTE)
        return _save(book)
    criteria = sum(
        (
            _number(subtotals.get(part["code"])) or Decimal(0)
            for part in table_document.get("parts") or []
        ),
        Decimal(0),
    )
    summary: list[tuple[str, Any]] = [
        ("Cộng điểm các tiêu chí", criteria),
        ("Điểm thưởng", _number(result.get("bonus"))),
        ("Điểm trừ", _number(result.get("deduction"))),
        ("TỔNG ĐIỂM", _number(result.get("total"))),
        ("Hạng", result.get("band")),
    ]
    for label, value in summary:
        _put(ws, row, ["", label, "", "", "", "", value, ""], points=(7,), bold=True)
        row += 1
    if not final:
        _title(
            ws,
            row + 1,
            "Điểm tạm tính theo số liệu hiện có; phiếu chưa được Bộ thẩm định.",
            width,
            _NOTE,
        )
    return _save(book)
