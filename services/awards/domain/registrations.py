"""Registrations (đăng ký danh hiệu thi đua): early in the year a unit names the titles it
will strive for, per member or for itself. At year end a yearly (cong-trang) nomination of a
title is accepted only for nominees registered for it, so the registration is the evidence
that the unit set out to earn the title.

The award must be a title (``kind: title``) of the pack in force for the year, and the subject
must fit its recipient kind and belong to the unit (a member of staff, or the unit itself).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Invalid, NotFound
from services.awards.domain import eligibility, packs
from services.awards.models import Nomination, Nominee, RegionCopy, Registration

REGISTRATION = ("đăng ký danh hiệu", "registration")
# The states in which a file "uses" a registration: it has been put before the Ministry.
USING_STATES = ("submitted", "returned", "received", "forwarded", "approved")


def regions_of(session: Session, unit_id: str, year: int) -> set[str]:
    """The regions ``unit_id`` is a member of in ``year`` (identity's copy)."""
    rows = session.scalars(select(RegionCopy).where(RegionCopy.year == year)).all()
    return {
        r.region_id for r in rows if unit_id in (r.member_ids or []) or r.lead_unit_id == unit_id
    }


def check_subject_fits(
    session: Session, award: dict[str, Any], subject_id: str, unit_id: str, field: str
) -> tuple[str, str]:
    """(kind, name) of a subject of ``unit_id`` fitting ``award``'s recipient; 422 at
    ``field`` naming the subject otherwise."""
    try:
        kind, owner, name = eligibility.subject(session, subject_id)
    except NotFound:
        raise Invalid(
            {
                field: [
                    (
                        f"Không có cán bộ hay đơn vị {subject_id}.",
                        f"No person or unit {subject_id}.",
                    )
                ]
            }
        ) from None
    if kind != award.get("recipient"):
        raise Invalid(
            {
                field: [
                    (
                        f"{subject_id} ({name}) không phải đối tượng của {award['name']} "
                        f"(dành cho {_recipient_vi(award.get('recipient'))}).",
                        f"{subject_id} ({name}) cannot receive {award['name']} "
                        f"(it is for {award.get('recipient')} recipients).",
                    )
                ]
            }
        )
    if owner != unit_id:
        raise Invalid(
            {
                field: [
                    (
                        f"{subject_id} ({name}) không thuộc đơn vị {unit_id}.",
                        f"{subject_id} ({name}) does not belong to unit {unit_id}.",
                    )
                ]
            }
        )
    return kind, name


def _recipient_vi(recipient: Any) -> str:
    return "tập thể" if recipient == "collective" else "cá nhân"


def register(
    session: Session, actor: str, *, unit_id: str, year: int, award_code: str, subject_id: str
) -> Registration:
    """Register ``subject_id`` of ``unit_id`` for the title ``award_code`` in ``year``."""
    _, award = packs.in_force(session, award_code, year)
    if award.get("kind") != "title":
        raise Invalid(
            {
                "award": [
                    (
                        f"{award['name']} không phải danh hiệu thi đua; chỉ đăng ký danh hiệu.",
                        f"{award['name']} is not a title; only titles are registered.",
                    )
                ]
            }
        )
    check_subject_fits(session, award, subject_id, unit_id, "subject")
    existing = session.scalar(
        select(Registration).where(
            Registration.unit_id == unit_id,
            Registration.year == year,
            Registration.award_code == award_code,
            Registration.subject_id == subject_id,
        )
    )
    if existing is not None:
        raise Conflict(
            (
                f"{subject_id} đã được đăng ký {award['name']} năm {year}.",
                f"{subject_id} is already registered for {award['name']} in {year}.",
            ),
            registration_id=existing.id,
        )
    row = Registration(
        unit_id=unit_id,
        year=year,
        award_code=award_code,
        subject_id=subject_id,
        registered_by=actor,
        registered_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def withdraw(session: Session, registration: Registration) -> None:
    """Withdraw a registration no file before the Ministry relies on."""
    used = session.scalar(
        select(Nomination.nomination_id)
        .join(Nominee, Nominee.nomination_id == Nomination.nomination_id)
        .where(
            Nomination.award_code == registration.award_code,
            Nomination.year == registration.year,
            Nomination.state.in_(USING_STATES),
            Nominee.subject_id == registration.subject_id,
        )
        .limit(1)
    )
    if used is not None:
        raise Conflict(
            (
                f"Hồ sơ {used} đã gửi dùng đăng ký này; không thể rút.",
                f"The submitted file {used} relies on this registration; it cannot be withdrawn.",
            ),
            nomination_id=used,
        )
    session.delete(registration)


def is_registered(
    session: Session, unit_id: str, year: int, award_code: str, subject_ids: list[str]
) -> set[str]:
    """Which of ``subject_ids`` ``unit_id`` registered for ``award_code`` in ``year``."""
    if not subject_ids:
        return set()
    return set(
        session.scalars(
            select(Registration.subject_id).where(
                Registration.unit_id == unit_id,
                Registration.year == year,
                Registration.award_code == award_code,
                Registration.subject_id.in_(subject_ids),
            )
        )
    )
