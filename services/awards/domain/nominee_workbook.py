"""The nominees of a file as an .xlsx: the template to fill in, and reading it back.

One sheet, ``Người được đề nghị``, with two columns: ``Mã cán bộ/đơn vị`` (a staff code, or
a unit's id for a collective award) and ``Tóm tắt thành tích`` (the achievement summary,
optional). Headings are matched without diacritics or case, so a retyped heading still reads.
An upload is anyone's bytes: before openpyxl opens it the zip's directory is checked against
the limits below (a small file can unpack to gigabytes), and at most ``MAX_ROWS`` rows are read.
Errors are keyed by Excel address (``'Người được đề nghị'!A5``); the caller adds them all or
nothing.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from kit.errors import Invalid, PayloadTooLarge, Text
from kit.spreadsheets import put
from kit.text import control_characters, nfc, search_key

SHEET = "Người được đề nghị"
HELP_SHEET = "Hướng dẫn"
CODE_HEADING = "Mã cán bộ/đơn vị"
SUMMARY_HEADING = "Tóm tắt thành tích"
MAX_ROWS = 2000
MAX_SUMMARY = 5000
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 200


@dataclass(frozen=True)
class Row:
    ref: str  # the Excel address of the code's cell
    subject_id: str
    summary: str | None


def address(column: str, row: int) -> str:
    return f"'{SHEET}'!{column}{row}"


def template() -> bytes:
    """The workbook to fill in: the sheet with its headings, and a sheet of help."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for column, heading in enumerate((CODE_HEADING, SUMMARY_HEADING), start=1):
        put(sheet, 1, column, heading).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 80
    help_sheet = book.create_sheet(HELP_SHEET)
    lines = [
        "Mỗi dòng một người hoặc đơn vị được đề nghị, từ dòng 2.",
        f"{CODE_HEADING}: mã cán bộ (khen cá nhân) hoặc mã đơn vị (khen tập thể); bắt buộc.",
        f"{SUMMARY_HEADING}: tóm tắt thành tích (không bắt buộc, tối đa {MAX_SUMMARY} ký tự).",
        f"Tối đa {MAX_ROWS} dòng. Có lỗi ở bất kỳ dòng nào thì không thêm ai.",
    ]
    for row, line in enumerate(lines, start=1):
        put(help_sheet, row, 1, line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _too_large(vi: str, en: str) -> PayloadTooLarge:
    return PayloadTooLarge((vi, en), max_unpacked_bytes=MAX_UNPACKED_BYTES)


def check_archive(data: bytes) -> None:
    """Refuse a zip that unpacks past the limits, from its directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: opening it says so
    if len(members) > MAX_ZIP_MEMBERS:
        raise _too_large(
            f"Tệp gồm {len(members)} thành phần nén, quá giới hạn {MAX_ZIP_MEMBERS}.",
            f"The file holds {len(members)} zip members, more than {MAX_ZIP_MEMBERS}.",
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _too_large(
            f"Tệp giải nén ra {unpacked} byte, quá giới hạn {MAX_UNPACKED_BYTES}; chưa đọc.",
            f"The file unpacks to {unpacked} bytes, more than {MAX_UNPACKED_BYTES}; not read.",
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _too_large(
                f"Thành phần «{m.filename[:80]}» nén {ratio:.0f} lần (dấu hiệu tệp độc hại).",
                f"Member “{m.filename[:80]}” is compressed {ratio:.0f} to 1 (a zip bomb?).",
            )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def read(data: bytes) -> list[Row]:
    """The rows of an uploaded workbook; Invalid keyed by Excel address when any is wrong
    (a missing sheet or heading, an empty code, a repeated one, a summary too long)."""
    check_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for bytes that are not a workbook
        raise Invalid(
            {"file": [("Không phải tệp Excel .xlsx đọc được.", "Not a readable .xlsx file.")]}
        ) from None
    try:
        wanted = search_key(SHEET)
        sheet = next((ws for ws in book.worksheets if search_key(ws.title) == wanted), None)
        if sheet is None:
            raise Invalid(
                {"file": [(f"Thiếu trang tính «{SHEET}».", f"The sheet “{SHEET}” is missing.")]}
            )
        rows = sheet.iter_rows(min_row=1, max_col=2, values_only=True)
        heading = next(rows, None) or ()
        errors: dict[str, list[Text]] = {}
        for column, expected, value in zip(
            "AB", (CODE_HEADING, SUMMARY_HEADING), (*heading, None, None), strict=False
        ):
            if search_key(_text(value)) != search_key(expected):
                errors[address(column, 1)] = [
                    (f"Cần tiêu đề «{expected}».", f"The heading “{expected}” is expected.")
                ]
        if errors:
            raise Invalid(errors)
        found: list[Row] = []
        seen: dict[str, str] = {}
        for number, values in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise Invalid(
                    {
                        address("A", number): [
                            (f"Tối đa {MAX_ROWS} dòng.", f"At most {MAX_ROWS} rows.")
                        ]
                    }
                )
            code, summary = (*values, None, None)[:2]
            code, summary = _text(code), _text(summary)
            if not code and not summary:
                continue
            ref = address("A", number)
            if not code:
                errors.setdefault(ref, []).append(("Thiếu mã.", "The code is missing."))
                continue
            if control_characters(code) or len(code) > 64:
                errors.setdefault(ref, []).append(("Mã không hợp lệ.", "Not a valid code."))
                continue
            if code in seen:
                errors.setdefault(ref, []).append(
                    (f"{code} đã có ở ô {seen[code]}.", f"{code} is already at {seen[code]}.")
                )
                continue
            seen[code] = ref
            if len(summary) > MAX_SUMMARY or control_characters(summary, multiline=True):
                errors.setdefault(address("B", number), []).append(
                    (
                        f"Tóm tắt tối đa {MAX_SUMMARY} ký tự, không ký tự điều khiển.",
                        f"At most {MAX_SUMMARY} characters, no control characters.",
                    )
                )
                continue
            found.append(Row(ref, code, summary or None))
        if errors:
            raise Invalid(errors)
        if not found:
            raise Invalid({address("A", 2): [("Tệp không có dòng nào.", "The file has no rows.")]})
        return found
    finally:
        book.close()
