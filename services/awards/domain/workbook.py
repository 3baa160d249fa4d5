"""The registry as an .xlsx workbook: the template, reading an import, writing an export.

Units keep their staff records in Excel, so the registry's import document
(sample-award-history.json) has a workbook form with Vietnamese headings, one sheet per part:
``Cán bộ`` (one row per person), ``Chức vụ``, ``Xếp loại``, ``Số tháng công tác``, ``Kỷ luật``,
``Sáng kiến`` (rows keyed by the staff code), ``Khen thưởng`` (the awards held), and a
``Hướng dẫn`` sheet explaining each column. :func:`export` writes exactly what
:func:`read_registry_workbook` reads, so an export re-imports unchanged.

Reading checks only what a cell *is* (a date that is not a date, a year that is not a whole
number, a row naming a person the ``Cán bộ`` sheet does not list); what the values *mean*
(a known gender, an assessment of the pack's scale) is the import's validation, which reports
by JSON pointer: ``locate`` turns each pointer back into the cell it came from. Headings are
matched without case or diacritics and in any column order. An upload is anyone's bytes: the
zip's declared sizes are checked before openpyxl opens it (a zip bomb is refused unread) and
at most :data:`MAX_ROWS` rows of a sheet are read.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kit import spreadsheets
from kit.errors import Invalid, PayloadTooLarge, Text
from kit.text import fold
from services.awards.domain.profiles import document_of

Locate = Callable[[str], str | None]

# Limits: a unit of 2,000 staff with ten years of history stays far inside them.
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 50_000
MAX_REPORTED_ERRORS = 200
MAX_QUOTED_CHARS = 60

HELP_SHEET = "Hướng dẫn"
DATE_FORMAT = "DD/MM/YYYY"
YES, NO = "có", "không"
YES_KEYS = {"co", "x", "yes", "true", "1"}
NO_KEYS = {"khong", "no", "false", "0"}


@dataclass(frozen=True)
class Column:
    heading: str
    key: str
    kind: str  # text | code | choice | date | year | integer | flag
    help_vi: str
    required: bool = True


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    help_vi: str


STAFF = Column("Mã cán bộ", "staff_code", "code", "Mã cán bộ của cơ quan, như ở trang «Cán bộ».")
YEAR = Column("Năm", "year", "year", "Năm (số, ví dụ 2024).")

PEOPLE = Sheet(
    "Cán bộ",
    (
        Column("Mã cán bộ", "id", "code", "Mã cán bộ của cơ quan; mỗi người một dòng."),
        Column("Họ và tên", "full_name", "text", "Họ và tên có dấu."),
        Column("Giới tính", "gender", "choice", "nam hoặc nu (nữ)."),
        Column("Mã đơn vị", "unit_id", "code", "Mã đơn vị cán bộ đang công tác (ví dụ stp-01)."),
        Column(
            "Chuyển từ ngành khác",
            "transferred_from_other_sector",
            "flag",
            "có nếu cán bộ chuyển từ ngành khác sang; không hoặc để trống nếu không.",
            required=False,
        ),
    ),
    "Mỗi cán bộ một dòng. Các trang khác ghi theo mã cán bộ ở đây.",
)
POSITIONS = Sheet(
    "Chức vụ",
    (
        STAFF,
        Column("Chức vụ", "position", "choice", "cap-truong (cấp trưởng) hoặc cap-pho (cấp phó)."),
        Column("Từ ngày", "from", "date", "Ngày bắt đầu giữ chức vụ (ngày Excel hoặc dd/mm/yyyy)."),
        Column(
            "Đến ngày",
            "to",
            "date",
            "Ngày thôi giữ chức vụ; để trống nếu đang giữ chức vụ.",
            required=False,
        ),
    ),
    "Mỗi thời gian giữ chức vụ lãnh đạo một dòng.",
)
ASSESSMENTS = Sheet(
    "Xếp loại",
    (
        STAFF,
        YEAR,
        Column(
            "Xếp loại",
            "assessment",
            "choice",
            "Mức xếp loại của năm, theo thang của bộ quy tắc (ví dụ xuat-sac, tot, hoan-thanh, "
            "khong-hoan-thanh).",
        ),
    ),
    "Kết quả đánh giá, xếp loại hằng năm: mỗi cán bộ mỗi năm một dòng.",
)
MONTHS = Sheet(
    "Số tháng công tác",
    (STAFF, YEAR, Column("Số tháng", "months", "integer", "Số tháng thực tế công tác trong năm.")),
    "Chỉ ghi những năm cán bộ công tác dưới 12 tháng; năm không ghi được tính là 12 tháng.",
)
DISCIPLINE = Sheet(
    "Kỷ luật",
    (
        STAFF,
        YEAR,
        Column(
            "Hình thức",
            "level",
            "choice",
            "Hình thức kỷ luật theo thang của bộ quy tắc (ví dụ khien-trach, canh-cao).",
        ),
    ),
    "Mỗi quyết định kỷ luật một dòng.",
)
INITIATIVES = Sheet(
    "Sáng kiến",
    (
        STAFF,
        YEAR,
        Column("Cấp", "scope", "choice", "Phạm vi công nhận: co-so, bo hoặc toan-quoc."),
        Column("Tên", "title", "text", "Tên sáng kiến hoặc đề tài."),
    ),
    "Sáng kiến, đề tài nghiên cứu được công nhận: mỗi sáng kiến một dòng.",
)
AWARDS = Sheet(
    "Khen thưởng",
    (
        Column(
            "Người/đơn vị nhận",
            "recipient",
            "code",
            "Mã cán bộ (khen cá nhân) hoặc mã đơn vị (khen tập thể).",
        ),
        Column("Mã khen thưởng", "award", "code", "Mã danh hiệu/hình thức trong bộ quy tắc."),
        Column("Năm", "year", "year", "Năm của thành tích được khen."),
        Column("Số quyết định", "decision", "text", "Số, ký hiệu quyết định khen thưởng."),
        Column("Ngày quyết định", "decided_on", "date", "Ngày ký quyết định."),
        Column(
            "Đã thu hồi",
            "revoked",
            "flag",
            "có nếu khen thưởng đã bị thu hồi (không còn được tính); để trống nếu không.",
            required=False,
        ),
    ),
    "Các khen thưởng đã có: mỗi quyết định cho một người hoặc đơn vị một dòng.",
)
SHEETS: tuple[Sheet, ...] = (
    PEOPLE,
    POSITIONS,
    ASSESSMENTS,
    MONTHS,
    DISCIPLINE,
    INITIATIVES,
    AWARDS,
)


# -- cells ---------------------------------------------------------------------------------


def fold_key(text: str) -> str:
    """Letters and digits of the folded text: how headings and sheet names are matched."""
    return re.sub(r"[^0-9a-z]", "", fold(text))


def slug(text: str) -> str:
    """A typed choice as the document's code: "Cấp trưởng" → "cap-truong", "nữ" → "nu"."""
    return re.sub(r"[\s_]+", "-", fold(text)).strip("-")


