"""Criteria tables in Excel: export, import, and the blank template officers fill in.

The API and the tests need only what this module exports: :func:`export_table`,
:func:`import_table` with its :class:`ImportResult` and :class:`ExcelError`,
:class:`WorkbookTooLarge` and the import limits, the sheet names, and the template. Export
writes exactly what import reads: ``import(export(doc)) == doc`` for well-formed documents such
as the sample, and ``export(import(x))`` is stable.

One module per job:

``layout``
    What the reader and the writer share: the sheet names, the title block's labels, the
    column headings, and the words for methods, sections, rounding modes and unit kinds.
``grammar``
    The ``Tham số`` cell: how a scoring method's parameters are written and parsed back.
``cells``
    Cell values as text and numbers: folding for keyword matching, decimal comma, quoting.
``limits``
    The import's limits, and the zip check made before a file is opened.
``reader``
    Import: the two sheets read back into a document, or the errors found, row by row.
``writer``
    Export: the three sheets written with their styles, drop-down lists and print setup.
``help``
    The instructions sheet's text, in Vietnamese and English.
``template``
    The blank template (``data/criteria-template.xlsx``) and its example document.

Run ``python -m services.criteria.domain.excel`` to regenerate ``data/criteria-template.xlsx``.
"""

from services.criteria.domain.excel.layout import HELP_SHEET, RANK_SHEET, TABLE_SHEET
from services.criteria.domain.excel.limits import (
    MAX_COMPRESSION_RATIO,
    MAX_MESSAGE_CHARS,
    MAX_QUOTED_CHARS,
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    RATIO_CHECKED_FROM_BYTES,
    WorkbookTooLarge,
)
from services.criteria.domain.excel.reader import ExcelError, ImportResult, import_table
from services.criteria.domain.excel.template import TEMPLATE_DOCUMENT, TEMPLATE_PATH, write_template
from services.criteria.domain.excel.writer import export_table

__all__ = [
    "HELP_SHEET",
    "MAX_COMPRESSION_RATIO",
    "MAX_MESSAGE_CHARS",
    "MAX_QUOTED_CHARS",
    "MAX_REPORTED_ERRORS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_MEMBERS",
    "RANK_SHEET",
    "RATIO_CHECKED_FROM_BYTES",
    "TABLE_SHEET",
    "TEMPLATE_DOCUMENT",
    "TEMPLATE_PATH",
    "ExcelError",
    "ImportResult",
    "WorkbookTooLarge",
    "export_table",
    "import_table",
    "write_template",
]
