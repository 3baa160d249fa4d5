"""Criteria tables in Excel: export, import, and the blank template officers fill in.

The workbook looks like the Ministry's annex (Vietnamese headings) and has three sheets:

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
    The instructions (Vietnamese and English); never read on import.

The ``Tham số`` syntax (clauses separated by ``;`` or line breaks; keywords are matched
ignoring case and Vietnamese diacritics; numbers take a decimal point or comma):

* ``bands_at_least`` — ``≥100%: 2; ≥95%: 1.75; ≥80%: 1.5`` (``>=`` for ``≥``, the sign may be
  left out). The text after the threshold is the unit (``%``, ``ngày``, ``văn bản`` …, the
  same on every band, optional). Optional range clause ``từ X``, ``đến Y`` or ``từ X đến Y``:
  the input's min and max, by default 0 and, for ``%``, 100 (no max for other units).
* ``bands_at_most`` — ``≤0 ngày: 4; ≤2 ngày: 3`` (``<=`` for ``≤``); same rules.
* ``proportional`` — ``vượt tối đa 1.2`` (over_achievement_cap; ``120%`` also reads 1.2).
* ``boolean`` — empty.
* ``manual`` — ``bước 0.5; ghi chú khi dưới điểm tối đa`` (the second clause sets
  note_required_below_max; without it, false).

Export writes exactly what import reads. Normalisation (so ``export(import(x))`` is stable and
``import(export(doc)) == doc`` for well-formed documents such as the sample): numbers come back
as ``int`` when whole and ``float`` otherwise (``1.0`` → ``1``, which compares equal); text is
NFC-normalised and stripped; a bands input always gets its ``min`` (default 0); the input name
is the method's (``value`` / ``days_late``); ``manual`` always has ``note_required_below_max``;
empty optional cells mean an absent key. Every cell is written with ``kit.spreadsheets.put``:
text is a string cell whatever it begins with (``=``, ``+``, ``-``, ``@``), so a title typed as
``=HYPERLINK(…)`` is shown, never run, and imports back as the same text; characters XML cannot
hold (stored before input was checked) are written as U+FFFD instead of failing the export.

Import reports the errors found (:class:`ExcelError`: sheet, row, column as ``"E (Tham số)"``,
a stable code, Vietnamese and English; the first :data:`MAX_REPORTED_ERRORS` of them, and how
many there were) and then returns no document. Structural checks only: sums, band ordering and
the like are ``scoringrules.table.validate``'s.

Import has limits, because an upload is anyone's bytes and a small .xlsx can unpack to
gigabytes (a zip bomb) or hold 200,000 rows. Before openpyxl opens the file, the zip's declared
sizes are checked (:data:`MAX_UNPACKED_BYTES` in all, at most :data:`MAX_COMPRESSION_RATIO` to 1
for a member over :data:`RATIO_CHECKED_FROM_BYTES`, :data:`MAX_ZIP_MEMBERS` members; Python's
zipfile never inflates past a member's declared size): :class:`WorkbookTooLarge` otherwise.
Only columns A–I (A–B on the rank sheet) are read, and at most :data:`MAX_ROWS` rows of each
sheet: a sheet with a row below that (even an empty, formatted one) is refused with one
``too_many_rows`` error. Cell text quoted in a message is cut to :data:`MAX_QUOTED_CHARS`, a
message to :data:`MAX_MESSAGE_CHARS`.

Run ``python -m services.criteria.domain.excel`` to regenerate ``data/criteria-template.xlsx``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from kit import spreadsheets

TABLE_SHEET = "Bảng tiêu chí"
RANK_SHEET = "Xếp hạng"
HELP_SHEET = "Hướng dẫn"

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "data" / "criteria-template.xlsx"

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

PARAM_SYNTAX: Mapping[str, tuple[str, str]] = {  # method → (syntax, example)
    "bands_at_least": (
        "≥ngưỡng[đơn vị]: điểm; … [; từ X đến Y]",
        "≥100%: 2; ≥95%: 1.75; ≥80%: 1.5",
    ),
    "bands_at_most": ("≤ngưỡng[đơn vị]: điểm; … [; từ X đến Y]", "≤0 ngày: 4; ≤2 ngày: 3"),
    "proportional": ("vượt tối đa K", "vượt tối đa 1.2"),
    "boolean": ("(để trống)", ""),
    "manual": ("bước S[; ghi chú khi dưới điểm tối đa]", "bước 0.5; ghi chú khi dưới điểm tối đa"),
    "per_count": ("[tối đa N lần]", "tối đa 1 lần"),
}
BAND_INPUT_NAMES = {"bands_at_least": "value", "bands_at_most": "days_late"}
NOTE_CLAUSE = "ghi chú khi dưới điểm tối đa"

# Import limits (see the module docstring). The sample table's workbook unpacks to 70 KB, has
# ~110 rows and compresses 6 to 1; these leave room for the largest real tables.
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 2000
MAX_REPORTED_ERRORS = 100
MAX_QUOTED_CHARS = 80
MAX_MESSAGE_CHARS = 600


@dataclass(frozen=True)
class ExcelError:
    """One problem in an uploaded workbook. ``row`` is Excel's (1-based); ``column`` is the
    letter and its heading (``"E (Tham số)"``); both are None for file- or sheet-level errors."""

    sheet: str
    row: int | None
    column: str | None
    code: str
    vi: str
    en: str

    @property
    def ref(self) -> str:
        """Where, the way Excel writes it: ``'Bảng tiêu chí'!E12``."""
        letter = self.column.split(" ", 1)[0] if self.column else ""
        cell = f"{letter}{self.row or ''}"
        return f"'{self.sheet}'!{cell}" if cell else f"'{self.sheet}'" if self.sheet else ""


@dataclass
class ImportResult:
    """``document`` in the JSON format when the file has no error; otherwise None, the first
    :data:`MAX_REPORTED_ERRORS` errors in ``errors`` (file order: sheet, then row) and their
    total in ``error_count``."""

    document: dict[str, Any] | None
    errors: list[ExcelError] = field(default_factory=list)
    error_count: int = 0

    def __post_init__(self) -> None:
        self.error_count = max(self.error_count, len(self.errors))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors_truncated(self) -> bool:
        """True when ``errors`` lists only the first of ``error_count`` errors."""
        return self.error_count > len(self.errors)


class WorkbookTooLarge(Exception):
    """The upload unpacks past a limit (a zip bomb, or far more than a criteria table): refused
    before it is parsed. ``limit`` names the constant, ``maximum`` is its value."""

    def __init__(self, limit: str, maximum: int, vi: str, en: str) -> None:
        super().__init__(en)
        self.limit = limit
        self.maximum = maximum
        self.vi = vi
        self.en = en


class _TooManyRows(Exception):
    """A sheet goes on past :data:`MAX_ROWS`; args are (sheet name,)."""


# What reading a broken sheet raises: a CRC or inflate error (also when a member inflates past
# its declared size), malformed XML (ElementTree's and lxml's errors are SyntaxErrors), a bad
# cell reference or number.
CORRUPT_SHEET = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, ValueError)


# ---------------------------------------------------------------------------------- text, numbers


def _fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces: for matching keywords and labels."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _key(text: str) -> str:
    """:func:`_fold` keeping letters and digits only: "Đạt / Không đạt" → "datkhongdat"."""
    return re.sub(r"[^0-9a-z]", "", _fold(text))


def _keys(mapping: Mapping[str, str]) -> dict[str, str]:
    """Accepted spellings (machine name or label) → machine name."""
    out: dict[str, str] = {}
    for name, label in mapping.items():
        out[_key(name)] = name
        out[_key(label)] = name
    return out


METHOD_KEYS = _keys(METHODS)
SECTION_KEYS = _keys(SECTIONS)
ROUNDING_KEYS = _keys(ROUNDING_MODES)
UNIT_KIND_KEYS = {_key(label): slug for slug, label in UNIT_KINDS.items()}
PER_COUNT_KEYS = {_key(PER_COUNT[0]), _key(PER_COUNT[1])}
YES_KEYS = {"co", "yes", "true", "x", "1"}
NO_KEYS = {"khong", "no", "false", "0"}
FULL_KEYS = {_key(NOT_APPLICABLE_FULL), "full"}

_NUM = r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)"
_NUM_RE = re.compile(rf"^{_NUM}$")


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _normal(value: Decimal) -> int | float:
    """A JSON number: int when whole, else the float with that decimal's shortest repr."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _fmt(value: Any) -> str:
    """A number as plain decimal text, no exponent, no trailing zeros (1.0 → "1", 1.75)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    exact = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if not exact.is_finite():
        return str(value)
    text = format(exact.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class _Bad(ValueError):
    """A cell or clause that does not read; args are (vi, en)."""


def _number(value: Any) -> int | float:
    """A cell as a number: int, float (binary noise from Excel removed: 12 significant digits)
    or numeric text ("1,75" too). Raises :class:`_Bad`."""
    if isinstance(value, bool):
        raise _Bad("là giá trị đúng/sai, không phải số", "is TRUE/FALSE, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad("không phải số hữu hạn", "is not a finite number")
        return _normal(Decimal(format(value, ".12g")))
    if isinstance(value, Decimal):
        return _normal(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if _NUM_RE.match(text):
            try:
                return _normal(_decimal(text))
            except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
                pass
    raise _Bad(f"«{_shown(value)}» không phải là số", f"“{_shown(value)}” is not a number")


def _integer(value: Any) -> int:
    number = _number(value)
    if not isinstance(number, int):
        raise _Bad(f"{_fmt(number)} không phải số nguyên", f"{_fmt(number)} is not a whole number")
    return number


def _text(value: Any) -> str:
    """A cell as text: NFC, stripped, Windows line ends made plain; numbers as decimal text."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float | Decimal):
        text = _fmt(value)
    else:
        text = str(value)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _shown(value: Any) -> str:
    """A cell's text to quote in a message: :func:`_text`, cut to :data:`MAX_QUOTED_CHARS`."""
    text = _text(value)
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 1] + "…"


