"""Commendation decisions (quyết định khen thưởng): the draft, its recipients and their
bonuses, and issuing it, which is what makes an award one the law recognises.

A draft names its recipients among the nominees a decision may take (``sources``): for an
award with a council, the nominees the council approved (``council_outcome`` approved) of
files in state ``approved``; for an award without one (its ``council`` is null in the pack),
the nominees of files the Ministry received or forwarded. Each recipient's bonus is the rule
pack's (``packs.bonus`` on the decision's date), stored with every figure it came from, so a
decision read years later says how its money was reckoned, whatever the pack says then.

Issuing (draft → issued) checks everything again and refuses with every reason (409
``not_issuable``); on success, in one transaction, it writes one Achievement per recipient
(``source`` granted: from then on every verdict counts it), gives each a certificate serial,
moves each file to ``decided`` (a recorded move) and emits ``awards.award.granted`` per
recipient. The number ("123/QĐ-BTP") is unique per issuer and year.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.awards import AwardGranted, DecisionRef, RecipientFact
from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, StateConflict
from kit.events import emit
from kit.text import nfc
from services.awards import documents
from services.awards.domain import eligibility, nominations, packs
from services.awards.models import (
    Achievement,
    Decision,
    DecisionRecipient,
    Nomination,
    NominationMove,
    Nominee,
    Person,
    RegistryChange,
    UnitCopy,
)

DECISION = ("quyết định khen thưởng", "decision")
RECIPIENT = ("người/đơn vị được khen thưởng", "recipient")
THING = ("Quyết định", "decision")
STATES = ("draft", "issued")
CERTIFICATE_KINDS = tuple(k.value for k in documents.CertificateKind)
NUMBER_RE = re.compile(r"^\d{1,6}/[0-9A-Za-zĐđ.-]{1,50}$")
ISSUER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
# Fields of a draft a PATCH may change (everything but the state and its recipients).
EDITABLE = (
    "number",
    "issuer",
    "issuer_name",
    "governing_body",
    "place",
    "decided_on",
    "title",
    "authority",
    "legal_bases",
    "proposal",
    "award_statement",
    "bonus_source",
    "executors",
    "copies_to",
    "signer_name",
    "signer_title",
    "signing_for",
    "certificate_kind",
    "citation",
)
COUNCIL_STATES = ("approved",)  # files of an award with a council
NO_COUNCIL_STATES = ("received", "forwarded")  # files of an award without one


def _said(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


# -- the draft -------------------------------------------------------------------------------


def load(session: Session, decision_id: str, *, lock: bool = False) -> Decision:
    decision = session.get(
        Decision, decision_id, with_for_update=lock or None, populate_existing=lock
    )
    if decision is None:
        raise NotFound(DECISION, decision_id)
    return decision


def _check(fields: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    if "number" in fields and not NUMBER_RE.match(fields["number"]):
        errors["number"] = [
            (
                "Số và ký hiệu có dạng 123/QĐ-BTP.",
                "A number and symbol looks like 123/QĐ-BTP.",
            )
        ]
    if "issuer" in fields and not ISSUER_RE.match(fields["issuer"]):
        errors["issuer"] = [
            (
                "Mã cơ quan ban hành: chữ cái không dấu, chữ số, '-' (tối đa 32).",
                "The issuer's code: ASCII letters, digits, '-' (32 at most).",
            )
        ]
    if "certificate_kind" in fields and fields["certificate_kind"] not in CERTIFICATE_KINDS:
        errors["certificate_kind"] = [
            (
                f"Một trong {', '.join(CERTIFICATE_KINDS)}.",
                f"One of {', '.join(CERTIFICATE_KINDS)}.",
            )
        ]
    if errors:
        raise Invalid(errors)


def _number_free(session: Session, decision: Decision) -> None:
    """409 naming the decision that already has this number this year for this issuer."""
    clash = session.scalar(
        select(Decision).where(
            Decision.issuer == decision.issuer,
            Decision.year == decision.year,
            Decision.number == decision.number,
            Decision.decision_id != decision.decision_id,
        )
    )
    if clash is not None:
        raise Conflict(
            (
                f"Số {decision.number} đã được dùng năm {decision.year} cho quyết định "
                f"'{clash.title}' ({clash.decision_id}) của {decision.issuer}.",
                f"Number {decision.number} is already used in {decision.year} by the decision "
                f"'{clash.title}' ({clash.decision_id}) of {decision.issuer}.",
            ),
            code="number_taken",
            clash={"decision_id": clash.decision_id, "number": clash.number, "year": clash.year},
        )


def create(session: Session, actor: str, fields: dict[str, Any]) -> Decision:
    """A draft decision with no recipients yet; 409 ``number_taken`` naming the clash."""
    _check(fields)
    now = utcnow()
    decision = Decision(
        decision_id=str(uuid.uuid4()),
        **{name: fields[name] for name in EDITABLE if name in fields},
        year=fields["decided_on"].year,
        state="draft",
        total_vnd=0,
        revision=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _number_free(session, decision)
    session.add(decision)
    session.flush()
    return decision


def require_draft(decision: Decision, action: str = "sửa / edit") -> None:
    if decision.state != "draft":
        raise StateConflict(THING, decision.state, action, [])


def touch(decision: Decision) -> None:
    decision.revision += 1
    decision.updated_at = utcnow()


def update(session: Session, decision: Decision, changes: dict[str, Any]) -> None:
    """Change a draft's words, number or date (a new date recomputes every bonus)."""
    require_draft(decision)
    _check(changes)
    redate = "decided_on" in changes and changes["decided_on"] != decision.decided_on
    for name in EDITABLE:
        if name in changes:
            setattr(decision, name, changes[name])
    decision.year = decision.decided_on.year
    _number_free(session, decision)
    if redate:
        for recipient in decision.recipients:
            _price(session, decision, recipient)
    _total(decision)
    touch(decision)
    session.flush()


