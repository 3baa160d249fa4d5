"""The blank template officers download and fill in (``data/criteria-template.xlsx``).

It is an export of :data:`TEMPLATE_DOCUMENT`, a small valid example table whose rows are meant
to be replaced, opened on the instructions sheet. The file is committed;
``test_committed_template_is_current`` fails when the code here or in the writer changes what
it would hold. Run ``python -m services.criteria.domain.excel`` to regenerate it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.criteria.domain.excel.grammar import BAND_INPUT_NAMES
from services.criteria.domain.excel.writer import workbook

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "data" / "criteria-template.xlsx"


def _bands(kind: str, unit: str, pairs: list[tuple[float | int, float | int]]) -> dict[str, Any]:
    source: dict[str, Any] = {"name": BAND_INPUT_NAMES[kind], "unit": unit, "min": 0}
    if unit == "%":
        source["max"] = 100
    return {
        "type": kind,
        "input": source,
        "bands": [{"threshold": t, "points": p} for t, p in pairs],
    }


TEMPLATE_DOCUMENT: dict[str, Any] = {
    "title": "Bảng tiêu chí đánh giá, chấm điểm, xếp hạng thi đua (mẫu: thay bằng nội dung "
    "của Quyết định)",
    "year": 2025,
    "unit_kind": "so-tu-phap",
    "basis": "Quyết định số …/QĐ-BTP ngày …/…/2025 của Bộ trưởng Bộ Tư pháp",
    "max_points": 20,
    "rounding": {"places": 2, "mode": "half_up"},
    "rank_bands": [
        {"code": "A", "min_total": 18},
        {"code": "B", "min_total": 15},
        {"code": "C", "min_total": 10},
        {"code": "D", "min_total": None},
    ],
    "parts": [
        {
            "code": "A",
            "title": "Thực hiện nhiệm vụ chuyên môn",
            "max_points": 14,
            "children": [
                {
                    "code": "A.I",
                    "title": "Xây dựng và thẩm định văn bản",
                    "max_points": 8,
                    "children": [
                        {
                            "code": "A.I.1",
                            "title": "Tỷ lệ dự thảo văn bản được thẩm định đúng hạn",
                            "max_points": 4,
                            "method": _bands(
                                "bands_at_least", "%", [(100, 4), (95, 3.5), (80, 2.75), (60, 1.5)]
                            ),
                            "evidence_required": True,
                            "when_not_applicable": "full",
                            "guidance": "Tính theo số liệu từ ngày 01/01 đến 31/12.",
                        },
                        {
                            "code": "A.I.2",
                            "title": "Báo cáo kết quả thẩm định gửi Bộ đúng hạn",
                            "max_points": 4,
                            "method": _bands("bands_at_most", "ngày", [(0, 4), (3, 3), (7, 1.5)]),
                            "evidence_required": True,
                            "responsible_unit": "Phòng Văn bản",
                        },
                    ],
                },
                {
                    "code": "A.II",
                    "title": "Phổ biến, giáo dục pháp luật",
                    "max_points": 6,
                    "children": [
                        {
                            "code": "A.II.1",
                            "title": "Số cuộc tuyên truyền so với kế hoạch",
                            "max_points": 3,
                            "method": {
                                "type": "proportional",
                                "inputs": ["achieved", "target"],
                                "over_achievement_cap": 1.2,
                            },
                            "evidence_required": True,
                        },
                        {
                            "code": "A.II.2",
                            "title": "Ban hành kế hoạch phổ biến pháp luật năm",
                            "max_points": 1,
                            "method": {"type": "boolean"},
                            "evidence_required": True,
                        },
                        {
                            "code": "A.II.3",
                            "title": "Chất lượng, hiệu quả tuyên truyền",
                            "max_points": 2,
                            "method": {
                                "type": "manual",
                                "step": 0.25,
                                "note_required_below_max": True,
                            },
                            "evidence_required": False,
                        },
                    ],
                },
            ],
        },
        {
            "code": "B",
            "title": "Công tác chỉ đạo, điều hành",
            "max_points": 6,
            "children": [
                {
                    "code": "B.1",
                    "title": "Chất lượng báo cáo, số liệu",
                    "max_points": 6,
                    "method": {"type": "manual", "step": 0.5, "note_required_below_max": False},
                },
            ],
        },
    ],
    "bonus": {
        "code": "C",
        "title": "Điểm thưởng",
        "cap": 4,
        "items": [
            {
                "code": "C.1",
                "title": "Mô hình, cách làm hay được ghi nhận, nhân rộng",
                "per_count": 1,
                "max_count": 2,
                "evidence_required": True,
            },
        ],
    },
    "deduction": {
        "code": "D",
        "title": "Điểm trừ",
        "cap": 5,
        "items": [
            {"code": "D.1", "title": "Mỗi báo cáo theo yêu cầu không gửi", "per_count": 1},
        ],
    },
}


def write_template(path: str | Path = TEMPLATE_PATH) -> Path:
    """Write the blank-to-fill template: the layout with a small valid example table (replace
    its rows) and the instructions sheet. Returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    book = workbook(TEMPLATE_DOCUMENT)
    book.active = 2  # open on the instructions
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is book.active
    book.save(target)
    return target