def quoted(value: Any) -> str:
    text = cell_text(value) or ""
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 1] + "…"


def cell_text(value: Any) -> str | None:
    """A cell as text (NFC, stripped); numbers as plain decimal text; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | date):
        text = value.strftime("%d/%m/%Y")
    else:
        text = str(value)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return text or None


class Unreadable(ValueError):
    """A cell that is not what its column holds; args are (vi, en)."""


def whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise Unreadable("là giá trị đúng/sai, không phải số", "is TRUE/FALSE, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime | date):
        raise Unreadable("là một ngày, không phải số", "is a date, not a number")
    text = cell_text(value) or ""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise Unreadable(
            f"«{quoted(value)}» không phải là số", f"“{quoted(value)}” is not a number"
        ) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Unreadable(
            f"«{quoted(value)}» không phải số nguyên", f"“{quoted(value)}” is not a whole number"
        )
    return int(number)


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def day_of(value: Any) -> str:
    """A date cell (an Excel date, or text dd/mm/yyyy or yyyy-mm-dd) as ISO text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = cell_text(value) or ""
    try:
        if match := _DMY.match(text):
            return date(int(match[3]), int(match[2]), int(match[1])).isoformat()
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        pass
    raise Unreadable(
        f"«{quoted(value)}» không phải là ngày (nhập ngày Excel hoặc dd/mm/yyyy)",
        f"“{quoted(value)}” is not a date (type an Excel date or dd/mm/yyyy)",
    )


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text is None or fold_key(text) in NO_KEYS:
        return False
    if fold_key(text) in YES_KEYS:
        return True
    raise Unreadable(
        f"«{quoted(value)}» phải là «có» hoặc «không»", f"“{quoted(value)}” must be có or không"
    )


