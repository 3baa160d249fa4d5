"""The platform's errors: what went wrong, said once in Vietnamese and English, no HTTP machinery.

Domain code raises these; it never imports flask. The HTTP edge (``kit.web``) turns any of them
into an RFC 9457 problem+json answer, choosing the language once from ``Accept-Language``
(Vietnamese by default), so no rule has to know who is asking.

The vocabulary (class, status, ``type`` slug after ``urn:thidua:problem:``):

=========================  ======  =========================  ===============================
class                      status  slug                       carries
=========================  ======  =========================  ===============================
``BadRequest``             400     ``bad-request``
``Unauthorized``           401     ``unauthorized``           ``WWW-Authenticate`` (``code``)
``Forbidden``              403     ``forbidden``
``NotFound``               404     ``not-found``              built from ``(kind, id)``
``Conflict``               409     ``conflict``
``StateConflict``          409     ``conflict``               ``allowed``, ``status_now``
``PreconditionFailed``     412     ``precondition-failed``    ``current_etag``
``PayloadTooLarge``        413     ``payload-too-large``
``Invalid``                422     ``validation-failed``      ``errors`` (field -> messages)
``PreconditionRequired``   428     ``precondition-required``
``TooManyRequests``        429     ``too-many-requests``      ``Retry-After`` (``retry_after``)
``Unavailable``            503     ``service-unavailable``    ``Retry-After`` (``retry_after``)
``Problem``                any     any                        the escape hatch: both explicit
=========================  ======  =========================  ===============================

Every error may carry extension members as keyword arguments (``allowed``, ``issues``,
``current_etag``...: the members ``kit.problems.ProblemSchema`` documents); they go into the
body as they are.

A message (``Text``) is a pair ``(vietnamese, english)``, or one string said the same in both
(a code, a number, text quoted from the caller). ``detail`` and the messages of ``errors`` are
``Text``; ``localise`` picks the language, and only the edge calls it.

Catch ``Error`` to catch any of them (kit.policy's refusals included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "FORBIDDEN",
    "LANGUAGES",
    "REQUIRED",
    "STATUS_SLUGS",
    "BadRequest",
    "Conflict",
    "Error",
    "Forbidden",
    "Invalid",
    "Messages",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "StateConflict",
    "Text",
    "TooManyRequests",
    "Unauthorized",
    "Unavailable",
    "localise",
]

Text = str | tuple[str, str]
"""A message: ``(Vietnamese, English)``, or one string for both."""

Messages = Mapping[str, Sequence[Text]]
"""Field (a name, a JSON Pointer, an Excel cell) to its messages."""

LANGUAGES = ("vi", "en")


class Error(Exception):
    """Base of every error the platform answers with problem+json.

    Subclasses fix ``status`` and ``slug``; ``detail`` says what happened this time.
    ``headers`` are HTTP headers the answer must carry (``WWW-Authenticate``, ``Retry-After``).
    """

    status: int = 500
    slug: str = "internal-error"

    def __init__(self, detail: Text | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.slug!r}, {self.detail!r})"


class Problem(Error):
    """Any status and slug, given explicitly: for the rare answer the names below do not cover.

    ``Problem(status, slug, detail, **extra)``; the slug defaults to the status's.
    """

    def __init__(
        self, status: int, slug: str | None = None, detail: Text | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        self.status = status
        self.slug = slug or STATUS_SLUGS.get(status, "bad-request")


class BadRequest(Error):
    """400: the request cannot be understood."""

    status, slug = 400, "bad-request"


class Unauthorized(Error):
    """401: no valid credentials. ``code`` (RFC 6750: ``invalid_token``, ``missing_token``)
    goes into ``WWW-Authenticate`` so a client knows to sign in again."""

    status, slug = 401, "unauthorized"

    def __init__(self, detail: Text | None = None, *, code: str | None = None, **extra: Any):
        super().__init__(detail, **extra)
        if code is not None:
            self.headers["WWW-Authenticate"] = f'Bearer realm="thidua", error="{code}"'

    @classmethod
    def missing_token(cls) -> Unauthorized:
        """No bearer token was sent (the services' and the gateway's answer alike)."""
        return cls(
            (
                "Cần đăng nhập: thiếu mã truy cập (Bearer).",
                "Sign in first: no bearer token was sent.",
            ),
            code="missing_token",
        )

    @classmethod
    def invalid_token(cls, reason: Text) -> Unauthorized:
        """The token was refused: ``reason`` is kit.auth's (English, as jwt says it) or a pair
        (kit.principals: deactivated account, withdrawn role) said as it is."""
        if isinstance(reason, str):
            reason = (
                f"Mã truy cập không hợp lệ: {reason}.",
                f"The access token is invalid: {reason}.",
            )
        return cls(reason, code="invalid_token")


FORBIDDEN: Text = ("Bạn không có quyền thực hiện thao tác này.", "You may not do this.")


class Forbidden(Error):
    """403: the caller may know the object exists, but may not do this to it."""

    status, slug = 403, "forbidden"

    def __init__(self, detail: Text | None = FORBIDDEN, **extra: Any) -> None:
        super().__init__(detail, **extra)


class NotFound(Error):
    """404: nothing there, or nothing the caller may know exists (the same answer, on purpose).

    ``NotFound(("bảng tiêu chí", "criteria table"), id)`` says "Không có bảng tiêu chí <id>." /
    "No criteria table <id>."; without ``id``, "Không có … này." / "No such …"; without
    ``kind``, "Không tìm thấy." / "Not found.". ``detail`` overrides the sentence.
    """

    status, slug = 404, "not-found"

    def __init__(
        self,
        kind: tuple[str, str] | None = None,
        id: str | None = None,
        *,
        detail: Text | None = None,
        **extra: Any,
    ) -> None:
        if detail is None:
            if kind is None:
                detail = ("Không tìm thấy.", "Not found.")
            elif id is None:
                detail = (f"Không có {kind[0]} này.", f"No such {kind[1]}.")
            else:
                detail = (f"Không có {kind[0]} {id}.", f"No {kind[1]} {id}.")
        super().__init__(detail, **extra)
        self.kind, self.id = kind, id


class Conflict(Error):
    """409: the change conflicts with the current state (a name taken, a signature given)."""

    status, slug = 409, "conflict"


class StateConflict(Conflict):
    """409 of a state machine: ``action`` is not a move ``state`` allows.

    ``thing`` names what is moving, ``("Bảng", "table")``; the answer carries ``allowed`` (what
    the state allows now) and the state under ``state_member`` (``status_now`` unless said;
    scoring's sheets say ``sheet_status``).
    """

    def __init__(
        self,
        thing: tuple[str, str],
        state: str,
        action: str,
        allowed: Sequence[str],
        *,
        state_member: str = "status_now",
        **extra: Any,
    ) -> None:
        names = ", ".join(allowed)
        detail = (
            f"{thing[0]} đang ở trạng thái '{state}': không thể {action}. "
            f"Được phép: {names or 'không thao tác nào'}.",
            f"The {thing[1]} is {state}: cannot {action}. Allowed: {names or 'nothing'}.",
        )
        super().__init__(detail, **{state_member: state}, allowed=list(allowed), **extra)
        self.state, self.action, self.allowed = state, action, list(allowed)


class PreconditionFailed(Error):
    """412: the ``If-Match`` names a version that is no longer current; carries
    ``current_etag``, what to send once the caller has reloaded and merged."""

    status, slug = 412, "precondition-failed"

    def __init__(self, current_etag: str, detail: Text | None = None, **extra: Any) -> None:
        super().__init__(
            detail
            or (
                "Đã có người khác thay đổi; hãy tải lại.",
                "Someone else changed it meanwhile; reload.",
            ),
            current_etag=current_etag,
            **extra,
        )
        self.current_etag = current_etag


class PayloadTooLarge(Error):
    """413: the body, or what it unpacks to, is over a limit (say which in ``limit``)."""

    status, slug = 413, "payload-too-large"


class Invalid(Error):
    """422: what was sent is well formed but wrong. ``errors`` maps each field (its name, a
    JSON Pointer, an Excel cell) to its messages, each ``Text``."""

    status, slug = 422, "validation-failed"

    def __init__(
        self, errors: Messages | None = None, detail: Text | None = None, **extra: Any
    ) -> None:
        detail = detail or (
            "Một số trường không hợp lệ, xem errors.",
            "Some fields are invalid, see errors.",
        )
        if errors is not None:
            extra["errors"] = {name: list(messages) for name, messages in errors.items()}
        super().__init__(detail, **extra)


REQUIRED: Text = ("Cần gửi If-Match với ETag đã đọc.", "Send If-Match with the ETag you read.")


class PreconditionRequired(Error):
    """428: this change needs ``If-Match`` with the ETag the caller read."""

    status, slug = 428, "precondition-required"

    def __init__(self, detail: Text | None = None, **extra: Any) -> None:
        super().__init__(detail or REQUIRED, **extra)


class TooManyRequests(Error):
    """429: slow down; ``retry_after`` seconds go into ``Retry-After``."""

    status, slug = 429, "too-many-requests"

    def __init__(
        self, detail: Text | None = None, *, retry_after: int | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, **extra)
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)


class Unavailable(Error):
    """503: the service cannot answer now, through no fault of the request; the caller may
    retry the same request after ``retry_after`` seconds (``Retry-After``). ``cause`` names
    what is missing (``lock_timeout``, ``jwks_unreachable``...) for operators and clients."""

    status, slug = 503, "service-unavailable"

    def __init__(
        self,
        detail: Text | None = None,
        *,
        cause: str,
        retry_after: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail, cause=cause, **extra)
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)

    @classmethod
    def keys_unreachable(cls, retry_after: int) -> Unavailable:
        """A token's signing key cannot be checked: identity's keys cannot be fetched now."""
        return cls(
            (
                "Chưa kiểm tra được mã truy cập vì không lấy được khóa ký của dịch vụ định danh; "
                "hãy thử lại với cùng mã sau ít giây.",
                "The access token cannot be checked yet: identity's signing keys cannot be "
                "fetched. Retry with the same token in a few seconds.",
            ),
            cause="jwks_unreachable",
            retry_after=retry_after,
        )


def localise(value: Any, language: str = "vi") -> Any:
    """``value`` with every pair said in ``language`` ("vi" or "en"), through dicts and lists.

    A pair is a tuple of two strings; a string stays as it is (said the same in both).
    """
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0] if language != "en" else value[1]
    if isinstance(value, Mapping):
        return {key: localise(item, language) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [localise(item, language) for item in value]
    return value


# The slug of each status, for answers built from a status alone (werkzeug's, gunicorn's).
STATUS_SLUGS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    408: "request-timeout",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    414: "uri-too-long",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    431: "headers-too-large",
    500: "internal-error",
    501: "not-implemented",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}
