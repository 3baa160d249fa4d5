"""Reading a multipart file bounded by its own limit, past the platform's general body limit.

A nomination's reports, its cover letter and a revocation's document may be 10 MiB, a
registry workbook 16 MiB; the general limit (THIDUA_MAX_BODY_BYTES) still bounds every other
request. A body announced past the limit is refused before a byte of it is read.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from kit.errors import Error, Invalid, Text

# Room for the multipart envelope around the file: boundaries, headers, other small fields.
MULTIPART_SLACK = 64 * 1024

REQUIRED: Text = ("Thiếu tệp.", "No file was sent.")


def allow_body(limit: int, too_large: Callable[[], Error]) -> None:
    """Let this request's body be up to ``limit`` bytes of file (plus the envelope)."""
    if request.content_length and request.content_length > limit + MULTIPART_SLACK:
        raise too_large()  # refused before a byte is read
    request.max_content_length = limit + MULTIPART_SLACK


def read_file(
    limit: int, too_large: Callable[[], Error], missing: Text = REQUIRED
) -> tuple[str, bytes]:
    """The multipart ``file``: its name and content; ``too_large()`` past ``limit``, 422
    naming ``file`` (with ``missing`` as the detail) when none was sent."""
    allow_body(limit, too_large)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid({"file": [("Bắt buộc.", "Required.")]}, missing)
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        raise too_large()
    return upload.filename, content
