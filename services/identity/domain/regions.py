"""Emulation regions (Khu vực / Cụm thi đua), one set per year.

A region of a year has member units (each province's Department of Justice and civil judgment
enforcement agency), a lead unit and deputy lead units, which rotate yearly. Ministry officers
create and edit a year's regions; each change emits ``identity.region.membership_changed`` with
the whole membership, so consumers need not merge differences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.identity import RegionMembershipChanged
from kit.errors import Invalid, NotFound, Text
from services.identity import events
from services.identity.domain import audit
from services.identity.domain.org import INVALID
from services.identity.models import OrgUnit, Region, RegionMember

CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def region_id(year: int, code: str) -> str:
    return f"{year}-{code}"


def check_code(code: str) -> None:
    """422 unless ``code`` can name a region: 1–64 of a-z, 0-9 and hyphens."""
    if not CODE.fullmatch(code):
        raise Invalid(
            {
                "code": [
                    (
                        "Mã khu vực gồm 1–64 ký tự a-z, 0-9 và gạch ngang.",
                        "A region code is 1–64 characters of a-z, 0-9 and hyphens.",
                    )
                ]
            },
            INVALID,
        )


def regions_of(session: Session, year: int | None = None) -> list[Region]:
    query = select(Region).order_by(Region.year, Region.code)
    if year is not None:
        query = query.where(Region.year == year)
    return list(session.execute(query).scalars())


def regions_of_unit(session: Session, unit_id: str) -> list[str]:
    """Ids of every region (any year) the unit is a member of."""
    rows = session.execute(select(RegionMember.region_id).where(RegionMember.unit_id == unit_id))
    return sorted(rows.scalars())


def get_region(session: Session, rid: str) -> Region:
    region = session.get(Region, rid)
    if region is None:
        raise NotFound(("khu vực thi đua", "region"), rid)
    return region


def _check_members(
    session: Session,
    rid: str,
    year: int,
    unit_ids: Iterable[str],
    lead: str | None,
    deputies: Iterable[str],
) -> dict[str, list[Text]]:
    """Members must exist during the year and be in no other region of that year; lead and
    deputies must be members."""
    errors: dict[str, list[Text]] = {}
    first, last = date(year, 1, 1), date(year, 12, 31)
    members = list(dict.fromkeys(unit_ids))
    for unit_id in members:
        unit = session.get(OrgUnit, unit_id)
        if unit is None or not (unit.exists_on(first) or unit.exists_on(last)):
            errors.setdefault("member_ids", []).append(
                (
                    f"{unit_id}: không tồn tại trong năm {year}.",
                    f"{unit_id}: does not exist in {year}.",
                )
            )
    elsewhere = session.execute(
        select(RegionMember.unit_id, RegionMember.region_id)
        .join(Region)
        .where(Region.year == year, Region.id != rid, RegionMember.unit_id.in_(members))
        .order_by(RegionMember.unit_id)
    )
    for unit_id, other in elsewhere:
        errors.setdefault("member_ids", []).append(
            (
                f"{unit_id}: đã thuộc khu vực {other} của năm {year}.",
                f"{unit_id}: is already a member of {other} in {year}.",
            )
        )
    if lead is not None and lead not in members:
        errors["lead_unit_id"] = [
            ("Đơn vị trưởng khu vực phải là thành viên.", "The lead unit must be a member.")
        ]
    strangers = [d for d in deputies if d not in members]
    if strangers:
        errors["deputy_unit_ids"] = [
            (
                f"Không phải thành viên: {', '.join(strangers)}.",
                f"Not members: {', '.join(strangers)}.",
            )
        ]
    if not members:
        errors["member_ids"] = [("Khu vực cần ít nhất một thành viên.", "At least one member.")]
    return errors


def _membership(region: Region) -> RegionMembershipChanged:
    """The region's whole membership, as its event carries it (nothing added or removed)."""
    return RegionMembershipChanged(
        region_id=region.id,
        year=region.year,
        code=region.code,
        name=region.name,
        lead_unit_id=region.lead_unit_id,
        deputy_unit_ids=tuple(sorted(m.unit_id for m in region.members if m.is_deputy)),
        member_ids=tuple(sorted(m.unit_id for m in region.members)),
    )


def save_region(
    session: Session,
    actor_id: str | None,
    *,
    year: int,
    code: str,
    name: str,
    member_ids: Iterable[str],
    lead_unit_id: str | None,
    deputy_unit_ids: Iterable[str] = (),
) -> Region:
    """Create the region of ``year`` or replace its name, members, lead and deputies."""
    member_ids, deputy_unit_ids = list(member_ids), list(deputy_unit_ids)
    rid = region_id(year, code)
    errors = _check_members(session, rid, year, member_ids, lead_unit_id, deputy_unit_ids)
    if errors:
        raise Invalid(errors, INVALID)
    region = session.get(Region, rid)
    before = _membership(region) if region else None
    if region is None:
        region = Region(id=rid, year=year, code=code, name=name)
        session.add(region)
    region.name = name
    region.lead_unit_id = lead_unit_id
    deputies = set(deputy_unit_ids)
    region.members = [
        RegionMember(unit_id=u, is_deputy=u in deputies) for u in dict.fromkeys(member_ids)
    ]
    session.flush()
    after = _membership(region)
    if after == before:
        return region
    added = sorted(set(after.member_ids) - set(before.member_ids if before else []))
    removed = sorted(set(before.member_ids) - set(after.member_ids)) if before else []
    audit.record(
        session,
        "region.saved",
        actor_id=actor_id,
        target_type="region",
        target_id=rid,
        added=added,
        removed=removed,
    )
    events.publish(session, replace(after, added=tuple(added), removed=tuple(removed)))
    return region
