"""Revoking granted awards (Chương VII of the Law on Emulation and Commendation): one award
of a decision, or every award of it, with the legal reason and the document ordering it.

The Achievement the decision wrote is marked revoked and kept (the history says it was held,
then revoked); every verdict reads only awards not revoked (domain.eligibility), so from the
revocation on no question counts it. The bonus paid for it is to be recovered: the amount
and its status (pending, then recovered or waived) are kept with the recipient.

**What was granted on its strength.** An award granted later whose nomination's verdict, as
stored when the file was submitted, counted the revoked award is flagged for review
(``AwardReview``) with the condition that counted it. The stored verdict is the evidence the
decision was taken on: its ``found`` facts say which award of which year a ``held`` condition
counted (or, for a unit, which award of which year its members' conditions counted), whereas
evaluating the rules again today would mix in everything that changed since (later awards,
edited histories, a new pack) and flag, or miss, awards for reasons unrelated to this
revocation. Whether a flagged award still stands is the reviewer's judgement, so nothing is
revoked automatically.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.awards import AwardRevoked, DecisionRef, RecipientFact
from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound, Problem, StateConflict
from kit.events import emit
from services.awards.domain import decisions, nominations
from services.awards.models import (
    Achievement,
    AwardReview,
    Decision,
    DecisionRecipient,
    Nominee,
    RegistryChange,
    Revocation,
    UnitCopy,
)

REVOCATION = ("quyết định hủy bỏ khen thưởng", "revocation")
RECOVERY_STATES = ("pending", "recovered", "waived")
MEMBER_CONDITIONS = ("members_share", "members_holding")


def load(session: Session, revocation_id: str) -> Revocation:
    revocation = session.get(Revocation, revocation_id)
    if revocation is None:
        raise NotFound(REVOCATION, revocation_id)
    return revocation


# -- what a stored verdict relied on ---------------------------------------------------------


def _walk(conditions: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    for condition in conditions or []:
        yield condition
        yield from _walk(condition.get("conditions"))


def relied_on(
    verdict: dict[str, Any] | None, award: str, year: int, *, as_member: bool
) -> list[dict[str, Any]]:
    """The passed conditions of ``verdict`` that counted ``award`` of ``year``: a ``held`` of
    the subject itself, or (``as_member``: the revoked award was a member's) a members'
    condition on that award and year."""
    found = []
    for condition in _walk((verdict or {}).get("conditions")):
        if not condition.get("passed"):
            continue
        facts = condition.get("found") or {}
        if facts.get("award") != award:
            continue
        kind = condition.get("type")
        if (not as_member and kind == "held" and year in (facts.get("years_held") or [])) or (
            as_member and kind in MEMBER_CONDITIONS and facts.get("year") == year
        ):
            found.append(condition)
    return found


def dependents(
    session: Session, revoked: DecisionRecipient
) -> list[tuple[DecisionRecipient, list[dict[str, Any]]]]:
    """The awards granted (issued, not revoked) whose verdict at submission counted ``revoked``:
    the recipient's own later awards and, for a person, their unit's collective awards."""
    subjects = {revoked.subject_id: False}
    if revoked.subject_kind == "individual":
        subjects[revoked.unit_id] = True
    rows = session.execute(
        select(DecisionRecipient, Nominee)
        .join(Nominee, Nominee.id == DecisionRecipient.nominee_id)
        .join(Decision, Decision.decision_id == DecisionRecipient.decision_id)
        .where(
            DecisionRecipient.subject_id.in_(list(subjects)),
            DecisionRecipient.id != revoked.id,
            DecisionRecipient.revocation_id.is_(None),
            Decision.state == "issued",
        )
        .order_by(DecisionRecipient.id)
    )
    out = []
    for recipient, nominee in rows:
        conditions = relied_on(
            nominee.verdict,
            revoked.award_code,
            revoked.year,
            as_member=subjects[recipient.subject_id],
        )
        if conditions:
            out.append((recipient, conditions))
    return out


# -- revoking --------------------------------------------------------------------------------


def _document(filename: str | None, content: bytes) -> tuple[str, str]:
    """(clean name, type) of the revocation's document: the nominations' file rules."""
    if len(content) > nominations.MAX_FILE_BYTES:
        raise nominations.too_large()
    content_type = nominations.sniff(content)
    if content_type is None:
        raise Problem(
            415,
            "unsupported-media-type",
            (
                "Tệp phải là PDF, DOCX, ODT, PNG hoặc JPEG (xét theo nội dung tệp).",
                "The file must be a PDF, DOCX, ODT, PNG or JPEG (judged by its content).",
            ),
            allowed=sorted(nominations.FILE_TYPES),
        )
    return nominations.clean_filename(filename, content_type), content_type


def revoke(
    session: Session,
    actor: str,
    decision: Decision,
    *,
    recipient_ids: list[int] | None,
    reason: str,
    legal_basis: str,
    revoked_on: date,
    filename: str | None,
    content: bytes,
) -> tuple[Revocation, list[AwardReview]]:
    """Revoke the recipients ``recipient_ids`` of an issued decision (None: all of them still
    standing); flag what was granted on their strength. 409 for a draft or for an award
    already revoked; nothing changes on any refusal."""
    if decision.state != "issued":
        raise StateConflict(decisions.THING, decision.state, "hủy bỏ / revoke", [])
    if not reason.strip():
        raise Invalid({"reason": [("Cần nêu lý do theo quy định.", "A legal reason is required.")]})
    if revoked_on < decision.decided_on:
        raise Invalid(
            {
                "revoked_on": [
                    (
                        f"Không trước ngày quyết định ({decision.decided_on:%d/%m/%Y}).",
                        f"Not before the decision's date ({decision.decided_on.isoformat()}).",
                    )
                ]
            }
        )
    if recipient_ids is None:
        targets = [r for r in decision.recipients if r.revocation_id is None]
        if not targets:
            raise Conflict(
                (
                    "Mọi khen thưởng của quyết định này đã bị hủy bỏ.",
                    "Every award of this decision is already revoked.",
                ),
                code="already_revoked",
            )
    else:
        targets = [decisions.recipient_of(decision, rid) for rid in dict.fromkeys(recipient_ids)]
        gone = [r for r in targets if r.revocation_id is not None]
        if gone:
            raise Conflict(
                (
                    "Đã bị hủy bỏ trước đó: " + ", ".join(r.subject_name for r in gone) + ".",
                    "Already revoked: " + ", ".join(r.subject_name for r in gone) + ".",
                ),
                code="already_revoked",
                recipients=[r.id for r in gone],
            )
    name, content_type = _document(filename, content)
    now = utcnow()
    revocation = Revocation(
        revocation_id=str(uuid.uuid4()),
        decision_id=decision.decision_id,
        scope="decision" if recipient_ids is None else "award",
        reason=reason.strip(),
        legal_basis=legal_basis.strip(),
        revoked_on=revoked_on,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        revoked_by=actor,
        revoked_at=now,
    )
    session.add(revocation)
    session.flush()
    ref = DecisionRef(
        decision_id=decision.decision_id, number=decision.number, date=decision.decided_on
    )
    reviews: list[AwardReview] = []
    for recipient in targets:
        achievement = session.get(Achievement, recipient.achievement_id)
        if achievement is not None:
            achievement.revoked = True
        recipient.revocation_id = revocation.revocation_id
        recipient.recovery_vnd = recipient.bonus_vnd
        recipient.recovery_status = "pending" if recipient.bonus_vnd else None
        recipient.recovery_updated_by = actor
        recipient.recovery_updated_at = now
        session.add(
            RegistryChange(
                subject_id=recipient.subject_id,
                unit_id=recipient.unit_id,
                action="award_revoked",
                detail={
                    "award": recipient.award_code,
                    "year": recipient.year,
                    "decision": decision.number,
                    "revocation_id": revocation.revocation_id,
                    "reason": revocation.reason,
                },
                actor_id=actor,
                at=now,
            )
        )
        copy = session.get(UnitCopy, recipient.unit_id)
        fact = AwardRevoked(
            award_id=recipient.award_id or "",
            recipient=RecipientFact(
                kind=recipient.subject_kind,
                id=recipient.subject_id,
                name=recipient.subject_name,
                unit_id=recipient.unit_id,
                province_code=copy.province_code if copy else None,
            ),
            unit_id=recipient.unit_id,
            award=recipient.award_code,
            award_name=recipient.award_name,
            year=recipient.year,
            decision=ref,
            revoked_on=revoked_on,
            reason=revocation.reason,
            revocation_id=revocation.revocation_id,
        )
        emit(session, AwardRevoked.TYPE, fact.subject, fact.to_data())
    session.flush()
    for recipient in targets:
        for dependent, conditions in dependents(session, recipient):
            review = AwardReview(
                revocation_id=revocation.revocation_id,
                recipient_id=dependent.id,
                revoked_recipient_id=recipient.id,
                relied_on=conditions,
                status="open",
                flagged_at=now,
            )
            session.add(review)
            reviews.append(review)
    decisions.touch(decision)
    session.flush()
    return revocation, reviews


def record_recovery(
    session: Session, actor: str, recipient: DecisionRecipient, status: str, note: str | None
) -> None:
    """The bonus of a revoked award recovered (or waived, with the reason in ``note``)."""
    if recipient.revocation_id is None:
        raise StateConflict(
            ("Khen thưởng", "award"), "granted", "ghi thu hồi tiền thưởng / record a recovery", []
        )
    if status not in RECOVERY_STATES:
        names = ", ".join(RECOVERY_STATES)
        raise Invalid({"status": [(f"Một trong {names}.", f"One of {names}.")]})
    if not recipient.bonus_vnd:
        raise Conflict(
            ("Khen thưởng này không có tiền thưởng.", "This award carried no bonus."),
            code="no_bonus",
        )
    recipient.recovery_status = status
    recipient.recovery_note = note
    recipient.recovery_updated_by = actor
    recipient.recovery_updated_at = utcnow()
    session.flush()


def reviews_of(session: Session, revocation_id: str | None = None, status: str | None = None):
    """The flagged awards (with the award flagged and the one revoked), oldest first."""
    query = select(AwardReview).order_by(AwardReview.id)
    if revocation_id:
        query = query.where(AwardReview.revocation_id == revocation_id)
    if status:
        query = query.where(AwardReview.status == status)
    return query


def describe_review(session: Session, review: AwardReview) -> dict[str, Any]:
    flagged = session.get(DecisionRecipient, review.recipient_id)
    revoked = session.get(DecisionRecipient, review.revoked_recipient_id)
    assert flagged is not None and revoked is not None

    def brief(r: DecisionRecipient) -> dict[str, Any]:
        decision = session.get(Decision, r.decision_id)
        return {
            "recipient_id": r.id,
            "award_id": r.award_id,
            "subject": r.subject_id,
            "subject_name": r.subject_name,
            "unit_id": r.unit_id,
            "award": r.award_code,
            "award_name": r.award_name,
            "year": r.year,
            "decision_id": r.decision_id,
            "decision_number": decision.number if decision else None,
        }

    return {
        "id": review.id,
        "revocation_id": review.revocation_id,
        "status": review.status,
        "flagged_at": review.flagged_at,
        "award": brief(flagged),
        "revoked_award": brief(revoked),
        "relied_on": review.relied_on,
    }