# -- bonuses ---------------------------------------------------------------------------------


def bonus_figures(session: Session, award_code: str, decided_on: date) -> dict[str, Any] | None:
    """The bonus of ``award_code`` on ``decided_on`` with every figure it came from (the
    multiple, the base salary with the day it took effect and its legal basis, the rounding
    step with its basis, the result), or None for an award the pack gives no money."""
    try:
        bonus = packs.bonus(session, award_code, decided_on)
    except Conflict as refused:
        if refused.extra.get("code") == "no_bonus":
            return None
        raise
    pack = packs.pack_on(session, decided_on)
    assert pack is not None  # packs.bonus found it
    salary = max(
        (
            s
            for s in pack.document.get("base_salary", [])
            if date.fromisoformat(s["from"]) <= decided_on
        ),
        key=lambda s: s["from"],
    )
    rounding = pack.document["bonus_rounding"]
    return {
        "decided_on": decided_on.isoformat(),
        "multiple": bonus["multiple"],
        "base_salary": bonus["base_salary"],
        "base_salary_from": salary["from"],
        "base_salary_basis": salary.get("basis", ""),
        "rounding_step": int(rounding["up_to_multiple_of_vnd"]),
        "rounding_basis": rounding.get("basis", ""),
        "vnd": bonus["vnd"],
        "rule_pack": bonus["rule_pack"],
        "basis": bonus["basis"],
    }


def _price(session: Session, decision: Decision, recipient: DecisionRecipient) -> None:
    recipient.bonus = bonus_figures(session, recipient.award_code, decision.decided_on)
    recipient.bonus_vnd = int(recipient.bonus["vnd"]) if recipient.bonus else 0


def _total(decision: Decision) -> None:
    decision.total_vnd = sum(r.bonus_vnd for r in decision.recipients)


