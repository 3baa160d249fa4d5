"""The award documents: the decision (.docx and PDF) and each certificate (PDF).

Pure rendering: no database, no web framework. The caller fills a ``Decision`` or a
``Certificate`` (model.py) from what the service holds and gets bytes back:

- ``decision_docx(decision) -> bytes``  the decision in the format of NĐ 30/2020/NĐ-CP, Phụ lục I
  (Times New Roman, national motto block, numbering, signature block), for the issuer to edit;
- ``decision_pdf(decision) -> bytes``   the same words and layout as a PDF;
- ``certificate_pdf(certificate, public_base_url=..., print_offset_mm=(x, y), blank=False)``
  the certificate with its serial and a QR code of ``<public_base_url>/verify/<serial>``;
- ``verification_url(public_base_url, serial)`` that address, for the verification page's links.

The PDFs embed (a subset of) a Times-compatible serif with every Vietnamese letter, found
under ``AWARDS_FONT_DIR`` or the system's font folders (fonts.py); without one, ``FontMissing``
names what to install. A text with a character the font cannot draw is refused (``Invalid``),
never printed as an empty box.
"""

from .certificate_pdf import certificate_pdf
from .decision_docx import decision_docx
from .decision_pdf import decision_pdf
from .fonts import FontMissing, FontSet, find_fonts
from .model import Certificate, CertificateKind, Decision, Recipient
from .qr import verification_url
from .wording import date_line, vnd

__all__ = [
    "Certificate",
    "CertificateKind",
    "Decision",
    "FontMissing",
    "FontSet",
    "Recipient",
    "certificate_pdf",
    "date_line",
    "decision_docx",
    "decision_pdf",
    "find_fonts",
    "verification_url",
    "vnd",
]
