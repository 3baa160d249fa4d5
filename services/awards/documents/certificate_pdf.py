"""A certificate (Bằng khen, Giấy khen, Kỷ niệm chương) as a one-page landscape A4 PDF.

The recipient's full name is set large in the embedded serif, shrunk only as far as needed to
fit one line; under it the unit and the achievement, then "Theo Quyết định số ... ngày ...",
the serial, and a QR code of the public verification page. Issuers who print on pre-printed
blanks set an offset per issuer (``print_offset_mm``: every element moves by it, right and
down positive) and ``blank=True``, which leaves out the frame and background the blank already has.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from . import wording
from .fonts import FontSet, find_fonts
from .model import Certificate, CertificateKind
from .pdfbase import FAMILY, new_pdf, require_printable
from .qr import qr_png, verification_url

__all__ = ["certificate_pdf"]

PAGE_W, PAGE_H = 297.0, 210.0
COLOURS = {  # frame and heading, RGB
    CertificateKind.BANG_KHEN: (164, 22, 26),
    CertificateKind.GIAY_KHEN: (20, 66, 140),
    CertificateKind.KY_NIEM_CHUONG: (133, 100, 4),
}
BACKGROUND = (255, 250, 236)
NAME_PT, NAME_MIN_PT = 30, 16


class _Sheet:
    """Draws on the page with every coordinate moved by the issuer's printing offset."""

    def __init__(self, pdf: FPDF, offset: tuple[float, float]) -> None:
        self.pdf, (self.dx, self.dy) = pdf, offset

    def centred(
        self, y: float, text: str, style: str, size: float, *, x: float = 20, w: float = 257
    ) -> float:
        """``text`` centred in [x, x+w] from ``y``, wrapped if need be; returns the y below it."""
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.set_xy(x + self.dx, y + self.dy)
        self.pdf.multi_cell(w, size * 0.45, text, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return self.pdf.get_y() - self.dy

    def left(self, x: float, y: float, text: str, style: str, size: float, w: float) -> float:
        self.pdf.set_font(FAMILY, style, size)
        self.pdf.set_xy(x + self.dx, y + self.dy)
        self.pdf.multi_cell(w, size * 0.42, text, align=Align.L, new_x=XPos.LEFT, new_y=YPos.NEXT)
        return self.pdf.get_y() - self.dy

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.pdf.line(x1 + self.dx, y1 + self.dy, x2 + self.dx, y2 + self.dy)

    def rect(self, x: float, y: float, w: float, h: float, style: str = "D") -> None:
        self.pdf.rect(x + self.dx, y + self.dy, w, h, style=style)

    def image(self, data: bytes, x: float, y: float, size: float) -> None:
        self.pdf.image(data, x=x + self.dx, y=y + self.dy, w=size, h=size)


def _fit(pdf: FPDF, text: str, style: str, width: float) -> float:
    """The largest size up to NAME_PT at which ``text`` fits on one line ``width`` wide."""
    size = NAME_PT
    pdf.set_font(FAMILY, style, size)
    while size > NAME_MIN_PT and pdf.get_string_width(text) > width:
        size -= 1
        pdf.set_font(FAMILY, style, size)
    return size


def _decoration(pdf: FPDF, sheet: _Sheet, colour: tuple[int, int, int]) -> None:
    pdf.set_fill_color(*BACKGROUND)
    pdf.rect(0, 0, PAGE_W, PAGE_H, style="F")  # the background bleeds: not offset
    pdf.set_draw_color(*colour)
    pdf.set_line_width(1.6)
    sheet.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_line_width(0.4)
    sheet.rect(12.5, 12.5, PAGE_W - 25, PAGE_H - 25)
    for x, y in (
        (12.5, 12.5),
        (PAGE_W - 20.5, 12.5),
        (12.5, PAGE_H - 20.5),
        (PAGE_W - 20.5, PAGE_H - 20.5),
    ):
        sheet.rect(x, y, 8, 8, style="DF")
    pdf.set_draw_color(0, 0, 0)


def certificate_pdf(
    certificate: Certificate,
    *,
    public_base_url: str,
    print_offset_mm: tuple[float, float] = (0.0, 0.0),
    blank: bool = False,
    fonts: FontSet | None = None,
) -> bytes:
    """The certificate as PDF bytes; the QR code encodes ``<public_base_url>/verify/<serial>``."""
    fonts = fonts or find_fonts()
    c = certificate
    url = verification_url(public_base_url, c.serial)
    texts = [
        c.recipient_name,
        c.recipient_unit,
        c.award_name,
        c.issuer_authority.upper(),
        c.citation,
        *c.extra,
    ]
    texts += [
        c.decision_number,
        c.place,
        c.signer_name,
        c.signer_title.upper(),
        c.signing_for.upper(),
        url,
    ]
    require_printable(fonts, texts)

    pdf = new_pdf(fonts, format="A4", orientation="L")
    pdf.set_title(f"{c.kind.heading.title()} {c.serial}")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    sheet = _Sheet(pdf, print_offset_mm)
    colour = COLOURS[c.kind]
    if not blank:
        _decoration(pdf, sheet, colour)

    y = sheet.centred(22, wording.NATION, "B", 13)
    y = sheet.centred(y + 0.5, wording.MOTTO, "B", 14)
    pdf.set_font(FAMILY, "B", 14)
    half = pdf.get_string_width(wording.MOTTO) / 2
    pdf.set_line_width(0.3)
    sheet.line(PAGE_W / 2 - half, y + 0.8, PAGE_W / 2 + half, y + 0.8)
    y = sheet.centred(y + 7, c.issuer_authority.upper(), "B", 16)
    y = sheet.centred(y + 1, "TẶNG", "B", 15)
    pdf.set_text_color(*colour)
    y = sheet.centred(y + 3, c.kind.heading, "B", 40)
    pdf.set_text_color(0, 0, 0)
    y = sheet.centred(y + 1, c.award_name, "I", 16)
    size = _fit(pdf, c.recipient_name, "B", 240)
    y = sheet.centred(y + 6, c.recipient_name, "B", size)
    y = sheet.centred(y + 2, c.recipient_unit, "", 17, x=30, w=237)
    for line in (c.citation, *c.extra):
        if line:
            y = sheet.centred(y + 2, line, "I", 16, x=30, w=237)

    qr_size, qr_x, qr_y = 30.0, 24.0, 160.0
    sheet.image(qr_png(url), qr_x, qr_y, qr_size)
    decision = f"Theo Quyết định số {c.decision_number} ngày {wording.short_date(c.decision_date)}"
    below = sheet.left(qr_x + qr_size + 3, qr_y + 3, decision, "", 12, 100)
    below = sheet.left(qr_x + qr_size + 3, below + 1, f"Số: {c.serial}", "B", 12, 100)
    sheet.left(qr_x + qr_size + 3, below + 1, f"Xác minh: {url}", "", 9, 100)

    x, w = 165.0, 110.0
    y = sheet.centred(146, wording.date_line(c.place, c.decision_date), "I", 14, x=x, w=w)
    if c.signing_for:
        y = sheet.centred(y + 1, c.signing_for.upper(), "B", 14, x=x, w=w)
    sheet.centred(y, c.signer_title.upper(), "B", 14, x=x, w=w)
    sheet.centred(184, c.signer_name, "B", 15, x=x, w=w)
    return bytes(pdf.output())
