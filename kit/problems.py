"""RFC 9457 problem details: the one shape of every 4xx and 5xx answer on the platform.

Each problem has a stable ``type`` (a URN that never changes, so clients can switch on it), a
title in Vietnamese or English chosen by ``Accept-Language``, the HTTP status, a ``detail``
for this occurrence, the request id, and for validation errors the field-level ``errors``.

This is the HTTP edge of ``kit.errors``: the errors are raised there, without flask, and
answered here, where the request says which language to speak (``language()``, once per
answer). ``Problem`` is re-exported for the code that raises it by status.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, json, request
from marshmallow import INCLUDE, Schema, fields

from kit.errors import STATUS_SLUGS, Error, Problem, Text, localise

__all__ = [
    "CONTENT_TYPE",
    "STATUS_SLUGS",
    "TITLES",
    "TYPE_PREFIX",
    "Problem",
    "ProblemSchema",
    "error_response",
    "language",
    "prefers_vietnamese",
    "problem_body",
    "problem_response",
]

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:thidua:problem:"

# slug -> (Vietnamese title, English title)
TITLES: dict[str, tuple[str, str]] = {
    "bad-request": ("Yêu cầu không hợp lệ", "Bad request"),
    "malformed-json": ("Nội dung JSON không đúng cú pháp", "Malformed JSON body"),
    "validation-failed": ("Dữ liệu không hợp lệ", "Validation failed"),
    "unauthorized": ("Chưa xác thực", "Unauthorized"),
    "forbidden": ("Không có quyền", "Forbidden"),
    "not-found": ("Không tìm thấy", "Not found"),
    "method-not-allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "not-acceptable": ("Không thể đáp ứng định dạng yêu cầu", "Not acceptable"),
    "conflict": ("Xung đột dữ liệu", "Conflict"),
    "precondition-failed": ("Điều kiện tiên quyết không thỏa mãn", "Precondition failed"),
    "precondition-required": ("Cần điều kiện tiên quyết (If-Match)", "Precondition required"),
    "payload-too-large": ("Nội dung yêu cầu quá lớn", "Payload too large"),
    "request-timeout": ("Yêu cầu đến quá chậm", "Request timeout"),
    "uri-too-long": ("Địa chỉ yêu cầu quá dài", "URI too long"),
    "headers-too-large": ("Phần đầu yêu cầu quá lớn", "Request header fields too large"),
    "not-implemented": ("Chức năng không được hỗ trợ", "Not implemented"),
    "unsupported-media-type": ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    "too-many-requests": ("Quá nhiều yêu cầu", "Too many requests"),
    "internal-error": ("Lỗi hệ thống", "Internal server error"),
    "bad-gateway": ("Dịch vụ phía sau trả lời không hợp lệ", "Bad gateway"),
    "service-unavailable": ("Dịch vụ tạm thời không sẵn sàng", "Service unavailable"),
    "gateway-timeout": ("Dịch vụ phía sau không trả lời kịp", "Gateway timeout"),
}


class IssueSchema(Schema):
    """One problem of a document, where it is (RFC 6901 JSON Pointer) and what it is."""

    pointer = fields.String(metadata={"example": "/sections/0/criteria/2/max_points"})
    code = fields.String()
    vi = fields.String()
    en = fields.String()


class WorkbookErrorSchema(Schema):
    """One problem of an uploaded workbook; ``row`` and ``column`` are None for the file's."""

    sheet = fields.String()
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    code = fields.String()
    vi = fields.String()
    en = fields.String()
    ref = fields.String(metadata={"example": "'Bảng tiêu chí'!E12"})