# -- sources and recipients ------------------------------------------------------------------


def _award(session: Session, nomination: Nomination) -> dict[str, Any]:
    return packs.in_force(session, nomination.award_code, nomination.year)[1]


def takes(award: dict[str, Any], nomination: Nomination, nominee: Nominee) -> bool:
    """Whether a decision may name ``nominee`` of ``nomination`` now (docs/awards.md)."""
    if award.get("council"):
        return nomination.state in COUNCIL_STATES and nominee.council_outcome == "approved"
    return nomination.state in NO_COUNCIL_STATES


def _named(session: Session, nominee_ids: Iterable[int]) -> dict[int, str]:
    """Nominee id -> the decision already naming it (any decision, draft or issued)."""
    ids = list(nominee_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(DecisionRecipient.nominee_id, DecisionRecipient.decision_id).where(
            DecisionRecipient.nominee_id.in_(ids)
        )
    )
    return {nominee_id: decision_id for nominee_id, decision_id in rows}


def sources(
    session: Session, *, award: str | None = None, year: int | None = None
) -> list[dict[str, Any]]:
    """Every nominee a decision may name now that no decision names yet, oldest file first."""
    query = select(Nomination).where(Nomination.state.in_(COUNCIL_STATES + NO_COUNCIL_STATES))
    if award:
        query = query.where(Nomination.award_code == award)
    if year:
        query = query.where(Nomination.year == year)
    files = session.scalars(query.order_by(Nomination.submitted_at, Nomination.nomination_id))
    out = []
    awards: dict[tuple[str, int], dict[str, Any]] = {}
    for nomination in files:
        key = (nomination.award_code, nomination.year)
        if key not in awards:
            try:
                awards[key] = _award(session, nomination)
            except (NotFound, Conflict):
                continue
        named = _named(session, [n.id for n in nomination.nominees])
        for nominee in nomination.nominees:
            if nominee.id in named or not takes(awards[key], nomination, nominee):
                continue
            out.append(
                {
                    "nomination_id": nomination.nomination_id,
                    "nomination_state": nomination.state,
                    "unit_id": nomination.unit_id,
                    "subject": nominee.subject_id,
                    "subject_kind": nominee.subject_kind,
                    "subject_name": nominee.subject_name,
                    "award": nomination.award_code,
                    "award_name": awards[key]["name"],
                    "year": nomination.year,
                    "council_outcome": nominee.council_outcome,
                }
            )
    return out


def recipient_unit(session: Session, nominee: Nominee) -> tuple[str, str, str | None]:
    """``(unit_id, unit name, province code)`` of a nominee: a person's unit, or the unit."""
    unit_id = nominee.subject_id
    if nominee.subject_kind == "individual":
        person = session.get(Person, nominee.subject_id)
        if person is None:
            raise NotFound(eligibility.SUBJECT, nominee.subject_id)
        unit_id = person.unit_id
    copy = session.get(UnitCopy, unit_id)
    if copy is not None:
        return unit_id, copy.name, copy.province_code
    return unit_id, eligibility.known_unit(session, unit_id) or unit_id, None


