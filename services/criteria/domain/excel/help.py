"""The text of the ``Hướng dẫn`` sheet: how to fill in a criteria table, in Vietnamese and
English.

It is prose, kept apart from the writer's layout code, and built from :mod:`.layout` and
:mod:`.grammar` so the labels, headings and examples it shows are the ones import reads.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from services.criteria.domain.excel.grammar import NOTE_CLAUSE, PARAM_SYNTAX
from services.criteria.domain.excel.layout import (
    COLUMNS,
    HELP_SHEET,
    METHODS,
    NO,
    NOT_APPLICABLE_FULL,
    PER_COUNT,
    RANK_FIELDS,
    RANK_HEADINGS,
    RANK_SHEET,
    ROUNDING_MODES,
    SECTIONS,
    TABLE_SHEET,
    TITLE_FIELDS,
    UNIT_KINDS,
    YES,
)


def help_rows() -> list[tuple[str, str, str]]:
    """The instructions: (item, Vietnamese, English); a row with empty texts is a heading."""
    rows: list[tuple[str, str, str]] = [
        ("Chung / General", "", ""),
        (
            "Tệp / File",
            f"Tệp Excel .xlsx gồm hai trang bắt buộc «{TABLE_SHEET}» và «{RANK_SHEET}». Trang "
            f"«{HELP_SHEET}» này không được đọc khi nhập. Không đổi tên trang, không đổi thứ tự "
            "hay tiêu đề cột A–I; có thể thêm cột sau cột I (sẽ bị bỏ qua).",
            f"An .xlsx file with two required sheets, “{TABLE_SHEET}” (the table) and "
            f"“{RANK_SHEET}” (rank bands). This “{HELP_SHEET}” sheet is not read on import. Keep "
            "the sheet names and the order and headings of columns A–I; columns after I are "
            "ignored.",
        ),
        (
            "Lỗi / Errors",
            "Khi nhập, hệ thống báo mọi lỗi (trang, dòng, cột, nội dung lỗi) và không lưu gì nếu "
            "còn lỗi. Tổng điểm, thứ tự các mức… được kiểm tra tiếp sau khi đọc tệp.",
            "On import every error is listed (sheet, row, column, message) and nothing is saved "
            "while any remains. Sums, band order and the like are checked after the file is read.",
        ),
        (
            "Số / Numbers",
            "Dấu thập phân là dấu chấm hoặc dấu phẩy (1.75 hoặc 1,75); không dùng dấu phân cách "
            "hàng nghìn. Nên nhập giá trị, không dùng công thức (nếu dùng, phải lưu tệp bằng Excel "
            "để có kết quả tính).",
            "Decimal point or comma (1.75 or 1,75); no thousands separators. Type values rather "
            "than formulas (a formula needs the file saved by Excel so its result is stored).",
        ),
        (
            "Chữ / Text",
            "Các giá trị chọn (phương pháp chấm, Có/Không, Đủ điểm, từ khóa trong Tham số) không "
            "phân biệt chữ hoa/thường và có/không dấu; có thể dùng tên máy (bands_at_least…).",
            "Choice values (method, Có/Không, Đủ điểm, keywords in Tham số) ignore case and "
            "Vietnamese diacritics; the machine names (bands_at_least…) are accepted too.",
        ),
        (f"Phần đầu trang «{TABLE_SHEET}» / Title block", "", ""),
    ]
    title_help = {
        "title": ("Tên bảng tiêu chí (bắt buộc).", "The table's title (required)."),
        "year": ("Năm áp dụng, số nguyên (bắt buộc).", "The year, a whole number (required)."),
        "unit_kind": (
            "Loại đơn vị được chấm: "
            + ", ".join(f"{slug} ({label})" for slug, label in UNIT_KINDS.items())
            + " (bắt buộc).",
            "The kind of unit scored: the slug or its Vietnamese name (required).",
        ),
        "basis": (
            "Căn cứ: số, ngày, người ký quyết định ban hành (không bắt buộc).",
            "Legal basis: decision number, date and signer (optional).",
        ),
        "max_points": (
            "Tổng điểm chuẩn của bảng, ví dụ 200 (bắt buộc).",
            "The table's total standard points, e.g. 200 (required).",
        ),
    }
    for key, label, english, _ in TITLE_FIELDS:
        vi, en = title_help[key]
        rows.append(
            (
                label,
                f"Nhãn ở cột A, giá trị ở cột B. {vi}",
                f"{english}: label in column A, value in column B. {en}",
            )
        )
    rows.append((f"Các cột (dòng tiêu đề, trang «{TABLE_SHEET}») / Columns", "", ""))
    column_help = {
        "code": (
            "Mã: A (phần), A.I (mục), A.I.1 (tiêu chí); chữ in hoa, rồi số La Mã, số hoặc "
            "chữ thường, cách nhau bởi dấu chấm. Cây tiêu chí lấy từ mã: A.I.1 thuộc A.I, "
            "dòng mã cha phải ở phía trên. Mã không trùng nhau.",
            "Code: A (part), A.I (section), A.I.1 (criterion); an upper-case letter, then "
            "Roman numerals, digits or lower-case letters, dot-separated. The tree comes "
            "from the codes (A.I.1 belongs to A.I, whose row must be above). Unique.",
        ),
        "title": ("Nội dung tiêu chí (bắt buộc).", "The criterion's text (required)."),
        "points": (
            "Điểm chuẩn (bắt buộc). Với dòng «Điểm thưởng»/«Điểm trừ»: mức tối đa; với "
            "từng mục của chúng: số điểm mỗi lần.",
            "Standard points (required). On a bonus/deduction section row: its cap; on "
            "their items: the points per occurrence.",
        ),
        "method": (
            "Phương pháp chấm, chỉ ghi cho tiêu chí không có mục con: "
            + ", ".join(f"«{label}»" for label in METHODS.values())
            + ". Dòng cấp cao nhất «Điểm thưởng» "
            "hoặc «Điểm trừ» mở mục điểm thưởng/điểm trừ; các mục con của nó ghi «Mỗi lần» "
            "hoặc để trống.",
            "Scoring method, only on criteria without sub-items: "
            + ", ".join(f"“{label}” ({name})" for name, label in METHODS.items())
            + ". A top-level row "
            "“Điểm thưởng” (bonus) or “Điểm trừ” (deduction) opens that section; its items take "
            "“Mỗi lần” (per occurrence) or nothing.",
        ),
        "params": (
            "Tham số của phương pháp, xem phần «Tham số» dưới đây.",
            "The method's parameters, see “Parameters” below.",
        ),
        "not_applicable": (
            f"«{NOT_APPLICABLE_FULL}»: nếu không phát sinh, đơn vị được đủ điểm "
            "(kèm giải trình); để trống: không chấp nhận «không phát sinh».",
            f"“{NOT_APPLICABLE_FULL}”: if the criterion does not arise, the unit "
            "gets full points (with a note); empty: not applicable is refused.",
        ),
        "evidence": (
            f"«{YES}» hoặc «{NO}»: có bắt buộc tài liệu minh chứng; để trống nếu không quy định.",
            f"“{YES}” (yes) or “{NO}” (no): evidence is required; empty if unspecified.",
        ),
        "unit": (
            "Đơn vị chủ trì theo dõi, chấm tiêu chí (không bắt buộc).",
            "The unit in charge of the criterion (optional).",
        ),
        "guidance": (
            "Ghi chú, hướng dẫn chấm (không bắt buộc).",
            "Notes and scoring guidance (optional).",
        ),
    }
    for index, (key, heading, english) in enumerate(COLUMNS, start=1):
        vi, en = column_help[key]
        rows.append(
            (
                heading,
                f"Cột {get_column_letter(index)}. {vi}",
                f"Column {get_column_letter(index)}, {english}. {en}",
            )
        )
    rows.append(("Tham số / Parameters", "", ""))
    rows.append(
        (
            "Cú pháp chung / General syntax",
            "Các phần cách nhau bởi dấu chấm phẩy «;» hoặc xuống dòng (Alt+Enter).",
            "Clauses are separated by “;” or line breaks (Alt+Enter).",
        )
    )
    method_help = {
        "bands_at_least": (
            "Mỗi mức «≥ngưỡng: điểm» (có thể gõ >= thay cho ≥, hoặc bỏ dấu); được điểm của mức "
            "có ngưỡng cao nhất mà kết quả đạt. Chữ sau ngưỡng là đơn vị (%, văn bản…), giống "
            "nhau ở mọi mức. Thêm «từ X đến Y» nếu khoảng giá trị khác mặc định (0–100 với %, "
            "từ 0 với đơn vị khác).",
            "One “≥threshold: points” per band (>= or no sign also read); the band with the "
            "highest threshold reached scores. Text after the threshold is the unit (same on "
            "every band). Add “từ X đến Y” (from X to Y) when the input range is not the "
            "default (0–100 for %, from 0 otherwise).",
        ),
        "bands_at_most": (
            "Mỗi mức «≤ngưỡng ngày: điểm» (có thể gõ <=); số ngày chậm; được điểm của mức có "
            "ngưỡng thấp nhất không nhỏ hơn số ngày chậm.",
            "One “≤threshold days: points” per band (<= also read) on days late; the band with "
            "the lowest threshold ≥ days late scores.",
        ),
        "proportional": (
            "«vượt tối đa K»: điểm = điểm chuẩn × min(đạt / chỉ tiêu, K); K = 1 là không tính "
            "vượt; có thể ghi 120%.",
            "“vượt tối đa K” (over-achievement cap): points = max × min(achieved / target, K); "
            "K = 1 means no over-achievement; 120% also reads 1.2.",
        ),
        "boolean": (
            "Để trống: đạt thì đủ điểm, không đạt 0 điểm.",
            "Empty: done scores the full points, not done 0.",
        ),
        "manual": (
            f"«bước S» (điểm chấm là bội số của S), thêm «{NOTE_CLAUSE}» nếu chấm dưới điểm "
            "chuẩn phải ghi lý do.",
            f"“bước S” (step: points are multiples of S); add “{NOTE_CLAUSE}” when a score "
            "below the maximum needs a note.",
        ),
    }
    for name, label in METHODS.items():
        syntax, example = PARAM_SYNTAX[name]
        vi, en = method_help[name]
        shown = f" Ví dụ: {example}" if example else ""
        shown_en = f" Example: {example}" if example else ""
        rows.append(
            (
                f"{label} ({name})",
                f"{vi} Cú pháp: {syntax}.{shown}",
                f"{en} Syntax: {syntax}.{shown_en}",
            )
        )
    rows.append(("Điểm thưởng, điểm trừ / Bonus and deduction", "", ""))
    rows.append(
        (
            f"{SECTIONS['bonus']} / {SECTIONS['deduction']}",
            "Dòng cấp cao nhất (ví dụ E, F) ghi «Điểm thưởng» hoặc «Điểm trừ» ở cột Phương pháp "
            "chấm; cột Điểm chuẩn là mức tối đa được cộng/trừ. Các dòng E.1, E.2… là các mục: "
            "Điểm chuẩn là số điểm mỗi lần, Phương pháp chấm «Mỗi lần» (hoặc để trống), Tham số "
            "«tối đa N lần» nếu giới hạn số lần, Minh chứng Có/Không.",
            "A top-level row (e.g. E, F) with “Điểm thưởng” (bonus) or “Điểm trừ” (deduction) as "
            "its method; its Điểm chuẩn is the cap. Rows E.1, E.2… are its items: Điểm chuẩn is "
            "the points per occurrence, method “Mỗi lần” (or empty), Tham số “tối đa N lần” "
            "(max_count) to limit the count, Minh chứng Có/Không.",
        )
    )
    syntax, example = PARAM_SYNTAX["per_count"]
    rows.append(
        (
            f"{PER_COUNT[1]} ({PER_COUNT[0]})",
            f"Mục điểm thưởng/điểm trừ: được cộng/trừ Điểm chuẩn cho mỗi lần, tổng không quá "
            f"mức tối đa của mục. Tham số: {syntax}. Ví dụ: {example}",
            f"A bonus/deduction item: its Điểm chuẩn per occurrence, the section total limited "
            f"to the cap. Parameters: {syntax} (max_count). Example: {example}",
        )
    )
    rows.append((f"Trang «{RANK_SHEET}» / Rank sheet", "", ""))
    rows.append(
        (
            RANK_FIELDS[0][1],
            "Số chữ số thập phân khi làm tròn điểm, ví dụ 2.",
            "Decimal places points are rounded to, e.g. 2.",
        )
    )
    rows.append(
        (
            RANK_FIELDS[1][1],
            "Cách làm tròn: "
            + ", ".join(f"«{label}» ({name})" for name, label in ROUNDING_MODES.items())
            + ".",
            "Rounding mode: "
            + ", ".join(
                f"“{label}” ({name}, 0.5 rounds away from zero)"
                for name, label in ROUNDING_MODES.items()
            )
            + ".",
        )
    )
    rows.append(
        (
            f"{RANK_HEADINGS[0]} | {RANK_HEADINGS[1]}",
            "Mỗi dòng một hạng, từ cao xuống thấp; đơn vị xếp hạng đầu tiên có tổng điểm ≥ "
            "mức tối thiểu. Hạng cuối để trống mức tối thiểu.",
            "One band per row, highest first; a unit gets the first band whose minimum ≤ "
            "its total. Leave the last band's minimum empty.",
        )
    )
    return rows
