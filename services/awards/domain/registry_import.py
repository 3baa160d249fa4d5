"""Importing the award registry: the document of sample-award-history.json, all or nothing.

The whole document is validated first, every problem keyed by its JSON pointer, and nothing
is written when there is any. Then people are upserted by staff code and awards held by
(recipient, award, year): what is unchanged is not touched (no revision, no audit row), so
re-importing a document changes nothing. Existing rows are read in bulk and new ones written
in bulk, never one query per row: 10,000 people with 100,000 awards import in seconds.

Enumerations (assessments, discipline levels, initiative scopes) come from the scales of the
pack in force today, or the sample pack's when none is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kit import dates, text
from kit.db import utcnow
from kit.errors import Invalid, NotFound, Text
from services.awards.domain import packs
from services.awards.models import (
    Achievement,
    Person,
    RankingResult,
    RegistryChange,
    UnitCopy,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-award-rules.json"
PERSON = ("cán bộ", "person")
CHUNK = 900
MIN_YEAR, MAX_YEAR = 2000, 2100
PERSON_FIELDS = (
    "full_name",
    "gender",
    "unit_id",
    "transferred_from_other_sector",
    "positions",
    "assessments",
    "service_months",
    "discipline",
    "initiatives",
)
PERSON_KEYS = ("id", *PERSON_FIELDS)
AWARD_KEYS = ("recipient", "award", "year", "decision", "decided_on", "revoked")


def scales(session: Session) -> dict[str, list[str]]:
    pack = packs.pack_on(session, dates.today())
    document = pack.document if pack else json.loads(SAMPLE.read_text("utf-8"))
    return document["scales"]


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


class _Errors:
    def __init__(self) -> None:
        self.by_pointer: dict[str, list[Text]] = {}

    def add(self, pointer: str, vi: str, en: str) -> None:
        self.by_pointer.setdefault(pointer, []).append((vi, en))

    def string(self, value: Any, pointer: str, max_length: int) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.add(pointer, "Phải là chuỗi không rỗng.", "Must be a non-empty string.")
            return False
        if len(value) > max_length:
            self.add(
                pointer, f"Dài quá {max_length} ký tự.", f"Longer than {max_length} characters."
            )
            return False
        if bad := text.control_characters(value):
            points = text.code_points(bad)
            self.add(
                pointer,
                f"Không được chứa ký tự điều khiển ({points}).",
                f"Must not contain control characters ({points}).",
            )
            return False
        return True

    def year(self, value: Any, pointer: str) -> bool:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not MIN_YEAR <= value <= MAX_YEAR
        ):
            self.add(
                pointer,
                f"Năm phải là số nguyên từ {MIN_YEAR} đến {MAX_YEAR}.",
                f"The year must be a whole number from {MIN_YEAR} to {MAX_YEAR}.",
            )
            return False
        return True

    def day(self, value: Any, pointer: str) -> date | None:
        if isinstance(value, str) and len(value) == 10:
            try:
                parsed = date.fromisoformat(value)
                if MIN_YEAR - 70 <= parsed.year <= MAX_YEAR:
                    return parsed
            except ValueError:
                pass
        self.add(pointer, "Phải là ngày YYYY-MM-DD.", "Must be a date YYYY-MM-DD.")
        return None

    def keys(
        self, value: Any, pointer: str, required: Sequence[str], allowed: Sequence[str]
    ) -> bool:
        if not isinstance(value, dict):
            self.add(pointer or "/", "Phải là một đối tượng JSON.", "Must be a JSON object.")
            return False
        for key in required:
            if key not in value:
                self.add(f"{pointer}/{key}", "Bắt buộc.", "Required.")
        for key in value:
            if key not in allowed:
                escaped = str(key).replace("~", "~0").replace("/", "~1")
                self.add(f"{pointer}/{escaped}", "Trường không được nhận.", "Unknown field.")
        return True

    def enum(self, value: Any, pointer: str, allowed: Sequence[str]) -> bool:
        if value not in allowed:
            self.add(
                pointer,
                f"Phải là một trong: {', '.join(allowed)}.",
                f"Must be one of: {', '.join(allowed)}.",
            )
            return False
        return True


def _person(
    entry: Any, p: str, errors: _Errors, scale: dict[str, list[str]]
) -> dict[str, Any] | None:
    """The entry in the registry's shape (NFC, defaults filled), or None with its errors."""
    before = len(errors.by_pointer)
    if not errors.keys(entry, p, ("id", "full_name", "gender", "unit_id"), PERSON_KEYS):
        return None
    for key, limit in (("id", 64), ("full_name", 200), ("unit_id", 64)):
        if key in entry:
            errors.string(entry[key], f"{p}/{key}", limit)
    if "gender" in entry:
        errors.enum(entry["gender"], f"{p}/gender", ("nam", "nu"))
    transferred = entry.get("transferred_from_other_sector", False)
    if not isinstance(transferred, bool):
        errors.add(
            f"{p}/transferred_from_other_sector",
            "Phải là true hoặc false.",
            "Must be true or false.",
        )
    positions = entry.get("positions") or []
    if not isinstance(positions, list):
        errors.add(f"{p}/positions", "Phải là danh sách.", "Must be a list.")
        positions = []
    clean_positions = []
    for i, period in enumerate(positions):
        q = f"{p}/positions/{i}"
        if not errors.keys(period, q, ("position", "from"), ("position", "from", "to")):
            continue
        if "position" in period:
            errors.string(period["position"], f"{q}/position", 32)
        start = errors.day(period["from"], f"{q}/from") if "from" in period else None
        end = period.get("to")
        if end is not None:
            end_day = errors.day(end, f"{q}/to")
            if start and end_day and end_day < start:
                errors.add(f"{q}/to", "Không được trước ngày bắt đầu.", "Must not be before from.")
        clean_positions.append(
            {"position": period.get("position"), "from": period.get("from"), "to": end}
        )
    assessments = _by_year(entry.get("assessments"), f"{p}/assessments", errors)
    for year, value in assessments.items():
        errors.enum(value, f"{p}/assessments/{year}", scale["assessment"])
    months = _by_year(entry.get("service_months"), f"{p}/service_months", errors)
    for year, value in months.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 12:
            errors.add(
                f"{p}/service_months/{year}",
                "Phải là số tháng từ 0 đến 12.",
                "Must be 0 to 12 months.",
            )
    discipline = _list(entry.get("discipline"), f"{p}/discipline", errors)
    for i, record in enumerate(discipline):
        q = f"{p}/discipline/{i}"
        if errors.keys(record, q, ("year", "level"), ("year", "level")):
            if "year" in record:
                errors.year(record["year"], f"{q}/year")
            if "level" in record:
                errors.enum(record["level"], f"{q}/level", scale["discipline"])
    initiatives = _list(entry.get("initiatives"), f"{p}/initiatives", errors)
    for i, item in enumerate(initiatives):
        q = f"{p}/initiatives/{i}"
        if errors.keys(item, q, ("year", "scope", "title"), ("year", "scope", "title")):
            if "year" in item:
                errors.year(item["year"], f"{q}/year")
            if "scope" in item:
                errors.enum(item["scope"], f"{q}/scope", scale["initiative_scope"])
            if "title" in item:
                errors.string(item["title"], f"{q}/title", 500)
    if len(errors.by_pointer) > before:
        return None
    return {
        "staff_code": entry["id"],
        "full_name": " ".join(entry["full_name"].split()),
        "gender": entry["gender"],
        "unit_id": entry["unit_id"],
        "transferred_from_other_sector": transferred,
        "positions": clean_positions,
        "assessments": dict(sorted(assessments.items())),
        "service_months": dict(sorted(months.items())),
        "discipline": discipline,
        "initiatives": initiatives,
    }


