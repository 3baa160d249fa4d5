"""The decision as a PDF: the same words as the .docx (both take them from ``wording``), the
same layout of NĐ 30/2020/NĐ-CP, set in the embedded Times-compatible serif.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from . import wording
from .fonts import FontSet, find_fonts
from .model import Decision
from .pdfbase import FAMILY, new_pdf, require_printable

__all__ = ["decision_pdf"]

LEFT, TOP, RIGHT, BOTTOM = 30.0, 20.0, 15.0, 20.0  # mm, within the decree's ranges
WIDTH = 210.0 - LEFT - RIGHT
HEAD_LEFT, HEAD_RIGHT = 60.0, 105.0  # the header's columns, as in the .docx
BODY, HEAD, TABLE = 14, 13, 12
TABLE_COLUMNS = (11, 42, 42, 36, 34)  # mm; the bonus column holds "100.000.000 đồng"
LINE = 6.2  # mm per line at 14 pt, single spacing and a little


class _DecisionPDF(FPDF):
    def header(self) -> None:
        """Pages from the second carry their number, centred at the top."""
        if self.page_no() > 1:
            self.set_font(FAMILY, "", HEAD)
            self.set_xy(LEFT, 10)
            self.cell(WIDTH, 5, str(self.page_no()), align=Align.C)
            self.set_xy(LEFT, TOP)


def _texts(decision: Decision) -> list[str]:
    texts = [
        decision.number,
        decision.issuer,
        decision.governing_body,
        decision.place,
        decision.title,
        decision.authority,
        decision.award_statement,
        decision.bonus_source,
        decision.signer_name,
        decision.signer_title,
        decision.signing_for,
        *decision.legal_bases,
        decision.proposal,
        *decision.executors,
        *decision.copies_to,
    ]
    for r in decision.recipients:
        texts += [r.name, r.unit, r.award]
    return [t.upper() for t in texts] + texts


def _centred(pdf: FPDF, x: float, w: float, text: str, style: str, size: float, h: float) -> None:
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(x)
    pdf.multi_cell(w, h, text, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _rule(pdf: FPDF, x: float, w: float, length: float) -> None:
    y = pdf.get_y() + 0.6
    start = x + (w - length) / 2
    pdf.set_line_width(0.3)
    pdf.line(start, y, start + length, y)


def _header(pdf: FPDF, decision: Decision) -> None:
    right_x = LEFT + HEAD_LEFT
    pdf.set_xy(LEFT, TOP)
    if decision.governing_body:
        _centred(pdf, LEFT, HEAD_LEFT, decision.governing_body.upper(), "", HEAD, 5.6)
    issuer = decision.issuer.upper()
    _centred(pdf, LEFT, HEAD_LEFT, issuer, "B", HEAD, 5.6)
    pdf.set_font(FAMILY, "B", HEAD)
    _rule(pdf, LEFT, HEAD_LEFT, min(pdf.get_string_width(issuer), HEAD_LEFT) / 2)
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, TOP)
    _centred(pdf, right_x, HEAD_RIGHT, wording.NATION, "B", HEAD, 5.6)
    _centred(pdf, right_x, HEAD_RIGHT, wording.MOTTO, "B", BODY, 6.0)
    pdf.set_font(FAMILY, "B", BODY)
    _rule(pdf, right_x, HEAD_RIGHT, pdf.get_string_width(wording.MOTTO))
    row = max(left_bottom, pdf.get_y()) + 3.5

    pdf.set_xy(LEFT, row)
    _centred(pdf, LEFT, HEAD_LEFT, f"Số: {decision.number}", "", HEAD, 6.0)
    pdf.set_xy(right_x, row)
    _centred(
        pdf, right_x, HEAD_RIGHT, wording.date_line(decision.place, decision.date), "I", BODY, 6.0
    )
    pdf.set_xy(LEFT, pdf.get_y() + 8)


def _paragraph(pdf: FPDF, lead: str, text: str, *, style: str = "") -> None:
    with (
        pdf.text_columns(
            text_align=Align.J, l_margin=LEFT, r_margin=RIGHT, line_height=1.1
        ) as columns,
        columns.paragraph(first_line_indent=10, bottom_margin=1.5) as paragraph,
    ):
        if lead:
            pdf.set_font(FAMILY, "B", BODY)
            paragraph.write(lead + " ")
        pdf.set_font(FAMILY, style, BODY)
        paragraph.write(text)


def _recipients(pdf: FPDF, decision: Decision) -> None:
    pdf.set_font(FAMILY, "", TABLE)
    heading = FontFace(family=FAMILY, emphasis="BOLD", size_pt=TABLE)
    with pdf.table(
        col_widths=TABLE_COLUMNS,
        width=WIDTH,
        align=Align.L,
        line_height=5.2,
        headings_style=heading,
        text_align=(Align.C, Align.L, Align.L, Align.L, Align.R),
        padding=1,
        repeat_headings=1,
    ) as table:
        head = table.row()
        for title in wording.RECIPIENT_COLUMNS:
            head.cell(title, align=Align.C)
        for index, r in enumerate(decision.recipients, start=1):
            row = table.row()
            for value in (str(index), r.name, r.unit, r.award, wording.vnd(r.bonus_vnd)):
                row.cell(value)
        total = table.row()
        total.cell("Tổng cộng", colspan=4, align=Align.C, style=heading)
        total.cell(wording.vnd(decision.total_vnd), style=heading)
    pdf.ln(3)


def _signature(pdf: FPDF, decision: Decision) -> None:
    copies = wording.copies_lines(decision)
    needed = 8 + 5 * len(copies)
    needed = max(needed, 8 + 2 * LINE + 28 + LINE)
    if pdf.get_y() + needed > pdf.h - BOTTOM:
        pdf.add_page()
    top = pdf.get_y() + 2
    pdf.set_xy(LEFT, top)
    pdf.set_font(FAMILY, "BI", 12)
    pdf.cell(75, 6, "Nơi nhận:", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    for line in copies:
        pdf.set_x(LEFT)
        pdf.multi_cell(75, 5, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
    x, w = LEFT + 75, WIDTH - 75
    pdf.set_xy(x, top)
    if decision.signing_for:
        _centred(pdf, x, w, decision.signing_for.upper(), "B", BODY, LINE)
    _centred(pdf, x, w, decision.signer_title.upper(), "B", BODY, LINE)
    pdf.set_y(pdf.get_y() + 28)
    _centred(pdf, x, w, decision.signer_name, "B", BODY, LINE)


def decision_pdf(decision: Decision, *, fonts: FontSet | None = None) -> bytes:
    """The decision as PDF bytes: A4, the serif embedded, pages numbered from the second."""
    fonts = fonts or find_fonts()
    require_printable(fonts, _texts(decision))
    pdf = new_pdf(fonts, _DecisionPDF, format="A4")
    pdf.set_title(f"Quyết định số {decision.number}")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, BOTTOM)
    pdf.add_page()
    _header(pdf, decision)
    _centred(pdf, LEFT, WIDTH, "QUYẾT ĐỊNH", "B", BODY, LINE)
    _centred(pdf, LEFT, WIDTH, decision.title, "B", BODY, LINE)
    pdf.set_font(FAMILY, "B", BODY)
    _rule(pdf, LEFT, WIDTH, min(pdf.get_string_width(decision.title), WIDTH) / 3)
    pdf.ln(6)
    _centred(pdf, LEFT, WIDTH, decision.authority.upper(), "B", BODY, LINE)
    pdf.ln(3)
    for recital in wording.recitals(decision):
        _paragraph(pdf, "", recital, style="I")
    pdf.ln(1)
    _centred(pdf, LEFT, WIDTH, "QUYẾT ĐỊNH:", "B", BODY, LINE)
    pdf.ln(2)
    _paragraph(pdf, "Điều 1.", wording.article_1(decision))
    pdf.ln(1)
    _recipients(pdf, decision)
    _paragraph(pdf, "Điều 2.", wording.article_2(decision))
    _paragraph(pdf, "Điều 3.", wording.article_3(decision))
    _signature(pdf, decision)
    return bytes(pdf.output())