def add_recipients(
    session: Session, decision: Decision, picks: list[tuple[str, str | None]]
) -> list[DecisionRecipient]:
    """Name ``picks`` ((file id, subject id, or None for every nominee the decision may take
    of that file)): all or none, every problem keyed by ``picks/<i>``."""
    require_draft(decision)
    errors: dict[str, list[Any]] = {}
    chosen: list[tuple[Nomination, Nominee, dict[str, Any]]] = []
    seen: set[int] = set()
    present = {r.nominee_id for r in decision.recipients}
    for i, (nomination_id, subject_id) in enumerate(picks):
        field = f"picks/{i}"
        nomination = session.get(Nomination, nomination_id)
        if nomination is None:
            errors.setdefault(field, []).append(
                (f"Không có hồ sơ đề nghị {nomination_id}.", f"No nomination file {nomination_id}.")
            )
            continue
        try:
            award = _award(session, nomination)
        except (NotFound, Conflict):
            errors.setdefault(field, []).append(
                (
                    f"Không còn bộ quy tắc cho {nomination.award_code} năm {nomination.year}.",
                    f"No rule pack for {nomination.award_code} in {nomination.year}.",
                )
            )
            continue
        if subject_id is None:
            wanted = [n for n in nomination.nominees if takes(award, nomination, n)]
            if not wanted:
                errors.setdefault(field, []).append(_not_takeable(award, nomination, None))
                continue
        else:
            try:
                wanted = [nominations.nominee_of(nomination, subject_id)]
            except NotFound:
                errors.setdefault(field, []).append(
                    (
                        f"{subject_id} không có trong hồ sơ {nomination_id}.",
                        f"{subject_id} is not in the file {nomination_id}.",
                    )
                )
                continue
            if not takes(award, nomination, wanted[0]):
                errors.setdefault(field, []).append(_not_takeable(award, nomination, wanted[0]))
                continue
        named = _named(session, [n.id for n in wanted])
        for nominee in wanted:
            if nominee.id in present or nominee.id in seen:
                if subject_id is not None:
                    errors.setdefault(field, []).append(
                        (
                            f"{nominee.subject_name} đã có trong quyết định này.",
                            f"{nominee.subject_name} is already in this decision.",
                        )
                    )
                continue
            if nominee.id in named:
                if subject_id is not None or named[nominee.id] != decision.decision_id:
                    errors.setdefault(field, []).append(
                        (
                            f"{nominee.subject_name} đã có trong quyết định {named[nominee.id]}.",
                            f"{nominee.subject_name} is already in decision {named[nominee.id]}.",
                        )
                    )
                continue
            seen.add(nominee.id)
            chosen.append((nomination, nominee, award))
    if errors:
        raise Invalid(errors)
    position = max((r.position for r in decision.recipients), default=0)
    added = []
    for nomination, nominee, award in chosen:
        position += 1
        unit_id, unit_name, _ = recipient_unit(session, nominee)
        recipient = DecisionRecipient(
            decision_id=decision.decision_id,
            position=position,
            nomination_id=nomination.nomination_id,
            nominee_id=nominee.id,
            subject_id=nominee.subject_id,
            subject_kind=nominee.subject_kind,
            subject_name=nominee.subject_name,
            unit_id=unit_id,
            unit_name=unit_name,
            award_code=nomination.award_code,
            award_name=award["name"],
            year=nomination.year,
        )
        _price(session, decision, recipient)
        session.add(recipient)
        decision.recipients.append(recipient)
        added.append(recipient)
    _total(decision)
    touch(decision)
    session.flush()
    return added


def _not_takeable(
    award: dict[str, Any], nomination: Nomination, nominee: Nominee | None
) -> tuple[str, str]:
    who = f"{nominee.subject_name} ({nominee.subject_id})" if nominee else "Không ai"
    who_en = f"{nominee.subject_name} ({nominee.subject_id})" if nominee else "No one"
    if award.get("council"):
        return (
            f"{who} của hồ sơ {nomination.nomination_id} chưa được Hội đồng thông qua "
            f"(hồ sơ '{nomination.state}'; cần hồ sơ 'approved' và kết quả 'approved').",
            f"{who_en} of the file {nomination.nomination_id} is not approved by the council "
            f"(the file is '{nomination.state}'; an 'approved' file and outcome are needed).",
        )
    return (
        f"{who} của hồ sơ {nomination.nomination_id}: hồ sơ đang '{nomination.state}', cần "
        "'received' hoặc 'forwarded'.",
        f"{who_en} of the file {nomination.nomination_id}: the file is '{nomination.state}', "
        "it must be 'received' or 'forwarded'.",
    )


