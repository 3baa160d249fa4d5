"""Nomination files (hồ sơ đề nghị khen thưởng): creating them, their nominees and files, and
their lifecycle.

A file is proposed by a unit (its admin or officer) or, for an award its region proposes (the
award's ``proposed_by`` is ``region``, or absent with a ``per: region`` quota), by the region's
lead; the web layer decides who may act and hands this module a ``can(move)`` answer, so the
rules of the moves stay here, in one table (``MOVES``): each state, the states it may move
to, who grants each move (``edit``: the file's editors; ``decide``: the Ministry) and whether
a reason is required. Every move is a NominationMove row and, for submitted, returned,
received and forwarded, an event (contracts.awards) in the same transaction.

Submitting checks everything at once and refuses with every reason: no nominees, a nominee
ineligible (with its failing conditions), the quota exceeded, an unregistered title (a yearly
file), a region's file without a carried acclamation. On success each nominee's verdict and
the pack's id are kept with the file, so what the Ministry receives is what was checked.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.awards import (
    NominationForwarded,
    NominationReceived,
    NominationReturned,
    NominationSubmitted,
    NomineeFact,
)
from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, PayloadTooLarge, Problem, StateConflict
from kit.events import emit
from kit.text import nfc
from services.awards.domain import eligibility, packs, registrations
from services.awards.models import (
    Acclamation,
    Attachment,
    Nomination,
    NominationMove,
    Nominee,
    RegionCopy,
)

NOMINATION = ("hồ sơ đề nghị", "nomination file")
NOMINEE = ("người/đơn vị được đề nghị", "nominee")
ATTACHMENT = ("tệp đính kèm", "attachment")
FILE = ("Hồ sơ", "nomination file")

KINDS = ("cong-trang", "chuyen-de", "dot-xuat", "cong-hien", "nien-han", "doi-ngoai")
STATES = (
    "draft",
    "submitted",
    "returned",
    "received",
    "forwarded",
    "approved",
    "decided",
    "withdrawn",
)
EDITABLE = ("draft", "returned")


@dataclass(frozen=True)
class Move:
    grant: str  # "edit" (the file's editors), "decide" (the Ministry), "decision" (see below)
    reason_required: bool = False


# from-state -> to-state -> the move
MOVES: dict[str, dict[str, Move]] = {
    "draft": {"submitted": Move("edit"), "withdrawn": Move("edit")},
    "submitted": {"received": Move("decide"), "returned": Move("decide", reason_required=True)},
    "returned": {"submitted": Move("edit"), "withdrawn": Move("edit")},
    "received": {"forwarded": Move("decide")},
    # The council's session closing makes these (domain.councils): none of the API's callers
    # holds the "council" grant, so no one can make them by hand.
    "forwarded": {"approved": Move("council"), "returned": Move("council", reason_required=True)},
    "approved": {},
    "withdrawn": {},
}

# A decision issued moves its files to decided (domain.decisions, which checks the award's
# council: approved files, or received/forwarded ones of an award without a council); no
# caller makes these moves through ``move``.
for _from in ("approved", "received", "forwarded"):
    MOVES.setdefault(_from, {})["decided"] = Move("decision")
MOVES["decided"] = {}
BY_DECISION = "decision"
BY_COUNCIL = "council"  # forwarded → approved | returned: a council session's closing
INTERNAL = (BY_DECISION, BY_COUNCIL)


def _callable(moves: dict[str, Move]) -> list[str]:
    """The moves of ``moves`` a caller may ask for (not those only a decision or a council
    session makes)."""
    return [to for to, step in moves.items() if step.grant not in INTERNAL]


EVENTS = {
    "submitted": NominationSubmitted,
    "returned": NominationReturned,
    "received": NominationReceived,
    "forwarded": NominationForwarded,
}

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 255
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
FILE_TYPES = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt", "image/png": ".png", "image/jpeg": ".jpg"}


Can = Callable[[str], bool]  # may the caller make moves granted by "edit" / "decide"?


def proposed_by(award: dict[str, Any]) -> str:
    """Who files nominations of ``award``: "unit" or "region" (docs/awards.md)."""
    return packs.proposed_by(award)


def load(session: Session, nomination_id: str, *, lock: bool = False) -> Nomination:
    nomination = session.get(
        Nomination, nomination_id, with_for_update=lock or None, populate_existing=lock
    )
    if nomination is None:
        raise NotFound(NOMINATION, nomination_id)
    return nomination


def region_copy(session: Session, region_id: str, year: int) -> RegionCopy:
    region = session.get(RegionCopy, region_id)
    if region is None or region.year != year:
        raise Invalid(
            {
                "region": [
                    (
                        f"Không có cụm/khu vực thi đua {region_id} năm {year}.",
                        f"No emulation region {region_id} in {year}.",
                    )
                ]
            }
        )
    return region


# -- creating and editing ------------------------------------------------------------------


def _required(field: str) -> Invalid:
    return Invalid({field: [("Bắt buộc với loại hồ sơ này.", "Required for this kind of file.")]})


def create(
    session: Session,
    actor: str,
    award: dict[str, Any],
    *,
    kind: str,
    year: int,
    unit_id: str | None,
    region_id: str | None,
    title: str,
    cover_summary: str | None = None,
    movement_id: str | None = None,
    act: str | None = None,
    act_date: date | None = None,
    candidate_unit: str | None = None,
) -> Nomination:
    """A draft file for ``award`` (the pack in force's entry), by its unit or its region."""
    if kind == "chuyen-de" and not movement_id:
        raise _required("movement_id")
    if kind == "dot-xuat":
        errors: dict[str, list[Any]] = {}
        if not act:
            errors["act"] = [("Bắt buộc với khen thưởng đột xuất.", "Required for dot-xuat.")]
        if act_date is None:
            errors["act_date"] = [("Bắt buộc với khen thưởng đột xuất.", "Required for dot-xuat.")]
        elif act_date.year != year:
            errors["act_date"] = [
                (f"Phải là một ngày của năm {year}.", f"Must be a day of {year}.")
            ]
        if errors:
            raise Invalid(errors)
    if proposed_by(award) == "region":
        if not region_id:
            raise Invalid(
                {
                    "region": [
                        (
                            f"{award['name']} do cụm/khu vực thi đua đề nghị: cần region.",
                            f"{award['name']} is proposed by a region: send region.",
                        )
                    ]
                }
            )
        region = region_copy(session, region_id, year)
        lead = candidate_unit or region.lead_unit_id
        if not lead or (lead not in region.member_ids and lead != region.lead_unit_id):
            raise Invalid(
                {
                    "candidate_unit": [
                        (
                            "Cần đơn vị dẫn đầu là thành viên của cụm/khu vực.",
                            "A leading unit that is a member of the region is required.",
                        )
                    ]
                }
            )
        unit_id = lead
    else:
        if not unit_id:
            raise Invalid({"unit": [("Bắt buộc.", "Required.")]})
        region_id = None
    now = utcnow()
    nomination = Nomination(
        nomination_id=str(uuid.uuid4()),
        unit_id=unit_id,
        region_id=region_id,
        kind=kind,
        award_code=award["code"],
        year=year,
        movement_id=movement_id,
        act=act,
        act_date=act_date,
        title=title,
        cover_summary=cover_summary,
        state="draft",
        revision=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(nomination)
    session.add(
        NominationMove(
            nomination_id=nomination.nomination_id,
            from_state=None,
            to_state="draft",
            actor_id=actor,
            at=now,
        )
    )
    session.flush()
    return nomination


def require_editable(nomination: Nomination) -> None:
    """Edits only in draft or returned: 409 saying the state otherwise."""
    if nomination.state not in EDITABLE:
        raise StateConflict(
            FILE,
            nomination.state,
            "sửa / edit",
            _callable(MOVES[nomination.state]),
        )


def touch(nomination: Nomination) -> None:
    nomination.revision += 1
    nomination.updated_at = utcnow()


def update(nomination: Nomination, changes: dict[str, Any]) -> None:
    """Title, cover summary, the act and its date (draft or returned only)."""
    require_editable(nomination)
    for name in ("title", "cover_summary", "act", "act_date", "movement_id"):
        if name in changes:
            setattr(nomination, name, changes[name])
    if nomination.kind == "dot-xuat" and (not nomination.act or nomination.act_date is None):
        raise _required("act" if not nomination.act else "act_date")
    if nomination.act_date is not None and nomination.act_date.year != nomination.year:
        raise Invalid(
            {
                "act_date": [
                    (
                        f"Phải là một ngày của năm {nomination.year}.",
                        f"Must be a day of {nomination.year}.",
                    )
                ]
            }
        )
    touch(nomination)


def _subject_problem(
    session: Session, nomination: Nomination, award: dict[str, Any], subject_id: str
) -> tuple[str, str] | tuple[Any, None]:
    """(kind, name) of a subject this file may name, or (the problem, None)."""
    try:
        kind, owner, name = eligibility.subject(session, subject_id)
    except NotFound:
        return (
            f"Không có cán bộ hay đơn vị {subject_id}.",
            f"No person or unit {subject_id}.",
        ), None
    if kind != award.get("recipient"):
        return (
            (
                f"{subject_id} ({name}) không phải đối tượng của {award['name']}.",
                f"{subject_id} ({name}) cannot receive {award['name']} "
                f"(it is for {award.get('recipient')} recipients).",
            ),
            None,
        )
    if nomination.region_id:
        region = session.get(RegionCopy, nomination.region_id)
        members = set(region.member_ids or []) if region else set()
        if owner not in members:
            return (
                (
                    f"{subject_id} ({name}) không thuộc cụm/khu vực {nomination.region_id}.",
                    f"{subject_id} ({name}) is not of region {nomination.region_id}.",
                ),
                None,
            )
    elif owner != nomination.unit_id:
        return (
            (
                f"{subject_id} ({name}) không thuộc đơn vị {nomination.unit_id}.",
                f"{subject_id} ({name}) does not belong to unit {nomination.unit_id}.",
            ),
            None,
        )
    return kind, name


def add_nominees(
    session: Session,
    actor: str,
    nomination: Nomination,
    award: dict[str, Any],
    subjects: list[tuple[str, str | None]],
    added_from: str,
    *,
    field: Callable[[int], str] = lambda i: f"subjects/{i}",
) -> list[Nominee]:
    """Name ``subjects`` ((subject id, report summary)) in the file: all or none, every
    problem keyed by ``field(i)`` and naming the subject."""
    require_editable(nomination)
    present = {n.subject_id for n in nomination.nominees}
    errors: dict[str, list[Any]] = {}
    found: list[tuple[str, str, str, str | None]] = []
    seen: set[str] = set()
    for i, (subject_id, summary) in enumerate(subjects):
        if subject_id in present or subject_id in seen:
            errors.setdefault(field(i), []).append(
                (f"{subject_id} đã có trong hồ sơ.", f"{subject_id} is already in the file.")
            )
            continue
        seen.add(subject_id)
        kind, name = _subject_problem(session, nomination, award, subject_id)
        if name is None:
            errors.setdefault(field(i), []).append(kind)
            continue
        found.append((subject_id, kind, name, summary))
    if errors:
        raise Invalid(errors)
    position = max((n.position for n in nomination.nominees), default=0)
    now = utcnow()
    added = []
    for subject_id, kind, name, summary in found:
        position += 1
        nominee = Nominee(
            nomination_id=nomination.nomination_id,
            position=position,
            subject_id=subject_id,
            subject_kind=kind,
            subject_name=name,
            report_summary=summary,
            added_from=added_from,
            added_by=actor,
            added_at=now,
        )
        session.add(nominee)
        nomination.nominees.append(nominee)
        added.append(nominee)
    touch(nomination)
    session.flush()
    return added


def nominee_of(nomination: Nomination, subject_id: str) -> Nominee:
    for nominee in nomination.nominees:
        if nominee.subject_id == subject_id:
            return nominee
    raise NotFound(NOMINEE, subject_id)


def update_nominee(nomination: Nomination, nominee: Nominee, summary: str | None) -> None:
    require_editable(nomination)
    nominee.report_summary = summary
    touch(nomination)


def remove_nominee(session: Session, nomination: Nomination, nominee: Nominee) -> None:
    require_editable(nomination)
    for attachment in session.scalars(
        select(Attachment).where(Attachment.nominee_id == nominee.id)
    ):
        session.delete(attachment)
    nomination.nominees.remove(nominee)
    session.delete(nominee)
    touch(nomination)


# -- attachments -----------------------------------------------------------------------------


def too_large() -> PayloadTooLarge:
    mib = MAX_FILE_BYTES // (1024 * 1024)
    return PayloadTooLarge(
        (f"Tệp vượt quá {mib} MiB.", f"The file is larger than {mib} MiB."),
        max_bytes=MAX_FILE_BYTES,
    )


def sniff(content: bytes) -> str | None:
    """The allowed type ``content`` is, read from its bytes (never from what was declared):
    PDF, PNG, JPEG, and of ZIP packages a Word document (word/document.xml) or an
    OpenDocument text (its ``mimetype`` member)."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names and "[Content_Types].xml" in names:
                    return DOCX
                if "mimetype" in names:
                    info = archive.getinfo("mimetype")
                    if info.file_size < 100 and archive.read("mimetype").strip() == ODT.encode():
                        return ODT
        except (zipfile.BadZipFile, ValueError, OSError, KeyError):
            return None
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    name = nfc(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    name = " ".join(name.split()).strip(" .")
    extension = FILE_TYPES[content_type]
    if not name.lower().endswith(extension) and not (
        extension == ".jpg" and name.lower().endswith(".jpeg")
    ):
        name = (name or "tep") + extension
    return name[-MAX_FILENAME:]


def put_attachment(
    session: Session,
    actor: str,
    nomination: Nomination,
    nominee: Nominee | None,
    *,
    filename: str | None,
    content: bytes,
) -> Attachment:
    """Keep a nominee's report (``nominee``) or the file's cover letter (None), replacing
    the one before: PDF, DOCX, ODT, PNG or JPEG by its bytes (415 otherwise), ≤ 10 MiB."""
    require_editable(nomination)
    if len(content) > MAX_FILE_BYTES:
        raise too_large()
    content_type = sniff(content)
    if content_type is None:
        raise Problem(
            415,
            "unsupported-media-type",
            (
                "Tệp phải là PDF, DOCX, ODT, PNG hoặc JPEG (xét theo nội dung tệp).",
                "The file must be a PDF, DOCX, ODT, PNG or JPEG (judged by its content).",
            ),
            allowed=sorted(FILE_TYPES),
        )
    purpose = "report" if nominee is not None else "cover_letter"
    old = _attachment(session, nomination, nominee)
    if old is not None:
        session.delete(old)
        session.flush()
    attachment = Attachment(
        attachment_id=str(uuid.uuid4()),
        nomination_id=nomination.nomination_id,
        nominee_id=nominee.id if nominee is not None else None,
        purpose=purpose,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    touch(nomination)
    session.flush()
    return attachment


def _attachment(
    session: Session, nomination: Nomination, nominee: Nominee | None
) -> Attachment | None:
    query = select(Attachment).where(Attachment.nomination_id == nomination.nomination_id)
    if nominee is None:
        query = query.where(Attachment.purpose == "cover_letter")
    else:
        query = query.where(Attachment.nominee_id == nominee.id)
    return session.scalar(query)


def attachment_of(session: Session, nomination: Nomination, nominee: Nominee | None) -> Attachment:
    found = _attachment(session, nomination, nominee)
    if found is None:
        raise NotFound(ATTACHMENT)
    return found


def attachments(session: Session, nomination_id: str) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(Attachment.nomination_id == nomination_id)
            .order_by(Attachment.uploaded_at)
        )
    )


# -- the lifecycle ---------------------------------------------------------------------------


def allowed_moves(nomination: Nomination, can: Can) -> list[str]:
    """The states this caller may move the file to now."""
    moves = MOVES[nomination.state]
    return [to for to in _callable(moves) if can(moves[to].grant)]


def acclamation_of(session: Session, nomination_id: str) -> Acclamation | None:
    """The acclamation attached to the file: a closed one if any, else the latest."""
    rows = session.scalars(
        select(Acclamation)
        .where(Acclamation.nomination_id == nomination_id)
        .order_by(Acclamation.opened_at.desc())
    ).all()
    closed = [a for a in rows if a.state == "closed"]
    return (closed or rows or [None])[0]


def registration_check(
    session: Session, nomination: Nomination, award: dict[str, Any]
) -> dict[str, Any]:
    """Whether the file needs registrations (a yearly file of a title) and who lacks one."""
    required = nomination.kind == "cong-trang" and award.get("kind") == "title"
    registered: set[str] = set()
    by_unit: dict[str, list[str]] = {}
    for n in nomination.nominees:
        owner = n.subject_id if n.subject_kind == "collective" else nomination.unit_id
        by_unit.setdefault(owner, []).append(n.subject_id)
    for unit_id, subjects in by_unit.items():
        registered |= registrations.is_registered(
            session, unit_id, nomination.year, nomination.award_code, subjects
        )
    missing = [n.subject_id for n in nomination.nominees if n.subject_id not in registered]
    return {
        "required": required,
        "passed": not required or not missing,
        "registered": sorted(registered),
        "unregistered": missing if required else [],
    }


def _said(vi: str, en: str) -> dict[str, str]:
    """A message in both languages, as verdicts carry them (reasons go out as they are)."""
    return {"vi": vi, "en": en}


def _both(reasons: Iterable[Any], language: str) -> str:
    return "; ".join(str((r or {}).get(language, "")) for r in reasons if r)


def submission_problems(
    session: Session, nomination: Nomination, award: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every reason the file cannot be submitted, and each nominee's verdict."""
    reasons: list[dict[str, Any]] = []
    verdicts: dict[str, dict[str, Any]] = {}
    if not nomination.nominees:
        reasons.append(
            {
                "code": "no_nominees",
                "message": _said("Hồ sơ chưa có ai được đề nghị.", "The file names no nominee."),
            }
        )
    for nominee in nomination.nominees:
        verdict = eligibility.verdict(
            session, nomination.award_code, nomination.year, nominee.subject_id
        )
        verdicts[nominee.subject_id] = verdict
        if verdict.get("eligible"):
            continue
        failing = [c for c in verdict.get("conditions", []) if not c.get("passed")]
        once = verdict.get("once_per_recipient")
        if once and not once.get("passed"):
            failing.append({"type": "once_per_recipient", **once})
        texts = [c.get("reason") for c in failing]
        reasons.append(
            {
                "code": "ineligible",
                "subject": nominee.subject_id,
                "message": _said(
                    f"{nominee.subject_name} ({nominee.subject_id}) chưa đủ điều kiện "
                    f"{award['name']}: {_both(texts, 'vi')}",
                    f"{nominee.subject_name} ({nominee.subject_id}) is not eligible for "
                    f"{award['name']}: {_both(texts, 'en')}",
                ),
                "conditions": [{"type": c.get("type"), "reason": c.get("reason")} for c in failing],
            }
        )
    if award.get("quota") and nomination.nominees:
        scope: dict[str, Any] = {}
        if (award["quota"] or {}).get("per") == "region":
            region_id = nomination.region_id or next(
                iter(
                    sorted(registrations.regions_of(session, nomination.unit_id, nomination.year))
                ),
                None,
            )
            scope = {"region_id": region_id}
        else:
            scope = {"unit_id": nomination.unit_id}
        quota = eligibility.quota(
            session,
            nomination.award_code,
            nomination.year,
            **scope,
            plus=[n.subject_id for n in nomination.nominees],
            excluding_nomination=nomination.nomination_id,
        )
        if quota.get("max") is not None and quota["used"] > quota["max"]:
            reasons.append(
                {
                    "code": "quota_exceeded",
                    "used": quota["used"],
                    "max": quota["max"],
                    "message": _said(
                        f"Vượt chỉ tiêu {award['name']}: {quota['used']}/{quota['max']} "
                        "(kể cả hồ sơ này).",
                        f"Over the quota of {award['name']}: {quota['used']}/{quota['max']} "
                        "(this file included).",
                    ),
                }
            )
    check = registration_check(session, nomination, award)
    if not check["passed"]:
        names = ", ".join(check["unregistered"])
        reasons.append(
            {
                "code": "unregistered",
                "subjects": check["unregistered"],
                "message": _said(
                    f"Chưa đăng ký danh hiệu {award['name']} năm {nomination.year}: {names}.",
                    f"Not registered for the title {award['name']} in {nomination.year}: {names}.",
                ),
            }
        )
    if proposed_by(award) == "region":
        acclamation = acclamation_of(session, nomination.nomination_id)
        carried = bool(
            acclamation is not None
            and acclamation.state == "closed"
            and (acclamation.result or {}).get("carried")
        )
        if not carried:
            reasons.append(
                {
                    "code": "acclamation_missing",
                    "message": _said(
                        "Hồ sơ của cụm/khu vực cần kết quả suy tôn đã thông qua.",
                        "A region's file needs a region acclamation that carried.",
                    ),
                }
            )
    return reasons, verdicts


def move(
    session: Session,
    actor: str,
    nomination: Nomination,
    to: str,
    reason: str | None,
    can: Can,
) -> NominationMove:
    """Move the file to ``to``: 409 naming the allowed moves when the table has no such move,
    403 when the caller may not make it, 422 when its reason is missing."""
    moves = MOVES[nomination.state]
    if to not in moves or (moves[to].grant in INTERNAL and not can(moves[to].grant)):
        raise StateConflict(FILE, nomination.state, f"→ {to}", _callable(moves))
    step = moves[to]
    if not can(step.grant):
        raise Problem(
            403,
            "forbidden",
            (
                f"Bạn không được chuyển hồ sơ sang '{to}'.",
                f"You may not move the file to '{to}'.",
            ),
        )
    if step.reason_required and not (reason or "").strip():
        raise Invalid({"reason": [("Cần nêu lý do.", "A reason is required.")]})
    _, award = packs.in_force(session, nomination.award_code, nomination.year)
    if to == "submitted":
        pack, _ = packs.in_force(session, nomination.award_code, nomination.year)
        problems, verdicts = submission_problems(session, nomination, award)
        if problems:
            raise Conflict(
                (
                    f"Chưa gửi được hồ sơ: {len(problems)} vấn đề, xem reasons.",
                    f"The file cannot be submitted: {len(problems)} problems, see reasons.",
                ),
                code="not_submittable",
                reasons=problems,
            )
        for nominee in nomination.nominees:
            nominee.verdict = verdicts[nominee.subject_id]
        nomination.rule_pack_id = pack.pack_id
    now = utcnow()
    row = NominationMove(
        nomination_id=nomination.nomination_id,
        from_state=nomination.state,
        to_state=to,
        actor_id=actor,
        at=now,
        reason=reason or None,
    )
    session.add(row)
    nomination.state = to
    if to == "submitted":
        nomination.submitted_at = now
    touch(nomination)
    event = EVENTS.get(to)
    if event is not None:
        fact = event(
            nomination_id=nomination.nomination_id,
            unit_id=nomination.unit_id,
            region_id=nomination.region_id,
            kind=nomination.kind,
            award=nomination.award_code,
            award_name=award["name"],
            year=nomination.year,
            act_date=nomination.act_date,
            nominees=tuple(
                NomineeFact(
                    subject_id=n.subject_id,
                    subject_kind=n.subject_kind,
                    name=n.subject_name,
                    eligible=bool((n.verdict or {}).get("eligible")),
                )
                for n in nomination.nominees
            ),
            actor=actor,
            at=now,
            reason=reason or None,
        )
        emit(session, event.TYPE, fact.subject, fact.to_data())
    session.flush()
    return row


def history(session: Session, nomination_id: str) -> list[NominationMove]:
    return list(
        session.scalars(
            select(NominationMove)
            .where(NominationMove.nomination_id == nomination_id)
            .order_by(NominationMove.id)
        )
    )
