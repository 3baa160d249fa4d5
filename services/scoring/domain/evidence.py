"""Evidence: the files and links a unit attaches to a criterion of its sheet.

A file is accepted only when both its declared type and its first bytes say it is one of the
allowed kinds (PDF, JPEG, PNG, Word, Excel, OpenDocument): a renamed executable is refused
(415). Its bytes go to the evidence store under their SHA-256 (``services.scoring.storage``);
the name the unit gave is kept, cleaned of any path, for display and download. A link must be
``https``. Adding or removing evidence is editing the sheet: allowed to the unit while the
sheet is a draft or returned and its round is in self-assessment (or, for a returned sheet,
region review); every addition and removal is recorded in the sheet's history.

The database and the store agree under a lock on the content's key (PostgreSQL: an advisory
transaction lock; SQLite: one writer at a time already): a file is removed from the store in
the same locked transaction that finds no record left referring to it, and a record is added
only once its file is there.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Invalid, Problem, Text
from kit.text import code_points, control_characters, nfc
from services.scoring.domain import lifecycle
from services.scoring.models import Entry, Evidence, Sheet
from services.scoring.storage import EvidenceStore, Stored

MAX_URL = 2000
MAX_TITLE = 300
MAX_FILENAME = 255
SNIFF_BYTES = 16


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: str
    magic: str  # the family its first bytes belong to (see ``sniff``)
    extensions: tuple[str, ...]  # the first is added to a name that has none of them


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

FILE_TYPES: dict[str, FileType] = {
    t.content_type: t
    for t in (
        FileType(PDF, "PDF", "pdf", (".pdf",)),
        FileType("image/jpeg", "JPEG", "jpeg", (".jpg", ".jpeg")),
        FileType("image/png", "PNG", "png", (".png",)),
        FileType(DOCX, "DOCX", "zip", (".docx",)),
        FileType(XLSX, "XLSX", "zip", (".xlsx",)),
        FileType("application/msword", "DOC", "ole", (".doc",)),
        FileType("application/vnd.ms-excel", "XLS", "ole", (".xls",)),
        FileType(ODT, "ODT", "zip", (".odt",)),
        FileType(ODS, "ODS", "zip", (".ods",)),
    )
}
BY_EXTENSION = {ext: t for t in FILE_TYPES.values() for ext in t.extensions}
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": PDF}
# Declared types that say nothing precise (browsers and curl send them for unknown
# extensions): the file name's extension names the type instead, the bytes must still agree.
GENERIC = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/zip",
        "application/x-zip-compressed",
    }
)
MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"PK\x03\x04", "zip"),  # OOXML (docx, xlsx) and ODF (odt, ods) are ZIP packages
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # OLE2 compound files: doc, xls
)


def allowed_labels() -> str:
    return ", ".join(t.label for t in FILE_TYPES.values())


def sniff(head: bytes) -> str | None:
    """The family the first bytes belong to, or None."""
    return next((family for magic, family in MAGIC if head.startswith(magic)), None)


def file_type(declared: str | None, filename: str | None, head: bytes) -> FileType:
    """The allowed type the upload declares and its bytes confirm; 415 otherwise."""
    content_type = (declared or "").split(";")[0].strip().lower()
    content_type = ALIASES.get(content_type, content_type)
    if content_type in GENERIC:
        suffix = PurePosixPath(_last_component(filename or "")).suffix.lower()
        kind = BY_EXTENSION.get(suffix)
    else:
        kind = FILE_TYPES.get(content_type)
    if kind is None or sniff(head) != kind.magic:
        shown = content_type or "không rõ / unknown"
        raise Problem(
            415,
            "unsupported-media-type",
            (
                f"Tệp minh chứng phải là một trong các loại: {allowed_labels()} "
                f"(tệp gửi lên: {shown}, nội dung không khớp hoặc không được phép).",
                f"Evidence files must be one of: {allowed_labels()} "
                f"(sent: {shown}; its content does not match or is not allowed).",
            ),
            allowed=sorted(FILE_TYPES),
        )
    return kind


def _last_component(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def clean_filename(name: str | None, kind: FileType) -> str:
    """The name to show and download under: no path, no control or reserved characters,
    at most 255 characters, ending in an extension of its type."""
    name = _last_component(unicodedata.normalize("NFC", name or ""))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*')
    name = " ".join(name.split()).strip(" .")
    suffix = PurePosixPath(name).suffix
    if suffix.lower() in kind.extensions:
        stem, extension = name[: -len(suffix)], suffix
    else:
        stem, extension = name, kind.extensions[0]
    stem = stem.rstrip(" .") or "minh-chung"
    return stem[: MAX_FILENAME - len(extension)] + extension


def clean_title(title: Any) -> str | None:
    """One line of text, NFC, spaces collapsed; other control characters refused (NUL too,
    which PostgreSQL cannot store)."""
    if title is None:
        return None
    if not isinstance(title, str):
        raise _invalid("title", "Phải là chuỗi ký tự. / Must be a string.")
    title = " ".join(nfc(title).split())
    if bad := control_characters(title):
        points = code_points(bad)
        raise _invalid(
            "title",
            (
                f"Không được chứa ký tự điều khiển hay xuống dòng ({points}).",
                f"Must not contain control characters or line breaks ({points}).",
            ),
        )
    if len(title) > MAX_TITLE:
        raise _invalid("title", f"Tối đa {MAX_TITLE} ký tự. / At most {MAX_TITLE} characters.")
    return title or None


def check_link(url: Any) -> str:
    """An absolute https URL of at most 2000 characters, without credentials or spaces."""
    if not isinstance(url, str) or not url.strip():
        raise _invalid("url", "Bắt buộc. / Required.")
    url = url.strip()
    if len(url) > MAX_URL:
        raise _invalid("url", f"Tối đa {MAX_URL} ký tự. / At most {MAX_URL} characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if (
        parts is None
        or parts.scheme.lower() != "https"
        or not host
        or "@" in parts.netloc
        or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in url)
    ):
        raise _invalid(
            "url",
            "Chỉ nhận địa chỉ https:// đầy đủ (không chứa khoảng trắng hay thông tin đăng "
            "nhập). / Only a full https:// address (no spaces, no credentials).",
        )
    return url


def _invalid(field: str, message: Text) -> Invalid:
    return Invalid({field: [message]})


# -- records -------------------------------------------------------------------------------


def lock_content(session: Session, key: str) -> None:
    """Serialise every transaction that adds or removes a reference to ``key``."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": int(key[:15], 16)})