def convert(column: Column, value: Any) -> Any:
    """The document's value of a cell; :class:`Unreadable` when the cell cannot be one."""
    if column.kind == "flag":
        return flag(value)
    if cell_text(value) is None:
        return None
    if column.kind in ("year", "integer"):
        return whole_number(value)
    if column.kind == "date":
        return day_of(value)
    if column.kind == "choice":
        return slug(cell_text(value) or "")
    return cell_text(value)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    sheet: str
    row: int | None
    column: str | None  # the letter
    heading: str | None
    vi: str
    en: str

    @property
    def address(self) -> str:
        cell = f"{self.column or ''}{self.row or ''}"
        return f"'{self.sheet}'!{cell}" if cell else f"'{self.sheet}'" if self.sheet else "file"

    def as_data(self) -> dict[str, Any]:
        """The item of ``excel_errors``: exactly kit.problems.WorkbookErrorSchema's shape, so
        the answer keeps to the documented problem (the heading is in the message)."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": "invalid",
            "vi": self.vi,
            "en": self.en,
            "ref": self.address,
        }


def address(sheet: str, row: int, column: int) -> str:
    return f"'{sheet}'!{get_column_letter(column)}{row}"


def address_parts(ref: str) -> dict[str, Any]:
    """``'Cán bộ'!C5`` → ``{sheet: "Cán bộ", row: 5, column: "C"}``: for the import's
    errors found by JSON pointer and reported at their cell."""
    match = re.match(r"^'(?P<sheet>(?:[^']|'')*)'(?:!(?P<col>[A-Z]+)(?P<row>\d+)?)?$", ref)
    if not match:
        return {"sheet": None, "row": None, "column": None}
    return {
        "sheet": match["sheet"].replace("''", "'"),
        "row": int(match["row"]) if match["row"] else None,
        "column": match["col"],
    }


def check_archive(content: bytes) -> None:
    """Refuse (413) a zip that unpacks past the limits, from its directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: opening it says so
    unpacked = sum(member.file_size for member in members)
    too_many = len(members) > MAX_ZIP_MEMBERS
    too_big = unpacked > MAX_UNPACKED_BYTES
    bomb = any(
        m.file_size > RATIO_CHECKED_FROM_BYTES
        and m.file_size / max(m.compress_size, 1) > MAX_COMPRESSION_RATIO
        for m in members
    )
    if too_many or too_big or bomb:
        raise PayloadTooLarge(
            (
                f"Tệp giải nén quá lớn hoặc nén bất thường (tối đa {MAX_ZIP_MEMBERS} thành phần, "
                f"{MAX_UNPACKED_BYTES} byte, nén {MAX_COMPRESSION_RATIO} lần); chưa đọc tệp.",
                f"The file unpacks too large or is compressed abnormally (at most "
                f"{MAX_ZIP_MEMBERS} members, {MAX_UNPACKED_BYTES} bytes, "
                f"{MAX_COMPRESSION_RATIO} to 1); it was not read.",
            ),
            limit_value=MAX_UNPACKED_BYTES,
        )


_CORRUPT = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, ValueError, KeyError, OSError)


