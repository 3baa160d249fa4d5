"""The import's limits, and the check made on the zip before the file is opened.

An upload is anyone's bytes: a small .xlsx can unpack to gigabytes (a zip bomb) or hold 200,000
rows. Before openpyxl opens the file, :func:`check_archive` checks the zip's declared sizes
(:data:`MAX_UNPACKED_BYTES` in all, at most :data:`MAX_COMPRESSION_RATIO` to 1 for a member over
:data:`RATIO_CHECKED_FROM_BYTES`, :data:`MAX_ZIP_MEMBERS` members; Python's zipfile never
inflates past a member's declared size) and raises :class:`WorkbookTooLarge` past any of them.
The reader then reads only columns A–I (A–B on the rank sheet) and at most :data:`MAX_ROWS` rows
of each sheet: a sheet with a row below that (even an empty, formatted one) is refused with one
``too_many_rows`` error. It lists the first :data:`MAX_REPORTED_ERRORS` errors; cell text quoted
in a message is cut to :data:`MAX_QUOTED_CHARS`, a message to :data:`MAX_MESSAGE_CHARS`.

docs/api.md lists these limits and the answers the API gives past them.
"""

from __future__ import annotations

import io
import zipfile

# The sample table's workbook unpacks to 70 KB, has ~110 rows and compresses 6 to 1; these
# leave room for the largest real tables.
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 2000
MAX_REPORTED_ERRORS = 100
MAX_QUOTED_CHARS = 80
MAX_MESSAGE_CHARS = 600


class WorkbookTooLarge(Exception):
    """The upload unpacks past a limit (a zip bomb, or far more than a criteria table): refused
    before it is parsed. ``limit`` names the constant, ``maximum`` is its value."""

    def __init__(self, limit: str, maximum: int, vi: str, en: str) -> None:
        super().__init__(en)
        self.limit = limit
        self.maximum = maximum
        self.vi = vi
        self.en = en


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