def _by_year(value: Any, pointer: str, errors: _Errors) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(
            pointer, "Phải là một đối tượng năm → giá trị.", "Must be an object year → value."
        )
        return {}
    out = {}
    for key, item in value.items():
        if not (isinstance(key, str) and key.isdigit() and MIN_YEAR <= int(key) <= MAX_YEAR):
            errors.add(
                f"{pointer}/{key}",
                f"Khóa phải là một năm từ {MIN_YEAR} đến {MAX_YEAR}.",
                f"The key must be a year from {MIN_YEAR} to {MAX_YEAR}.",
            )
            continue
        out[str(int(key))] = item
    return out


def _list(value: Any, pointer: str, errors: _Errors) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(pointer, "Phải là danh sách.", "Must be a list.")
        return []
    return value


def _award(entry: Any, p: str, errors: _Errors) -> dict[str, Any] | None:
    before = len(errors.by_pointer)
    required = ("recipient", "award", "year", "decision", "decided_on")
    if not errors.keys(entry, p, required, AWARD_KEYS):
        return None
    if "recipient" in entry:
        errors.string(entry["recipient"], f"{p}/recipient", 64)
    if "award" in entry:
        if not errors.string(entry["award"], f"{p}/award", 32):
            pass
        elif not packs.AWARD_CODE_RE.match(entry["award"]):
            errors.add(f"{p}/award", "Mã danh hiệu không hợp lệ.", "Not an award code.")
    if "year" in entry:
        errors.year(entry["year"], f"{p}/year")
    if "decision" in entry:
        errors.string(entry["decision"], f"{p}/decision", 200)
    decided = errors.day(entry["decided_on"], f"{p}/decided_on") if "decided_on" in entry else None
    revoked = entry.get("revoked", False)
    if not isinstance(revoked, bool):
        errors.add(f"{p}/revoked", "Phải là true hoặc false.", "Must be true or false.")
    if len(errors.by_pointer) > before:
        return None
    return {
        "recipient_id": entry["recipient"],
        "award_code": entry["award"],
        "year": entry["year"],
        "decision": entry["decision"],
        "decided_on": decided,
        "revoked": revoked,
    }


