"""The decision as a Word file in the format of NĐ 30/2020/NĐ-CP, Phụ lục I.

A4, margins top and bottom 2 cm, left 3 cm, right 1.5 cm; Times New Roman (the reader's Word
has it; the PDF uses its metric twin), body 14 pt. The header is a borderless two-column table:
governing body and issuer (capitals, the issuer bold, a short rule under it) over "Số: ...",
and the national motto (with a rule its own length) over the place and date in italics. The
rules are paragraph borders between indents sized from the font's metrics, so they stay
editable. The recipients are a table in Điều 1; pages from the second are numbered at the top.
python-docx escapes the XML; the model has already dropped control characters.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from . import wording
from .fonts import FontSet, find_fonts
from .model import Decision

__all__ = ["FONT_NAME", "decision_docx"]

FONT_NAME = "Times New Roman"
BODY_PT = 14
HEAD_PT = 13
TABLE_PT = 12
LEFT_CM, RIGHT_CM = 6.0, 10.5  # the header's columns; the text block is 16.5 cm wide
CELL_PAD_CM = 0.19  # Word's default cell margin on each side


def _font(run, *, size: float = BODY_PT, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT_NAME
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT_NAME)


def _spacing(paragraph: Paragraph, before: float = 0, after: float = 0, line: float = 1.0) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(before), Pt(after), line


def _line(
    container,
    text: str,
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align=WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    _spacing(paragraph, before, after)
    _font(paragraph.add_run(text), size=size, bold=bold, italic=italic)
    return paragraph


def _rule(paragraph: Paragraph, width_cm: float, column_cm: float) -> None:
    """A bottom border ``width_cm`` long, centred in a column ``column_cm`` wide."""
    inner = column_cm - 2 * CELL_PAD_CM
    side = max((inner - width_cm) / 2, 0)
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.right_indent = Cm(side), Cm(side)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _cm(fonts: FontSet, text: str, style: str, size: float) -> float:
    return fonts.width_pt(text, style, size) / 72 * 2.54


def _no_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _widths(table, widths_cm: tuple[float, ...]) -> None:
    """Column widths in the grid too: Word reads the cells', other editors the grid's."""
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)


def _cell(cell: _Cell, width_cm: float) -> _Cell:
    cell.width = Cm(width_cm)
    cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return cell


def _header(document, decision: Decision, fonts: FontSet) -> None:
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    _widths(table, (LEFT_CM, RIGHT_CM))
    left, right = _cell(table.cell(0, 0), LEFT_CM), _cell(table.cell(0, 1), RIGHT_CM)
    if decision.governing_body:
        _line(left, decision.governing_body.upper(), size=HEAD_PT)
    issuer = decision.issuer.upper()
    rule_under = _line(left, issuer, size=HEAD_PT, bold=True)
    _rule(rule_under, min(_cm(fonts, issuer, "B", HEAD_PT), LEFT_CM) / 2, LEFT_CM)

    _line(right, wording.NATION, size=HEAD_PT, bold=True)
    motto = _line(right, wording.MOTTO, size=BODY_PT, bold=True)
    _rule(motto, _cm(fonts, wording.MOTTO, "B", BODY_PT), RIGHT_CM)

    number, when = _cell(table.cell(1, 0), LEFT_CM), _cell(table.cell(1, 1), RIGHT_CM)
    _line(number, f"Số: {decision.number}", size=HEAD_PT, before=6)
    _line(when, wording.date_line(decision.place, decision.date), italic=True, before=6)


def _body_paragraph(document, lead: str, text: str, *, italic: bool = False) -> Paragraph:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1.0)
    _spacing(paragraph, after=6, line=1.1)
    if lead:
        _font(paragraph.add_run(lead + " "), bold=True)
    _font(paragraph.add_run(text), italic=italic)
    return paragraph


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _recipients(document, decision: Decision) -> None:
    widths = (1.1, 4.2, 4.2, 3.6, 3.4)  # cm, as the PDF's
    table = document.add_table(rows=1, cols=len(widths))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _widths(table, widths)
    _repeat_header(table.rows[0])
    for cell, title, width in zip(
        table.rows[0].cells, wording.RECIPIENT_COLUMNS, widths, strict=True
    ):
        cell.width = Cm(width)
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(title), size=TABLE_PT, bold=True)
    for index, recipient in enumerate(decision.recipients, start=1):
        values = (
            str(index),
            recipient.name,
            recipient.unit,
            recipient.award,
            wording.vnd(recipient.bonus_vnd),
        )
        aligns = ("CENTER", "LEFT", "LEFT", "LEFT", "RIGHT")
        for cell, value, width, align in zip(
            table.add_row().cells, values, widths, aligns, strict=True
        ):
            cell.width = Cm(width)
            paragraph = cell.paragraphs[0]
            paragraph.alignment = getattr(WD_ALIGN_PARAGRAPH, align)
            _font(paragraph.add_run(value), size=TABLE_PT)
    total = table.add_row().cells
    merged = total[0].merge(total[3])
    merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(merged.paragraphs[0].add_run("Tổng cộng"), size=TABLE_PT, bold=True)
    total[4].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(total[4].paragraphs[0].add_run(wording.vnd(decision.total_vnd)), size=TABLE_PT, bold=True)


def _signature(document, decision: Decision) -> None:
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _no_borders(table)
    _widths(table, (7.5, 9.0))
    copies, sign = _cell(table.cell(0, 0), 7.5), _cell(table.cell(0, 1), 9.0)
    _line(
        copies,
        "Nơi nhận:",
        size=12,
        bold=True,
        italic=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        before=6,
    )
    for line in wording.copies_lines(decision):
        _line(copies, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    if decision.signing_for:
        _line(sign, decision.signing_for.upper(), bold=True, before=6)
        _line(sign, decision.signer_title.upper(), bold=True)
    else:
        _line(sign, decision.signer_title.upper(), bold=True, before=6)
    _line(sign, decision.signer_name, bold=True, before=72)


def _page_numbers(section) -> None:
    """Numbers from page 2, centred at the top, as the decree has them (none on the first)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def decision_docx(decision: Decision, *, fonts: FontSet | None = None) -> bytes:
    """The decision as a .docx file's bytes (the fonts size the rules under the headings)."""
    fonts = fonts or find_fonts()
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT_NAME, Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT_NAME)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.header_distance = Cm(1.0)
    _page_numbers(section)

    _header(document, decision, fonts)
    _line(document, "QUYẾT ĐỊNH", bold=True, before=18)
    title = _line(document, decision.title, bold=True, after=2)
    _rule(title, min(_cm(fonts, decision.title, "B", BODY_PT), 16.5) / 3, 16.5 + 2 * CELL_PAD_CM)
    _line(document, decision.authority.upper(), bold=True, before=12, after=6)
    for recital in wording.recitals(decision):
        _body_paragraph(document, "", recital, italic=True)
    _line(document, "QUYẾT ĐỊNH:", bold=True, before=6, after=6)
    _body_paragraph(document, "Điều 1.", wording.article_1(decision))
    _recipients(document, decision)
    _body_paragraph(
        document, "Điều 2.", wording.article_2(decision)
    ).paragraph_format.space_before = Pt(6)
    _body_paragraph(document, "Điều 3.", wording.article_3(decision))
    _signature(document, decision)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
