"""Reading the registry: who may see which units, search, a person's and a unit's profile,
the export document and the audit trail.

Everything here is scoped by the set of unit ids the caller may read (``None``: every unit,
for national roles), computed once by :func:`units_reached` from the caller's grants and the
regions awards has copied from identity: a unit role reaches its own unit, a region lead the
member units of its region, a national role all. The API turns "not in scope" into 404, so a
person or unit of another unit is never shown to exist.

The export document is exactly the import's shape (sample-award-history.json), so exporting a
unit and importing the result changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, exists, func, select, true
from sqlalchemy.orm import Session

from kit.text import search_words
from services.awards.models import (
    Achievement,
    Person,
    RankingResult,
    RegionCopy,
    RegistryChange,
    RulePack,
    UnitCopy,
)

Units = set[str] | None  # the unit ids a caller may read; None: all of them

FIRST_MEMBERS = 20
PERSON = ("cán bộ", "person")
UNIT = ("đơn vị", "unit")


# -- scope ---------------------------------------------------------------------------------


def regions_of(session: Session, unit_id: str) -> set[str]:
    """Every region (of any year: region ids carry their year) the unit is a member of."""
    regions = session.execute(select(RegionCopy.region_id, RegionCopy.member_ids)).all()
    return {region_id for region_id, members in regions if unit_id in (members or [])}


def units_reached(session: Session, scopes: Iterable[tuple[str, str | None]]) -> Units:
    """The units reached by grants given as ``(scope, scope_id)``: ``None`` when one is
    national, else the units named and the members of the regions named."""
    units: set[str] = set()
    regions: set[str] = set()
    for scope, scope_id in scopes:
        if scope == "national":
            return None
        if scope == "unit" and scope_id:
            units.add(scope_id)
        elif scope == "region" and scope_id:
            regions.add(scope_id)
    if regions:
        rows = session.execute(
            select(RegionCopy.member_ids).where(RegionCopy.region_id.in_(sorted(regions)))
        ).scalars()
        for members in rows:
            units.update(members or [])
    return units


def _within(column: Any, units: Units) -> Any:
    return true() if units is None else column.in_(sorted(units))


# -- documents -----------------------------------------------------------------------------


def person_entry(person: Person) -> dict[str, Any]:
    """A person as the import document has it (one entry of ``people``)."""
    return {
        "id": person.staff_code,
        "full_name": person.full_name,
        "gender": person.gender,
        "unit_id": person.unit_id,
        "transferred_from_other_sector": bool(person.transferred_from_other_sector),
        "positions": list(person.positions or []),
        "assessments": dict(person.assessments or {}),
        "service_months": dict(person.service_months or {}),
        "discipline": list(person.discipline or []),
        "initiatives": list(person.initiatives or []),
    }


def award_entry(achievement: Achievement) -> dict[str, Any]:
    """An award held as the import document has it (one entry of ``awards``)."""
    entry: dict[str, Any] = {
        "recipient": achievement.recipient_id,
        "award": achievement.award_code,
        "year": achievement.year,
        "decision": achievement.decision,
        "decided_on": achievement.decided_on.isoformat() if achievement.decided_on else None,
    }
    if achievement.revoked:
        entry["revoked"] = True
    return entry


def document_of(people: Iterable[Person], achievements: Iterable[Achievement]) -> dict[str, Any]:
    """The import document of these rows: what an export gives and an import takes back."""
    return {
        "people": [person_entry(p) for p in people],
        "awards": [award_entry(a) for a in achievements],
    }


def unit_document(session: Session, unit_id: str) -> dict[str, Any]:
    """A unit's people and the awards its people and the unit itself hold."""
    people = session.execute(
        select(Person).where(Person.unit_id == unit_id).order_by(Person.staff_code)
    ).scalars()
    awards = session.execute(
        select(Achievement)
        .where(Achievement.unit_id == unit_id)
        .order_by(Achievement.year, Achievement.recipient_id, Achievement.award_code)
    ).scalars()
    return document_of(list(people), list(awards))


# -- search --------------------------------------------------------------------------------