def recipient_of(decision: Decision, recipient_id: int) -> DecisionRecipient:
    for recipient in decision.recipients:
        if recipient.id == recipient_id:
            return recipient
    raise NotFound(RECIPIENT, str(recipient_id))


def remove_recipient(session: Session, decision: Decision, recipient: DecisionRecipient) -> None:
    require_draft(decision)
    decision.recipients.remove(recipient)
    session.delete(recipient)
    _total(decision)
    touch(decision)
    session.flush()


# -- issuing ---------------------------------------------------------------------------------


def new_serial(issuer: str, year: int) -> str:
    """A certificate serial: the issuer, the year and 80 random bits (base32), e.g.
    ``BTP-2026-7KQ2M4XD9PLA3VNE``: not guessable from another one, and fits check_serial."""
    token = base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")
    return documents.model.check_serial(f"{issuer}-{year}-{token}")


def issue_problems(session: Session, decision: Decision) -> list[dict[str, Any]]:
    """Every reason the decision cannot be issued now."""
    reasons: list[dict[str, Any]] = []
    if not decision.recipients:
        reasons.append(
            {
                "code": "no_recipients",
                "message": _said("Quyết định chưa có ai.", "The decision names no recipient."),
            }
        )
    for recipient in decision.recipients:
        nomination = session.get(Nomination, recipient.nomination_id)
        nominee = session.get(Nominee, recipient.nominee_id)
        assert nomination is not None and nominee is not None
        award = _award(session, nomination)
        if not takes(award, nomination, nominee):
            text = _not_takeable(award, nomination, nominee)
            reasons.append(
                {
                    "code": "not_takeable",
                    "subject": recipient.subject_id,
                    "message": _said(*text),
                }
            )
        held = session.scalar(
            select(Achievement).where(
                Achievement.recipient_id == recipient.subject_id,
                Achievement.award_code == recipient.award_code,
                Achievement.year == recipient.year,
            )
        )
        if held is not None:
            reasons.append(
                {
                    "code": "already_held",
                    "subject": recipient.subject_id,
                    "message": _said(
                        f"{recipient.subject_name} đã có {recipient.award_name} năm "
                        f"{recipient.year} trong sổ ({held.decision}"
                        f"{', đã bị hủy' if held.revoked else ''}).",
                        f"{recipient.subject_name} already has {recipient.award_name} for "
                        f"{recipient.year} in the registry ({held.decision}"
                        f"{', revoked' if held.revoked else ''}).",
                    ),
                }
            )
    return reasons