class _Reader:
    def __init__(self, book: Any) -> None:
        self.book = book
        self.problems: list[CellProblem] = []
        self.where: dict[str, str] = {}
        self.unreadable: set[tuple[str, int, int]] = set()

    def problem(
        self, sheet: str, row: int | None, col: int | None, heading: str | None, text: Text
    ) -> None:
        vi, en = text if isinstance(text, tuple) else (text, text)
        letter = get_column_letter(col) if col else None
        self.problems.append(CellProblem(sheet, row, letter, heading, vi, en))

    def find(self, wanted: str) -> str | None:
        for name in self.book.sheetnames:
            if fold_key(name) == fold_key(wanted):
                return name
        return None

    def rows(self, sheet: Sheet) -> Iterable[tuple[int, dict[str, Any], dict[str, int]]]:
        """(row number, {key: value}, {key: column}) of each non-blank data row."""
        name = self.find(sheet.name)
        if name is None:
            self.problem(
                sheet.name,
                None,
                None,
                None,
                (
                    f"Thiếu trang «{sheet.name}» (tệp có: {', '.join(self.book.sheetnames)}); "
                    "hãy dùng tệp mẫu.",
                    f"Sheet “{sheet.name}” is missing (the file has: "
                    f"{', '.join(self.book.sheetnames)}); use the template.",
                ),
            )
            return
        ws = self.book[name]
        ws.reset_dimensions()
        columns: dict[str, int] = {}
        for r, cells in enumerate(ws.iter_rows(min_row=1, max_col=40, values_only=True), 1):
            if r > MAX_ROWS:
                self.problem(
                    sheet.name,
                    r,
                    None,
                    None,
                    (
                        f"Trang có quá {MAX_ROWS} dòng; hãy chia nhỏ tệp.",
                        f"The sheet has more than {MAX_ROWS} rows; split the file.",
                    ),
                )
                return
            if r == 1:
                columns = self.headings(sheet, cells)
                if len(columns) < len(sheet.columns):
                    return
                continue
            if all(cell_text(v) is None for v in cells):
                continue
            values: dict[str, Any] = {}
            for column in sheet.columns:
                c = columns[column.key]
                raw = cells[c - 1] if c - 1 < len(cells) else None
                try:
                    values[column.key] = convert(column, raw)
                except Unreadable as bad:
                    self.problem(sheet.name, r, c, column.heading, (bad.args[0], bad.args[1]))
                    self.unreadable.add((sheet.name, r, c))
                    values[column.key] = None
            yield r, values, columns

    def headings(self, sheet: Sheet, cells: Sequence[Any]) -> dict[str, int]:
        found: dict[str, int] = {}
        for c, value in enumerate(cells, 1):
            text = cell_text(value)
            if text is None:
                continue
            key = fold_key(text.split("(", 1)[0])
            for column in sheet.columns:
                if fold_key(column.heading) == key and column.key not in found:
                    found[column.key] = c
        for column in sheet.columns:
            if column.key not in found:
                self.problem(
                    sheet.name,
                    1,
                    None,
                    column.heading,
                    (
                        f"Thiếu cột «{column.heading}» ở dòng tiêu đề.",
                        f"The heading row has no column “{column.heading}”.",
                    ),
                )
        return found

    def place(self, pointer: str, sheet: Sheet, row: int, columns: Mapping[str, int]) -> None:
        """Remember where ``pointer`` (a whole row) and its fields came from."""
        first = min(columns.values())
        self.where[pointer] = address(sheet.name, row, first)
        for key, col in columns.items():
            self.where[f"{pointer}/{key}"] = address(sheet.name, row, col)

    def keys_present(self, sheet: Sheet, row: int, values: Mapping[str, Any], cols: Any) -> bool:
        """A row of a part needs its staff code (and year, where it has one): they say where
        the row goes. Other empty cells stay null for the import's validation to name."""
        ok = True
        for key in ("staff_code", "year"):
            if key in cols and values.get(key) is None:
                ok = False
                if (sheet.name, row, cols[key]) not in self.unreadable:
                    heading = next(c.heading for c in sheet.columns if c.key == key)
                    self.problem(
                        sheet.name,
                        row,
                        cols[key],
                        heading,
                        (f"Cần nhập «{heading}».", f"“{heading}” is required."),
                    )
        return ok

    def read(self) -> dict[str, Any]:
        people: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        for row, values, cols in self.rows(PEOPLE):
            staff_code = values["id"]
            if staff_code is not None and staff_code in index:
                self.problem(
                    PEOPLE.name,
                    row,
                    cols["id"],
                    "Mã cán bộ",
                    (
                        f"Mã cán bộ {staff_code} đã có ở dòng trước.",
                        f"Staff code {staff_code} is listed twice.",
                    ),
                )
                continue
            pointer = f"/people/{len(people)}"
            self.place(pointer, PEOPLE, row, cols)
            if staff_code is not None:
                index[staff_code] = len(people)
            people.append(
                {
                    "id": staff_code,
                    "full_name": values["full_name"],
                    "gender": values["gender"],
                    "unit_id": values["unit_id"],
                    "transferred_from_other_sector": values["transferred_from_other_sector"],
                    "positions": [],
                    "assessments": {},
                    "service_months": {},
                    "discipline": [],
                    "initiatives": [],
                }
            )

        def owner(sheet: Sheet, row: int, values: Mapping[str, Any], cols: Any) -> int | None:
            code = values["staff_code"]
            if not self.keys_present(sheet, row, values, cols):
                return None
            if code not in index:
                self.problem(
                    sheet.name,
                    row,
                    cols["staff_code"],
                    STAFF.heading,
                    (
                        f"Mã cán bộ {code} không có ở trang «{PEOPLE.name}».",
                        f"Staff code {code} is not on the “{PEOPLE.name}” sheet.",
                    ),
                )
                return None
            return index[code]

        def listed(sheet: Sheet, part: str, keys: Sequence[str]) -> None:
            for row, values, cols in self.rows(sheet):
                i = owner(sheet, row, values, cols)
                if i is None:
                    continue
                items = people[i][part]
                pointer = f"/people/{i}/{part}/{len(items)}"
                self.place(pointer, sheet, row, {k: cols[k] for k in keys})
                items.append({k: values[k] for k in keys})

        def yearly(sheet: Sheet, part: str, key: str) -> None:
            for row, values, cols in self.rows(sheet):
                i = owner(sheet, row, values, cols)
                if i is None:
                    continue
                year = str(values["year"])
                if year in people[i][part]:
                    self.problem(
                        sheet.name,
                        row,
                        cols["year"],
                        YEAR.heading,
                        (
                            f"Năm {year} của {values['staff_code']} đã có ở dòng trước.",
                            f"Year {year} of {values['staff_code']} is listed twice.",
                        ),
                    )
                    continue
                people[i][part][year] = values[key]
                self.where[f"/people/{i}/{part}/{year}"] = address(sheet.name, row, cols[key])

        listed(POSITIONS, "positions", ("position", "from", "to"))
        yearly(ASSESSMENTS, "assessments", "assessment")
        yearly(MONTHS, "service_months", "months")
        listed(DISCIPLINE, "discipline", ("year", "level"))
        listed(INITIATIVES, "initiatives", ("year", "scope", "title"))

        awards: list[dict[str, Any]] = []
        for row, values, cols in self.rows(AWARDS):
            self.place(f"/awards/{len(awards)}", AWARDS, row, cols)
            award = {k: values[k] for k in ("recipient", "award", "year", "decision", "decided_on")}
            if values["revoked"]:
                award["revoked"] = True
            awards.append(award)
        return {"people": people, "awards": awards}


