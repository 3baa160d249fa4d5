"""Import: a workbook laid out like an export read back into a criteria table document.

:func:`import_table` reports the errors found (:class:`ExcelError`: sheet, row, column as
``"E (Tham số)"``, a stable code, Vietnamese and English; the first
:data:`~.limits.MAX_REPORTED_ERRORS` of them, and how many there were) and then returns no
document. Structural checks only: sums, band ordering and the like are
``scoringrules.table.validate``'s. The limits it keeps to are in :mod:`.limits`, the layout it
expects in :mod:`.layout`, the ``Tham số`` cell's syntax in :mod:`.grammar`.

Empty optional cells mean an absent key; the document's keys come in the sample's order, so the
stored JSON reads the same.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from services.criteria.domain.excel.cells import (
    BadNumber,
    cell_integer,
    cell_number,
    cell_text,
    fold_key,
    is_empty,
    quoted,
)
from services.criteria.domain.excel.grammar import PARAM_SYNTAX, parse_params
from services.criteria.domain.excel.layout import (
    COL,
    COLUMNS,
    HEADINGS,
    METHODS,
    NO,
    NOT_APPLICABLE_FULL,
    PER_COUNT,
    RANK_FIELDS,
    RANK_HEADINGS,
    RANK_HEADINGS_EN,
    RANK_SHEET,
    ROUNDING_MODES,
    SECTIONS,
    TABLE_SHEET,
    TITLE_FIELDS,
    UNIT_KINDS,
    YES,
)
from services.criteria.domain.excel.limits import (
    MAX_MESSAGE_CHARS,
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    check_archive,
)


@dataclass(frozen=True)
class ExcelError:
    """One problem in an uploaded workbook. ``row`` is Excel's (1-based); ``column`` is the
    letter and its heading (``"E (Tham số)"``); both are None for file- or sheet-level errors."""

    sheet: str
    row: int | None
    column: str | None
    code: str
    vi: str
    en: str

    @property
    def ref(self) -> str:
        """Where, the way Excel writes it: ``'Bảng tiêu chí'!E12``."""
        letter = self.column.split(" ", 1)[0] if self.column else ""
        cell = f"{letter}{self.row or ''}"
        return f"'{self.sheet}'!{cell}" if cell else f"'{self.sheet}'" if self.sheet else ""


@dataclass
class ImportResult:
    """``document`` in the JSON format when the file has no error; otherwise None, the first
    :data:`MAX_REPORTED_ERRORS` errors in ``errors`` (file order: sheet, then row) and their
    total in ``error_count``."""

    document: dict[str, Any] | None
    errors: list[ExcelError] = field(default_factory=list)
    error_count: int = 0

    def __post_init__(self) -> None:
        self.error_count = max(self.error_count, len(self.errors))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors_truncated(self) -> bool:
        """True when ``errors`` lists only the first of ``error_count`` errors."""
        return self.error_count > len(self.errors)


class _TooManyRows(Exception):
    """A sheet goes on past :data:`MAX_ROWS`; args are (sheet name,)."""


# What reading a broken sheet raises: a CRC or inflate error (also when a member inflates past
# its declared size), malformed XML (ElementTree's and lxml's errors are SyntaxErrors), a bad
# cell reference or number.
CORRUPT_SHEET = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, ValueError)


def _keys(mapping: Mapping[str, str]) -> dict[str, str]:
    """Accepted spellings (machine name or label) → machine name."""
    out: dict[str, str] = {}
    for name, label in mapping.items():
        out[fold_key(name)] = name
        out[fold_key(label)] = name
    return out


# The spellings a cell may hold for each choice, folded with fold_key.
METHOD_KEYS = _keys(METHODS)
SECTION_KEYS = _keys(SECTIONS)
ROUNDING_KEYS = _keys(ROUNDING_MODES)
UNIT_KIND_KEYS = {fold_key(label): slug for slug, label in UNIT_KINDS.items()}
PER_COUNT_KEYS = {fold_key(PER_COUNT[0]), fold_key(PER_COUNT[1])}
YES_KEYS = {"co", "yes", "true", "x", "1"}
NO_KEYS = {"khong", "no", "false", "0"}
FULL_KEYS = {fold_key(NOT_APPLICABLE_FULL), "full"}


def _clip(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 1] + "…"


class _Errors:
    def __init__(self) -> None:
        self.items: list[ExcelError] = []

    def add(
        self, sheet: str, row: int | None, column: str | None, code: str, vi: str, en: str
    ) -> None:
        self.items.append(ExcelError(sheet, row, column, code, _clip(vi), _clip(en)))


class _Grid:
    """The first ``width`` columns of a sheet as values; formula cells resolved to their cached
    result, or reported (once, when read) if the file holds none."""

    def __init__(
        self, name: str, rows: list[list[Any]], formulas: set[tuple[int, int]], errors: _Errors
    ) -> None:
        self.name = name
        self.rows = rows
        self.unresolved = formulas  # formula cells with no cached result
        self.reported: set[tuple[int, int]] = set()
        self.errors = errors

    @property
    def height(self) -> int:
        return len(self.rows)

    def raw(self, row: int, col: int) -> Any:
        if row > len(self.rows):
            return None
        return self.rows[row - 1][col - 1]

    def get(self, row: int, col: int, column: str) -> Any:
        if (row, col) in self.unresolved:
            if (row, col) in self.reported:
                return None
            self.reported.add((row, col))
            self.errors.add(
                self.name,
                row,
                column,
                "formula_without_value",
                "Ô chứa công thức nhưng tệp không lưu kết quả tính; hãy mở và lưu tệp bằng Excel, "
                "hoặc nhập giá trị trực tiếp.",
                "The cell holds a formula but the file has no computed value for it; open and "
                "save the file in Excel, or type the value.",
            )
            return None
        return self.raw(row, col)

    def blank_row(self, row: int) -> bool:
        return all(is_empty(v) for v in self.rows[row - 1]) and not any(
            r == row for r, _ in self.unresolved
        )


def _rows(book: Any, name: str, width: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """(row number, the first ``width`` cells) of every row the sheet holds, up to
    :data:`MAX_ROWS`; raises :class:`_TooManyRows` at a row below it."""
    sheet = book[name]
    sheet.reset_dimensions()  # the rows the file holds, not the size it claims
    for r, cells in enumerate(sheet.iter_rows(min_row=1, max_col=width), start=1):
        if r > MAX_ROWS:
            raise _TooManyRows(name)
        yield r, cells


def _read_grid(
    book: Any, values_book: Callable[[], Any], name: str, width: int, errors: _Errors
) -> _Grid:
    rows: list[list[Any]] = []
    formulas: set[tuple[int, int]] = set()
    for r, cells in _rows(book, name, width):
        values = []
        for c, cell in enumerate(cells[:width], start=1):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or isinstance(value, ArrayFormula):
                formulas.add((r, c))
                value = None
            values.append(value)
        rows.append(values)
    if formulas:
        for r, cells in _rows(values_book(), name, width):
            for c, cell in enumerate(cells[:width], start=1):
                if (r, c) in formulas and cell.value is not None:
                    rows[r - 1][c - 1] = cell.value
                    formulas.discard((r, c))
    return _Grid(name, rows, formulas, errors)


def _open(data: bytes, data_only: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)


def _column(index: int, heading: str) -> str:
    return f"{get_column_letter(index)} ({heading})"


def _column_index(column: str | None) -> int:
    return column_index_from_string(column.split(" ", 1)[0]) if column else 0


def _find_sheet(book: Any, wanted: str) -> str | None:
    for name in book.sheetnames:
        if name == wanted:
            return name
    for name in book.sheetnames:
        if fold_key(name) == fold_key(wanted):
            return name
    return None


def import_table(data: bytes) -> ImportResult:
    """Read a workbook laid out like :func:`export_table`'s. The errors are reported (the first
    :data:`MAX_REPORTED_ERRORS`, and their count); the document is returned only when there is
    none. Raises :class:`WorkbookTooLarge` before parsing a file past the size limits."""
    check_archive(data)
    errors = _Errors()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        errors.add(
            "",
            None,
            None,
            "not_xlsx",
            "Tệp là định dạng Excel 97–2003 (.xls) hoặc có đặt mật khẩu. Hãy bỏ mật khẩu "
            "và lưu lại dưới dạng Excel Workbook (.xlsx).",
            "The file is in the Excel 97–2003 (.xls) format or is password-protected. "
            "Remove the password and save it as an Excel Workbook (.xlsx).",
        )
        return ImportResult(None, errors.items)
    unreadable = ExcelError(
        "",
        None,
        None,
        "not_xlsx",
        "Không đọc được tệp: tệp hỏng hoặc không phải tệp Excel .xlsx.",
        "The file cannot be read: it is corrupt or not an Excel .xlsx file.",
    )
    try:
        book = _open(data, data_only=False)
    except Exception:  # zipfile, XML and openpyxl errors alike: the file is not a workbook
        return ImportResult(None, [unreadable])

    cached: list[Any] = []

    def values_book() -> Any:
        if not cached:
            cached.append(_open(data, data_only=True))
        return cached[0]

    try:
        names = {}
        for wanted in (TABLE_SHEET, RANK_SHEET):
            found = _find_sheet(book, wanted)
            if found is None:
                errors.add(
                    wanted,
                    None,
                    None,
                    "missing_sheet",
                    f"Thiếu trang «{wanted}». Tệp cần các trang «{TABLE_SHEET}» và «{RANK_SHEET}»"
                    f"; tệp có: {', '.join(f'«{n}»' for n in book.sheetnames)}.",
                    f"Sheet “{wanted}” is missing. The file needs sheets “{TABLE_SHEET}” and "
                    f"“{RANK_SHEET}”; it has: {', '.join(f'“{n}”' for n in book.sheetnames)}.",
                )
            else:
                names[wanted] = found
        head: dict[str, Any] | None = None
        ranks: dict[str, Any] | None = None
        if TABLE_SHEET in names:
            grid = _read_grid(book, values_book, names[TABLE_SHEET], len(COLUMNS), errors)
            head = _TableReader(grid, errors).read()
        if RANK_SHEET in names:
            grid = _read_grid(book, values_book, names[RANK_SHEET], len(RANK_HEADINGS), errors)
            ranks = _read_ranks(grid, errors)
    except CORRUPT_SHEET:  # sheets are read lazily: a broken one shows only now
        return ImportResult(None, [unreadable])
    except _TooManyRows as too_many:
        name = too_many.args[0]
        return ImportResult(
            None,
            [
                ExcelError(
                    name,
                    MAX_ROWS + 1,
                    None,
                    "too_many_rows",
                    _clip(
                        f"Trang «{name}» có dòng thứ {MAX_ROWS + 1} trở xuống (kể cả dòng trống "
                        f"đã định dạng); một bảng tiêu chí có tối đa {MAX_ROWS} dòng. Hãy xoá "
                        f"các dòng từ dòng {MAX_ROWS + 1} trở xuống rồi tải lại."
                    ),
                    _clip(
                        f"Sheet “{name}” goes on to row {MAX_ROWS + 1} or below (formatted empty "
                        f"rows count); a criteria table has at most {MAX_ROWS} rows. Delete the "
                        f"rows from row {MAX_ROWS + 1} down and upload it again."
                    ),
                )
            ],
        )
    finally:
        book.close()
        for extra in cached:
            extra.close()
    if errors.items or head is None or ranks is None:
        order = {"": 0, TABLE_SHEET: 1, RANK_SHEET: 2}
        errors.items.sort(
            key=lambda e: (order.get(e.sheet, 3), e.row or 0, _column_index(e.column))
        )
        return ImportResult(None, errors.items[:MAX_REPORTED_ERRORS], error_count=len(errors.items))
    document: dict[str, Any] = {}
    for key in ("title", "year", "unit_kind", "basis", "max_points"):
        if key in head:
            document[key] = head[key]
    document["rounding"] = ranks["rounding"]
    document["rank_bands"] = ranks["rank_bands"]
    document["parts"] = head["parts"]
    for key in ("bonus", "deduction"):
        if key in head:
            document[key] = head[key]
    return ImportResult(document, [])


def _find_header(grid: _Grid, first_heading: str) -> int | None:
    for row in range(1, min(grid.height, 30) + 1):
        if fold_key(cell_text(grid.raw(row, 1))) == fold_key(first_heading):
            return row
    return None


def _check_headings(
    grid: _Grid, errors: _Errors, header: int, headings: list[tuple[str, str]]
) -> bool:
    """Whether the header row holds ``headings`` (heading, English) from column A on; each
    one that does not is reported, with every heading the columns need."""
    span = f"A–{get_column_letter(len(headings))}"
    expected = " | ".join(heading for heading, _ in headings)
    ok = True
    for index, (heading, english) in enumerate(headings, start=1):
        found = cell_text(grid.raw(header, index))
        if fold_key(found) != fold_key(heading):
            ok = False
            errors.add(
                grid.name,
                header,
                _column(index, heading),
                "wrong_header",
                f"Tiêu đề cột {get_column_letter(index)} là «{quoted(found)}», cần «{heading}». "
                f"Các cột {span} cần là: {expected}.",
                f"Column {get_column_letter(index)} is headed “{quoted(found)}”, expected "
                f"“{heading}” ({english}). Columns {span} must be: {expected}.",
            )
    return ok


def _read_labelled(
    grid: _Grid,
    errors: _Errors,
    above: int,
    fields: Iterable[tuple[str, str, str, tuple[str, ...]]],
) -> dict[str, tuple]:
    """Labelled cells above the header row: key → (row, raw value, label, English)."""
    fields = list(fields)
    accepted = {}
    for key, label, english, aliases in fields:
        for spelling in (label, *aliases):
            accepted[fold_key(spelling)] = (key, label, english)
    found: dict[str, tuple] = {}
    for row in range(1, above):
        spelled = fold_key(cell_text(grid.raw(row, 1)))
        if spelled not in accepted:
            continue
        key, label, english = accepted[spelled]
        if key in found:
            errors.add(
                grid.name,
                row,
                _column(1, label),
                "duplicate_label",
                f"Nhãn «{label}» đã có ở dòng {found[key][0]}.",
                f"Label “{label}” ({english}) is already on row {found[key][0]}.",
            )
            continue
        found[key] = (row, grid.get(row, 2, _column(2, label)), label, english)
    return found


class _TableReader:
    """The table sheet: title block, header, then the rows."""

    def __init__(self, grid: _Grid, errors: _Errors) -> None:
        self.grid = grid
        self.errors = errors
        self.sheet = grid.name

    def error(self, row: int | None, key: str | None, code: str, vi: str, en: str) -> None:
        column = _column(COL[key], COLUMNS[COL[key] - 1][1]) if key else None
        self.errors.add(self.sheet, row, column, code, vi, en)

    def cell(self, row: int, key: str) -> Any:
        return self.grid.get(row, COL[key], _column(COL[key], COLUMNS[COL[key] - 1][1]))

    # -- title block and header

    def read(self) -> dict[str, Any] | None:
        header = _find_header(self.grid, HEADINGS[0])
        if header is None:
            expected = " | ".join(HEADINGS)
            self.errors.add(
                self.sheet,
                None,
                None,
                "header_not_found",
                f"Không tìm thấy dòng tiêu đề cột (ô cột A ghi «{HEADINGS[0]}») trong 30 dòng "
                f"đầu. Các cột A–I cần là: {expected}.",
                f"No header row found (a column A cell reading “{HEADINGS[0]}”) in the first 30 "
                f"rows. Columns A–I must be: {expected}.",
            )
            return None
        head = self.read_title_block(header)
        headings = [(heading, english) for _, heading, english in COLUMNS]
        if not _check_headings(self.grid, self.errors, header, headings):
            return None
        parts, sections = self.read_rows(header)
        head["parts"] = parts
        head.update(sections)
        return head

    def read_title_block(self, header: int) -> dict[str, Any]:
        found = _read_labelled(self.grid, self.errors, header, TITLE_FIELDS)
        head: dict[str, Any] = {}
        for key, label, english, _ in TITLE_FIELDS:
            column = _column(2, label)
            if key not in found:
                if key != "basis":
                    self.errors.add(
                        self.sheet,
                        None,
                        None,
                        "required",
                        f"Thiếu ô «{label}» ở phần đầu trang (nhãn ở cột A, giá trị ở cột B, "
                        f"phía trên dòng tiêu đề cột).",
                        f"The “{label}” ({english}) cell is missing from the title block (label "
                        f"in column A, value in column B, above the header row).",
                    )
                continue
            row, value, _, _ = found[key]
            if is_empty(value):
                if key != "basis" and (row, 2) not in self.grid.unresolved:
                    self.errors.add(
                        self.sheet,
                        row,
                        column,
                        "required",
                        f"Chưa nhập «{label}».",
                        f"“{label}” ({english}) is empty.",
                    )
                continue
            try:
                if key == "year":
                    head[key] = cell_integer(value)
                elif key == "max_points":
                    head[key] = cell_number(value)
                elif key == "unit_kind":
                    text = cell_text(value)
                    head[key] = UNIT_KIND_KEYS.get(fold_key(text), text)
                else:
                    head[key] = cell_text(value)
            except BadNumber as bad:
                self.errors.add(
                    self.sheet,
                    row,
                    column,
                    "bad_number",
                    f"«{label}»: {bad.args[0]}.",
                    f"“{label}” ({english}) {bad.args[1]}.",
                )
        return head

    # -- rows

    def read_rows(self, header: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        accepted: list[tuple[int, str]] = []
        first_row: dict[str, int] = {}
        for row in range(header + 1, self.grid.height + 1):
            if self.grid.blank_row(row):
                continue
            raw = self.cell(row, "code")
            code = unicodedata.normalize("NFKC", cell_text(raw)).replace(" ", "").rstrip(".")
            if not code:
                if (row, COL["code"]) not in self.grid.unresolved:
                    self.error(
                        row,
                        "code",
                        "required",
                        "Dòng có nội dung nhưng thiếu mã (ví dụ A, A.I, A.I.1).",
                        "The row has content but no code (e.g. A, A.I, A.I.1).",
                    )
                self.check_cells(row)
                continue
            if not re.match(r"^[A-Z]+(?:\.(?:[IVXLCDM]+|\d+|[a-z]))*$", code):
                self.error(
                    row,
                    "code",
                    "bad_code",
                    f"Mã «{quoted(raw)}» không hợp lệ: phần đầu là chữ in hoa (A), các cấp "
                    "sau là số La Mã (I, II), số (1, 2) hoặc chữ thường (a, b), cách nhau "
                    "bởi dấu chấm, ví dụ A.I.1.",
                    f"Code “{quoted(raw)}” is not valid: an upper-case letter (A), then "
                    "levels in Roman numerals (I, II), digits (1, 2) or lower-case letters "
                    "(a, b), separated by dots, e.g. A.I.1.",
                )
                self.check_cells(row)
                continue
            if code in first_row:
                self.error(
                    row,
                    "code",
                    "duplicate_code",
                    f"Mã «{code}» trùng với dòng {first_row[code]}.",
                    f"Code “{code}” is already used on row {first_row[code]}.",
                )
                self.check_cells(row)
                continue
            first_row[code] = row
            parent = code.rpartition(".")[0]
            if parent and parent not in first_row:
                self.error(
                    row,
                    "code",
                    "orphan_code",
                    f"Mã «{code}» không có dòng mã cha «{parent}» ở phía trên.",
                    f"Code “{code}” has no row for its parent “{parent}” above it.",
                )
                self.check_cells(row)
                continue
            accepted.append((row, code))
        return self.build(accepted)

    def build(self, accepted: list[tuple[int, str]]) -> tuple[list[dict[str, Any]], dict]:
        parents_with_children = {code.rpartition(".")[0] for _, code in accepted}
        nodes: dict[str, dict[str, Any]] = {}
        sections: dict[str, dict[str, Any]] = {}  # "bonus"/"deduction" → section
        section_codes: dict[str, dict[str, Any]] = {}
        item_codes: set[str] = set()
        parts: list[dict[str, Any]] = []
        for row, code in accepted:
            parent = code.rpartition(".")[0]
            method_text = cell_text(self.cell(row, "method"))
            section_kind = SECTION_KEYS.get(fold_key(method_text))
            if section_kind:
                if parent:
                    self.error(
                        row,
                        "method",
                        "bad_nesting",
                        f"«{quoted(method_text)}» chỉ dùng cho dòng cấp cao nhất (ví dụ E), không "
                        f"cho «{code}».",
                        f"“{quoted(method_text)}” ({section_kind}) is for a top-level row (e.g. E)"
                        f", not “{code}”.",
                    )
                    self.check_cells(row, skip_method=True)
                elif section_kind in sections:
                    self.error(
                        row,
                        "method",
                        "duplicate_section",
                        f"Bảng đã có mục «{SECTIONS[section_kind]}» (mã "
                        f"{sections[section_kind]['code']}).",
                        f"The table already has a {section_kind} section (code "
                        f"{sections[section_kind]['code']}).",
                    )
                    self.check_cells(row, skip_method=True)
                else:
                    section = self.read_section(row, code, section_kind)
                    sections[section_kind] = section
                    section_codes[code] = section
                continue
            if parent in section_codes:
                section_codes[parent]["items"].append(self.read_item(row, code))
                item_codes.add(code)
                continue
            if parent in item_codes or (parent and parent not in nodes):
                if parent in item_codes:
                    self.error(
                        row,
                        "code",
                        "bad_nesting",
                        f"Mục điểm thưởng/điểm trừ «{parent}» không có mục con.",
                        f"Bonus/deduction item “{parent}” cannot have sub-items.",
                    )
                self.check_cells(row)
                continue
            node = self.read_node(row, code, group=code in parents_with_children)
            nodes[code] = node
            if parent:
                nodes[parent]["children"].append(node)
            else:
                parts.append(node)
        if not parts:
            self.errors.add(
                self.sheet,
                None,
                None,
                "empty_table",
                "Bảng chưa có phần tiêu chí nào (ví dụ dòng A, A.I, A.I.1).",
                "The table has no criteria part (e.g. rows A, A.I, A.I.1).",
            )
        return parts, sections

    # -- cells

    def required_text(self, row: int, key: str, what_vi: str, what_en: str) -> str:
        value = self.cell(row, key)
        text = cell_text(value)
        if not text and (row, COL[key]) not in self.grid.unresolved:
            self.error(row, key, "required", f"Chưa nhập {what_vi}.", f"The {what_en} is empty.")
        return text

    def points(self, row: int, what_vi: str, what_en: str, required: bool = True) -> Any:
        value = self.cell(row, "points")
        if is_empty(value):
            if required and (row, COL["points"]) not in self.grid.unresolved:
                self.error(
                    row, "points", "required", f"Chưa nhập {what_vi}.", f"The {what_en} is empty."
                )
            return None
        try:
            return cell_number(value)
        except BadNumber as bad:
            self.error(
                row,
                "points",
                "bad_number",
                f"{what_vi.capitalize()}: {bad.args[0]}.",
                f"The {what_en} {bad.args[1]}.",
            )
            return None

    def yes_no(self, row: int) -> bool | None:
        value = self.cell(row, "evidence")
        if is_empty(value):
            return None
        if isinstance(value, bool):
            return value
        spelled = fold_key(cell_text(value))
        if spelled in YES_KEYS:
            return True
        if spelled in NO_KEYS:
            return False
        self.error(
            row,
            "evidence",
            "bad_yes_no",
            f"«{quoted(value)}» không hợp lệ: ghi «{YES}», «{NO}» hoặc để trống.",
            f"“{quoted(value)}” is not valid: write “{YES}” (yes), “{NO}” (no) or leave it empty.",
        )
        return None

    def not_applicable(self, row: int, allowed: bool) -> str | None:
        value = self.cell(row, "not_applicable")
        if is_empty(value):
            return None
        if fold_key(cell_text(value)) not in FULL_KEYS:
            self.error(
                row,
                "not_applicable",
                "bad_value",
                f"«{quoted(value)}» không hợp lệ: ghi «{NOT_APPLICABLE_FULL}» (không phát "
                "sinh thì được đủ điểm) hoặc để trống.",
                f"“{quoted(value)}” is not valid: write “{NOT_APPLICABLE_FULL}” (full points"
                " when the criterion does not arise) or leave it empty.",
            )
            return None
        if not allowed:
            self.not_allowed(row, "not_applicable")
            return None
        return "full"

    def not_allowed(
        self, row: int, key: str, kind_vi: str = "dòng nhóm", kind_en: str = "a group row"
    ) -> None:
        heading = COLUMNS[COL[key] - 1][1]
        self.error(
            row,
            key,
            "not_allowed",
            f"Cột «{heading}» không dùng cho {kind_vi}; hãy để trống.",
            f"Column “{heading}” does not apply to {kind_en}; leave it empty.",
        )

    def check_cells(self, row: int, skip_method: bool = False) -> None:
        """Cell-level checks for a row left out of the tree (bad code, duplicate, orphan)."""
        self.required_text(row, "title", "nội dung tiêu chí", "criterion text")
        self.points(row, "điểm chuẩn", "standard points", required=False)
        self.yes_no(row)
        self.not_applicable(row, allowed=True)
        if skip_method:
            return
        method_text = cell_text(self.cell(row, "method"))
        spelled = fold_key(method_text)
        if (
            method_text
            and spelled not in METHOD_KEYS
            and spelled not in SECTION_KEYS
            and spelled not in PER_COUNT_KEYS
        ):
            self.unknown_method(row, method_text, METHODS)
        elif spelled in METHOD_KEYS:
            self.method(row, METHOD_KEYS[spelled])

    def unknown_method(self, row: int, text: str, choices: Mapping[str, str]) -> None:
        labels = ", ".join(f"«{label}»" for label in choices.values())
        names = ", ".join(choices)
        self.error(
            row,
            "method",
            "unknown_method",
            f"Phương pháp chấm «{quoted(text)}» không có. Chọn một trong: {labels}.",
            f"Unknown scoring method “{quoted(text)}”. Use one of: {labels} ({names}).",
        )

    def params(self, row: int, kind: str) -> dict[str, Any]:
        """The row's ``Tham số`` cell read for ``kind`` (a method or per_count); each problem
        is reported with the syntax and an example."""
        extra, problems = parse_params(kind, cell_text(self.cell(row, "params")))
        syntax, example = PARAM_SYNTAX[kind]
        for vi, en in problems:
            hint_vi = f" Cú pháp: {syntax}" + (f"; ví dụ «{example}»." if example else ".")
            hint_en = f" Syntax: {syntax}" + (f"; e.g. “{example}”." if example else ".")
            self.error(
                row,
                "params",
                "bad_params",
                f"Tham số {vi}.{hint_vi}",
                f"Parameters: {en}.{hint_en}",
            )
        return extra

    def method(self, row: int, kind: str) -> dict[str, Any]:
        extra = self.params(row, kind)
        method: dict[str, Any] = {"type": kind}
        if kind == "proportional":
            method["inputs"] = ["achieved", "target"]
        method.update(extra)
        return method

    def read_node(self, row: int, code: str, group: bool) -> dict[str, Any]:
        node: dict[str, Any] = {"code": code}
        node["title"] = self.required_text(row, "title", "nội dung tiêu chí", "criterion text")
        node["max_points"] = self.points(row, "điểm chuẩn", "standard points")
        method_text = cell_text(self.cell(row, "method"))
        params = cell_text(self.cell(row, "params"))
        method: dict[str, Any] | None = None
        if group:
            node["children"] = []
            if method_text:
                self.error(
                    row,
                    "method",
                    "method_on_group",
                    f"«{code}» có mục con nên không có phương pháp chấm (điểm của nhóm là "
                    "tổng điểm các mục con); hãy để trống.",
                    f"“{code}” has sub-items, so it takes no scoring method (a group "
                    "scores the sum of its children); leave it empty.",
                )
            if params:
                self.not_allowed(row, "params")
        elif not method_text:
            self.error(
                row,
                "method",
                "method_missing",
                f"Tiêu chí «{code}» (không có mục con) cần phương pháp chấm: "
                f"{', '.join(f'«{m}»' for m in METHODS.values())}.",
                f"Criterion “{code}” (no sub-items) needs a scoring method: {', '.join(METHODS)}.",
            )
        elif fold_key(method_text) not in METHOD_KEYS:
            self.unknown_method(row, method_text, METHODS)
        else:
            method = self.method(row, METHOD_KEYS[fold_key(method_text)])
        if method is not None:
            node["method"] = method
        evidence = self.yes_no(row)
        if evidence is not None:
            node["evidence_required"] = evidence
        if self.not_applicable(row, allowed=not group) is not None:
            node["when_not_applicable"] = "full"
        guidance = cell_text(self.cell(row, "guidance"))
        if guidance:
            node["guidance"] = guidance
        unit = cell_text(self.cell(row, "unit"))
        if unit:
            node["responsible_unit"] = unit
        return node

    def read_section(self, row: int, code: str, kind: str) -> dict[str, Any]:
        label = SECTIONS[kind]
        section: dict[str, Any] = {"code": code}
        section["title"] = self.required_text(row, "title", f"tên mục «{label}»", f"{kind} title")
        section["cap"] = self.points(
            row, f"mức tối đa của «{label}» (cột Điểm chuẩn)", f"{kind} cap (column Điểm chuẩn)"
        )
        section["items"] = []
        kind_vi, kind_en = f"dòng mục «{label}»", f"the {kind} section row"
        for key in ("params", "evidence", "unit", "guidance", "not_applicable"):
            if not is_empty(self.cell(row, key)):
                self.not_allowed(row, key, kind_vi, kind_en)
        return section

    def read_item(self, row: int, code: str) -> dict[str, Any]:
        item: dict[str, Any] = {"code": code}
        item["title"] = self.required_text(row, "title", "nội dung", "item text")
        item["per_count"] = self.points(
            row, "số điểm mỗi lần (cột Điểm chuẩn)", "points per occurrence (column Điểm chuẩn)"
        )
        method_text = cell_text(self.cell(row, "method"))
        if method_text and fold_key(method_text) not in PER_COUNT_KEYS:
            labels = f"«{PER_COUNT[1]}»"
            self.error(
                row,
                "method",
                "unknown_method",
                f"Mục điểm thưởng/điểm trừ ghi {labels} hoặc để trống, không ghi "
                f"«{quoted(method_text)}».",
                f"A bonus/deduction item takes {labels} (per occurrence) or nothing, not "
                f"“{quoted(method_text)}”.",
            )
        item.update(self.params(row, "per_count"))
        evidence = self.yes_no(row)
        if evidence is not None:
            item["evidence_required"] = evidence
        kind_vi, kind_en = "mục điểm thưởng/điểm trừ", "a bonus/deduction item"
        for key in ("unit", "guidance", "not_applicable"):
            if not is_empty(self.cell(row, key)):
                self.not_allowed(row, key, kind_vi, kind_en)
        return item


def _read_ranks(grid: _Grid, errors: _Errors) -> dict[str, Any] | None:
    sheet = grid.name
    header = _find_header(grid, RANK_HEADINGS[0])
    expected = " | ".join(RANK_HEADINGS)
    if header is None:
        errors.add(
            sheet,
            None,
            None,
            "header_not_found",
            f"Không tìm thấy dòng tiêu đề (ô cột A ghi «{RANK_HEADINGS[0]}») trong 30 dòng "
            f"đầu. Các cột A–B cần là: {expected}.",
            f"No header row found (a column A cell reading “{RANK_HEADINGS[0]}”) in the "
            f"first 30 rows. Columns A–B must be: {expected}.",
        )
        return None
    headings = list(zip(RANK_HEADINGS, RANK_HEADINGS_EN, strict=True))
    headers_ok = _check_headings(grid, errors, header, headings)
    found = _read_labelled(grid, errors, header, RANK_FIELDS)
    rounding: dict[str, Any] = {}
    for key, label, english, _ in RANK_FIELDS:
        column = _column(2, label)
        if key not in found:
            errors.add(
                sheet,
                None,
                None,
                "required",
                f"Thiếu ô «{label}» (nhãn ở cột A, giá trị ở cột B, phía trên bảng hạng).",
                f"The “{label}” ({english}) cell is missing (label in column A, value in "
                "column B, above the band table).",
            )
            continue
        row, value, _, _ = found[key]
        if is_empty(value):
            if (row, 2) not in grid.unresolved:
                errors.add(
                    sheet,
                    row,
                    column,
                    "required",
                    f"Chưa nhập «{label}».",
                    f"“{label}” ({english}) is empty.",
                )
        elif key == "places":
            try:
                rounding["places"] = cell_integer(value)
            except BadNumber as bad:
                errors.add(
                    sheet,
                    row,
                    column,
                    "bad_number",
                    f"«{label}»: {bad.args[0]}.",
                    f"“{label}” ({english}) {bad.args[1]}.",
                )
        else:
            mode = ROUNDING_KEYS.get(fold_key(cell_text(value)))
            if mode is None:
                choices = ", ".join(f"«{v}» ({k})" for k, v in ROUNDING_MODES.items())
                errors.add(
                    sheet,
                    row,
                    column,
                    "bad_value",
                    f"Cách làm tròn «{quoted(value)}» không có. Chọn: {choices}.",
                    f"Unknown rounding mode “{quoted(value)}”. Use: {choices}.",
                )
            else:
                rounding["mode"] = mode
    if not headers_ok:
        return None
    bands: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    code_column, min_column = (_column(i, h) for i, h in enumerate(RANK_HEADINGS, start=1))
    for row in range(header + 1, grid.height + 1):
        if grid.blank_row(row):
            continue
        code = cell_text(grid.get(row, 1, code_column))
        value = grid.get(row, 2, min_column)
        if not code:
            if (row, 1) not in grid.unresolved:
                errors.add(
                    sheet,
                    row,
                    code_column,
                    "required",
                    "Chưa nhập mã hạng (ví dụ A).",
                    "The band code is empty (e.g. A).",
                )
        elif code in first_row:
            errors.add(
                sheet,
                row,
                code_column,
                "duplicate_code",
                f"Mã hạng «{code}» trùng với dòng {first_row[code]}.",
                f"Band “{code}” is already on row {first_row[code]}.",
            )
        else:
            first_row[code] = row
        minimum = None
        if not is_empty(value):
            try:
                minimum = cell_number(value)
            except BadNumber as bad:
                errors.add(
                    sheet,
                    row,
                    min_column,
                    "bad_number",
                    f"Tổng điểm tối thiểu: {bad.args[0]}.",
                    f"The minimum total {bad.args[1]}.",
                )
        bands.append({"code": code, "min_total": minimum})
    if not bands:
        errors.add(
            sheet,
            header + 1,
            code_column,
            "required",
            "Chưa có hạng nào (ví dụ A từ 180 điểm; hạng cuối để trống điểm tối thiểu).",
            "No rank band (e.g. A from 180; leave the last band's minimum empty).",
        )
    return {"rounding": rounding, "rank_bands": bands}
