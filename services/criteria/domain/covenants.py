"""Region covenants (giao ước thi đua): what a region's units pledge to each other for a year.

A region of a year (identity's ``"<year>-<code>"``, known here through the read model
``RegionCopy``) has at most one covenant: a title and numbered items. The Ministry or the
region's lead writes it; then each member unit signs it once, through an officer of that unit,
naming who signed for the unit. Once anyone has signed, the items are fixed. Each signature
emits ``criteria.covenant.signed`` with how many of the region's members have signed so far.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Conflict, Forbidden, Invalid, NotFound, Text
from kit.events import emit
from kit.policy import Target
from services.criteria import events
from services.criteria.models import Covenant, CovenantSignature, RegionCopy


def invalid(errors: dict[str, list[Text]]) -> Invalid:
    return Invalid(
        errors,
        ("Giao ước thi đua không hợp lệ, xem errors.", "The covenant is invalid, see errors."),
    )


def target(region_id: str) -> Target:
    """What ``covenant.manage`` is asked about: the region (its lead, or the Ministry)."""
    return Target(region_ids=frozenset({region_id}))


def _check_items(items: list[dict[str, Any]]) -> dict[str, list[Text]]:
    codes = [item["code"].strip() for item in items]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        return {
            "items": [
                (
                    f"Mã nội dung bị trùng: {', '.join(repeated)}.",
                    f"Item codes repeat: {', '.join(repeated)}.",
                )
            ]
        }
    return {}


def _items(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"code": i["code"].strip(), "content": i["content"]} for i in items]


# -- reading ------------------------------------------------------------------------------


def query(*, year: int | None, region_id: str | None) -> Select[Any]:
    statement = select(Covenant).order_by(Covenant.year.desc(), Covenant.region_id)
    if year is not None:
        statement = statement.where(Covenant.year == year)
    if region_id is not None:
        statement = statement.where(Covenant.region_id == region_id)
    return statement


def get(session: Session, covenant_id: str) -> Covenant:
    covenant = session.get(Covenant, covenant_id)
    if covenant is None:
        raise NotFound(("giao ước", "covenant"), covenant_id)
    return covenant


def members(session: Session, covenant: Covenant) -> list[str]:
    region = session.get(RegionCopy, covenant.region_id)
    return sorted(region.member_ids) if region else []


def view(session: Session, covenant: Covenant) -> dict[str, Any]:
    """The covenant with its signatures and who of the region has yet to sign."""
    member_ids = members(session, covenant)
    signed = {s.unit_id for s in covenant.signatures}
    return {
        "id": covenant.id,
        "region_id": covenant.region_id,
        "year": covenant.year,
        "title": covenant.title,
        "items": covenant.items,
        "created_at": covenant.created_at,
        "member_count": len(member_ids),
        "signed_count": len(covenant.signatures),
        "unsigned_unit_ids": [u for u in member_ids if u not in signed],
        "signatures": [signature_view(s) for s in covenant.signatures],
    }


def signature_view(signature: CovenantSignature) -> dict[str, Any]:
    return {
        "id": signature.id,
        "covenant_id": signature.covenant_id,
        "unit_id": signature.unit_id,
        "signer_name": signature.signer_name,
        "signer_title": signature.signer_title,
        "signed_by_user": signature.signed_by_user,
        "signed_at": signature.signed_at,
    }


# -- changing -----------------------------------------------------------------------------


def _exists(region_id: str) -> Conflict:
    return Conflict(
        (
            f"Khu vực {region_id} đã có giao ước thi đua; hãy sửa giao ước đó.",
            f"Region {region_id} has a covenant already; edit that one.",
        ),
        region_id=region_id,
    )


def create(
    session: Session, actor: str, *, region_id: str, title: str, items: list[dict[str, Any]]
) -> Covenant:
    """The region's covenant (one per region: 409 when it exists)."""
    errors = _check_items(items)
    region = session.get(RegionCopy, region_id)
    if region is None:
        errors["region_id"] = [
            (f"Không có khu vực thi đua {region_id}.", f"No emulation region {region_id}.")
        ]
    if errors:
        raise invalid(errors)
    assert region is not None
    if session.execute(select(Covenant.id).where(Covenant.region_id == region_id)).first():
        raise _exists(region_id)
    covenant = Covenant(
        id=str(uuid.uuid4()),
        region_id=region_id,
        year=region.year,
        title=title,
        items=_items(items),
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(covenant)
    try:
        session.flush()
    except IntegrityError as error:  # written by someone else in the meantime
        raise _exists(region_id) from error
    return covenant


def update(
    session: Session, covenant: Covenant, *, title: str, items: list[dict[str, Any]]
) -> Covenant:
    """Replace title and items, as long as nobody has signed (409 after the first signature)."""
    if covenant.signatures:
        raise Conflict(
            (
                f"Đã có {len(covenant.signatures)} đơn vị ký giao ước: không thể sửa nội dung.",
                f"{len(covenant.signatures)} units have signed the covenant: it cannot change.",
            ),
            signed_count=len(covenant.signatures),
            allowed=["sign"],
        )
    errors = _check_items(items)
    if errors:
        raise invalid(errors)
    covenant.title = title
    covenant.items = _items(items)
    session.flush()
    return covenant


def sign(
    session: Session,
    covenant: Covenant,
    *,
    unit_id: str,
    user: str,
    signer_name: str,
    signer_title: str,
) -> CovenantSignature:
    """Sign for ``unit_id``: a member of the covenant's region (403 otherwise), once (409)."""
    member_ids = members(session, covenant)
    if unit_id not in member_ids:
        raise Forbidden(
            (
                f"Đơn vị {unit_id} không thuộc khu vực {covenant.region_id}: không thể ký.",
                f"Unit {unit_id} is not a member of region {covenant.region_id}: cannot sign.",
            )
        )
    if any(s.unit_id == unit_id for s in covenant.signatures):
        raise Conflict(
            (
                f"Đơn vị {unit_id} đã ký giao ước này.",
                f"Unit {unit_id} has signed this covenant already.",
            )
        )
    signature = CovenantSignature(
        id=str(uuid.uuid4()),
        covenant_id=covenant.id,
        unit_id=unit_id,
        signer_name=signer_name,
        signer_title=signer_title,
        signed_by_user=user,
        signed_at=utcnow(),
    )
    covenant.signatures.append(signature)
    try:
        session.flush()
    except IntegrityError as error:  # the same unit signing twice at once
        raise Conflict(
            (f"Đơn vị {unit_id} đã ký giao ước này.", f"Unit {unit_id} has signed already.")
        ) from error
    emit(
        session,
        events.COVENANT_SIGNED,
        subject=f"covenant/{covenant.id}",
        data={
            "covenant_id": covenant.id,
            "region_id": covenant.region_id,
            "year": covenant.year,
            "unit_id": unit_id,
            "signer_name": signer_name,
            "signer_title": signer_title,
            "signed_at": signature.signed_at.isoformat(),
            "signed_count": len(covenant.signatures),
            "member_count": len(member_ids),
        },
    )
    return signature
