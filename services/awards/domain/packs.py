"""Rule packs: the awards' rules as versioned data, validated, published, and found in force.

A pack is one JSON document (services/awards/data/sample-award-rules.json). Its validation
reports every problem at once, each keyed by its JSON pointer (``/awards/3/conditions/1/years``),
so a ministry officer fixes a document in one pass. A pack is stored as a draft with the next
version of its code; once published it never changes (a new rule is a new version).

The pack in force for award A in year Y is the published pack in force on A's reference day of
Y (docs/awards.md, "The pack in force"); a bonus is computed by the pack in force on the
decision's date.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kit import text
from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, StateConflict, Text
from services.awards.domain import conditions as engine
from services.awards.models import RulePack

AWARD = ("danh hiệu, hình thức khen thưởng", "award")
PACK = ("bộ quy tắc", "rule pack")
THING = ("Bộ quy tắc", "rule pack")

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
AWARD_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MMDD_RE = re.compile(r"^\d{2}-\d{2}$")
CONFIDENCE = ("C", "S", "U")
SCALES = ("assessment", "discipline", "initiative_scope")


# -- validation ----------------------------------------------------------------------------


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Checker:
    """Collects every problem of a document, keyed by JSON pointer."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Text]] = {}

    def add(self, pointer: str, vi: str, en: str) -> None:
        self.errors.setdefault(pointer or "/", []).append((vi, en))

    def object(
        self,
        value: Any,
        pointer: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> bool:
        """An object with these keys only (``confidence`` wherever allowed is in optional)."""
        if not isinstance(value, dict):
            self.add(pointer, "Phải là một đối tượng JSON.", "Must be a JSON object.")
            return False
        for key in required:
            if key not in value:
                self.add(f"{pointer}/{_escape(key)}", "Bắt buộc.", "Required.")
        for key in value:
            if key not in required and key not in optional:
                self.add(
                    f"{pointer}/{_escape(str(key))}",
                    "Trường không được nhận.",
                    "Unknown field.",
                )
        return True

    def string(self, value: Any, pointer: str, *, max_length: int = 300) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.add(pointer, "Phải là chuỗi không rỗng.", "Must be a non-empty string.")
            return False
        if len(value) > max_length:
            self.add(
                pointer,
                f"Dài quá {max_length} ký tự.",
                f"Longer than {max_length} characters.",
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

    def code(self, value: Any, pointer: str, pattern: re.Pattern[str] = CODE_RE) -> bool:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(
                pointer,
                "Mã chỉ gồm chữ không dấu, số, '-', '_', '.'.",
                "A code is letters without diacritics, digits, '-', '_' and '.'.",
            )
            return False
        return True

    def day(self, value: Any, pointer: str) -> date | None:
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value)
                if len(value) == 10 and 2000 <= parsed.year <= 2100:
                    return parsed
            except ValueError:
                pass
        self.add(
            pointer,
            "Phải là ngày YYYY-MM-DD (năm 2000–2100).",
            "Must be a date YYYY-MM-DD (years 2000–2100).",
        )
        return None

    def integer(self, value: Any, pointer: str, low: int, high: int) -> bool:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                pointer,
                f"Phải là số nguyên từ {low} đến {high}.",
                f"Must be a whole number from {low} to {high}.",
            )
            return False
        return True

    def number(self, value: Any, pointer: str, low: float, high: float | None = None) -> bool:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        ok = ok and value >= low and (high is None or value <= high)
        if not ok:
            vi = f"từ {low:g} đến {high:g}" if high is not None else f"từ {low:g} trở lên"
            en = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            self.add(pointer, f"Phải là một số {vi}.", f"Must be a number {en}.")
        return ok

    def boolean(self, value: Any, pointer: str) -> bool:
        if not isinstance(value, bool):
            self.add(pointer, "Phải là true hoặc false.", "Must be true or false.")
            return False
        return True

    def confidence(self, value: dict[str, Any], pointer: str) -> None:
        if "confidence" in value and value["confidence"] not in CONFIDENCE:
            self.add(
                f"{pointer}/confidence",
                "Phải là C, S hoặc U.",
                "Must be C, S or U.",
            )


