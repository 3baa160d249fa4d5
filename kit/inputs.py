"""What no request may carry, whatever the view: refused before the view runs, never a 500.

- A path holding NUL, or an ``<int:…>`` path part beyond a 64-bit integer: 404 (no such
  address; PostgreSQL would fail on either).
- A query parameter or form field holding NUL: 422 naming it.
- JSON nested deeper than :data:`MAX_JSON_DEPTH`: 400 ``malformed-json`` naming the limit
  (Python's own parser gives up near 1,000 levels with a RecursionError, and every layer
  after it — schemas, JSON columns — recurses too).
- JSON strings holding NUL or a lone surrogate (``"\\ud800"``: no UTF-8 for it), and NaN or
  Infinity (Python's parser takes them, JSON does not): 422 naming the field.

Control characters other than NUL are the business of each field (kit.fields.Text).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from kit import text
from kit.fields import localised
from kit.problems import problem_response

MAX_JSON_DEPTH = 64
MAX_PATH_INT = 2**63 - 1
INVALID = ("Một số trường không hợp lệ, xem errors.", "Some fields are invalid, see errors.")


def check_request() -> Response | None:
    """404 for an address no resource can have; 422 for NUL in the query or a form."""
    if request.routing_exception is not None:
        return None  # 404/405 answer first
    too_big = any(
        isinstance(v, int) and abs(v) > MAX_PATH_INT for v in (request.view_args or {}).values()
    )
    if "\x00" in request.path or too_big:
        return problem_response(
            404,
            "not-found",
            ("Không có tài nguyên nào ở địa chỉ này.", "Nothing exists at this address."),
        )
    errors: dict[str, dict[str, list[str]]] = {}
    sources = [("query", request.args)]
    if request.mimetype == "application/x-www-form-urlencoded":
        sources.append(("form", request.form))  # multipart bodies are the views' own business
    for location, values in sources:
        for name, value in values.items(multi=True):
            if "\x00" in name or "\x00" in value:
                shown = name.replace("\x00", "\\u0000")
                errors.setdefault(location, {})[shown] = [_message("character", "U+0000")]
    if errors:
        return problem_response(422, "validation-failed", INVALID, errors=errors)
    return None


def too_deep() -> Response:
    return problem_response(
        400,
        "malformed-json",
        (
            f"JSON lồng nhau quá {MAX_JSON_DEPTH} tầng.",
            f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.",
        ),
        max_depth=MAX_JSON_DEPTH,
    )


def check_json(document: Any) -> Response | None:
    """400 for JSON nested too deeply, 422 naming fields no database could store."""
    if text.json_depth(document) > MAX_JSON_DEPTH:
        return too_deep()
    errors = text.json_defects(document, _message)
    if errors:
        return problem_response(422, "validation-failed", INVALID, errors=errors)
    return None


def _message(kind: str, detail: str) -> str:
    if kind == "number":
        return localised(
            f"{detail} không phải là số JSON hợp lệ.", f"{detail} is not a valid JSON number."
        )
    return localised(
        f"Chứa ký tự không thể lưu ({detail}): ký tự NUL hoặc nửa cặp UTF-16 đơn lẻ.",
        f"Contains a character that cannot be stored ({detail}): NUL or a lone UTF-16 surrogate.",
    )
