"""The statistical reports on emulation and commendation a ministry sends under Thông tư
02/2023/TT-BNV: counts of awards by form and level, of state-level awards, of Chiến sĩ thi
đua and of Cờ thi đua, each with the share of women, for one year and one scope (national,
or one unit), as an .xlsx workbook with Vietnamese headings.

Computed from the registry: every award held for the year that is not revoked, imported or
granted alike (a revoked one counts nowhere). An award's name, kind and level are the rule
pack's in force for the year; the report's groups are the Circular's categories, matched on
that data (a level; the name an award of the category carries), never on an award's code.
Women are counted among individual recipients (a unit has no gender): the share is women ÷
individuals, exact, and written as a fraction the sheet shows as a percentage.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.errors import Conflict, NotFound
from kit.spreadsheets import put, put_text
from services.awards.domain import eligibility, packs
from services.awards.models import Achievement, Person

REPORT = ("biểu báo cáo", "report form")
KIND_NAMES = {"title": "Danh hiệu thi đua", "form": "Hình thức khen thưởng"}
LEVEL_NAMES = {"co-so": "Cơ sở", "bo": "Bộ, ngành", "nha-nuoc": "Nhà nước"}
RECIPIENT_NAMES = {"individual": "Cá nhân", "collective": "Tập thể"}
BASIS = "Thông tư 02/2023/TT-BNV quy định chế độ báo cáo thống kê ngành Nội vụ"
HEADINGS = (
    "STT",
    "Mã",
    "Danh hiệu thi đua, hình thức khen thưởng",
    "Loại",
    "Cấp",
    "Tổng số",
    "Cá nhân",
    "Tập thể",
    "Trong đó nữ",
    "Tỷ lệ nữ (%)",
)


@dataclass
class Count:
    individuals: int = 0
    collectives: int = 0
    women: int = 0

    @property
    def total(self) -> int:
        return self.individuals + self.collectives

    @property
    def women_share(self) -> Fraction | None:
        return Fraction(self.women, self.individuals) if self.individuals else None

    def add(self, other: Count) -> None:
        self.individuals += other.individuals
        self.collectives += other.collectives
        self.women += other.women


@dataclass(frozen=True)
class Form:
    title: str
    keeps: Callable[[dict[str, Any]], bool]  # which awards (the pack's entries) it lists
    by_level: bool = True  # a block of totals per level under the list


def _named(prefix: str) -> Callable[[dict[str, Any]], bool]:
    return lambda award: str(award.get("name", "")).startswith(prefix)


FORMS: dict[str, Form] = {
    "khen-thuong-theo-hinh-thuc-va-cap": Form(
        "Số lượng khen thưởng theo danh hiệu, hình thức và cấp khen thưởng", lambda a: True
    ),
    "khen-thuong-cap-nha-nuoc": Form(
        "Số lượng khen thưởng cấp Nhà nước", lambda a: a.get("level") == "nha-nuoc", False
    ),
    "chien-si-thi-dua": Form("Số lượng danh hiệu Chiến sĩ thi đua", _named("Chiến sĩ thi đua")),
    "co-thi-dua": Form("Số lượng Cờ thi đua", _named("Cờ thi đua")),
}


def form_of(code: str) -> Form:
    form = FORMS.get(code)
    if form is None:
        raise NotFound(REPORT, code)
    return form


def counts(session: Session, year: int, unit_id: str | None = None) -> dict[str, Count]:
    """Award code -> the awards held for ``year`` (not revoked) in scope, women among them."""
    query = (
        select(Achievement.award_code, Achievement.recipient_kind, Person.gender)
        .outerjoin(Person, Person.staff_code == Achievement.recipient_id)
        .where(Achievement.year == year, Achievement.revoked.is_(False))
    )
    if unit_id is not None:
        query = query.where(Achievement.unit_id == unit_id)
    out: dict[str, Count] = defaultdict(Count)
    for code, kind, gender in session.execute(query):
        count = out[code]
        if kind == "collective":
            count.collectives += 1
        else:
            count.individuals += 1
            count.women += gender == "nu"
    return dict(out)


def _awards(session: Session, year: int, held: dict[str, Count]) -> list[dict[str, Any]]:
    """The pack's awards for the year, then any code the registry holds that it lacks."""
    try:
        awards = packs.award_types(session, year)
    except Conflict:
        awards = []
    known = {a["code"] for a in awards}
    extra = [
        {"code": c, "name": c, "kind": None, "level": None} for c in sorted(held) if c not in known
    ]
    return awards + extra