def read_registry_workbook(content: bytes) -> tuple[dict[str, Any], Locate]:
    """The import document a workbook holds, and a function giving the Excel address
    (``'Cán bộ'!C5``) of a JSON pointer into that document, so that the import's errors
    can be reported where the user typed them. Raises ``kit.errors.Invalid`` (keyed by
    Excel address) for cells that cannot be read at all, all of them at once, with
    ``excel_errors`` ``[{sheet, row, column, code, vi, en, ref}]``; 413 past the limits."""
    check_archive(content)
    unreadable = Invalid(
        {"file": [NOT_XLSX]},
        NOT_XLSX,
        excel_errors=[FILE_PROBLEM.as_data()],
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors alike: not a workbook
        raise unreadable from None
    reader = _Reader(book)
    try:
        document = reader.read()
    except _CORRUPT:
        raise unreadable from None
    finally:
        book.close()
    if reader.problems:
        raise invalid(reader.problems)
    return document, lambda pointer: _locate(reader.where, pointer)


NOT_XLSX: tuple[str, str] = (
    "Không đọc được tệp: tệp hỏng hoặc không phải tệp Excel .xlsx.",
    "The file cannot be read: it is corrupt or not an Excel .xlsx file.",
)


FILE_PROBLEM = CellProblem("", None, None, None, *NOT_XLSX)


def invalid(problems: Sequence[CellProblem]) -> Invalid:
    shown = problems[:MAX_REPORTED_ERRORS]
    by_cell: dict[str, list[Text]] = {}
    for problem in shown:
        by_cell.setdefault(problem.address, []).append((problem.vi, problem.en))
    return Invalid(
        by_cell,
        (
            f"Tệp có {len(problems)} ô không đọc được; chưa lưu gì.",
            f"The file has {len(problems)} cells that cannot be read; nothing was saved.",
        ),
        excel_errors=[problem.as_data() for problem in shown],
        error_count=len(problems),
    )


def _locate(where: Mapping[str, str], pointer: str) -> str | None:
    """The cell of ``pointer``, or of the nearest enclosing part that has one."""
    while pointer:
        if pointer in where:
            return where[pointer]
        pointer = pointer.rsplit("/", 1)[0]
    return None


# -- writing -------------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_BOLD = Font(bold=True)


def _sheet_rows(document: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    rows: dict[str, list[list[Any]]] = {sheet.name: [] for sheet in SHEETS}
    for person in document.get("people") or []:
        code = person.get("id")
        rows[PEOPLE.name].append(
            [
                code,
                person.get("full_name"),
                person.get("gender"),
                person.get("unit_id"),
                YES if person.get("transferred_from_other_sector") else NO,
            ]
        )
        for position in person.get("positions") or []:
            start, end = _day(position.get("from")), _day(position.get("to"))
            rows[POSITIONS.name].append([code, position.get("position"), start, end])
        for year, value in (person.get("assessments") or {}).items():
            rows[ASSESSMENTS.name].append([code, int(year), value])
        for year, months in (person.get("service_months") or {}).items():
            rows[MONTHS.name].append([code, int(year), months])
        for item in person.get("discipline") or []:
            rows[DISCIPLINE.name].append([code, item.get("year"), item.get("level")])
        for item in person.get("initiatives") or []:
            rows[INITIATIVES.name].append(
                [code, item.get("year"), item.get("scope"), item.get("title")]
            )
    for award in document.get("awards") or []:
        rows[AWARDS.name].append(
            [
                award.get("recipient"),
                award.get("award"),
                award.get("year"),
                award.get("decision"),
                _day(award.get("decided_on")),
                YES if award.get("revoked") else None,
            ]
        )
    return rows


def _day(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def write_document(document: Mapping[str, Any] | None = None) -> bytes:
    """The workbook of an import document (empty: the template)."""
    book = Workbook()
    help_ws = book.active
    help_ws.title = HELP_SHEET
    _write_help(help_ws)
    rows = _sheet_rows(document or {})
    for sheet in SHEETS:
        ws = book.create_sheet(sheet.name)
        for c, column in enumerate(sheet.columns, 1):
            cell = spreadsheets.put(ws, 1, c, column.heading)
            cell.font, cell.fill = _BOLD, _HEADER_FILL
            width = 40 if column.key in ("full_name", "title", "decision") else 18
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = "A2"
        for r, values in enumerate(rows[sheet.name], 2):
            for c, value in enumerate(values, 1):
                cell = spreadsheets.put(ws, r, c, value)
                if isinstance(value, date):
                    cell.number_format = DATE_FORMAT
        _validations(ws, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _validations(ws: Any, sheet: Sheet) -> None:
    """Drop-down lists where the choices are the platform's, not the rule pack's."""
    lists = {
        "gender": '"nam,nu"',
        "position": '"cap-truong,cap-pho"',
        "transferred_from_other_sector": f'"{YES},{NO}"',
        "revoked": f'"{YES},{NO}"',
    }
    for c, column in enumerate(sheet.columns, 1):
        if column.key in lists:
            rule = DataValidation(type="list", formula1=lists[column.key], allow_blank=True)
            ws.add_data_validation(rule)
            letter = get_column_letter(c)
            rule.add(f"{letter}2:{letter}{MAX_ROWS}")


def _write_help(ws: Any) -> None:
    spreadsheets.put(ws, 1, 1, "Hướng dẫn nhập sổ khen thưởng").font = Font(bold=True, size=14)
    intro = (
        "Mỗi trang là một phần của hồ sơ; dòng 1 là tiêu đề, không sửa tiêu đề. Nhập từ dòng 2. "
        "Ngày nhập dạng ngày của Excel hoặc dd/mm/yyyy. Khi nhập lại, hồ sơ của mỗi cán bộ có "
        "trong tệp được thay bằng nội dung của tệp (mọi trang); cán bộ không có trong tệp giữ "
        "nguyên."
    )
    spreadsheets.put(ws, 2, 1, intro).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = 60
    r = 4
    for c, heading in enumerate(("Trang", "Cột", "Bắt buộc", "Cách nhập"), 1):
        cell = spreadsheets.put(ws, r, c, heading)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for sheet in SHEETS:
        r += 1
        spreadsheets.put(ws, r, 1, sheet.name).font = _BOLD
        spreadsheets.put(ws, r, 4, sheet.help_vi)
        for column in sheet.columns:
            r += 1
            spreadsheets.put(ws, r, 1, sheet.name)
            spreadsheets.put(ws, r, 2, column.heading)
            spreadsheets.put(ws, r, 3, YES if column.required else NO)
            spreadsheets.put(ws, r, 4, column.help_vi)
    for letter, width in zip("ABCD", (20, 24, 10, 90), strict=True):
        ws.column_dimensions[letter].width = width


def template() -> bytes:
    """The empty workbook to fill in, with the instructions sheet."""
    return write_document(None)


def export(people: Iterable[Any], achievements: Iterable[Any]) -> bytes:
    """People and awards held (the registry's rows) as the workbook an import reads back."""
    return write_document(document_of(people, achievements))
