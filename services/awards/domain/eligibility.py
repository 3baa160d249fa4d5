"""Verdicts, candidates and quotas: the rules engine run on the registry.

Histories are loaded in bulk (people of the units in scope, their awards, the units' awards
and ranking results: a handful of queries whatever the number of people), then evaluated in
memory by domain.conditions. The pack answering each question is the one in force
(domain.packs.in_force).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction
from math import floor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.errors import Invalid, NotFound
from kit.text import fold
from services.awards.domain import conditions as engine
from services.awards.domain import packs
from services.awards.models import (
    Achievement,
    Nomination,
    Nominee,
    Person,
    RankingResult,
    RegionCopy,
    RulePack,
    UnitCopy,
)

SUBJECT = ("cá nhân hoặc tập thể", "person or unit")
UNIT = ("đơn vị", "unit")
REGION = ("khu vực thi đua", "emulation region")
COUNTED_STATES = ("submitted", "returned", "received", "forwarded", "approved")
CHUNK = 900  # ids per IN (SQLite's limit on parameters is far above, PostgreSQL's too)


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# -- loading -------------------------------------------------------------------------------


def _awards_of(
    session: Session, recipient_ids: Sequence[str], units: Sequence[str] | None = None
) -> dict[str, set[tuple[str, int]]]:
    """The awards (not revoked) the recipients hold; read by their units when known (a few
    indexed values, however many people), else by recipient."""
    wanted = set(recipient_ids)
    held: dict[str, set[tuple[str, int]]] = defaultdict(set)
    columns = (Achievement.recipient_id, Achievement.award_code, Achievement.year)
    if units is not None:
        queries = [Achievement.unit_id.in_(chunk) for chunk in _chunks(sorted(set(units)))]
    else:
        queries = [Achievement.recipient_id.in_(chunk) for chunk in _chunks(sorted(wanted))]
    for where in queries:
        rows = session.execute(select(*columns).where(where, Achievement.revoked.is_(False)))
        for recipient, code, year in rows:
            if recipient in wanted:
                held[recipient].add((code, year))
    return held


def _history(person: Person, held: set[tuple[str, int]]) -> engine.History:
    return engine.person_history(
        person.staff_code,
        person.full_name,
        person.gender,
        person.unit_id,
        person.transferred_from_other_sector,
        person.positions,
        person.assessments,
        person.service_months,
        person.discipline,
        person.initiatives,
        held,
    )


def people_histories(
    session: Session, people: Sequence[Person], units: Sequence[str] | None = None
) -> list[engine.History]:
    """Histories of ``people``; ``units``: every unit they belong to, when the caller knows."""
    held = _awards_of(session, [p.staff_code for p in people], units)
    return [_history(p, held.get(p.staff_code, set())) for p in people]


def _people_of_units(session: Session, unit_ids: Sequence[str]) -> list[Person]:
    people: list[Person] = []
    for chunk in _chunks(list(unit_ids)):
        people.extend(session.execute(select(Person).where(Person.unit_id.in_(chunk))).scalars())
    return people


def unit_histories(session: Session, unit_ids: Sequence[str]) -> list[engine.History]:
    """The units' histories: members, the awards they and their members hold, their results."""
    unit_ids = list(dict.fromkeys(unit_ids))
    members = people_histories(session, _people_of_units(session, unit_ids), unit_ids)
    by_unit: dict[str, list[engine.History]] = defaultdict(list)
    for member in members:
        by_unit[member.unit_id].append(member)
    held = _awards_of(session, unit_ids, unit_ids)
    copies: dict[str, UnitCopy] = {}
    results: dict[str, list[RankingResult]] = defaultdict(list)
    for chunk in _chunks(unit_ids):
        for copy in session.execute(select(UnitCopy).where(UnitCopy.unit_id.in_(chunk))).scalars():
            copies[copy.unit_id] = copy
        for result in session.execute(
            select(RankingResult).where(RankingResult.unit_id.in_(chunk))
        ).scalars():
            results[result.unit_id].append(result)
    out = []
    for unit_id in unit_ids:
        copy = copies.get(unit_id)
        name = copy.name if copy else next((r.unit_name for r in results[unit_id]), unit_id)
        out.append(
            engine.History(
                kind=engine.COLLECTIVE,
                id=unit_id,
                name=name,
                unit_id=unit_id,
                awards=held.get(unit_id, set()),
                members=sorted(by_unit.get(unit_id, []), key=lambda m: m.id),
                unit_kind=copy.kind if copy else None,
                rankings=[
                    engine.Ranking(
                        round_id=r.round_id,
                        year=r.year,
                        unit_kind=r.unit_kind,
                        band=r.band,
                        region_rank=r.region_rank,
                        national_rank=r.national_rank,
                        published_at=r.published_at.isoformat() if r.published_at else None,
                    )
                    for r in results[unit_id]
                ],
            )
        )
    return out