def _existing_people(
    session: Session, codes: Sequence[str], units: Sequence[str]
) -> dict[str, Person]:
    """The registry's people among ``codes``: first by their units (a few indexed values,
    whatever the number of people), then the rest (people moving units) by staff code."""
    wanted, found = set(codes), {}
    for chunk in _chunks(sorted(set(units))):
        for person in session.execute(select(Person).where(Person.unit_id.in_(chunk))).scalars():
            if person.staff_code in wanted:
                found[person.staff_code] = person
    rest = sorted(wanted - found.keys() - set(units))
    for chunk in _chunks(rest):
        for person in session.execute(select(Person).where(Person.staff_code.in_(chunk))).scalars():
            found[person.staff_code] = person
    return found


def _known_units(session: Session) -> set[str]:
    units = set(session.execute(select(UnitCopy.unit_id)).scalars())
    units.update(session.execute(select(Person.unit_id).distinct()).scalars())
    units.update(session.execute(select(RankingResult.unit_id).distinct()).scalars())
    return units


def _changed_fields(person: Person, row: dict[str, Any]) -> list[str]:
    return [f for f in PERSON_FIELDS if getattr(person, f) != row[f]]


def validate_document(
    session: Session, document: Any, *, allowed_units: set[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Person]]:
    """The people and award rows of a valid document, and the existing people they name;
    ``Invalid`` keyed by JSON pointer with every problem otherwise."""
    document = text.nfc_json(document)
    errors = _Errors()
    if not errors.keys(document, "", (), ("people", "awards")):
        raise Invalid(errors.by_pointer)
    if "people" not in document and "awards" not in document:
        # An empty object is a mistake (a wrong file, a wrapper), not a request to do nothing.
        errors.add(
            "/people",
            "Tài liệu cần có people hoặc awards.",
            "The document needs people or awards.",
        )
        raise Invalid(errors.by_pointer)
    scale = scales(session)
    entries = _list(document.get("people"), "/people", errors)
    award_entries = _list(document.get("awards"), "/awards", errors)
    people: list[dict[str, Any]] = []
    people_at: dict[str, int] = {}
    refused: set[str] = set()
    for i, entry in enumerate(entries):
        row = _person(entry, f"/people/{i}", errors, scale)
        if row is None:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                refused.add(entry["id"])  # its awards are not reported again
            continue
        code = row["staff_code"]
        if code in people_at:
            errors.add(
                f"/people/{i}/id",
                f"Mã cán bộ {code} trùng với /people/{people_at[code]}.",
                f"Staff code {code} repeats /people/{people_at[code]}.",
            )
            continue
        people_at[code] = i
        people.append(row)
    awards: list[dict[str, Any]] = []
    award_rows = [
        (i, _award(entry, f"/awards/{i}", errors)) for i, entry in enumerate(award_entries)
    ]
    recipients = {row["recipient_id"] for _, row in award_rows if row is not None}
    document_units = {row["unit_id"] for row in people}
    existing = _existing_people(session, sorted(set(people_at) | recipients), document_units)
    in_document = {row["staff_code"]: row for row in people}
    units = _known_units(session) | {row["unit_id"] for row in people}
    if allowed_units is not None:
        for row in people:
            i = people_at[row["staff_code"]]
            if row["unit_id"] not in allowed_units:
                errors.add(
                    f"/people/{i}/unit_id",
                    f"Bạn chỉ được nhập cán bộ của đơn vị mình; {row['unit_id']} là đơn vị khác.",
                    f"You may import only your own unit's people; "
                    f"{row['unit_id']} is another unit.",
                )
            before = existing.get(row["staff_code"])
            if before is not None and before.unit_id not in allowed_units:
                errors.add(
                    f"/people/{i}/id",
                    f"Cán bộ {row['staff_code']} thuộc đơn vị khác.",
                    f"{row['staff_code']} belongs to another unit.",
                )
    seen: dict[tuple[str, str, int], int] = {}
    for i, row in award_rows:
        if row is None:
            continue
        recipient = row["recipient_id"]
        if recipient in refused and recipient not in in_document:
            continue  # the person's own entry is in error already
        if recipient in in_document:
            row["recipient_kind"], row["unit_id"] = "individual", in_document[recipient]["unit_id"]
        elif recipient in existing:
            row["recipient_kind"], row["unit_id"] = "individual", existing[recipient].unit_id
        elif recipient in units:
            row["recipient_kind"], row["unit_id"] = "collective", recipient
        else:
            errors.add(
                f"/awards/{i}/recipient",
                f"Không có cán bộ hay đơn vị {recipient}.",
                f"No person or unit {recipient}.",
            )
            continue
        if allowed_units is not None and row["unit_id"] not in allowed_units:
            errors.add(
                f"/awards/{i}/recipient",
                f"{recipient} thuộc đơn vị khác.",
                f"{recipient} belongs to another unit.",
            )
            continue
        key = (recipient, row["award_code"], row["year"])
        if key in seen:
            errors.add(
                f"/awards/{i}",
                f"Trùng với /awards/{seen[key]} ({recipient}, {row['award_code']}, {row['year']}).",
                f"Repeats /awards/{seen[key]} ({recipient}, {row['award_code']}, {row['year']}).",
            )
            continue
        seen[key] = i
        awards.append(row)
    if errors.by_pointer:
        count = sum(len(v) for v in errors.by_pointer.values())
        raise Invalid(
            errors.by_pointer,
            (
                f"Tài liệu có {count} lỗi; chưa ghi gì.",
                f"The document has {count} errors; nothing was written.",
            ),
        )
    return people, awards, existing