def references(session: Session, key: str) -> int:
    return session.execute(
        select(func.count()).select_from(Evidence).where(Evidence.storage_key == key)
    ).scalar_one()


def _summary(evidence: Evidence) -> dict[str, Any]:
    if evidence.kind == "link":
        return {"id": evidence.id, "kind": "link", "url": evidence.url, "title": evidence.title}
    return {
        "id": evidence.id,
        "kind": "file",
        "filename": evidence.filename,
        "sha256": evidence.sha256,
        "size": evidence.size,
        "title": evidence.title,
    }


def _record(session: Session, actor: str, evidence: Evidence, old: Any, new: Any) -> None:
    lifecycle.change_evidence(session, actor, evidence.sheet_id, evidence.code, old, new)


def _same(session: Session, sheet: Sheet, code: str, **match: Any) -> Evidence | None:
    return (
        session.execute(
            select(Evidence)
            .where(Evidence.sheet_id == sheet.id, Evidence.code == code)
            .filter_by(**match)
        )
        .scalars()
        .first()
    )


def add_file(
    session: Session,
    store: EvidenceStore,
    actor: str,
    sheet: Sheet,
    code: str,
    stored: Stored,
    *,
    kind: FileType,
    filename: str,
    title: str | None,
    restore: Callable[[], Stored],
) -> tuple[Evidence, bool]:
    """Record a stored file against the criterion; (record, created).

    The same bytes sent again for the same criterion answer the record already there
    (a retried upload makes no duplicate). ``restore`` stores the bytes again when a removal
    of the last other record deleted them between ``put`` and this transaction.
    """
    lock_content(session, stored.key)
    existing = _same(session, sheet, code, kind="file", sha256=stored.sha256)
    if existing is not None:
        return existing, False
    if not store.exists(stored.key):
        stored = restore()
    evidence = Evidence(
        id=str(uuid.uuid4()),
        sheet_id=sheet.id,
        code=code,
        kind="file",
        filename=filename,
        content_type=kind.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        url=None,
        title=title,
        uploaded_by=actor,
        uploaded_at=utcnow(),
    )
    session.add(evidence)
    _record(session, actor, evidence, None, _summary(evidence))
    session.flush()
    return evidence, True


def add_link(
    session: Session, actor: str, sheet: Sheet, code: str, url: str, title: str | None
) -> tuple[Evidence, bool]:
    existing = _same(session, sheet, code, kind="link", url=url)
    if existing is not None:
        return existing, False
    evidence = Evidence(
        id=str(uuid.uuid4()),
        sheet_id=sheet.id,
        code=code,
        kind="link",
        url=url,
        title=title,
        uploaded_by=actor,
        uploaded_at=utcnow(),
    )
    session.add(evidence)
    _record(session, actor, evidence, None, _summary(evidence))
    session.flush()
    return evidence, True


def remove(session: Session, store: EvidenceStore, actor: str, evidence: Evidence) -> None:
    """Delete the record, and its file when no other record refers to the same bytes.

    The file goes inside the locked transaction: a concurrent upload of the same bytes
    either committed before (and keeps it) or waits and stores it again.
    """
    key = evidence.storage_key
    if key is not None:
        lock_content(session, key)
    _record(session, actor, evidence, _summary(evidence), None)
    session.delete(evidence)
    session.flush()
    if key is not None and references(session, key) == 0:
        store.delete(key)


def discard_if_unused(session: Session, store: EvidenceStore, key: str) -> None:
    """After a failed upload: forget bytes that no record refers to."""
    lock_content(session, key)
    if references(session, key) == 0:
        store.delete(key)


def of_sheet(session: Session, sheet_id: str) -> list[Evidence]:
    """A sheet's evidence in the order of its criteria, oldest first within one."""
    position = (
        select(Entry.position)
        .where(Entry.sheet_id == Evidence.sheet_id, Entry.code == Evidence.code)
        .scalar_subquery()
    )
    return list(
        session.execute(
            select(Evidence)
            .where(Evidence.sheet_id == sheet_id)
            .order_by(position.nulls_last(), Evidence.code, Evidence.uploaded_at, Evidence.id)
        ).scalars()
    )