def _like_word(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%"


def search_people(
    units: Units,
    *,
    q: str | None = None,
    unit: str | None = None,
    award: str | None = None,
    year: int | None = None,
) -> Select[Any]:
    """People the caller may see whose name has every word of ``q`` at the start of a word
    (diacritics, case and Unicode form ignored), of ``unit``, holding ``award`` (in ``year``),
    by name then staff code. Ready for ``kit.pagination.paginate``."""
    query = select(Person).where(_within(Person.unit_id, units))
    for word in search_words(q):
        query = query.where(Person.name_key.like(_like_word(word), escape="\\"))
    if unit:
        query = query.where(Person.unit_id == unit)
    if award or year is not None:
        held = select(Achievement.id).where(
            Achievement.recipient_id == Person.staff_code, Achievement.revoked.is_(False)
        )
        if award:
            held = held.where(Achievement.award_code == award)
        if year is not None:
            held = held.where(Achievement.year == year)
        query = query.where(exists(held))
    return query.order_by(Person.name_key, Person.staff_code)


# -- profiles ------------------------------------------------------------------------------


def award_names(session: Session) -> dict[str, str]:
    """Award code → name, from the published packs (the newest's name wins)."""
    packs = session.execute(
        select(RulePack.document)
        .where(RulePack.status == "published")
        .order_by(RulePack.effective_from, RulePack.published_at)
    ).scalars()
    names: dict[str, str] = {}
    for document in packs:
        for award in (document or {}).get("awards") or []:
            if isinstance(award, Mapping) and award.get("code") and award.get("name"):
                names[str(award["code"])] = str(award["name"])
    return names


def unit_name(session: Session, unit_id: str) -> str | None:
    copy = session.get(UnitCopy, unit_id)
    return copy.name if copy else None


def _held(achievement: Achievement, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "award": achievement.award_code,
        "award_name": names.get(achievement.award_code),
        "year": achievement.year,
        "decision": achievement.decision,
        "decided_on": achievement.decided_on,
        "revoked": bool(achievement.revoked),
        "source": achievement.source,
    }


def held_by(session: Session, recipient_id: str) -> list[Achievement]:
    return list(
        session.execute(
            select(Achievement)
            .where(Achievement.recipient_id == recipient_id)
            .order_by(Achievement.year, Achievement.award_code)
        ).scalars()
    )


def timeline(
    person: Person, achievements: Iterable[Achievement], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Per year (oldest first): the awards (revoked flagged), the assessment, the months
    worked when not the whole year, discipline, initiatives, and positions taken up."""
    years: dict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "awards": [],
            "assessment": None,
            "service_months": None,
            "discipline": [],
            "initiatives": [],
            "positions_started": [],
        }
    )
    for achievement in achievements:
        years[achievement.year]["awards"].append(_held(achievement, names))
    for year, value in (person.assessments or {}).items():
        years[int(year)]["assessment"] = value
    for year, months in (person.service_months or {}).items():
        years[int(year)]["service_months"] = months
    for item in person.discipline or []:
        years[int(item["year"])]["discipline"].append(item.get("level"))
    for item in person.initiatives or []:
        years[int(item["year"])]["initiatives"].append(
            {"scope": item.get("scope"), "title": item.get("title")}
        )
    for item in person.positions or []:
        start = item.get("from")
        if isinstance(start, str) and len(start) >= 4 and start[:4].isdigit():
            years[int(start[:4])]["positions_started"].append(
                {"position": item.get("position"), "from": start, "to": item.get("to")}
            )
    return [{"year": year, **years[year]} for year in sorted(years)]


def person_profile(session: Session, person: Person) -> dict[str, Any]:
    """The whole history, the awards held (revoked ones flagged) and the timeline."""
    names = award_names(session)
    achievements = held_by(session, person.staff_code)
    return {
        "staff_code": person.staff_code,
        "full_name": person.full_name,
        "gender": person.gender,
        "unit_id": person.unit_id,
        "unit_name": unit_name(session, person.unit_id),
        "transferred_from_other_sector": bool(person.transferred_from_other_sector),
        "positions": list(person.positions or []),
        "assessments": dict(person.assessments or {}),
        "service_months": dict(person.service_months or {}),
        "discipline": list(person.discipline or []),
        "initiatives": list(person.initiatives or []),
        "awards": [_held(a, names) for a in achievements],
        "timeline": timeline(person, achievements, names),
        "revision": person.revision,
        "updated_at": person.updated_at,
        "updated_by": person.updated_by,
    }


def unit_known(session: Session, unit_id: str) -> bool:
    """Whether awards knows anything of the unit: a copy, people, awards or results."""
    if session.get(UnitCopy, unit_id) is not None:
        return True
    for column in (Person.unit_id, Achievement.unit_id, RankingResult.unit_id):
        if session.execute(select(column).where(column == unit_id).limit(1)).first():
            return True
    return False


def unit_profile(session: Session, unit_id: str) -> dict[str, Any]:
    """A unit's name, member count and first members, awards it holds, published results."""
    names = award_names(session)
    members = select(Person).where(Person.unit_id == unit_id)
    count = session.execute(select(func.count()).select_from(members.subquery())).scalar_one()
    first = session.execute(
        members.order_by(Person.name_key, Person.staff_code).limit(FIRST_MEMBERS)
    ).scalars()
    results = session.execute(
        select(RankingResult)
        .where(RankingResult.unit_id == unit_id)
        .order_by(RankingResult.year.desc(), RankingResult.published_at.desc())
    ).scalars()
    copy = session.get(UnitCopy, unit_id)
    return {
        "unit_id": unit_id,
        "name": copy.name if copy else None,
        "kind": copy.kind if copy else None,
        "member_count": count,
        "members": [
            {"staff_code": p.staff_code, "full_name": p.full_name, "gender": p.gender}
            for p in first
        ],
        "awards": [_held(a, names) for a in held_by(session, unit_id)],
        "results": [
            {
                "year": r.year,
                "round_id": r.round_id,
                "unit_kind": r.unit_kind,
                "region_id": r.region_id,
                "total": f"{r.total:.2f}" if r.total is not None else None,
                "band": r.band,
                "national_rank": r.national_rank,
                "region_rank": r.region_rank,
                "published_at": r.published_at,
            }
            for r in results
        ],
    }


# -- the audit trail -----------------------------------------------------------------------


def changes(units: Units, *, subject: str | None = None, unit: str | None = None) -> Select[Any]:
    """The registry's changes of units the caller may see, newest first."""
    query = select(RegistryChange).where(_within(RegistryChange.unit_id, units))
    if subject:
        query = query.where(RegistryChange.subject_id == subject)
    if unit:
        query = query.where(RegistryChange.unit_id == unit)
    return query.order_by(RegistryChange.at.desc(), RegistryChange.id.desc())