def validate(document: Any) -> dict[str, Any]:
    """The document, NFC, if it is a valid rule pack; else ``Invalid`` with every problem
    keyed by its JSON pointer."""
    document = text.nfc_json(document)
    c = _Checker()
    top = (
        "code",
        "title",
        "effective_from",
        "effective_to",
        "base_salary",
        "bonus_rounding",
        "awards",
        "scales",
    )
    if not c.object(document, "", top, ("basis", "note", "confidence")):
        raise Invalid(c.errors)
    c.confidence(document, "")
    if "code" in document:
        c.code(document["code"], "/code")
    if "title" in document:
        c.string(document["title"], "/title")
    if "note" in document and not isinstance(document["note"], str):
        c.add("/note", "Phải là chuỗi.", "Must be a string.")
    _basis(c, document, "")
    start = (
        c.day(document["effective_from"], "/effective_from")
        if "effective_from" in document
        else None
    )
    if document.get("effective_to") is not None:
        end = c.day(document["effective_to"], "/effective_to")
        if start and end and end < start:
            c.add(
                "/effective_to",
                "Không được trước ngày bắt đầu hiệu lực.",
                "Must not be before effective_from.",
            )
    if "base_salary" in document:
        _base_salary(c, document["base_salary"])
    if "bonus_rounding" in document:
        rounding = document["bonus_rounding"]
        if c.object(
            rounding, "/bonus_rounding", ("up_to_multiple_of_vnd",), ("basis", "confidence")
        ):
            c.confidence(rounding, "/bonus_rounding")
            if "up_to_multiple_of_vnd" in rounding:
                c.integer(
                    rounding["up_to_multiple_of_vnd"],
                    "/bonus_rounding/up_to_multiple_of_vnd",
                    1,
                    10**9,
                )
            _basis(c, rounding, "/bonus_rounding")
    scales = _scales(c, document.get("scales")) if "scales" in document else {}
    if "awards" in document:
        _awards(c, document["awards"], scales)
    if c.errors:
        raise Invalid(
            c.errors,
            (
                f"Bộ quy tắc có {sum(len(v) for v in c.errors.values())} lỗi, xem errors.",
                f"The rule pack has {sum(len(v) for v in c.errors.values())} problems, see errors.",
            ),
        )
    return document


def _basis(c: _Checker, value: dict[str, Any], pointer: str) -> None:
    basis = value.get("basis")
    if basis is None:
        return
    if isinstance(basis, list):
        for i, item in enumerate(basis):
            c.string(item, f"{pointer}/basis/{i}", max_length=1000)
    else:
        c.string(basis, f"{pointer}/basis", max_length=1000)


def _base_salary(c: _Checker, salaries: Any) -> None:
    if not isinstance(salaries, list) or not salaries:
        c.add("/base_salary", "Phải là danh sách không rỗng.", "Must be a non-empty list.")
        return
    seen: set[date] = set()
    for i, entry in enumerate(salaries):
        pointer = f"/base_salary/{i}"
        if not c.object(entry, pointer, ("from", "vnd"), ("basis", "confidence")):
            continue
        c.confidence(entry, pointer)
        _basis(c, entry, pointer)
        if "from" in entry and (day := c.day(entry["from"], f"{pointer}/from")):
            if day in seen:
                c.add(f"{pointer}/from", "Trùng ngày.", "Duplicate date.")
            seen.add(day)
        if "vnd" in entry:
            c.integer(entry["vnd"], f"{pointer}/vnd", 1, 10**12)


