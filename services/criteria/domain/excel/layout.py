"""What the reader and the writer share: the sheets, their labels and column headings.

Export writes these and import looks for them, so they live in one place. The workbook looks
like the Ministry's annex (Vietnamese headings) and has three sheets:

``Bảng tiêu chí``
    A title block of labelled cells (label in column A, value in column B, found by label
    above the header row): ``Tên bảng`` (title), ``Năm`` (year), ``Loại đơn vị`` (unit_kind,
    the slug or its Vietnamese name), ``Căn cứ`` (basis, optional), ``Tổng điểm chuẩn``
    (max_points). Then the header row (fixed columns A–I, see :data:`COLUMNS`; found by its
    ``STT / Mã`` cell in the first 30 rows; columns after I are ignored) and one row per node,
    bonus or deduction section, or item. The tree comes from the codes: ``A.I.1``'s parent is
    ``A.I``, which must be on an earlier row; children keep the row order.

    Bonus and deduction: a top-level row whose ``Phương pháp chấm`` is ``Điểm thưởng`` (bonus)
    or ``Điểm trừ`` (deduction); its ``Điểm chuẩn`` is the section's ``cap``. The rows under
    it (``E.1`` …) are its items: ``Điểm chuẩn`` is ``per_count`` (the points per occurrence),
    ``Phương pháp chấm`` is ``Mỗi lần`` (or empty), ``Tham số`` is ``tối đa N lần``
    (``max_count``, optional).

``Xếp hạng``
    Labelled cells ``Số chữ số thập phân`` (rounding.places) and ``Cách làm tròn``
    (rounding.mode), then a header row ``Mã hạng | Tổng điểm tối thiểu`` and one band per
    row (empty minimum = ``null``, the band catching the rest).

``Hướng dẫn``
    The instructions (Vietnamese and English, see :mod:`.help`); never read on import.

The words a cell may hold (methods, sections, rounding modes, unit kinds, Có/Không) are here
too: the writer writes the Vietnamese label, the reader takes the label or the machine name.
"""

from __future__ import annotations

from collections.abc import Mapping

TABLE_SHEET = "Bảng tiêu chí"
RANK_SHEET = "Xếp hạng"
HELP_SHEET = "Hướng dẫn"

# The table's columns, in order: (key, heading, English).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("code", "STT / Mã", "Code"),
    ("title", "Nội dung tiêu chí", "Criterion"),
    ("points", "Điểm chuẩn", "Standard points"),
    ("method", "Phương pháp chấm", "Scoring method"),
    ("params", "Tham số", "Parameters"),
    ("not_applicable", "Không phát sinh", "When not applicable"),
    ("evidence", "Minh chứng", "Evidence required"),
    ("unit", "Đơn vị chủ trì", "Responsible unit"),
    ("guidance", "Ghi chú / Hướng dẫn", "Notes / guidance"),
)
COL = {key: index for index, (key, _, _) in enumerate(COLUMNS, start=1)}
HEADINGS = tuple(heading for _, heading, _ in COLUMNS)

# Title block of the table sheet: (key, label written, English, other labels accepted).
TITLE_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("title", "Tên bảng", "Table title", ("Tên bảng tiêu chí",)),
    ("year", "Năm", "Year", ("Năm áp dụng",)),
    ("unit_kind", "Loại đơn vị", "Unit kind", ()),
    ("basis", "Căn cứ", "Legal basis", ("Căn cứ pháp lý",)),
    ("max_points", "Tổng điểm chuẩn", "Total standard points", ("Tổng điểm", "Thang điểm")),
)
TABLE_HEADER_ROW = 7  # where export writes it; import looks for it

RANK_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("places", "Số chữ số thập phân", "Decimal places", ()),
    ("mode", "Cách làm tròn", "Rounding mode", ()),
)
RANK_HEADINGS = ("Mã hạng", "Tổng điểm tối thiểu")
RANK_HEADINGS_EN = ("Band", "Minimum total")
RANK_HEADER_ROW = 5

# Scoring methods: machine name ↔ Vietnamese label (either is accepted on import).
METHODS: Mapping[str, str] = {
    "bands_at_least": "Theo mức (tối thiểu)",
    "bands_at_most": "Theo mức (tối đa)",
    "proportional": "Theo tỷ lệ",
    "boolean": "Đạt / Không đạt",
    "manual": "Chấm trực tiếp",
}
SECTIONS: Mapping[str, str] = {"bonus": "Điểm thưởng", "deduction": "Điểm trừ"}
PER_COUNT = ("per_count", "Mỗi lần")
ROUNDING_MODES: Mapping[str, str] = {"half_up": "Làm tròn nửa lên"}  # what scoringrules does
UNIT_KINDS: Mapping[str, str] = {
    "so-tu-phap": "Sở Tư pháp",
    "cuc-thads": "Cơ quan thi hành án dân sự",
}
NOT_APPLICABLE_FULL = "Đủ điểm"
YES, NO = "Có", "Không"
