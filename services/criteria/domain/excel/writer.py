"""Export: a criteria table document written as a workbook in the annex layout.

:func:`export_table` writes exactly what :func:`~.reader.import_table` reads, so
``import(export(doc)) == doc`` for well-formed documents (such as the sample) and
``export(import(x))`` is stable. Every cell is written with ``kit.spreadsheets.put``: text is a
string cell whatever it begins with (``=``, ``+``, ``-``, ``@``), so a title typed as
``=HYPERLINK(…)`` is shown, never run, and imports back as the same text; characters XML cannot
hold (stored before input was checked) are written as U+FFFD instead of failing the export.

The styles (fills, borders, widths), the drop-down lists and the print setup are here; the
instructions sheet's text is :func:`~.help.help_rows`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kit import spreadsheets
from services.criteria.domain.excel.cells import number_text
from services.criteria.domain.excel.grammar import params_text
from services.criteria.domain.excel.help import help_rows
from services.criteria.domain.excel.layout import (
    COL,
    COLUMNS,
    HEADINGS,
    HELP_SHEET,
    METHODS,
    NO,
    NOT_APPLICABLE_FULL,
    PER_COUNT,
    RANK_FIELDS,
    RANK_HEADER_ROW,
    RANK_HEADINGS,
    RANK_SHEET,
    ROUNDING_MODES,
    SECTIONS,
    TABLE_HEADER_ROW,
    TABLE_SHEET,
    TITLE_FIELDS,
    UNIT_KINDS,
    YES,
)

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_PART_FILL = PatternFill("solid", fgColor="F2F2F2")
_SECTION_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = (10, 60, 11, 22, 42, 15, 12, 24, 40)


def _heading(ws: Any, row: int, column: int, text: str) -> Any:
    """A column heading cell: bold, shaded, boxed."""
    cell = spreadsheets.put(ws, row, column, text)
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.border = _BORDER
    return cell


def _yes_no(value: bool | None) -> str | None:
    """``Có`` / ``Không`` / an empty cell: what the reader's ``yes_no`` reads back."""
    return None if value is None else YES if value else NO


def export_table(document: Mapping[str, Any]) -> bytes:
    """The table as an .xlsx workbook in the annex layout (what :func:`import_table` reads)."""
    buffer = io.BytesIO()
    workbook(document).save(buffer)
    return buffer.getvalue()


def workbook(document: Mapping[str, Any]) -> Workbook:
    """The export as an openpyxl workbook, not yet saved (the template saves it its own way)."""
    book = Workbook()
    table = book.active
    table.title = TABLE_SHEET
    _write_table(table, document)
    _write_ranks(book.create_sheet(RANK_SHEET), document)
    _write_help(book.create_sheet(HELP_SHEET))
    return book