def _clip(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[: MAX_MESSAGE_CHARS - 1] + "…"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clauses(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]


# ------------------------------------------------------------------------------ parameter syntax


def params_text(method: Mapping[str, Any]) -> str:
    """The ``Tham số`` cell for a method (what :func:`parse_params` reads back)."""
    kind = method.get("type")
    if kind in BAND_INPUT_NAMES:
        source = method.get("input") or {}
        unit = source.get("unit") or ""
        sign = "≥" if kind == "bands_at_least" else "≤"
        suffix = "" if not unit else unit if unit in ("%", "‰") else f" {unit}"
        clauses = [
            f"{sign}{_fmt(band.get('threshold'))}{suffix}: {_fmt(band.get('points'))}"
            for band in method.get("bands") or []
        ]
        low, high = source.get("min"), source.get("max")
        default_high = 100 if unit == "%" else None
        range_parts = []
        if low is not None and low != 0:
            range_parts.append(f"từ {_fmt(low)}")
        if high is not None and high != default_high:
            range_parts.append(f"đến {_fmt(high)}")
        if range_parts:
            clauses.append(" ".join(range_parts))
        return "; ".join(clauses)
    if kind == "proportional":
        cap = method.get("over_achievement_cap")
        return "" if cap is None else f"vượt tối đa {_fmt(cap)}"
    if kind == "manual":
        clauses = []
        if method.get("step") is not None:
            clauses.append(f"bước {_fmt(method['step'])}")
        if method.get("note_required_below_max"):
            clauses.append(NOTE_CLAUSE)
        return "; ".join(clauses)
    return ""


def _part_problem(index: int, clause: str, vi: str, en: str) -> tuple[str, str]:
    shown = _shown(clause)
    return (f"phần {index} «{shown}»: {vi}", f"part {index} “{shown}”: {en}")


_BAND_LEFT = re.compile(rf"^(?P<sign>≥|>=|=>|≤|<=|=<|>|<|=)?\s*(?P<num>{_NUM})\s*(?P<unit>[^\d]*)$")
_POINTS_RE = re.compile(rf"^(?P<num>{_NUM})\s*(?:điểm|diem|đ)?\.?$", re.IGNORECASE)
_RANGE_RE = re.compile(
    rf"^(?:tu\s*(?P<low>{_NUM})\s*(?P<lu>[^\d]*?))?\s*"
    rf"(?:den\s*(?P<high>{_NUM})\s*(?P<hu>[^\d]*))?$"
)


def parse_params(kind: str, text: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The method's parameters from a ``Tham số`` cell: (fields to merge into the method,
    problems as (vi, en), each naming the clause). ``kind`` is a method name or per_count."""
    clauses = _clauses(text)
    if kind in BAND_INPUT_NAMES:
        return _parse_bands(kind, clauses)
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    if kind == "boolean":
        if clauses:
            problems.append(
                (
                    "Đạt / Không đạt không có tham số; hãy để trống",
                    "pass/fail takes no parameters; leave the cell empty",
                )
            )
        return out, problems
    for index, clause in enumerate(clauses, start=1):
        folded = _fold(clause)
        if kind == "proportional":
            match = re.match(rf"^(?:vuot toi da|cap)\s*:?\s*(?P<num>{_NUM})\s*(?P<pct>%)?$", folded)
            if not match:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «vượt tối đa 1.2»",
                        "expected “vượt tối đa 1.2” (over-achievement cap)",
                    )
                )
            elif "over_achievement_cap" in out:
                problems.append(
                    _part_problem(
                        index, clause, "hệ số vượt đã ghi ở phần trước", "the cap is given twice"
                    )
                )
            else:
                cap = _decimal(match["num"])
                out["over_achievement_cap"] = _normal(cap / 100 if match["pct"] else cap)
        elif kind == "manual":
            match = re.match(rf"^(?:buoc|step)\s*:?\s*(?P<num>{_NUM})$", folded)
            if match and "step" not in out:
                out["step"] = _normal(_decimal(match["num"]))
            elif folded in (_fold(NOTE_CLAUSE), "ghi chu khi duoi toi da", "note below max"):
                out["note_required_below_max"] = True
            else:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "bước đã ghi ở phần trước"
                        if match
                        else f"cần «bước 0.5» hoặc «{NOTE_CLAUSE}»",
                        "the step is given twice"
                        if match
                        else f"expected “bước 0.5” (step) or “{NOTE_CLAUSE}” (note below max)",
                    )
                )
        elif kind == "per_count":
            match = re.match(rf"^(?:toi da|max)\s*:?\s*(?P<num>{_NUM})\s*(?:lan)?$", folded)
            number = _decimal(match["num"]) if match else None
            if number is None or number != number.to_integral_value() or number < 1:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «tối đa 2 lần» (số nguyên ≥ 1)",
                        "expected “tối đa 2 lần” (a whole number ≥ 1)",
                    )
                )
            elif "max_count" in out:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "số lần tối đa đã ghi ở phần trước",
                        "max count is given twice",
                    )
                )
            else:
                out["max_count"] = int(number)
    if kind == "proportional" and "over_achievement_cap" not in out and not problems:
        problems.append(
            (
                "thiếu hệ số vượt, ví dụ «vượt tối đa 1» (không được vượt) hoặc «vượt tối đa 1.2»",
                "the over-achievement cap is missing, e.g. “vượt tối đa 1” (none) or "
                "“vượt tối đa 1.2”",
            )
        )
    if kind == "manual":
        if "step" not in out and not problems:
            problems.append(
                ("thiếu bước chấm, ví dụ «bước 0.5»", "the step is missing, e.g. “bước 0.5”")
            )
        out["note_required_below_max"] = out.get("note_required_below_max", False)
    return out, problems


def _parse_bands(kind: str, clauses: list[str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    at_least = kind == "bands_at_least"
    want, wrong = ("≥", ("≤", "<=", "=<", "<")) if at_least else ("≤", ("≥", ">=", "=>", ">"))
    bands: list[dict[str, Any]] = []
    unit: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    seen_range = False
    range_units: list[tuple[int, str, str]] = []
    for index, clause in enumerate(clauses, start=1):
        folded = _fold(clause)
        if re.match(r"^(tu|den)\b", folded):
            match = _RANGE_RE.match(folded)
            if not match or (match["low"] is None and match["high"] is None):
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "cần dạng «từ 0 đến 100»",
                        "expected “từ 0 đến 100” (input range)",
                    )
                )
            elif seen_range:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        "khoảng giá trị đã ghi ở phần trước",
                        "the range is given twice",
                    )
                )
            else:
                seen_range = True
                low = _decimal(match["low"]) if match["low"] else None
                high = _decimal(match["high"]) if match["high"] else None
                range_units += [(index, clause, (match[g] or "").strip()) for g in ("lu", "hu")]
            continue
        if ":" not in clause:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"thiếu dấu «:» giữa ngưỡng và điểm (ví dụ «{want}95%: 1.75»)",
                    f"no “:” between threshold and points (e.g. “{want}95%: 1.75”)",
                )
            )
            continue
        left, right = (part.strip() for part in clause.split(":", 1))
        left_match = _BAND_LEFT.match(left)
        points_match = _POINTS_RE.match(right)
        if not left_match:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"ngưỡng «{left}» không phải là số",
                    f"threshold “{left}” is not a number",
                )
            )
        elif left_match["sign"] in wrong or left_match["sign"] in (">", "<", "="):
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"dấu «{left_match['sign']}» không dùng cho {METHODS[kind]}; "
                    f"dùng «{want}» hoặc bỏ dấu",
                    f"sign “{left_match['sign']}” does not fit {kind}; use “{want}” or none",
                )
            )
        if not points_match:
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"điểm «{right}» không phải là số",
                    f"points “{right}” is not a number",
                )
            )
        if not left_match or not points_match:
            continue
        band_unit = left_match["unit"].strip()
        if band_unit:
            if unit is None:
                unit = band_unit
            elif band_unit != unit:
                problems.append(
                    _part_problem(
                        index,
                        clause,
                        f"đơn vị «{band_unit}» khác đơn vị «{unit}» của mức trước",
                        f"unit “{band_unit}” differs from “{unit}” of the band before",
                    )
                )
        bands.append(
            {
                "threshold": _normal(_decimal(left_match["num"])),
                "points": _normal(_decimal(points_match["num"])),
            }
        )
    for index, clause, range_unit in range_units:
        if range_unit and range_unit != _fold(unit or ""):
            problems.append(
                _part_problem(
                    index,
                    clause,
                    f"đơn vị «{range_unit}» khác đơn vị của các mức «{unit or ''}»",
                    f"unit “{range_unit}” differs from the bands' unit “{unit or ''}”",
                )
            )
    if not bands and not problems:
        example = PARAM_SYNTAX[kind][1]
        problems.append(
            (
                f"cần ít nhất một mức, ví dụ «{example}»",
                f"at least one band is needed, e.g. “{example}”",
            )
        )
    source: dict[str, Any] = {"name": BAND_INPUT_NAMES[kind]}
    if unit:
        source["unit"] = unit
    source["min"] = _normal(low) if low is not None else 0
    if high is not None:
        source["max"] = _normal(high)
    elif unit == "%":
        source["max"] = 100
    return {"input": source, "bands": bands}, problems


# --------------------------------------------------------------------------------------- reading


class _Errors:
    def __init__(self) -> None:
        self.items: list[ExcelError] = []

    def add(
        self, sheet: str, row: int | None, column: str | None, code: str, vi: str, en: str
    ) -> None:
        self.items.append(ExcelError(sheet, row, column, code, _clip(vi), _clip(en)))


class _Grid:
    """The first ``width`` columns of a sheet as values; formula cells resolved to their cached
    result, or reported (once, when read) if the file holds none."""

    def __init__(
        self, name: str, rows: list[list[Any]], formulas: set[tuple[int, int]], errors: _Errors
    ) -> None:
        self.name = name
        self.rows = rows
        self.unresolved = formulas  # formula cells with no cached result
        self.reported: set[tuple[int, int]] = set()
        self.errors = errors

    @property
    def height(self) -> int:
        return len(self.rows)

    def raw(self, row: int, col: int) -> Any:
        if row > len(self.rows):
            return None
        return self.rows[row - 1][col - 1]

    def get(self, row: int, col: int, column: str) -> Any:
        if (row, col) in self.unresolved:
            if (row, col) in self.reported:
                return None
            self.reported.add((row, col))
            self.errors.add(
                self.name,
                row,
                column,
                "formula_without_value",
                "Ô chứa công thức nhưng tệp không lưu kết quả tính; hãy mở và lưu tệp bằng Excel, "
                "hoặc nhập giá trị trực tiếp.",
                "The cell holds a formula but the file has no computed value for it; open and "
                "save the file in Excel, or type the value.",
            )
            return None
        return self.raw(row, col)

    def blank_row(self, row: int) -> bool:
        return all(_empty(v) for v in self.rows[row - 1]) and not any(
            r == row for r, _ in self.unresolved
        )


def _rows(book: Any, name: str, width: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """(row number, the first ``width`` cells) of every row the sheet holds, up to
    :data:`MAX_ROWS`; raises :class:`_TooManyRows` at a row below it."""
    sheet = book[name]
    sheet.reset_dimensions()  # the rows the file holds, not the size it claims
    for r, cells in enumerate(sheet.iter_rows(min_row=1, max_col=width), start=1):
        if r > MAX_ROWS:
            raise _TooManyRows(name)
        yield r, cells


def _read_grid(
    book: Any, values_book: Callable[[], Any], name: str, width: int, errors: _Errors
) -> _Grid:
    rows: list[list[Any]] = []
    formulas: set[tuple[int, int]] = set()
    for r, cells in _rows(book, name, width):
        values = []
        for c, cell in enumerate(cells[:width], start=1):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or isinstance(value, ArrayFormula):
                formulas.add((r, c))
                value = None
            values.append(value)
        rows.append(values)
    if formulas:
        for r, cells in _rows(values_book(), name, width):
            for c, cell in enumerate(cells[:width], start=1):
                if (r, c) in formulas and cell.value is not None:
                    rows[r - 1][c - 1] = cell.value
                    formulas.discard((r, c))
    return _Grid(name, rows, formulas, errors)


def check_archive(data: bytes) -> None:
    """Refuse a zip that unpacks past the limits, from its directory alone (nothing is
    inflated). Bytes that are not a zip pass: opening them reports ``not_xlsx``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    if len(members) > MAX_ZIP_MEMBERS:
        raise WorkbookTooLarge(
            "max_zip_members",
            MAX_ZIP_MEMBERS,
            f"Tệp gồm {len(members)} thành phần nén, quá giới hạn {MAX_ZIP_MEMBERS}; tệp "
            "không phải là một bảng tiêu chí.",
            f"The file holds {len(members)} zip members, more than the limit of "
            f"{MAX_ZIP_MEMBERS}; it is not a criteria table.",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(
            "max_unpacked_bytes",
            MAX_UNPACKED_BYTES,
            f"Tệp giải nén ra {unpacked} byte, quá giới hạn {MAX_UNPACKED_BYTES} byte của một "
            "bảng tiêu chí; chưa đọc tệp.",
            f"The file unpacks to {unpacked} bytes, more than a criteria table's limit of "
            f"{MAX_UNPACKED_BYTES} bytes; it was not read.",
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise WorkbookTooLarge(
                "max_compression_ratio",
                MAX_COMPRESSION_RATIO,
                f"Thành phần «{member.filename[:80]}» nén {ratio:.0f} lần, quá giới hạn "
                f"{MAX_COMPRESSION_RATIO} lần (dấu hiệu tệp nén độc hại); chưa đọc tệp.",
                f"Member “{member.filename[:80]}” is compressed {ratio:.0f} to 1, more than the "
                f"limit of {MAX_COMPRESSION_RATIO} to 1 (the mark of a zip bomb); it was not read.",
            )


def _open(data: bytes, data_only: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)


def _column(index: int, heading: str) -> str:
    return f"{get_column_letter(index)} ({heading})"


def _column_index(column: str | None) -> int:
    return column_index_from_string(column.split(" ", 1)[0]) if column else 0


def _find_sheet(book: Any, wanted: str) -> str | None:
    for name in book.sheetnames:
        if name == wanted:
            return name
    for name in book.sheetnames:
        if _key(name) == _key(wanted):
            return name
    return None


def import_table(data: bytes) -> ImportResult:
    """Read a workbook laid out like :func:`export_table`'s. The errors are reported (the first
    :data:`MAX_REPORTED_ERRORS`, and their count); the document is returned only when there is
    none. Raises :class:`WorkbookTooLarge` before parsing a file past the size limits."""
    check_archive(data)
    errors = _Errors()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        errors.add(
            "",
            None,
            None,
            "not_xlsx",
            "Tệp là định dạng Excel 97–2003 (.xls) hoặc có đặt mật khẩu. Hãy bỏ mật khẩu "
            "và lưu lại dưới dạng Excel Workbook (.xlsx).",
            "The file is in the Excel 97–2003 (.xls) format or is password-protected. "
            "Remove the password and save it as an Excel Workbook (.xlsx).",
        )
        return ImportResult(None, errors.items)
    unreadable = ExcelError(
        "",
        None,
        None,
        "not_xlsx",
        "Không đọc được tệp: tệp hỏng hoặc không phải tệp Excel .xlsx.",
        "The file cannot be read: it is corrupt or not an Excel .xlsx file.",
    )
    try:
        book = _open(data, data_only=False)
    except Exception:  # zipfile, XML and openpyxl errors alike: the file is not a workbook
        return ImportResult(None, [unreadable])

    cached: list[Any] = []

    def values_book() -> Any:
        if not cached:
            cached.append(_open(data, data_only=True))
        return cached[0]

    try:
        names = {}
        for wanted in (TABLE_SHEET, RANK_SHEET):
            found = _find_sheet(book, wanted)
            if found is None:
                errors.add(
                    wanted,
                    None,
                    None,
                    "missing_sheet",
                    f"Thiếu trang «{wanted}». Tệp cần các trang «{TABLE_SHEET}» và «{RANK_SHEET}»"
                    f"; tệp có: {', '.join(f'«{n}»' for n in book.sheetnames)}.",
                    f"Sheet “{wanted}” is missing. The file needs sheets “{TABLE_SHEET}” and "
                    f"“{RANK_SHEET}”; it has: {', '.join(f'“{n}”' for n in book.sheetnames)}.",
                )
            else:
                names[wanted] = found
        head: dict[str, Any] | None = None
        ranks: dict[str, Any] | None = None
        if TABLE_SHEET in names:
            grid = _read_grid(book, values_book, names[TABLE_SHEET], len(COLUMNS), errors)
            head = _TableReader(grid, errors).read()
        if RANK_SHEET in names:
            grid = _read_grid(book, values_book, names[RANK_SHEET], len(RANK_HEADINGS), errors)
            ranks = _read_ranks(grid, errors)
    except CORRUPT_SHEET:  # sheets are read lazily: a broken one shows only now
        return ImportResult(None, [unreadable])
    except _TooManyRows as too_many:
        name = too_many.args[0]
        return ImportResult(
            None,
            [
                ExcelError(
                    name,
                    MAX_ROWS + 1,
                    None,
                    "too_many_rows",
                    _clip(
                        f"Trang «{name}» có dòng thứ {MAX_ROWS + 1} trở xuống (kể cả dòng trống "
                        f"đã định dạng); một bảng tiêu chí có tối đa {MAX_ROWS} dòng. Hãy xoá "
                        f"các dòng từ dòng {MAX_ROWS + 1} trở xuống rồi tải lại."
                    ),
                    _clip(
                        f"Sheet “{name}” goes on to row {MAX_ROWS + 1} or below (formatted empty "
                        f"rows count); a criteria table has at most {MAX_ROWS} rows. Delete the "
                        f"rows from row {MAX_ROWS + 1} down and upload it again."
                    ),
                )
            ],
        )
    finally:
        book.close()
        for extra in cached:
            extra.close()
    if errors.items or head is None or ranks is None:
        order = {"": 0, TABLE_SHEET: 1, RANK_SHEET: 2}
        errors.items.sort(
            key=lambda e: (order.get(e.sheet, 3), e.row or 0, _column_index(e.column))
        )
        return ImportResult(None, errors.items[:MAX_REPORTED_ERRORS], error_count=len(errors.items))
    document: dict[str, Any] = {}
    for key in ("title", "year", "unit_kind", "basis", "max_points"):
        if key in head:
            document[key] = head[key]
    document["rounding"] = ranks["rounding"]
    document["rank_bands"] = ranks["rank_bands"]
    document["parts"] = head["parts"]
    for key in ("bonus", "deduction"):
        if key in head:
            document[key] = head[key]
    return ImportResult(document, [])


def _find_header(grid: _Grid, first_heading: str) -> int | None:
    for row in range(1, min(grid.height, 30) + 1):
        if _key(_text(grid.raw(row, 1))) == _key(first_heading):
            return row
    return None


def _read_labelled(
    grid: _Grid,
    errors: _Errors,
    above: int,
    fields: Iterable[tuple[str, str, str, tuple[str, ...]]],
) -> dict[str, tuple]:
    """Labelled cells above the header row: key → (row, raw value, label, English)."""
    fields = list(fields)
    accepted = {}
    for key, label, english, aliases in fields:
        for spelling in (label, *aliases):
            accepted[_key(spelling)] = (key, label, english)
    found: dict[str, tuple] = {}
    for row in range(1, above):
        spelled = _key(_text(grid.raw(row, 1)))
        if spelled not in accepted:
            continue
        key, label, english = accepted[spelled]
        if key in found:
            errors.add(
                grid.name,
                row,
                _column(1, label),
                "duplicate_label",
                f"Nhãn «{label}» đã có ở dòng {found[key][0]}.",
                f"Label “{label}” ({english}) is already on row {found[key][0]}.",
            )
            continue
        found[key] = (row, grid.get(row, 2, _column(2, label)), label, english)
    return found


class _TableReader:
    """The table sheet: title block, header, then the rows."""

    def __init__(self, grid: _Grid, errors: _Errors) -> None:
        self.grid = grid
        self.errors = errors
        self.sheet = grid.name

    def error(self, row: int | None, key: str | None, code: str, vi: str, en: str) -> None:
        column = _column(COL[key], COLUMNS[COL[key] - 1][1]) if key else None
        self.errors.add(self.sheet, row, column, code, vi, en)

    def cell(self, row: int, key: str) -> Any:
        return self.grid.get(row, COL[key], _column(COL[key], COLUMNS[COL[key] - 1][1]))

    # -- title block and header

    def read(self) -> dict[str, Any] | None:
        header = _find_header(self.grid, HEADINGS[0])
        if header is None:
            expected = " | ".join(HEADINGS)
            self.errors.add(
                self.sheet,
                None,
                None,
                "header_not_found",
                f"Không tìm thấy dòng tiêu đề cột (ô cột A ghi «{HEADINGS[0]}») trong 30 dòng "
                f"đầu. Các cột A–I cần là: {expected}.",
                f"No header row found (a column A cell reading “{HEADINGS[0]}”) in the first 30 "
                f"rows. Columns A–I must be: {expected}.",
            )
            return None
        head = self.read_title_block(header)
        headers_ok = True
        for index, (_, heading, english) in enumerate(COLUMNS, start=1):
            found = _text(self.grid.raw(header, index))
            if _key(found) != _key(heading):
                headers_ok = False
                self.errors.add(
                    self.sheet,
                    header,
                    _column(index, heading),
                    "wrong_header",
                    f"Tiêu đề cột {get_column_letter(index)} là «{_shown(found)}», "
                    f"cần «{heading}». Các cột A–I cần là: {' | '.join(HEADINGS)}.",
                    f"Column {get_column_letter(index)} is headed “{_shown(found)}”, "
                    f"expected “{heading}” ({english}). Columns A–I must be: "
                    f"{' | '.join(HEADINGS)}.",
                )
        if not headers_ok:
            return None
        parts, sections = self.read_rows(header)
        head["parts"] = parts
        head.update(sections)
        return head

    def read_title_block(self, header: int) -> dict[str, Any]:
        found = _read_labelled(self.grid, self.errors, header, TITLE_FIELDS)
        head: dict[str, Any] = {}
        for key, label, english, _ in TITLE_FIELDS:
            column = _column(2, label)
            if key not in found:
                if key != "basis":
                    self.errors.add(
                        self.sheet,
                        None,
                        None,
                        "required",
                        f"Thiếu ô «{label}» ở phần đầu trang (nhãn ở cột A, giá trị ở cột B, "
                        f"phía trên dòng tiêu đề cột).",
                        f"The “{label}” ({english}) cell is missing from the title block (label "
                        f"in column A, value in column B, above the header row).",
                    )
                continue
            row, value, _, _ = found[key]
            if _empty(value):
                if key != "basis" and (row, 2) not in self.grid.unresolved:
                    self.errors.add(
                        self.sheet,
                        row,
                        column,
                        "required",
                        f"Chưa nhập «{label}».",
                        f"“{label}” ({english}) is empty.",
                    )
                continue
            try:
                if key == "year":
                    head[key] = _integer(value)
                elif key == "max_points":
                    head[key] = _number(value)
                elif key == "unit_kind":
                    text = _text(value)
                    head[key] = UNIT_KIND_KEYS.get(_key(text), text)
                else:
                    head[key] = _text(value)
            except _Bad as bad:
                self.errors.add(
                    self.sheet,
                    row,
                    column,
                    "bad_number",
                    f"«{label}»: {bad.args[0]}.",
                    f"“{label}” ({english}) {bad.args[1]}.",
                )
        return head

    # -- rows

    def read_rows(self, header: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        accepted: list[tuple[int, str]] = []
        first_row: dict[str, int] = {}
        for row in range(header + 1, self.grid.height + 1):
            if self.grid.blank_row(row):
                continue
            raw = self.cell(row, "code")
            code = unicodedata.normalize("NFKC", _text(raw)).replace(" ", "").rstrip(".")
            if not code:
                if (row, COL["code"]) not in self.grid.unresolved:
                    self.error(
                        row,
                        "code",
                        "required",
                        "Dòng có nội dung nhưng thiếu mã (ví dụ A, A.I, A.I.1).",
                        "The row has content but no code (e.g. A, A.I, A.I.1).",
                    )
                self.check_cells(row)
                continue
            if not re.match(r"^[A-Z]+(?:\.(?:[IVXLCDM]+|\d+|[a-z]))*$", code):
                self.error(
                    row,
                    "code",
                    "bad_code",
                    f"Mã «{_shown(raw)}» không hợp lệ: phần đầu là chữ in hoa (A), các cấp "
                    "sau là số La Mã (I, II), số (1, 2) hoặc chữ thường (a, b), cách nhau "
                    "bởi dấu chấm, ví dụ A.I.1.",
                    f"Code “{_shown(raw)}” is not valid: an upper-case letter (A), then "
                    "levels in Roman numerals (I, II), digits (1, 2) or lower-case letters "
                    "(a, b), separated by dots, e.g. A.I.1.",
                )
                self.check_cells(row)
                continue
            if code in first_row:
                self.error(
                    row,
                    "code",
                    "duplicate_code",
                    f"Mã «{code}» trùng với dòng {first_row[code]}.",
                    f"Code “{code}” is already used on row {first_row[code]}.",
                )
                self.check_cells(row)
                continue
            first_row[code] = row
            parent = code.rpartition(".")[0]
            if parent and parent not in first_row:
                self.error(
                    row,
                    "code",
                    "orphan_code",
                    f"Mã «{code}» không có dòng mã cha «{parent}» ở phía trên.",
                    f"Code “{code}” has no row for its parent “{parent}” above it.",
                )
                self.check_cells(row)
                continue
            accepted.append((row, code))
        return self.build(accepted)

    def build(self, accepted: list[tuple[int, str]]) -> tuple[list[dict[str, Any]], dict]:
        parents_with_children = {code.rpartition(".")[0] for _, code in accepted}
        nodes: dict[str, dict[str, Any]] = {}
        sections: dict[str, dict[str, Any]] = {}  # "bonus"/"deduction" → section
        section_codes: dict[str, dict[str, Any]] = {}
        item_codes: set[str] = set()
        parts: list[dict[str, Any]] = []
        for row, code in accepted:
            parent = code.rpartition(".")[0]
            method_text = _text(self.cell(row, "method"))
            section_kind = SECTION_KEYS.get(_key(method_text))
            if section_kind:
                if parent:
                    self.error(
                        row,
                        "method",
                        "bad_nesting",
                        f"«{_shown(method_text)}» chỉ dùng cho dòng cấp cao nhất (ví dụ E), không "
                        f"cho «{code}».",
                        f"“{_shown(method_text)}” ({section_kind}) is for a top-level row (e.g. E)"
                        f", not “{code}”.",
                    )
                    self.check_cells(row, skip_method=True)
                elif section_kind in sections:
                    self.error(
                        row,
                        "method",
                        "duplicate_section",
                        f"Bảng đã có mục «{SECTIONS[section_kind]}» (mã "
                        f"{sections[section_kind]['code']}).",
                        f"The table already has a {section_kind} section (code "
                        f"{sections[section_kind]['code']}).",
                    )
                    self.check_cells(row, skip_method=True)
                else:
                    section = self.read_section(row, code, section_kind)
                    sections[section_kind] = section
                    section_codes[code] = section
                continue
            if parent in section_codes:
                section_codes[parent]["items"].append(self.read_item(row, code))
                item_codes.add(code)
                continue
            if parent in item_codes or (parent and parent not in nodes):
                if parent in item_codes:
                    self.error(
                        row,
                        "code",
                        "bad_nesting",
                        f"Mục điểm thưởng/điểm trừ «{parent}» không có mục con.",
                        f"Bonus/deduction item “{parent}” cannot have sub-items.",
                    )
                self.check_cells(row)
                continue
            node = self.read_node(row, code, group=code in parents_with_children)
            nodes[code] = node
            if parent:
                nodes[parent]["children"].append(node)
            else:
                parts.append(node)
        if not parts:
            self.errors.add(
                self.sheet,
                None,
                None,
                "empty_table",
                "Bảng chưa có phần tiêu chí nào (ví dụ dòng A, A.I, A.I.1).",
                "The table has no criteria part (e.g. rows A, A.I, A.I.1).",
            )
        return parts, sections

    # -- cells

    def required_text(self, row: int, key: str, what_vi: str, what_en: str) -> str:
        value = self.cell(row, key)
        text = _text(value)
        if not text and (row, COL[key]) not in self.grid.unresolved:
            self.error(row, key, "required", f"Chưa nhập {what_vi}.", f"The {what_en} is empty.")
        return text

    def points(self, row: int, what_vi: str, what_en: str, required: bool = True) -> Any:
        value = self.cell(row, "points")
        if _empty(value):
            if required and (row, COL["points"]) not in self.grid.unresolved:
                self.error(
                    row, "points", "required", f"Chưa nhập {what_vi}.", f"The {what_en} is empty."
                )
            return None
        try:
            return _number(value)
        except _Bad as bad:
            self.error(
                row,
                "points",
                "bad_number",
                f"{what_vi.capitalize()}: {bad.args[0]}.",
                f"The {what_en} {bad.args[1]}.",
            )
            return None

    def yes_no(self, row: int) -> bool | None:
        value = self.cell(row, "evidence")
        if _empty(value):
            return None
        if isinstance(value, bool):
            return value
        spelled = _key(_text(value))
        if spelled in YES_KEYS:
            return True
        if spelled in NO_KEYS:
            return False
        self.error(
            row,
            "evidence",
            "bad_yes_no",
            f"«{_shown(value)}» không hợp lệ: ghi «{YES}», «{NO}» hoặc để trống.",
            f"“{_shown(value)}” is not valid: write “{YES}” (yes), “{NO}” (no) or leave it empty.",
        )
        return None

    def not_applicable(self, row: int, allowed: bool) -> str | None:
        value = self.cell(row, "not_applicable")
        if _empty(value):
            return None
        if _key(_text(value)) not in FULL_KEYS:
            self.error(
                row,
                "not_applicable",
                "bad_value",
                f"«{_shown(value)}» không hợp lệ: ghi «{NOT_APPLICABLE_FULL}» (không phát "
                "sinh thì được đủ điểm) hoặc để trống.",
                f"“{_shown(value)}” is not valid: write “{NOT_APPLICABLE_FULL}” (full points"
                " when the criterion does not arise) or leave it empty.",
            )
            return None
        if not allowed:
            self.not_allowed(row, "not_applicable")
            return None
        return "full"

    def not_allowed(
        self, row: int, key: str, kind_vi: str = "dòng nhóm", kind_en: str = "a group row"
    ) -> None:
        heading = COLUMNS[COL[key] - 1][1]
        self.error(
            row,
            key,
            "not_allowed",
            f"Cột «{heading}» không dùng cho {kind_vi}; hãy để trống.",
            f"Column “{heading}” does not apply to {kind_en}; leave it empty.",
        )

    def check_cells(self, row: int, skip_method: bool = False) -> None:
        """Cell-level checks for a row left out of the tree (bad code, duplicate, orphan)."""
        self.required_text(row, "title", "nội dung tiêu chí", "criterion text")
        self.points(row, "điểm chuẩn", "standard points", required=False)
        self.yes_no(row)
        self.not_applicable(row, allowed=True)
        if skip_method:
            return
        method_text = _text(self.cell(row, "method"))
        spelled = _key(method_text)
        if (
            method_text
            and spelled not in METHOD_KEYS
            and spelled not in SECTION_KEYS
            and spelled not in PER_COUNT_KEYS
        ):
            self.unknown_method(row, method_text, METHODS)
        elif spelled in METHOD_KEYS:
            self.method(row, METHOD_KEYS[spelled])

    def unknown_method(self, row: int, text: str, choices: Mapping[str, str]) -> None:
        labels = ", ".join(f"«{label}»" for label in choices.values())
        names = ", ".join(choices)
        self.error(
            row,
            "method",
            "unknown_method",
            f"Phương pháp chấm «{_shown(text)}» không có. Chọn một trong: {labels}.",
            f"Unknown scoring method “{_shown(text)}”. Use one of: {labels} ({names}).",
        )

    def method(self, row: int, kind: str) -> dict[str, Any]:
        extra, problems = parse_params(kind, _text(self.cell(row, "params")))
        syntax, example = PARAM_SYNTAX[kind]
        for vi, en in problems:
            hint_vi = f" Cú pháp: {syntax}" + (f"; ví dụ «{example}»." if example else ".")
            hint_en = f" Syntax: {syntax}" + (f"; e.g. “{example}”." if example else ".")
            self.error(
                row,
                "params",
                "bad_params",
                f"Tham số {vi}.{hint_vi}",
                f"Parameters: {en}.{hint_en}",
            )
        method: dict[str, Any] = {"type": kind}
        if kind == "proportional":
            method["inputs"] = ["achieved", "target"]
        method.update(extra)
        return method

    def read_node(self, row: int, code: str, group: bool) -> dict[str, Any]:
        node: dict[str, Any] = {"code": code}
        node["title"] = self.required_text(row, "title", "nội dung tiêu chí", "criterion text")
        node["max_points"] = self.points(row, "điểm chuẩn", "standard points")
        method_text = _text(self.cell(row, "method"))
        params = _text(self.cell(row, "params"))
        method: dict[str, Any] | None = None
        if group:
            node["children"] = []
            if method_text:
                self.error(
                    row,
                    "method",
                    "method_on_group",
                    f"«{code}» có mục con nên không có phương pháp chấm (điểm của nhóm là "
                    "tổng điểm các mục con); hãy để trống.",
                    f"“{code}” has sub-items, so it takes no scoring method (a group "
                    "scores the sum of its children); leave it empty.",
                )
            if params:
                self.not_allowed(row, "params")
        elif not method_text:
            self.error(
                row,
                "method",
                "method_missing",
                f"Tiêu chí «{code}» (không có mục con) cần phương pháp chấm: "
                f"{', '.join(f'«{m}»' for m in METHODS.values())}.",
                f"Criterion “{code}” (no sub-items) needs a scoring method: {', '.join(METHODS)}.",
            )
        elif _key(method_text) not in METHOD_KEYS:
            self.unknown_method(row, method_text, METHODS)
        else:
            method = self.method(row, METHOD_KEYS[_key(method_text)])
        if method is not None:
            node["method"] = method
        evidence = self.yes_no(row)
        if evidence is not None:
            node["evidence_required"] = evidence
        if self.not_applicable(row, allowed=not group) is not None:
            node["when_not_applicable"] = "full"
        guidance = _text(self.cell(row, "guidance"))
        if guidance:
            node["guidance"] = guidance
        unit = _text(self.cell(row, "unit"))
        if unit:
            node["responsible_unit"] = unit
        return node

    def read_section(self, row: int, code: str, kind: str) -> dict[str, Any]:
        label = SECTIONS[kind]
        section: dict[str, Any] = {"code": code}
        section["title"] = self.required_text(row, "title", f"tên mục «{label}»", f"{kind} title")
        section["cap"] = self.points(
            row, f"mức tối đa của «{label}» (cột Điểm chuẩn)", f"{kind} cap (column Điểm chuẩn)"
        )
        section["items"] = []
        kind_vi, kind_en = f"dòng mục «{label}»", f"the {kind} section row"
        for key in ("params", "evidence", "unit", "guidance", "not_applicable"):
            if not _empty(self.cell(row, key)):
                self.not_allowed(row, key, kind_vi, kind_en)
        return section

    def read_item(self, row: int, code: str) -> dict[str, Any]:
        item: dict[str, Any] = {"code": code}
        item["title"] = self.required_text(row, "title", "nội dung", "item text")
        item["per_count"] = self.points(
            row, "số điểm mỗi lần (cột Điểm chuẩn)", "points per occurrence (column Điểm chuẩn)"
        )
        method_text = _text(self.cell(row, "method"))
        if method_text and _key(method_text) not in PER_COUNT_KEYS:
            labels = f"«{PER_COUNT[1]}»"
            self.error(
                row,
                "method",
                "unknown_method",
                f"Mục điểm thưởng/điểm trừ ghi {labels} hoặc để trống, không ghi "
                f"«{_shown(method_text)}».",
                f"A bonus/deduction item takes {labels} (per occurrence) or nothing, not "
                f"“{_shown(method_text)}”.",
            )
        extra, problems = parse_params("per_count", _text(self.cell(row, "params")))
        syntax, example = PARAM_SYNTAX["per_count"]
        for vi, en in problems:
            self.error(
                row,
                "params",
                "bad_params",
                f"Tham số {vi}. Cú pháp: {syntax}; ví dụ «{example}».",
                f"Parameters: {en}. Syntax: {syntax}; e.g. “{example}”.",
            )
        item.update(extra)
        evidence = self.yes_no(row)
        if evidence is not None:
            item["evidence_required"] = evidence
        kind_vi, kind_en = "mục điểm thưởng/điểm trừ", "a bonus/deduction item"
        for key in ("unit", "guidance", "not_applicable"):
            if not _empty(self.cell(row, key)):
                self.not_allowed(row, key, kind_vi, kind_en)
        return item


def _read_ranks(grid: _Grid, errors: _Errors) -> dict[str, Any] | None:
    sheet = grid.name
    header = _find_header(grid, RANK_HEADINGS[0])
    expected = " | ".join(RANK_HEADINGS)
    if header is None:
        errors.add(
            sheet,
            None,
            None,
            "header_not_found",
            f"Không tìm thấy dòng tiêu đề (ô cột A ghi «{RANK_HEADINGS[0]}») trong 30 dòng "
            f"đầu. Các cột A–B cần là: {expected}.",
            f"No header row found (a column A cell reading “{RANK_HEADINGS[0]}”) in the "
            f"first 30 rows. Columns A–B must be: {expected}.",
        )
        return None
    bad_header = False
    for index, (heading, english) in enumerate(
        zip(RANK_HEADINGS, RANK_HEADINGS_EN, strict=True), start=1
    ):
        found = _text(grid.raw(header, index))
        if _key(found) != _key(heading):
            bad_header = True
            errors.add(
                sheet,
                header,
                _column(index, heading),
                "wrong_header",
                f"Tiêu đề cột {get_column_letter(index)} là «{_shown(found)}», cần «{heading}». "
                f"Các cột A–B cần là: {expected}.",
                f"Column {get_column_letter(index)} is headed “{_shown(found)}”, expected "
                f"“{heading}” ({english}). Columns A–B must be: {expected}.",
            )
    found = _read_labelled(grid, errors, header, RANK_FIELDS)
    rounding: dict[str, Any] = {}
    for key, label, english, _ in RANK_FIELDS:
        column = _column(2, label)
        if key not in found:
            errors.add(
                sheet,
                None,
                None,
                "required",
                f"Thiếu ô «{label}» (nhãn ở cột A, giá trị ở cột B, phía trên bảng hạng).",
                f"The “{label}” ({english}) cell is missing (label in column A, value in "
                "column B, above the band table).",
            )
            continue
        row, value, _, _ = found[key]
        if _empty(value):
            if (row, 2) not in grid.unresolved:
                errors.add(
                    sheet,
                    row,
                    column,
                    "required",
                    f"Chưa nhập «{label}».",
                    f"“{label}” ({english}) is empty.",
                )
        elif key == "places":
            try:
                rounding["places"] = _integer(value)
            except _Bad as bad:
                errors.add(
                    sheet,
                    row,
                    column,
                    "bad_number",
                    f"«{label}»: {bad.args[0]}.",
                    f"“{label}” ({english}) {bad.args[1]}.",
                )
        else:
            mode = ROUNDING_KEYS.get(_key(_text(value)))
            if mode is None:
                choices = ", ".join(f"«{v}» ({k})" for k, v in ROUNDING_MODES.items())
                errors.add(
                    sheet,
                    row,
                    column,
                    "bad_value",
                    f"Cách làm tròn «{_shown(value)}» không có. Chọn: {choices}.",
                    f"Unknown rounding mode “{_shown(value)}”. Use: {choices}.",
                )
            else:
                rounding["mode"] = mode
    if bad_header:
        return None
    bands: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    code_column, min_column = (_column(i, h) for i, h in enumerate(RANK_HEADINGS, start=1))
    for row in range(header + 1, grid.height + 1):
        if grid.blank_row(row):
            continue
        code = _text(grid.get(row, 1, code_column))
        value = grid.get(row, 2, min_column)
        if not code:
            if (row, 1) not in grid.unresolved:
                errors.add(
                    sheet,
                    row,
                    code_column,
                    "required",
                    "Chưa nhập mã hạng (ví dụ A).",
                    "The band code is empty (e.g. A).",
                )
        elif code in first_row:
            errors.add(
                sheet,
                row,
                code_column,
                "duplicate_code",
                f"Mã hạng «{code}» trùng với dòng {first_row[code]}.",
                f"Band “{code}” is already on row {first_row[code]}.",
            )
        else:
            first_row[code] = row
        minimum = None
        if not _empty(value):
            try:
                minimum = _number(value)
            except _Bad as bad:
                errors.add(
                    sheet,
                    row,
                    min_column,
                    "bad_number",
                    f"Tổng điểm tối thiểu: {bad.args[0]}.",
                    f"The minimum total {bad.args[1]}.",
                )
        bands.append({"code": code, "min_total": minimum})
    if not bands:
        errors.add(
            sheet,
            header + 1,
            code_column,
            "required",
            "Chưa có hạng nào (ví dụ A từ 180 điểm; hạng cuối để trống điểm tối thiểu).",
            "No rank band (e.g. A from 180; leave the last band's minimum empty).",
        )
    return {"rounding": rounding, "rank_bands": bands}


# --------------------------------------------------------------------------------------- writing

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_PART_FILL = PatternFill("solid", fgColor="F2F2F2")
_SECTION_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = (10, 60, 11, 22, 42, 15, 12, 24, 40)


def export_table(document: Mapping[str, Any]) -> bytes:
    """The table as an .xlsx workbook in the annex layout (what :func:`import_table` reads)."""
    buffer = io.BytesIO()
    _workbook(document).save(buffer)
    return buffer.getvalue()


def _workbook(document: Mapping[str, Any]) -> Workbook:
    book = Workbook()
    table = book.active
    table.title = TABLE_SHEET
    _write_table(table, document)
    _write_ranks(book.create_sheet(RANK_SHEET), document)
    _write_help(book.create_sheet(HELP_SHEET))
    return book


def _write_table(ws: Any, document: Mapping[str, Any]) -> None:
    values = {
        "title": document.get("title"),
        "year": document.get("year"),
        "unit_kind": document.get("unit_kind"),
        "basis": document.get("basis"),
        "max_points": document.get("max_points"),
    }
    for row, (key, label, _, _) in enumerate(TITLE_FIELDS, start=1):
        spreadsheets.put(ws, row, 1, label).font = Font(bold=True)
        cell = spreadsheets.put(ws, row, 2, values[key])
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if key in ("title", "basis"):
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(COLUMNS))
        if key == "title":
            cell.font = Font(bold=True, size=13)
            ws.row_dimensions[row].height = 36
        if key == "basis":
            ws.row_dimensions[row].height = 48
    if values["unit_kind"] in UNIT_KINDS:
        spreadsheets.put(ws, 3, 3, f"({UNIT_KINDS[values['unit_kind']]})").font = Font(
            italic=True, color="666666"
        )
    header = TABLE_HEADER_ROW
    for index, heading in enumerate(HEADINGS, start=1):
        cell = spreadsheets.put(ws, header, index, heading)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS[index - 1]
    ws.freeze_panes = ws.cell(header + 1, 1)
    row = header + 1

    def put(values: list[Any], depth: int, fill: PatternFill | None, bold: bool) -> None:
        nonlocal row
        for index, value in enumerate(values, start=1):
            cell = spreadsheets.put(ws, row, index, value)
            cell.border = _BORDER
            cell.alignment = _WRAP
            if fill is not None:
                cell.fill = fill
            if bold:
                cell.font = Font(bold=True)
        ws.cell(row, COL["title"]).alignment = Alignment(
            wrap_text=True, vertical="top", indent=depth
        )
        row += 1

    def walk(node: Mapping[str, Any], depth: int) -> None:
        method = node.get("method") or {}
        kind = method.get("type")
        evidence = node.get("evidence_required")
        put(
            [
                node.get("code"),
                node.get("title"),
                node.get("max_points"),
                METHODS.get(kind, kind) if kind else None,
                params_text(method) if method else None,
                NOT_APPLICABLE_FULL
                if node.get("when_not_applicable") == "full"
                else node.get("when_not_applicable"),
                None if evidence is None else YES if evidence else NO,
                node.get("responsible_unit"),
                node.get("guidance"),
            ],
            depth,
            _PART_FILL if depth == 0 else None,
            depth <= 1,
        )
        for child in node.get("children") or []:
            walk(child, depth + 1)

    for part in document.get("parts") or []:
        walk(part, 0)
    for kind in SECTIONS:
        section = document.get(kind)
        if not section:
            continue
        put(
            [section.get("code"), section.get("title"), section.get("cap"), SECTIONS[kind]],
            0,
            _SECTION_FILL,
            True,
        )
        for item in section.get("items") or []:
            evidence = item.get("evidence_required")
            count = item.get("max_count")
            put(
                [
                    item.get("code"),
                    item.get("title"),
                    item.get("per_count"),
                    PER_COUNT[1],
                    None if count is None else f"tối đa {_fmt(count)} lần",
                    None,
                    None if evidence is None else YES if evidence else NO,
                ],
                1,
                None,
                False,
            )
    last = max(row + 200, 500)
    lists = (
        ("method", [*METHODS.values(), *SECTIONS.values(), PER_COUNT[1]]),
        ("not_applicable", [NOT_APPLICABLE_FULL]),
        ("evidence", [YES, NO]),
    )
    for key, choices in lists:
        letter = get_column_letter(COL[key])
        check = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            errorStyle="warning",
            showErrorMessage=True,
            error="Giá trị không có trong danh sách. / Not in the list.",
        )
        check.add(f"{letter}{header + 1}:{letter}{last}")
        ws.add_data_validation(check)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"


def _write_ranks(ws: Any, document: Mapping[str, Any]) -> None:
    rounding = document.get("rounding") or {}
    spreadsheets.put(ws, 1, 1, "Xếp hạng và làm tròn điểm").font = Font(bold=True, size=13)
    mode = rounding.get("mode")
    for row, (key, label, _, _) in enumerate(RANK_FIELDS, start=2):
        spreadsheets.put(ws, row, 1, label).font = Font(bold=True)
        value = rounding.get(key)
        spreadsheets.put(ws, row, 2, ROUNDING_MODES.get(mode, mode) if key == "mode" else value)
    for index, heading in enumerate(RANK_HEADINGS, start=1):
        cell = spreadsheets.put(ws, RANK_HEADER_ROW, index, heading)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    for row, band in enumerate(document.get("rank_bands") or [], start=RANK_HEADER_ROW + 1):
        spreadsheets.put(ws, row, 1, band.get("code")).border = _BORDER
        spreadsheets.put(ws, row, 2, band.get("min_total")).border = _BORDER
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 26
    check = DataValidation(
        type="list",
        formula1='"' + ",".join(ROUNDING_MODES.values()) + '"',
        allow_blank=False,
        errorStyle="warning",
        showErrorMessage=True,
    )
    check.add("B3")
    ws.add_data_validation(check)
    note = spreadsheets.put(
        ws,
        RANK_HEADER_ROW,
        4,
        "Hạng đầu tiên có tổng điểm ≥ mức tối thiểu; để trống "
        "mức của hạng cuối (các trường hợp còn lại). / The first band whose minimum ≤ "
        "the total; leave the last band's minimum empty (the rest).",
    )
    note.font = Font(italic=True, color="666666")


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


def _write_help(ws: Any) -> None:
    spreadsheets.put(
        ws, 1, 1, "Hướng dẫn nhập Bảng tiêu chí bằng Excel / How to fill in a criteria table"
    )
    ws.cell(1, 1).font = Font(bold=True, size=13)
    for index, heading in enumerate(("Mục / Item", "Tiếng Việt", "English"), start=1):
        cell = spreadsheets.put(ws, 3, index, heading)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
    for row, (item, vi, en) in enumerate(help_rows(), start=4):
        heading = not vi and not en
        for index, value in enumerate((item, vi, en), start=1):
            cell = spreadsheets.put(ws, row, index, value)
            cell.alignment = _WRAP
            if heading:
                cell.font = Font(bold=True)
                cell.fill = _PART_FILL
            else:
                cell.border = _BORDER
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 80
    ws.freeze_panes = "A4"


# -------------------------------------------------------------------------------------- template


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
    book = _workbook(TEMPLATE_DOCUMENT)
    book.active = 2  # open on the instructions
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is book.active
    book.save(target)
    return target


if __name__ == "__main__":
    print(write_template())
