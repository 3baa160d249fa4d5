"""Criteria tables: drafts, publication, amendments, clones and differences between versions.

Lifecycle: ``draft`` (ministry officers edit it; every save is validated by ``scoringrules``)
→ ``published`` (immutable; everyone signed in reads it; version n of its year and unit
kind) → ``superseded`` (when an amendment, version n+1 with a change note, is published).
Publishing emits ``criteria.table.published`` with the full snapshot and the definitions of
the scoring methods it uses, so consumers never call back.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import scoringrules
from kit.db import utcnow
from kit.errors import Invalid, StateConflict, Text
from kit.events import emit
from kit.text import nfc_json
from scoringrules import table as rules
from services.criteria import events
from services.criteria.models import CriteriaTable

UNIT_KINDS = {"so-tu-phap": "Sở Tư pháp", "cuc-thads": "Cơ quan thi hành án dân sự"}

TRANSITIONS = {
    "draft": ["edit", "publish", "delete"],
    "published": ["amend", "clone"],
    "superseded": ["clone"],
}


def invalid_document(issues: list[Any]) -> Invalid:
    """422 naming every issue by its JSON Pointer into the table document (``errors``, in the
    caller's language) and listing them with both languages and their codes (``issues``)."""
    errors: dict[str, list[Text]] = {}
    for issue in issues:
        errors.setdefault(issue.pointer or "/", []).append((issue.vi, issue.en))
    return Invalid(
        errors,
        (
            f"Bảng tiêu chí có {len(issues)} lỗi, xem errors (khóa là vị trí trong bảng).",
            f"The table has {len(issues)} problems, see errors (keyed by JSON Pointer).",
        ),
        issues=[{"pointer": i.pointer, "code": i.code, "vi": i.vi, "en": i.en} for i in issues],
    )


def conflict(table: CriteriaTable, action: str) -> StateConflict:
    return StateConflict(("Bảng", "table"), table.status, action, TRANSITIONS[table.status])


def _checked(document: dict[str, Any], year: int, unit_kind: str) -> dict[str, Any]:
    """The document as stored: every text NFC (from JSON or Excel alike), then validated
    (control characters are issues with their pointer, scoringrules.table)."""
    document = nfc_json(document)
    document["year"], document["unit_kind"] = year, unit_kind
    issues = rules.validate(document)
    if issues:
        raise invalid_document(issues)
    return document


def create_draft(
    session: Session,
    actor: str,
    *,
    year: int,
    unit_kind: str,
    document: dict[str, Any],
    amends: CriteriaTable | None = None,
) -> CriteriaTable:
    document = _checked(document, year, unit_kind)
    now = utcnow()
    table = CriteriaTable(
        id=str(uuid.uuid4()),
        year=year,
        unit_kind=unit_kind,
        status="draft",
        version=None,
        title=document["title"],
        document=document,
        revision=1,
        amends_id=amends.id if amends else None,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(table)
    session.flush()
    return table


def update_draft(session: Session, table: CriteriaTable, document: dict[str, Any]) -> CriteriaTable:
    if table.status != "draft":
        raise conflict(table, "edit")
    table.document = _checked(document, table.year, table.unit_kind)
    table.title = table.document["title"]
    table.revision += 1
    table.updated_at = utcnow()
    return table


def delete_draft(session: Session, table: CriteriaTable) -> None:
    if table.status != "draft":
        raise conflict(table, "delete")
    session.delete(table)


def current(session: Session, year: int, unit_kind: str) -> CriteriaTable | None:
    """The published (not superseded) table of a year and unit kind."""
    return session.execute(
        select(CriteriaTable).where(
            CriteriaTable.year == year,
            CriteriaTable.unit_kind == unit_kind,
            CriteriaTable.status == "published",
        )
    ).scalar()


def publish(
    session: Session, actor: str, table: CriteriaTable, change_note: str | None
) -> CriteriaTable:
    """Publish a draft as the next version; the version it replaces becomes superseded."""
    if table.status != "draft":
        raise conflict(table, "publish")
    previous = current(session, table.year, table.unit_kind)
    if previous is not None and not (change_note and change_note.strip()):
        raise Invalid(
            {
                "change_note": [
                    (
                        "Bắt buộc khi đã có phiên bản ban hành.",
                        "Required once a version is published.",
                    )
                ]
            },
            (
                "Sửa đổi một bảng đã ban hành cần ghi chú thay đổi.",
                "Amending a published table needs a change note.",
            ),
        )
    latest = session.execute(
        select(func.max(CriteriaTable.version)).where(
            CriteriaTable.year == table.year, CriteriaTable.unit_kind == table.unit_kind
        )
    ).scalar()
    if previous is not None:
        previous.status = "superseded"
        session.flush()  # the published slot is free before this one takes it
    table.status = "published"
    table.version = (latest or 0) + 1
    table.change_note = change_note.strip() if change_note else None
    table.amends_id = previous.id if previous else table.amends_id
    table.published_by, table.published_at = actor, utcnow()
    table.rules_version = scoringrules.RULES_VERSION
    session.flush()
    emit(
        session,
        events.TABLE_PUBLISHED,
        subject=f"criteria-table/{table.year}/{table.unit_kind}",
        data=snapshot(table, previous),
    )
    return table


def snapshot(table: CriteriaTable, previous: CriteriaTable | None = None) -> dict[str, Any]:
    """What consumers keep: the whole table and the methods that score it."""
    return {
        "table_id": table.id,
        "year": table.year,
        "unit_kind": table.unit_kind,
        "version": table.version,
        "supersedes_table_id": previous.id if previous else None,
        "change_note": table.change_note,
        "published_at": table.published_at.isoformat() if table.published_at else None,
        "rules_version": table.rules_version,
        "methods": rules.definitions(table.document),
        "document": table.document,
    }


def amend(session: Session, actor: str, table: CriteriaTable) -> CriteriaTable:
    """A draft of the next version, starting from the published one."""
    if table.status != "published":
        raise conflict(table, "amend")
    return create_draft(
        session,
        actor,
        year=table.year,
        unit_kind=table.unit_kind,
        document=table.document,
        amends=table,
    )


def clone(session: Session, actor: str, table: CriteriaTable, year: int) -> CriteriaTable:
    """Next year's draft, starting from any published or superseded version."""
    if table.status == "draft":
        raise conflict(table, "clone")
    document = copy.deepcopy(table.document)
    document["title"] = document["title"].replace(str(table.year), str(year))
    return create_draft(session, actor, year=year, unit_kind=table.unit_kind, document=document)


# -- differences -------------------------------------------------------------------------

COMPARED = (
    "title",
    "max_points",
    "method",
    "evidence_required",
    "when_not_applicable",
    "per_count",
    "max_count",
)


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any]) -> None:
        found[node["code"]] = node
        for child in node.get("children", []):
            walk(child)

    for part in document.get("parts", []):
        walk(part)
    for section in ("bonus", "deduction"):
        if document.get(section):
            found[document[section]["code"]] = {
                k: v for k, v in document[section].items() if k != "items"
            }
            for item in document[section].get("items", []):
                found[item["code"]] = item
    return found


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Added, removed and changed nodes (by code), with old and new values of what changed."""
    before, after = _nodes(old), _nodes(new)
    changed = []
    for code in after.keys() & before.keys():
        fields = {
            f: {"old": before[code].get(f), "new": after[code].get(f)}
            for f in COMPARED
            if before[code].get(f) != after[code].get(f)
        }
        if fields:
            changed.append({"code": code, "title": after[code].get("title"), "changes": fields})
    order = list(after) + [c for c in before if c not in after]
    rank = {code: i for i, code in enumerate(order)}
    summary = {
        k: {"old": old.get(k), "new": new.get(k)}
        for k in ("max_points", "rank_bands", "rounding")
        if old.get(k) != new.get(k)
    }
    return {
        "added": [
            {"code": c, "title": after[c].get("title"), "max_points": after[c].get("max_points")}
            for c in order
            if c not in before
        ],
        "removed": [
            {"code": c, "title": before[c].get("title"), "max_points": before[c].get("max_points")}
            for c in order
            if c not in after
        ],
        "changed": sorted(changed, key=lambda c: rank[c["code"]]),
        "table": summary,
    }


def diff_text(difference: dict[str, Any], old_label: str, new_label: str) -> str:
    """The difference as plain text an officer can paste into a memo (Vietnamese labels)."""
    lines = [f"So sánh {old_label} → {new_label}", ""]
    if difference["table"]:
        for key, change in difference["table"].items():
            lines.append(f"* Bảng — {key}: {change['old']} → {change['new']}")
    for item in difference["added"]:
        lines.append(f"+ Thêm {item['code']} {item['title']} ({item['max_points']} điểm)")
    for item in difference["removed"]:
        lines.append(f"- Bỏ {item['code']} {item['title']} ({item['max_points']} điểm)")
    for item in difference["changed"]:
        for field, change in item["changes"].items():
            lines.append(f"~ Sửa {item['code']} {field}: {change['old']} → {change['new']}")
    if len(lines) == 2:
        lines.append("Không có thay đổi.")
    return "\n".join(lines) + "\n"