def _scales(c: _Checker, scales: Any) -> dict[str, list[str]]:
    pointer = "/scales"
    if not c.object(scales, pointer, (*SCALES[:1], "assessment_names", *SCALES[1:])):
        return {}
    out: dict[str, list[str]] = {}
    for name in SCALES:
        if name not in scales:
            continue
        values = scales[name]
        if not isinstance(values, list) or not values:
            c.add(f"{pointer}/{name}", "Phải là danh sách không rỗng.", "Must be a non-empty list.")
            continue
        good = [v for i, v in enumerate(values) if c.code(v, f"{pointer}/{name}/{i}")]
        if len(set(good)) != len(good):
            c.add(f"{pointer}/{name}", "Có giá trị trùng.", "Has duplicate values.")
        out[name] = good
    names = scales.get("assessment_names")
    if "assessment_names" in scales:
        if not isinstance(names, dict):
            c.add(
                f"{pointer}/assessment_names",
                "Phải là một đối tượng JSON.",
                "Must be a JSON object.",
            )
        else:
            for key, label in names.items():
                at = f"{pointer}/assessment_names/{_escape(str(key))}"
                if key not in out.get("assessment", []):
                    c.add(at, "Không có trong scales.assessment.", "Not in scales.assessment.")
                else:
                    c.string(label, at)
    return out


def _awards(c: _Checker, awards: Any, scales: dict[str, list[str]]) -> None:
    if not isinstance(awards, list) or not awards:
        c.add("/awards", "Phải là danh sách không rỗng.", "Must be a non-empty list.")
        return
    codes = {
        a.get("code") for a in awards if isinstance(a, dict) and isinstance(a.get("code"), str)
    }
    seen: set[str] = set()
    required = ("code", "name", "kind", "recipient", "level", "basis", "conditions")
    optional = (
        "quota",
        "council",
        "public_comment_working_days",
        "once_per_recipient",
        "bonus_multiple",
        "reference_day",
        "proposed_by",
        "confidence",
    )
    for i, award in enumerate(awards):
        p = f"/awards/{i}"
        if not c.object(award, p, required, optional):
            continue
        c.confidence(award, p)
        if "code" in award and c.code(award["code"], f"{p}/code", AWARD_CODE_RE):
            if award["code"] in seen:
                c.add(f"{p}/code", "Mã danh hiệu bị trùng.", "Duplicate award code.")
            seen.add(award["code"])
        for key in ("name", "level"):
            if key in award:
                c.string(award[key], f"{p}/{key}")
        if "basis" in award:
            c.string(award["basis"], f"{p}/basis", max_length=1000)
        _one_of(c, award, "kind", ("title", "form"), p)
        _one_of(c, award, "recipient", (engine.INDIVIDUAL, engine.COLLECTIVE), p)
        if award.get("proposed_by") is not None:
            _one_of(c, award, "proposed_by", ("unit", "region"), p)
        recipient = award.get("recipient")
        conds = award.get("conditions")
        if "conditions" in award:
            if not isinstance(conds, list):
                c.add(f"{p}/conditions", "Phải là danh sách.", "Must be a list.")
            else:
                for j, cond in enumerate(conds):
                    _condition(c, cond, f"{p}/conditions/{j}", scales, codes, recipient)
        if award.get("quota") is not None:
            _quota(c, award["quota"], f"{p}/quota", codes)
        if award.get("council") is not None:
            council = award["council"]
            if c.object(
                council,
                f"{p}/council",
                ("secret_ballot", "min_share", "of"),
                ("confidence", "quorum"),
            ):
                c.confidence(council, f"{p}/council")
                if "secret_ballot" in council:
                    c.boolean(council["secret_ballot"], f"{p}/council/secret_ballot")
                if "min_share" in council:
                    c.number(council["min_share"], f"{p}/council/min_share", 0, 1)
                if "of" in council and council["of"] != "total_members":
                    c.add(f"{p}/council/of", "Phải là total_members.", "Must be total_members.")
                if "quorum" in council:
                    _quorum(c, council["quorum"], f"{p}/council/quorum")
        if award.get("public_comment_working_days") is not None:
            c.integer(
                award["public_comment_working_days"], f"{p}/public_comment_working_days", 0, 365
            )
        if "once_per_recipient" in award:
            c.boolean(award["once_per_recipient"], f"{p}/once_per_recipient")
        if award.get("bonus_multiple") is not None:
            c.number(award["bonus_multiple"], f"{p}/bonus_multiple", 0)
        if award.get("reference_day") is not None:
            _reference_day(c, award["reference_day"], f"{p}/reference_day")