# -- subjects and scopes -------------------------------------------------------------------


def known_unit(session: Session, unit_id: str) -> str | None:
    """The unit's name if awards knows the unit (a copy, members, results, awards), else None."""
    copy = session.get(UnitCopy, unit_id)
    if copy is not None:
        return copy.name
    result = session.execute(
        select(RankingResult.unit_name).where(RankingResult.unit_id == unit_id).limit(1)
    ).scalar()
    if result is not None:
        return result
    has_members = session.execute(
        select(Person.staff_code).where(Person.unit_id == unit_id).limit(1)
    ).scalar()
    held = session.execute(
        select(Achievement.id)
        .where(Achievement.recipient_id == unit_id, Achievement.recipient_kind == "collective")
        .limit(1)
    ).scalar()
    return unit_id if has_members is not None or held is not None else None


def subject(session: Session, subject_id: str) -> tuple[str, str, str]:
    """``(kind, unit_id, name)`` of a staff code or a unit id; NotFound otherwise."""
    person = session.get(Person, subject_id)
    if person is not None:
        return engine.INDIVIDUAL, person.unit_id, person.full_name
    name = known_unit(session, subject_id)
    if name is None:
        raise NotFound(SUBJECT, subject_id)
    return engine.COLLECTIVE, subject_id, name


def regions_of(session: Session, unit_id: str, year: int) -> set[str]:
    """The regions ``unit_id`` belongs to in ``year`` (for kit.policy targets)."""
    rows = session.execute(select(RegionCopy).where(RegionCopy.year == year)).scalars()
    return {r.region_id for r in rows if unit_id in (r.member_ids or [])}


def region(session: Session, region_id: str) -> RegionCopy:
    found = session.get(RegionCopy, region_id)
    if found is None:
        raise NotFound(REGION, region_id)
    return found


# -- verdicts ------------------------------------------------------------------------------


def _verdict(
    pack: RulePack, award: dict[str, Any], year: int, history: engine.History
) -> dict[str, Any]:
    results = engine.evaluate(award, pack.document, year, history)
    once = engine.once_per_recipient(award, pack.document, history)
    eligible = all(r.passed for r in results) and (once is None or once["passed"])
    return {
        "award": award["code"],
        "award_name": award["name"],
        "year": year,
        "subject": history.id,
        "subject_kind": history.kind,
        "subject_name": history.name,
        "unit_id": history.unit_id,
        "eligible": eligible,
        "rule_pack": packs.reference(pack),
        "basis": award["basis"],
        "conditions": [r.as_dict() for r in results],
        "once_per_recipient": once,
    }


def _wrong_kind(award: dict[str, Any], subject_id: str, kind: str) -> Invalid:
    if award["recipient"] == engine.INDIVIDUAL:
        message = (
            f"{award['name']} dành cho cá nhân; {subject_id} là một tập thể.",
            f"{award['name']} is for individuals; {subject_id} is a unit.",
        )
    else:
        message = (
            f"{award['name']} dành cho tập thể; {subject_id} là một cá nhân.",
            f"{award['name']} is for units; {subject_id} is a person.",
        )
    return Invalid({"subject": [message]}, message, subject_kind=kind)


def verdict(session: Session, award_code: str, year: int, subject_id: str) -> dict[str, Any]:
    """Whether ``subject_id`` may receive ``award_code`` for ``year``, and why (docs/awards.md)."""
    pack, award = packs.in_force(session, award_code, year)
    kind, _, _ = subject(session, subject_id)
    if kind != award["recipient"]:
        raise _wrong_kind(award, subject_id, kind)
    if kind == engine.INDIVIDUAL:
        person = session.get(Person, subject_id)
        assert person is not None
        history = people_histories(session, [person])[0]
    else:
        history = unit_histories(session, [subject_id])[0]
    return _verdict(pack, award, year, history)


def _all_units(session: Session, year: int) -> list[str]:
    with_results = session.execute(
        select(RankingResult.unit_id).where(RankingResult.year == year).distinct()
    ).scalars()
    with_members = session.execute(select(Person.unit_id).distinct()).scalars()
    return sorted({*with_results, *with_members})