def import_document(
    session: Session, actor_id: str, document: dict[str, Any], *, allowed_units: set[str] | None
) -> dict[str, Any]:
    """Validate and upsert the whole document; the counts of what was created, updated and
    left unchanged. ``allowed_units`` (None: any) limits a unit admin to its own people."""
    people, awards, existing = validate_document(session, document, allowed_units=allowed_units)
    now = utcnow()
    counts = {
        "people": {"created": 0, "updated": 0, "unchanged": 0},
        "awards": {"created": 0, "updated": 0, "unchanged": 0},
    }
    audit: dict[str, dict[str, Any]] = {}

    def note(subject_id: str, unit_id: str, action: str) -> dict[str, Any]:
        entry = audit.setdefault(
            subject_id,
            {
                "subject_id": subject_id,
                "unit_id": unit_id,
                "action": action,
                "detail": {"source": "import"},
            },
        )
        return entry["detail"]

    new_people, changed_people, moved = [], [], defaultdict(list)
    for row in people:
        before = existing.get(row["staff_code"])
        if before is None:
            new_people.append(
                {
                    **row,
                    "name_key": text.search_key(row["full_name"]),
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                    "updated_by": actor_id,
                }
            )
            note(row["staff_code"], row["unit_id"], "created")["fields"] = list(PERSON_FIELDS)
            counts["people"]["created"] += 1
            continue
        fields = _changed_fields(before, row)
        if not fields:
            counts["people"]["unchanged"] += 1
            continue
        if "unit_id" in fields:
            moved[row["unit_id"]].append(row["staff_code"])
        changed_people.append(
            {
                **row,
                "name_key": text.search_key(row["full_name"]),
                "revision": before.revision + 1,
                "updated_at": now,
                "updated_by": actor_id,
            }
        )
        note(row["staff_code"], row["unit_id"], "updated")["fields"] = fields
        counts["people"]["updated"] += 1

    held: dict[tuple[str, str, int], Any] = {}
    recipients = {a["recipient_id"] for a in awards}
    # by unit (indexed, a few values), the units the recipients' rows may carry: their new
    # unit, and for people moving, their old one
    units = {a["unit_id"] for a in awards} | {
        existing[r].unit_id for r in recipients if r in existing
    }
    columns = (
        Achievement.id,
        Achievement.recipient_id,
        Achievement.award_code,
        Achievement.year,
        Achievement.recipient_kind,
        Achievement.unit_id,
        Achievement.decision,
        Achievement.decided_on,
        Achievement.revoked,
    )
    for chunk in _chunks(sorted(units)):
        for found in session.execute(select(*columns).where(Achievement.unit_id.in_(chunk))):
            if found.recipient_id in recipients:
                held[(found.recipient_id, found.award_code, found.year)] = found
    new_awards, changed_awards = [], []
    for row in awards:
        before_award = held.get((row["recipient_id"], row["award_code"], row["year"]))
        change = {"award": row["award_code"], "year": row["year"]}
        if before_award is None:
            new_awards.append(
                {**row, "source": "imported", "recorded_at": now, "recorded_by": actor_id}
            )
            note(row["recipient_id"], row["unit_id"], "awards_recorded").setdefault(
                "awards", []
            ).append({**change, "change": "created"})
            counts["awards"]["created"] += 1
            continue
        differs = [
            f
            for f in ("recipient_kind", "unit_id", "decision", "decided_on", "revoked")
            if getattr(before_award, f) != row[f]
        ]
        if not differs:
            counts["awards"]["unchanged"] += 1
            continue
        changed_awards.append({"id": before_award.id, **{f: row[f] for f in differs}})
        note(row["recipient_id"], row["unit_id"], "awards_recorded").setdefault(
            "awards", []
        ).append({**change, "change": "updated", "fields": differs})
        counts["awards"]["updated"] += 1

    if new_people:
        session.execute(insert(Person), new_people)
    if changed_people:
        session.execute(update(Person), changed_people)
    for unit_id, codes in moved.items():  # their awards follow them to the new unit
        for chunk in _chunks(codes):
            session.execute(
                update(Achievement)
                .where(Achievement.recipient_id.in_(chunk))
                .values(unit_id=unit_id)
                .execution_options(synchronize_session=False)
            )
    if new_awards:
        session.execute(insert(Achievement), new_awards)
    if changed_awards:
        _update_by_id(session, changed_awards)
    if audit:
        session.execute(
            insert(RegistryChange),
            [{**entry, "actor_id": actor_id, "at": now} for entry in audit.values()],
        )
    session.flush()
    return counts