def _one_of(c: _Checker, value: dict[str, Any], key: str, allowed: tuple[str, ...], p: str) -> None:
    if key in value and value[key] not in allowed:
        c.add(
            f"{p}/{key}",
            f"Phải là một trong: {', '.join(allowed)}.",
            f"Must be one of: {', '.join(allowed)}.",
        )


def _reference_day(c: _Checker, value: Any, pointer: str) -> None:
    if isinstance(value, str) and MMDD_RE.match(value):
        month, day = (int(x) for x in value.split("-"))
        try:
            date(2000, month, day)  # a leap year: 02-29 is a day
            return
        except ValueError:
            pass
    c.add(pointer, "Phải là một ngày MM-DD.", "Must be a day MM-DD.")


def _quorum(c: _Checker, quorum: Any, p: str) -> None:
    """A council's quorum: ``{"more_than": share}`` or ``{"at_least": share}`` of its members
    present (without one, more than half: domain.councils)."""
    if c.object(quorum, p, (), ("more_than", "at_least")):
        given = [k for k in ("more_than", "at_least") if k in quorum]
        if len(given) != 1:
            c.add(
                p, "Cần đúng một trong: more_than, at_least.", "Needs one of: more_than, at_least."
            )
        for key in given:
            c.number(quorum[key], f"{p}/{key}", 0, 1)


def _quota(c: _Checker, quota: Any, p: str, codes: set[Any]) -> None:
    if not isinstance(quota, dict):
        c.add(p, "Phải là một đối tượng JSON.", "Must be a JSON object.")
        return
    if quota.get("per") == "unit":
        if c.object(quota, p, ("max_share", "of_award", "per"), ("confidence",)):
            if "max_share" in quota:
                c.number(quota["max_share"], f"{p}/max_share", 0, 1)
            if "of_award" in quota:
                _award_ref(c, quota["of_award"], f"{p}/of_award", codes)
    elif quota.get("per") == "region":
        if c.object(quota, p, ("max_count", "per"), ("confidence",)) and "max_count" in quota:
            c.integer(quota["max_count"], f"{p}/max_count", 0, 10**6)
    else:
        c.add(f"{p}/per", "Phải là unit hoặc region.", "Must be unit or region.")
    c.confidence(quota, p)


def _award_ref(c: _Checker, value: Any, pointer: str, codes: set[Any]) -> None:
    if not isinstance(value, str) or value not in codes:
        c.add(
            pointer,
            f"Không có danh hiệu {value!s} trong bộ quy tắc.",
            f"No award {value!s} in the pack.",
        )


