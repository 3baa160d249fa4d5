"""Notify's read model of people: who each user is, where, the roles held and the e-mail.

Identity tells every service about its users (``identity.user.*``, read through
contracts.identity); notify keeps one ``Person`` per user so its rules can say "the unit's
officers" or "the region's lead" without calling identity. Each event carries the whole state
(roles, address), so a row is replaced, never merged, and only by newer news (the event's
time): events of one user may arrive late, twice or out of order. Units and regions are
copied with kit.orgcopy like everywhere else (events.py subscribes its handlers).

The resolvers below answer with active people only, holding roles in force today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts.identity import UserCreated, UserDeactivated, UserReactivated, UserRolesChanged
from contracts.identity import UserUpdated as UserUpdatedNews
from contracts.roles import COUNCIL_MEMBER, REGION, REGION_LEAD, UNIT, UNIT_ADMIN, UNIT_OFFICER
from kit import dates
from kit.events import CloudEvent
from services.notify.models import Person, RegionCopy, UnitCopy

NEWS = {
    kind.TYPE: kind
    for kind in (UserCreated, UserDeactivated, UserReactivated, UserRolesChanged, UserUpdatedNews)
}
EVENT_TYPES = tuple(NEWS)

# Who "a unit's officers" are: those who act for it on the platform.
OFFICER_ROLES = (UNIT_OFFICER, UNIT_ADMIN)


def record(session: Session, event: CloudEvent) -> None:
    """Replace the person's row with this news, unless the row holds newer news already."""
    kind = NEWS.get(event.type)
    if kind is None:
        return
    news = kind.from_data(event.data)
    at = datetime.fromisoformat(event.time).astimezone(UTC)
    person = session.get(Person, news.user_id)
    if person is None:
        person = Person(user_id=news.user_id, active=True, as_of=at)
        session.add(person)
    elif person.as_of > at:
        return  # older news
    person.unit_id = news.unit_id
    person.username = news.username
    person.roles = [grant.to_data() for grant in news.roles]
    if news.email is not None or kind is UserUpdatedNews:
        person.email = news.email  # an event of before e-mail was carried keeps the address
    if isinstance(news, UserDeactivated):
        person.active = False
    elif isinstance(news, UserReactivated):
        person.active = True
    person.as_of = at


def _in_force(grant: dict[str, object], day: date) -> bool:
    start = date.fromisoformat(str(grant["valid_from"]))
    end = grant.get("valid_to")
    return start <= day and (end is None or day <= date.fromisoformat(str(end)))


def holds(
    person: Person, roles: Iterable[str], scope: str | None = None, scope_id: str | None = None
) -> bool:
    """Whether the person holds one of ``roles`` today (in ``scope``/``scope_id`` if given)."""
    wanted = set(roles)
    today = dates.today()  # roles are dated in Viet Nam's calendar
    return any(
        grant["role"] in wanted
        and (scope is None or grant["scope"] == scope)
        and (scope_id is None or grant.get("scope_id") == scope_id)
        and _in_force(grant, today)
        for grant in person.roles or ()
    )


def active_people(session: Session) -> list[Person]:
    query = select(Person).where(Person.active.is_(True)).order_by(Person.user_id)
    return list(session.execute(query).scalars())


def unit_officers(session: Session, unit_id: str) -> list[Person]:
    """Those holding an officer's role for the unit (wherever their own account sits)."""
    return [p for p in active_people(session) if holds(p, OFFICER_ROLES, UNIT, unit_id)]


def unit_people(session: Session, unit_ids: Iterable[str]) -> list[Person]:
    """Every active user whose account belongs to one of the units."""
    wanted = list(dict.fromkeys(unit_ids))
    if not wanted:
        return []
    query = (
        select(Person)
        .where(Person.active.is_(True), Person.unit_id.in_(wanted))
        .order_by(Person.user_id)
    )
    return list(session.execute(query).scalars())


def region_leads(session: Session, region_ids: Iterable[str]) -> list[Person]:
    """Those holding the region-lead role in one of the regions."""
    wanted = set(region_ids)
    return [
        p
        for p in active_people(session)
        if any(holds(p, (REGION_LEAD,), REGION, region_id) for region_id in wanted)
    ]


def council_members(session: Session) -> list[Person]:
    return [p for p in active_people(session) if holds(p, (COUNCIL_MEMBER,))]


def together(*groups: Iterable[Person]) -> list[Person]:
    """The people of several groups, each once, in a stable order."""
    seen: dict[str, Person] = {}
    for group in groups:
        for person in group:
            seen.setdefault(person.user_id, person)
    return [seen[key] for key in sorted(seen)]


def region_of(session: Session, year: int, unit_id: str) -> RegionCopy | None:
    """The region of the year the unit belongs to, from notify's copy."""
    query = select(RegionCopy).where(RegionCopy.year == year).order_by(RegionCopy.region_id)
    for region in session.execute(query).scalars():
        if unit_id in (region.member_ids or ()):
            return region
    return None


def regions_of_year(session: Session, year: int) -> list[RegionCopy]:
    query = select(RegionCopy).where(RegionCopy.year == year).order_by(RegionCopy.region_id)
    return list(session.execute(query).scalars())


def round_units(session: Session, year: int, unit_kind: str) -> list[str]:
    """The units a round of the year and kind takes: those of the kind in force on 31 December,
    the rule scoring opens a round with (services/scoring/domain/rounds.participants)."""
    day = date(year, 12, 31)
    units = session.execute(select(UnitCopy).where(UnitCopy.kind == unit_kind)).scalars()
    return sorted(u.unit_id for u in units if u.exists_on(day))


def unit_name(session: Session, unit_id: str | None) -> str:
    """The unit's name as notify knows it, else its id."""
    unit = session.get(UnitCopy, unit_id) if unit_id else None
    return unit.name if unit is not None else (unit_id or "")