def candidates(
    session: Session,
    award_code: str,
    year: int,
    *,
    unit_id: str | None = None,
    region_id: str | None = None,
) -> list[dict[str, Any]]:
    """Verdicts of everyone in scope, eligible first, then by name.

    An individual award: the people of the unit (of the region's member units; everyone
    without either). A collective award: the unit; the region's member units; without either,
    every unit with a published result that year or with members."""
    pack, award = packs.in_force(session, award_code, year)
    units: list[str] | None
    if unit_id is not None:
        units = [unit_id]
    elif region_id is not None:
        units = list(region(session, region_id).member_ids or [])
    else:
        units = None
    if award["recipient"] == engine.COLLECTIVE:
        histories = unit_histories(
            session, units if units is not None else _all_units(session, year)
        )
    else:
        if units is None:
            people = list(session.execute(select(Person)).scalars())
            units = sorted({p.unit_id for p in people})
        else:
            people = _people_of_units(session, units)
        histories = people_histories(session, people, units)
    verdicts = [_verdict(pack, award, year, h) for h in histories]
    verdicts.sort(key=lambda v: (not v["eligible"], fold(v["subject_name"]), v["subject"]))
    return verdicts


# -- quotas --------------------------------------------------------------------------------


def _scope_units(
    session: Session, unit_id: str | None, region_id: str | None
) -> tuple[list[str], RegionCopy | None]:
    if unit_id is not None:
        return [unit_id], None
    if region_id is not None:
        found = region(session, region_id)
        return list(found.member_ids or []), found
    raise Invalid(
        {"unit": [("Cần đơn vị hoặc khu vực.", "Give a unit or a region.")]},
        ("Cần đơn vị (unit) hoặc khu vực (region).", "Give a unit or a region."),
    )


def quota(
    session: Session,
    award_code: str,
    year: int,
    *,
    unit_id: str | None = None,
    region_id: str | None = None,
    plus: Iterable[str] = (),
    excluding_nomination: str | None = None,
) -> dict[str, Any]:
    """``{max, used, basis}`` of the award in the scope for the year (max None: no quota).

    ``used``: the distinct subjects of the scope holding the award that year (not revoked),
    named in a nomination for it that is submitted, returned, received or forwarded (but
    ``excluding_nomination``), and ``plus`` (the nominees about to be submitted)."""
    pack, award = packs.in_force(session, award_code, year)
    rule = award.get("quota")
    units, found_region = _scope_units(session, unit_id, region_id)
    maximum: int | None = None
    if rule is not None and rule.get("per") == "unit":
        if unit_id is None:
            raise Invalid(
                {"unit": [("Hạn mức tính theo đơn vị: cần unit.", "The quota is per unit.")]}
            )
        of_award = rule["of_award"]
        members = set(
            session.execute(select(Person.staff_code).where(Person.unit_id == unit_id)).scalars()
        )
        holders = session.execute(
            select(Achievement.recipient_id).where(
                Achievement.unit_id == unit_id,
                Achievement.award_code == of_award,
                Achievement.year == year,
                Achievement.revoked.is_(False),
            )
        ).scalars()
        holding = len(members & set(holders))
        maximum = floor(Fraction(str(rule["max_share"])) * holding)
    elif rule is not None and rule.get("per") == "region":
        if region_id is None:
            raise Invalid(
                {"region": [("Hạn mức tính theo khu vực: cần region.", "The quota is per region.")]}
            )
        maximum = int(rule["max_count"])
    used: set[str] = set(plus)
    for chunk in _chunks(units):
        used.update(
            session.execute(
                select(Achievement.recipient_id).where(
                    Achievement.unit_id.in_(chunk),
                    Achievement.award_code == award_code,
                    Achievement.year == year,
                    Achievement.revoked.is_(False),
                )
            ).scalars()
        )
    filed = select(Nominee.subject_id).join(
        Nomination, Nomination.nomination_id == Nominee.nomination_id
    )
    filed = filed.where(
        Nomination.award_code == award_code,
        Nomination.year == year,
        Nomination.state.in_(COUNTED_STATES),
    )
    if excluding_nomination is not None:
        filed = filed.where(Nomination.nomination_id != excluding_nomination)
    if found_region is not None:
        scoped = [filed.where(Nomination.region_id == found_region.region_id)]
        scoped += [filed.where(Nomination.unit_id.in_(chunk)) for chunk in _chunks(units)]
    else:
        scoped = [filed.where(Nomination.unit_id.in_(units))]
    for query in scoped:
        used.update(session.execute(query).scalars())
    return {
        "award": award_code,
        "year": year,
        "max": maximum,
        "used": len(used),
        "quota": rule,
        "basis": award["basis"],
        "rule_pack": packs.reference(pack),
    }