def _condition(
    c: _Checker,
    cond: Any,
    p: str,
    scales: dict[str, list[str]],
    codes: set[Any],
    recipient: Any,
) -> None:
    if not isinstance(cond, dict):
        c.add(p, "Phải là một đối tượng JSON.", "Must be a JSON object.")
        return
    kind = cond.get("type")
    spec = engine.CONDITIONS_TABLE.get(kind) if isinstance(kind, str) else None
    if spec is None:
        known = ", ".join(engine.CONDITIONS_TABLE)
        c.add(
            f"{p}/type",
            f"Loại điều kiện không có; có: {known}.",
            f"Unknown condition type; known: {known}.",
        )
        return
    c.object(cond, p, ("type", *spec.required), (*spec.optional, "confidence"))
    c.confidence(cond, p)
    if recipient in (engine.INDIVIDUAL, engine.COLLECTIVE) and recipient not in spec.recipients:
        c.add(
            f"{p}/type",
            f"Điều kiện {kind} không áp dụng cho danh hiệu {recipient}.",
            f"A {kind} condition does not apply to a {recipient} award.",
        )
    for group in spec.exactly_one:
        given = [k for k in group if k in cond]
        if len(given) != 1:
            c.add(
                p,
                f"Cần đúng một trong: {', '.join(group)}.",
                f"Needs exactly one of: {', '.join(group)}.",
            )
    for group in spec.at_least_one:
        if not any(k in cond for k in group):
            c.add(
                p,
                f"Cần ít nhất một trong: {', '.join(group)}.",
                f"Needs at least one of: {', '.join(group)}.",
            )
    for name, param in {**spec.required, **spec.optional}.items():
        if name in cond:
            _parameter(c, param, cond[name], f"{p}/{name}", scales, codes, recipient)


def _parameter(
    c: _Checker,
    param: str,
    value: Any,
    p: str,
    scales: dict[str, list[str]],
    codes: set[Any],
    recipient: Any,
) -> None:
    if param == engine.AWARD:
        _award_ref(c, value, p, codes)
    elif param == engine.YEARS:
        if not isinstance(value, list) or not value:
            c.add(
                p,
                "Phải là danh sách số nguyên không rỗng.",
                "Must be a non-empty list of whole numbers.",
            )
        else:
            for i, offset in enumerate(value):
                c.integer(offset, f"{p}/{i}", -50, 50)
    elif param == engine.OFFSET:
        c.integer(value, p, -50, 50)
    elif param in (engine.ASSESSMENT, engine.DISCIPLINE, engine.SCOPE):
        if value not in scales.get(param, []):
            known = ", ".join(scales.get(param, []))
            c.add(
                p, f"Không có trong scales.{param} ({known}).", f"Not in scales.{param} ({known})."
            )
    elif param == engine.COUNT or param == engine.RANK:
        c.integer(value, p, 1, 10**6)
    elif param == engine.MONTHS:
        c.integer(value, p, 0, 12)
    elif param == engine.SHARE:
        c.number(value, p, 0, 1)
    elif param == engine.BY_GENDER:
        if c.object(value, p, ("nam", "nu")):
            for gender in ("nam", "nu"):
                if gender in value:
                    c.number(value[gender], f"{p}/{gender}", 0, 100)
    elif param == engine.BANDS:
        if not isinstance(value, list) or not value:
            c.add(p, "Phải là danh sách không rỗng.", "Must be a non-empty list.")
        else:
            for i, band in enumerate(value):
                c.string(band, f"{p}/{i}", max_length=8)
    elif param == engine.CODE:
        c.code(value, p)
    elif param == engine.CONDITIONS:
        if not isinstance(value, list) or not value:
            c.add(
                p,
                "Phải là danh sách điều kiện không rỗng.",
                "Must be a non-empty list of conditions.",
            )
        else:
            for i, nested in enumerate(value):
                _condition(c, nested, f"{p}/{i}", scales, codes, recipient)


# -- storage and lifecycle -----------------------------------------------------------------


def etag(pack: RulePack) -> str:
    return f'W/"{pack.pack_id}-{pack.revision}"'


def get(session: Session, pack_id: str, *, lock: bool = False) -> RulePack:
    pack = session.get(RulePack, pack_id, with_for_update=lock)
    if pack is None:
        raise NotFound(PACK, pack_id)
    return pack