def rows(
    session: Session, code: str, year: int, unit_id: str | None = None
) -> tuple[list[tuple[dict[str, Any], Count]], list[tuple[str, Count]], Count]:
    """The form's lines (award, count), its totals per level, and the grand total."""
    form = form_of(code)
    held = counts(session, year, unit_id)
    lines = [
        (a, held.get(a["code"], Count())) for a in _awards(session, year, held) if form.keeps(a)
    ]
    levels: dict[str, Count] = {}
    total = Count()
    for award, count in lines:
        levels.setdefault(award.get("level") or "", Count()).add(count)
        total.add(count)
    return lines, list(levels.items()), total


# -- the workbook ----------------------------------------------------------------------------

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
PERCENT = "0.00%"


def _line(ws: Any, row: int, cells: list[Any], *, bold: bool = False) -> None:
    for column, value in enumerate(cells, start=1):
        cell = put(ws, row, column, value)
        cell.border = BOX
        if bold:
            cell.font = Font(name="Times New Roman", bold=True)
        else:
            cell.font = Font(name="Times New Roman")
    share = ws.cell(row, len(HEADINGS))
    if share.value is not None and not isinstance(share.value, str):
        share.number_format = PERCENT


def _counts(count: Count) -> list[Any]:
    share = count.women_share
    return [
        count.total,
        count.individuals,
        count.collectives,
        count.women,
        float(share) if share is not None else "—",
    ]


def workbook(session: Session, code: str, year: int, unit_id: str | None = None) -> bytes:
    """The form as .xlsx bytes: a heading block, the table, the totals per level."""
    form = form_of(code)
    lines, levels, total = rows(session, code, year, unit_id)
    scope = "Toàn quốc (toàn ngành)"
    if unit_id is not None:
        name = eligibility.known_unit(session, unit_id) or unit_id
        scope = f"Đơn vị: {name} ({unit_id})" if name != unit_id else f"Đơn vị: {unit_id}"
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    heading = Font(name="Times New Roman", bold=True, size=14)
    put_text(ws.cell(1, 1), form.title.upper()).font = heading
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADINGS))
    put_text(ws.cell(2, 1), f"Năm: {year}")
    put_text(ws.cell(3, 1), f"Phạm vi: {scope}")
    put_text(ws.cell(4, 1), f"Căn cứ: {BASIS}")
    put_text(
        ws.cell(5, 1),
        "Số liệu từ sổ theo dõi khen thưởng; không tính khen thưởng đã bị hủy bỏ.",
    )
    top = 7
    for column, text in enumerate(HEADINGS, start=1):
        cell = put_text(ws.cell(top, column), text)
        cell.font = Font(name="Times New Roman", bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = BOX
    row = top
    for n, (award, count) in enumerate(lines, start=1):
        row += 1
        _line(
            ws,
            row,
            [
                n,
                award["code"],
                award["name"],
                KIND_NAMES.get(award.get("kind") or "", award.get("kind") or "—"),
                LEVEL_NAMES.get(award.get("level") or "", award.get("level") or "—"),
                *_counts(count),
            ],
        )
    row += 1
    _line(ws, row, ["", "", "Tổng cộng", "", "", *_counts(total)], bold=True)
    if form.by_level:
        row += 2
        put_text(ws.cell(row, 1), "Theo cấp khen thưởng").font = Font(
            name="Times New Roman", bold=True
        )
        for level, count in levels:
            row += 1
            _line(
                ws,
                row,
                ["", "", f"Cấp {LEVEL_NAMES.get(level, level or '—')}", "", level, *_counts(count)],
            )
    widths = (6, 12, 48, 22, 14, 10, 10, 10, 12, 12)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = ws.cell(top + 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