def issue(session: Session, actor: str, decision: Decision) -> Decision:
    """Issue the draft: the registry, the serials, the files' moves and the events, at once."""
    require_draft(decision, "ban hành / issue")
    _number_free(session, decision)
    for recipient in decision.recipients:  # the figures of the day, as issued
        _price(session, decision, recipient)
    _total(decision)
    problems = issue_problems(session, decision)
    if problems:
        raise Conflict(
            (
                f"Chưa ban hành được quyết định: {len(problems)} vấn đề, xem reasons.",
                f"The decision cannot be issued: {len(problems)} problems, see reasons.",
            ),
            code="not_issuable",
            reasons=problems,
        )
    now = utcnow()
    ref = DecisionRef(
        decision_id=decision.decision_id, number=decision.number, date=decision.decided_on
    )
    files: dict[str, Nomination] = {}
    for recipient in decision.recipients:
        nominee = session.get(Nominee, recipient.nominee_id)
        assert nominee is not None
        unit_id, _, province = recipient_unit(session, nominee)
        achievement = Achievement(
            recipient_id=recipient.subject_id,
            recipient_kind=recipient.subject_kind,
            unit_id=unit_id,
            award_code=recipient.award_code,
            year=recipient.year,
            decision=decision.number,
            decided_on=decision.decided_on,
            revoked=False,
            source="granted",
            recorded_at=now,
            recorded_by=actor,
        )
        session.add(achievement)
        session.flush()
        recipient.achievement_id = achievement.id
        recipient.award_id = str(uuid.uuid4())
        recipient.serial = new_serial(decision.issuer, decision.year)
        session.add(
            RegistryChange(
                subject_id=recipient.subject_id,
                unit_id=unit_id,
                action="award_granted",
                detail={
                    "award": recipient.award_code,
                    "year": recipient.year,
                    "decision": decision.number,
                    "decision_id": decision.decision_id,
                    "serial": recipient.serial,
                },
                actor_id=actor,
                at=now,
            )
        )
        fact = AwardGranted(
            award_id=recipient.award_id,
            recipient=RecipientFact(
                kind=recipient.subject_kind,
                id=recipient.subject_id,
                name=recipient.subject_name,
                unit_id=unit_id,
                province_code=province,
            ),
            unit_id=unit_id,
            name=recipient.subject_name,
            award=recipient.award_code,
            award_name=recipient.award_name,
            year=recipient.year,
            decision=ref,
            bonus_vnd=recipient.bonus_vnd,
            serial=recipient.serial,
        )
        emit(session, AwardGranted.TYPE, fact.subject, fact.to_data())
        nomination = nominations.load(session, recipient.nomination_id, lock=True)
        files[nomination.nomination_id] = nomination
    for nomination in files.values():
        session.add(
            NominationMove(
                nomination_id=nomination.nomination_id,
                from_state=nomination.state,
                to_state="decided",
                actor_id=actor,
                at=now,
                reason=nfc(f"Quyết định {decision.number} ngày {decision.decided_on:%d/%m/%Y}"),
            )
        )
        nomination.state = "decided"
        nominations.touch(nomination)
    decision.state = "issued"
    decision.issued_by = actor
    decision.issued_at = now
    touch(decision)
    session.flush()
    return decision


# -- documents -------------------------------------------------------------------------------


def document(decision: Decision) -> documents.Decision:
    """What the decision's .docx and PDF say, from what the decision holds."""
    return documents.Decision(
        number=decision.number,
        issuer=decision.issuer_name,
        place=decision.place,
        date=decision.decided_on,
        title=decision.title,
        authority=decision.authority,
        legal_bases=tuple(decision.legal_bases or ()),
        award_statement=decision.award_statement,
        recipients=tuple(
            documents.Recipient(
                name=r.subject_name, unit=r.unit_name, award=r.award_name, bonus_vnd=r.bonus_vnd
            )
            for r in decision.recipients
        ),
        bonus_source=decision.bonus_source,
        executors=tuple(decision.executors or ()),
        copies_to=tuple(decision.copies_to or ()),
        signer_name=decision.signer_name,
        signer_title=decision.signer_title,
        signing_for=decision.signing_for,
        governing_body=decision.governing_body,
        proposal=decision.proposal,
    )


def certificate(decision: Decision, recipient: DecisionRecipient) -> documents.Certificate:
    """The recipient's certificate (Bằng khen, Giấy khen or Kỷ niệm chương: the decision's)."""
    assert recipient.serial is not None
    return documents.Certificate(
        kind=documents.CertificateKind(decision.certificate_kind),
        serial=recipient.serial,
        recipient_name=recipient.subject_name,
        recipient_unit=recipient.unit_name,
        award_name=recipient.award_name,
        issuer_authority=decision.authority,
        decision_number=decision.number,
        decision_date=decision.decided_on,
        place=decision.place,
        signer_name=decision.signer_name,
        signer_title=decision.signer_title,
        signing_for=decision.signing_for,
        citation=decision.citation,
    )


def by_serial(session: Session, serial: str) -> DecisionRecipient:
    recipient = session.scalar(select(DecisionRecipient).where(DecisionRecipient.serial == serial))
    if recipient is None:
        raise NotFound(("chứng nhận", "certificate"), serial)
    return recipient