def upload(session: Session, actor_id: str, document: Any) -> RulePack:
    """Validate ``document`` and store it as a draft, the next version of its code."""
    document = validate(document)
    latest = session.execute(
        select(func.max(RulePack.version)).where(RulePack.code == document["code"])
    ).scalar_one()
    pack = RulePack(
        pack_id=str(uuid.uuid4()),
        code=document["code"],
        version=(latest or 0) + 1,
        title=document["title"],
        effective_from=date.fromisoformat(document["effective_from"]),
        effective_to=(
            date.fromisoformat(document["effective_to"]) if document.get("effective_to") else None
        ),
        document=document,
        status="draft",
        revision=1,
        uploaded_by=actor_id,
        uploaded_at=utcnow(),
    )
    session.add(pack)
    session.flush()
    return pack


def publish(session: Session, actor_id: str, pack: RulePack) -> RulePack:
    """Publish a draft; a published pack is immutable (409)."""
    if pack.status != "draft":
        raise StateConflict(THING, pack.status, "xuất bản / publish", [])
    pack.status = "published"
    pack.published_by = actor_id
    pack.published_at = utcnow()
    pack.revision += 1
    session.flush()
    return pack


def delete_draft(session: Session, pack: RulePack) -> None:
    if pack.status != "draft":
        raise StateConflict(THING, pack.status, "xóa / delete", [])
    session.delete(pack)
    session.flush()


def load(
    session: Session, actor_id: str, document: Any, *, publish_it: bool
) -> tuple[RulePack, bool]:
    """Upload ``document`` unless a version with the same content exists (then that one,
    published if asked and still a draft): ``(pack, changed)``. For the command line."""
    document = validate(document)
    same = [
        p
        for p in session.execute(
            select(RulePack).where(RulePack.code == document["code"])
        ).scalars()
        if p.document == document
    ]
    if same:
        pack = max(same, key=lambda p: (p.status == "published", p.version))
        if publish_it and pack.status == "draft":
            return publish(session, actor_id, pack), True
        return pack, False
    pack = upload(session, actor_id, document)
    if publish_it:
        publish(session, actor_id, pack)
    return pack, True


# -- the pack in force ---------------------------------------------------------------------


def _published(session: Session) -> list[RulePack]:
    """Every published pack, the preferred first: latest effective_from, then latest published."""
    packs = session.execute(select(RulePack).where(RulePack.status == "published")).scalars()
    return sorted(
        packs,
        key=lambda p: (p.effective_from, p.published_at or p.uploaded_at, p.version),
        reverse=True,
    )


def _covers(pack: RulePack, day: date) -> bool:
    return pack.effective_from <= day and (pack.effective_to is None or pack.effective_to >= day)


def pack_on(session: Session, day: date) -> RulePack | None:
    """The published pack in force on ``day``, or None."""
    return next((p for p in _published(session) if _covers(p, day)), None)


def find_award(document: dict[str, Any], award_code: str) -> dict[str, Any] | None:
    return next((a for a in document.get("awards", []) if a.get("code") == award_code), None)


def no_pack(day: date) -> Conflict:
    return Conflict(
        (
            f"Không có bộ quy tắc khen thưởng nào có hiệu lực ngày {day.strftime('%d/%m/%Y')}.",
            f"No rule pack is in force on {day.isoformat()}.",
        ),
        code="no_rule_pack",
        day=day.isoformat(),
    )


def in_force(session: Session, award_code: str, year: int) -> tuple[RulePack, dict[str, Any]]:
    """The pack answering questions about ``award_code`` in ``year``, and the award in it.

    The day is the award's reference day of the year; the award's reference day is read from
    the packs that have it (usually one day), and the pack in force on that day must hold it."""
    packs = _published(session)
    days: list[date] = []
    for pack in packs:
        award = find_award(pack.document, award_code)
        if award is not None:
            day = engine.reference_day(award, year)
            if day not in days:
                days.append(day)
    for day in days:
        pack = next((p for p in packs if _covers(p, day)), None)
        award = find_award(pack.document, award_code) if pack is not None else None
        if pack is not None and award is not None and engine.reference_day(award, year) == day:
            return pack, award
    default = days[0] if days else date(year, 12, 31)
    if not any(_covers(p, default) for p in packs):
        raise no_pack(default)
    raise NotFound(AWARD, award_code)