def _write_table(ws: Any, document: Mapping[str, Any]) -> None:
    values = {
        "title": document.get("title"),
        "year": document.get("year"),
        "unit_kind": document.get("unit_kind"),
        "basis": document.get("basis"),
        "max_points": document.get("max_points"),
    }
    for row, (key, label, _, _) in enumerate(TITLE_FIELDS, start=1):
        spreadsheets.put(ws, row, 1, label).font = Font(bold=True)
        cell = spreadsheets.put(ws, row, 2, values[key])
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if key in ("title", "basis"):
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(COLUMNS))
        if key == "title":
            cell.font = Font(bold=True, size=13)
            ws.row_dimensions[row].height = 36
        if key == "basis":
            ws.row_dimensions[row].height = 48
    if values["unit_kind"] in UNIT_KINDS:
        spreadsheets.put(ws, 3, 3, f"({UNIT_KINDS[values['unit_kind']]})").font = Font(
            italic=True, color="666666"
        )
    header = TABLE_HEADER_ROW
    for index, heading in enumerate(HEADINGS, start=1):
        cell = _heading(ws, header, index, heading)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS[index - 1]
    ws.freeze_panes = ws.cell(header + 1, 1)
    row = header + 1

    def put(values: list[Any], depth: int, fill: PatternFill | None, bold: bool) -> None:
        nonlocal row
        for index, value in enumerate(values, start=1):
            cell = spreadsheets.put(ws, row, index, value)
            cell.border = _BORDER
            cell.alignment = _WRAP
            if fill is not None:
                cell.fill = fill
            if bold:
                cell.font = Font(bold=True)
        ws.cell(row, COL["title"]).alignment = Alignment(
            wrap_text=True, vertical="top", indent=depth
        )
        row += 1

    def walk(node: Mapping[str, Any], depth: int) -> None:
        method = node.get("method") or {}
        kind = method.get("type")
        evidence = node.get("evidence_required")
        put(
            [
                node.get("code"),
                node.get("title"),
                node.get("max_points"),
                METHODS.get(kind, kind) if kind else None,
                params_text(method) if method else None,
                NOT_APPLICABLE_FULL
                if node.get("when_not_applicable") == "full"
                else node.get("when_not_applicable"),
                _yes_no(evidence),
                node.get("responsible_unit"),
                node.get("guidance"),
            ],
            depth,
            _PART_FILL if depth == 0 else None,
            depth <= 1,
        )
        for child in node.get("children") or []:
            walk(child, depth + 1)

    for part in document.get("parts") or []:
        walk(part, 0)
    for kind in SECTIONS:
        section = document.get(kind)
        if not section:
            continue
        put(
            [section.get("code"), section.get("title"), section.get("cap"), SECTIONS[kind]],
            0,
            _SECTION_FILL,
            True,
        )
        for item in section.get("items") or []:
            evidence = item.get("evidence_required")
            count = item.get("max_count")
            put(
                [
                    item.get("code"),
                    item.get("title"),
                    item.get("per_count"),
                    PER_COUNT[1],
                    None if count is None else f"tối đa {number_text(count)} lần",
                    None,
                    _yes_no(evidence),
                ],
                1,
                None,
                False,
            )
    last = max(row + 200, 500)
    lists = (
        ("method", [*METHODS.values(), *SECTIONS.values(), PER_COUNT[1]]),
        ("not_applicable", [NOT_APPLICABLE_FULL]),
        ("evidence", [YES, NO]),
    )
    for key, choices in lists:
        letter = get_column_letter(COL[key])
        check = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            error="Giá trị không có trong danh sách. / Not in the list.",
        )
        check.add(f"{letter}{header + 1}:{letter}{last}")
        ws.add_data_validation(check)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"


def _write_ranks(ws: Any, document: Mapping[str, Any]) -> None:
    rounding = document.get("rounding") or {}
    spreadsheets.put(ws, 1, 1, "Xếp hạng và làm tròn điểm").font = Font(bold=True, size=13)
    mode = rounding.get("mode")
    for row, (key, label, _, _) in enumerate(RANK_FIELDS, start=2):
        spreadsheets.put(ws, row, 1, label).font = Font(bold=True)
        value = rounding.get(key)
        spreadsheets.put(ws, row, 2, ROUNDING_MODES.get(mode, mode) if key == "mode" else value)
    for index, heading in enumerate(RANK_HEADINGS, start=1):
        _heading(ws, RANK_HEADER_ROW, index, heading)
    for row, band in enumerate(document.get("rank_bands") or [], start=RANK_HEADER_ROW + 1):
        spreadsheets.put(ws, row, 1, band.get("code")).border = _BORDER
        spreadsheets.put(ws, row, 2, band.get("min_total")).border = _BORDER
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 26
    check = DataValidation(
        type="list",
        formula1='"' + ",".join(ROUNDING_MODES.values()) + '"',
        allow_blank=False,
        errorStyle="warning",
        showErrorMessage=True,
    )
    check.add("B3")
    ws.add_data_validation(check)
    note = spreadsheets.put(
        ws,
        RANK_HEADER_ROW,
        4,
        "Hạng đầu tiên có tổng điểm ≥ mức tối thiểu; để trống "
        "mức của hạng cuối (các trường hợp còn lại). / The first band whose minimum ≤ "
        "the total; leave the last band's minimum empty (the rest).",
    )
    note.font = Font(italic=True, color="666666")


def _write_help(ws: Any) -> None:
    spreadsheets.put(
        ws, 1, 1, "Hướng dẫn nhập Bảng tiêu chí bằng Excel / How to fill in a criteria table"
    )
    ws.cell(1, 1).font = Font(bold=True, size=13)
    for index, heading in enumerate(("Mục / Item", "Tiếng Việt", "English"), start=1):
        _heading(ws, 3, index, heading)
    for row, (item, vi, en) in enumerate(help_rows(), start=4):
        heading = not vi and not en
        for index, value in enumerate((item, vi, en), start=1):
            cell = spreadsheets.put(ws, row, index, value)
            cell.alignment = _WRAP
            if heading:
                cell.font = Font(bold=True)
                cell.fill = _PART_FILL
            else:
                cell.border = _BORDER
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 80
    ws.freeze_panes = "A4"