class ProblemSchema(Schema):
    """The shape of every error, as the OpenAPI document describes it.

    Open to extension members (RFC 9457 section 3.2): problems carry their own, such as
    ``allowed`` and ``status_now`` on a 409, or OAuth's ``error`` and ``error_description``.
    """

    class Meta:
        unknown = INCLUDE  # documented as additionalProperties: true

    type = fields.String(metadata={"example": TYPE_PREFIX + "validation-failed"})
    title = fields.String(metadata={"example": "Dữ liệu không hợp lệ"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String()
    # The extension members the platform's problems carry, each on the statuses named.
    errors = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "422: each field (its name, a JSON Pointer into a document, or an "
            "Excel cell such as 'Bảng tiêu chí'!E12) to its messages; nested by location "
            "(json, query, form) for malformed text in any of them",
            "example": {"title": ["Độ dài phải từ 1 đến 200 ký tự."]},
        },
    )
    issues = fields.List(
        fields.Nested(IssueSchema),
        metadata={"description": "422: every problem of a criteria table or scoring data"},
    )
    excel_errors = fields.List(
        fields.Nested(WorkbookErrorSchema),
        metadata={"description": "422: the errors of an uploaded workbook, by sheet, row, column"},
    )
    error_count = fields.Integer(
        metadata={"description": "422: how many errors an uploaded workbook has in all"}
    )
    errors_truncated = fields.Boolean(
        metadata={"description": "422: true when only the first errors are listed"}
    )
    allowed = fields.List(
        fields.String(),
        metadata={
            "description": "409: what the resource's state allows now (415: the types taken)",
            "example": ["submit"],
        },
    )
    status_now = fields.String(metadata={"description": "409: the resource's status now"})
    sheet_status = fields.String(metadata={"description": "409: the scoresheet's status now"})
    phase = fields.String(metadata={"description": "409: the round's phase now"})
    signed_count = fields.Integer(metadata={"description": "409: signatures already given"})
    not_ready = fields.List(
        fields.String(), metadata={"description": "409: the units whose sheets are not ready"}
    )
    region_id = fields.String(metadata={"description": "409: the region that already has one"})
    assignment_id = fields.String(
        metadata={"description": "409: the role assignment that already covers it"}
    )
    current_etag = fields.String(metadata={"description": "412: the ETag to send as If-Match"})
    max_bytes = fields.Integer(metadata={"description": "413: the limit that applied, in bytes"})
    limit = fields.String(metadata={"description": "413: which limit of an upload refused it"})
    limit_value = fields.Integer(metadata={"description": "413: that limit's value"})
    max_depth = fields.Integer(metadata={"description": "400: the deepest nesting JSON may have"})
    required_scope = fields.String(
        metadata={
            "description": "403: the OAuth scope the API client lacks",
            "example": "notify:read",
        }
    )
    error = fields.String(
        metadata={"description": "OAuth errors (RFC 6749 5.2)", "example": "invalid_grant"}
    )
    error_description = fields.String(metadata={"description": "OAuth errors, in English"})
    cause = fields.String(
        metadata={
            "description": "503: what the service is waiting for (lock_timeout, "
            "statement_timeout, database_busy, database_unavailable, jwks_unreachable); "
            "retry the same request after Retry-After seconds",
            "example": "lock_timeout",
        }
    )
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "503 from /readyz: each dependency and its state"},
    )


def language() -> str:
    """The language of this request's answers: "en" when the caller prefers English, "vi"
    otherwise (the platform's users are Vietnamese)."""
    best = request.accept_languages.best_match(["vi", "en"], default="vi")
    return "en" if best == "en" else "vi"


def prefers_vietnamese() -> bool:
    """Vietnamese unless the caller prefers English; the platform's users are Vietnamese."""
    return language() == "vi"


def problem_body(
    status: int,
    slug: str,
    detail: Text | None = None,
    *,
    vietnamese: bool = True,
    instance: str | None = None,
    request_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The problem's JSON in one language: the title, ``detail`` and the messages of
    ``errors`` (each a ``kit.errors.Text``) are said in Vietnamese or English."""
    title_vi, title_en = TITLES.get(slug, TITLES[STATUS_SLUGS.get(status, "bad-request")])
    said = "vi" if vietnamese else "en"
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title_vi if vietnamese else title_en,
        "status": status,
    }
    if detail:
        body["detail"] = localise(detail, said)
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if "errors" in extra:
        extra = {**extra, "errors": localise(extra["errors"], said)}
    body.update(extra)
    return body


def problem_response(
    status: int,
    slug: str | None = None,
    detail: Text | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """Build the problem+json response for the current request, in its language."""
    vietnamese = language() == "vi"
    body = problem_body(
        status,
        slug or STATUS_SLUGS.get(status, "bad-request"),
        detail,
        vietnamese=vietnamese,
        instance=request.path,
        request_id=g.get("request_id"),
        **extra,
    )
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=CONTENT_TYPE)
    response.headers["Content-Language"] = "vi" if vietnamese else "en"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: Error) -> Response:
    """The answer to any ``kit.errors`` error: its status, slug, detail, members and headers."""
    return problem_response(
        error.status, error.slug, error.detail, headers=error.headers, **error.extra
    )
