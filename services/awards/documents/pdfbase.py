"""What both PDFs share: the embedded serif, a glyph check before anything is drawn, and
a fixed creation date so one document always renders to the same bytes.

fpdf2 embeds only the glyphs used (a subset) with their ToUnicode map, so a reader's copy and a
text extractor get the Vietnamese back exactly. A character the font lacks would print as an
empty box: it is refused up front, naming the character, instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from fpdf import FPDF

from kit.errors import Invalid

from .fonts import STYLES, FontSet

__all__ = ["FAMILY", "new_pdf", "require_printable"]

FAMILY = "serif"


def require_printable(fonts: FontSet, texts: Iterable[str]) -> None:
    """Refuse (422) a text with a character no style of the font can draw."""
    missing = sorted({c for text in texts for s in STYLES for c in fonts.missing(text, s)})
    if missing:
        shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        raise Invalid(
            {
                "text": [
                    (
                        f"Phông {fonts.family} không có ký tự: {shown}.",
                        f"The font {fonts.family} has no glyph for: {shown}.",
                    )
                ]
            }
        )


def new_pdf(fonts: FontSet, cls: type[FPDF] = FPDF, **kwargs) -> FPDF:
    """A PDF in millimetres with the serif's four styles loaded (embedded, subset)."""
    pdf = cls(unit="mm", **kwargs)
    for style in STYLES:
        pdf.add_font(FAMILY, style, str(fonts.paths[style]))
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    pdf.set_creator("Thi đua")
    return pdf