def _update_by_id(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk UPDATE by primary key needs every row to set the same columns: group them."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    for group in groups.values():
        session.execute(update(Achievement), group)


def replace_person(
    session: Session,
    actor_id: str,
    staff_code: str,
    entry: dict[str, Any],
    *,
    allowed_units: set[str] | None,
) -> Person:
    """Replace a person's record with ``entry`` (the import document's shape for one person;
    its ``id``, if given, must be ``staff_code``). Unchanged: nothing written."""
    person = session.get(Person, staff_code, with_for_update=True)
    if person is None or (allowed_units is not None and person.unit_id not in allowed_units):
        raise NotFound(PERSON, staff_code)
    entry = text.nfc_json(entry)
    errors = _Errors()
    if isinstance(entry, dict):
        if "id" in entry and entry["id"] != staff_code:
            errors.add("/id", f"Phải là {staff_code}.", f"Must be {staff_code}.")
        entry = {**entry, "id": staff_code}
    row = _person(entry, "", errors, scales(session))
    if row is not None and allowed_units is not None and row["unit_id"] not in allowed_units:
        errors.add(
            "/unit_id",
            f"Không thể chuyển cán bộ sang đơn vị khác ({row['unit_id']}).",
            f"You cannot move the person to another unit ({row['unit_id']}).",
        )
    if errors.by_pointer or row is None:
        raise Invalid(errors.by_pointer)
    fields = _changed_fields(person, row)
    if not fields:
        return person
    for field in fields:
        setattr(person, field, row[field])
    person.name_key = text.search_key(person.full_name)
    person.revision += 1
    person.updated_at = utcnow()
    person.updated_by = actor_id
    if "unit_id" in fields:
        session.execute(
            update(Achievement)
            .where(Achievement.recipient_id == staff_code)
            .values(unit_id=row["unit_id"])
            .execution_options(synchronize_session=False)
        )
    session.add(
        RegistryChange(
            subject_id=staff_code,
            unit_id=person.unit_id,
            action="updated",
            detail={"source": "edit", "fields": fields},
            actor_id=actor_id,
            at=utcnow(),
        )
    )
    session.flush()
    return person