def award_types(session: Session, year: int) -> list[dict[str, Any]]:
    """The awards of the packs in force for ``year`` (each award by its own reference day)."""
    packs = _published(session)
    codes: list[str] = []
    for pack in packs:
        for award in pack.document.get("awards", []):
            if award["code"] not in codes:
                codes.append(award["code"])
    out = []
    for code in codes:
        try:
            pack, award = in_force(session, code, year)
        except (NotFound, Conflict):
            continue
        out.append(describe(pack, award, year))
    if not out and not any(_covers(p, date(year, 12, 31)) for p in packs):
        raise no_pack(date(year, 12, 31))
    return out


def describe(pack: RulePack, award: dict[str, Any], year: int) -> dict[str, Any]:
    return {
        "code": award["code"],
        "name": award["name"],
        "kind": award["kind"],
        "recipient": award["recipient"],
        "level": award["level"],
        "basis": award["basis"],
        "reference_day": engine.reference_day(award, year).isoformat(),
        "quota": award.get("quota"),
        "council": award.get("council"),
        "public_comment_working_days": award.get("public_comment_working_days"),
        "once_per_recipient": bool(award.get("once_per_recipient")),
        "bonus_multiple": award.get("bonus_multiple"),
        "proposed_by": proposed_by(award),
        "rule_pack": reference(pack),
    }


def proposed_by(award: dict[str, Any]) -> str:
    """``unit`` or ``region`` (docs/awards.md, "Which unit proposes")."""
    if award.get("proposed_by"):
        return str(award["proposed_by"])
    quota = award.get("quota") or {}
    return "region" if quota.get("per") == "region" else "unit"


def reference(pack: RulePack) -> dict[str, Any]:
    return {"pack_id": pack.pack_id, "code": pack.code, "version": pack.version}


def bonus(session: Session, award_code: str, decided_on: date) -> dict[str, Any]:
    """The bonus of a decision of ``decided_on``: the multiple × the base salary in force that
    day, rounded up to the pack's multiple (Decimal, exact)."""
    pack = pack_on(session, decided_on)
    if pack is None:
        raise no_pack(decided_on)
    award = find_award(pack.document, award_code)
    if award is None:
        raise NotFound(AWARD, award_code)
    if award.get("bonus_multiple") is None:
        raise Conflict(
            (
                f"{award['name']} không có tiền thưởng theo bộ quy tắc "
                f"{pack.code} v{pack.version}.",
                f"{award['name']} carries no bonus in rule pack {pack.code} v{pack.version}.",
            ),
            code="no_bonus",
        )
    salaries = sorted(
        (date.fromisoformat(s["from"]), s) for s in pack.document.get("base_salary", [])
    )
    in_force_salary = [s for day, s in salaries if day <= decided_on]
    if not in_force_salary:
        raise Conflict(
            (
                f"Không có mức lương cơ sở nào áp dụng ngày {decided_on.strftime('%d/%m/%Y')}.",
                f"No base salary applies on {decided_on.isoformat()}.",
            ),
            code="no_base_salary",
        )
    base = int(in_force_salary[-1]["vnd"])
    multiple = Decimal(str(award["bonus_multiple"]))
    step = Decimal(int(pack.document["bonus_rounding"]["up_to_multiple_of_vnd"]))
    vnd = ((multiple * base) / step).to_integral_value(rounding=ROUND_CEILING) * step
    return {
        "award": award_code,
        "decided_on": decided_on,
        "multiple": award["bonus_multiple"],
        "base_salary": base,
        "vnd": int(vnd),
        "rule_pack": reference(pack),
        "basis": award["basis"],
    }
