"""Identity's public events, one dataclass each: what identity emits and what others read.

docs/events.md describes them and docs/events/<type>.schema.json is each one's JSON Schema;
tests/test_contracts.py checks that every dataclass's ``to_data()`` validates against its
schema and that every field of the schema is a field here. Identity builds its payloads with
these (``Event(...).to_data()``); consumers read them back with ``Event.from_data(data)``
rather than with string keys of their own (kit.orgcopy, kit.principals).

``to_data()`` gives the ``data`` of the envelope without ``schema_version`` (``emit`` adds
it); ``subject`` is the envelope's subject. ``from_data()`` takes typed values back (dates as
``date``, lists as tuples), reads a missing nullable field as null and ignores fields it does
not know (a later schema version may add some), so it accepts every version-1 payload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Self

Data = Mapping[str, Any]


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


# -- announcements -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AnnouncementPublished:
    """The Ministry published a platform announcement."""

    TYPE: ClassVar[str] = "identity.announcement.published"

    announcement_id: int
    title: str
    body: str
    published_at: datetime

    @property
    def subject(self) -> str:
        return f"announcement/{self.announcement_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "announcement_id": self.announcement_id,
            "title": self.title,
            "body": self.body,
            "published_at": self.published_at.isoformat(),
        }

    @classmethod
    def from_data(cls, data: Data) -> AnnouncementPublished:
        return cls(
            announcement_id=int(data["announcement_id"]),
            title=data["title"],
            body=data["body"],
            published_at=datetime.fromisoformat(data["published_at"]),
        )


# -- organisation units ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _UnitState:
    """A unit as it stands from a day on (``identity.org.created`` / ``.updated``)."""

    unit_id: str
    code: str
    kind: str
    name: str
    parent_id: str | None = None
    province_code: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    successor_id: str | None = None

    @property
    def subject(self) -> str:
        return f"org-unit/{self.unit_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "parent_id": self.parent_id,
            "province_code": self.province_code,
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "successor_id": self.successor_id,
        }

    @classmethod
    def _fields_of(cls, data: Data) -> dict[str, Any]:
        return {
            "unit_id": data["unit_id"],
            "code": data["code"],
            "kind": data["kind"],
            "name": data["name"],
            "parent_id": data.get("parent_id"),
            "province_code": data.get("province_code"),
            "valid_from": _day(data.get("valid_from")),
            "valid_to": _day(data.get("valid_to")),
            "successor_id": data.get("successor_id"),
        }


@dataclass(frozen=True, kw_only=True)
class OrgUnitCreated(_UnitState):
    """A unit was opened (by a ministry officer, a merger or the reference loader)."""

    TYPE: ClassVar[str] = "identity.org.created"

    @classmethod
    def from_data(cls, data: Data) -> OrgUnitCreated:
        return cls(**cls._fields_of(data))


@dataclass(frozen=True, kw_only=True)
class OrgUnitUpdated(_UnitState):
    """A unit was renamed or moved from ``effective_date`` on; ``name`` and ``parent_id`` are
    those in force from that day."""

    TYPE: ClassVar[str] = "identity.org.updated"

    effective_date: date

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), "effective_date": self.effective_date.isoformat()}

    @classmethod
    def from_data(cls, data: Data) -> OrgUnitUpdated:
        return cls(
            **cls._fields_of(data), effective_date=date.fromisoformat(data["effective_date"])
        )


@dataclass(frozen=True, kw_only=True)
class OrgUnitsMerged:
    """Units were merged into a successor from ``effective_date`` on; the merged units' last
    day is the day before."""

    TYPE: ClassVar[str] = "identity.org.merged"

    effective_date: date
    successor_id: str
    merged_ids: tuple[str, ...]
    decision: str | None = None  # the legal basis, e.g. "Nghị quyết 202/2025/QH15"

    @property
    def subject(self) -> str:
        return f"org-unit/{self.successor_id}"

    @property
    def last_day(self) -> date:
        """The merged units' last day: the day before the merger takes effect."""
        return self.effective_date - timedelta(days=1)

    def to_data(self) -> dict[str, Any]:
        return {
            "effective_date": self.effective_date.isoformat(),
            "successor_id": self.successor_id,
            "merged_ids": list(self.merged_ids),
            "decision": self.decision,
        }

    @classmethod
    def from_data(cls, data: Data) -> OrgUnitsMerged:
        return cls(
            effective_date=date.fromisoformat(data["effective_date"]),
            successor_id=data["successor_id"],
            merged_ids=_strings(data["merged_ids"]),
            decision=data.get("decision"),
        )


# -- regions -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegionMembershipChanged:
    """A region of a year was created or edited: the whole membership after the change, and
    what was added and removed (a consumer replaces its copy rather than merging)."""

    TYPE: ClassVar[str] = "identity.region.membership_changed"

    region_id: str  # "<year>-<code>"
    year: int
    code: str
    name: str
    lead_unit_id: str | None
    deputy_unit_ids: tuple[str, ...]
    member_ids: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return f"region/{self.region_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "region_id": self.region_id,
            "year": self.year,
            "code": self.code,
            "name": self.name,
            "lead_unit_id": self.lead_unit_id,
            "deputy_unit_ids": list(self.deputy_unit_ids),
            "member_ids": list(self.member_ids),
            "added": list(self.added),
            "removed": list(self.removed),
        }

    @classmethod
    def from_data(cls, data: Data) -> RegionMembershipChanged:
        return cls(
            region_id=data["region_id"],
            year=int(data["year"]),
            code=data["code"],
            name=data["name"],
            lead_unit_id=data.get("lead_unit_id"),
            deputy_unit_ids=_strings(data["deputy_unit_ids"]),
            member_ids=_strings(data["member_ids"]),
            added=_strings(data["added"]),
            removed=_strings(data["removed"]),
        )


# -- users -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RoleGrant:
    """One role a user holds, as in access tokens' ``roles`` claim (contracts.roles)."""

    role: str
    scope: str
    scope_id: str | None = None
    valid_from: date
    valid_to: date | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role, "scope": self.scope}
        if self.scope_id is not None:
            data["scope_id"] = self.scope_id
        data["valid_from"] = self.valid_from.isoformat()
        if self.valid_to is not None:
            data["valid_to"] = self.valid_to.isoformat()
        return data

    @classmethod
    def from_data(cls, data: Data) -> RoleGrant:
        return cls(
            role=data["role"],
            scope=data["scope"],
            scope_id=data.get("scope_id"),
            valid_from=date.fromisoformat(data["valid_from"]),
            valid_to=_day(data.get("valid_to")),
        )


@dataclass(frozen=True, kw_only=True)
class _UserState:
    """Who the user is, where, and every grant it now holds that is not revoked and not ended
    (future ones included). No password material."""

    user_id: str
    unit_id: str
    username: str
    roles: tuple[RoleGrant, ...] = ()
    # Optional within schema_version 1 (events before it was added have none): where the
    # user reads e-mail, for notify's messages; None when identity has no address.
    email: str | None = None

    @property
    def subject(self) -> str:
        return f"user/{self.user_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "unit_id": self.unit_id,
            "username": self.username,
            "roles": [grant.to_data() for grant in self.roles],
            "email": self.email,
        }

    @classmethod
    def from_data(cls, data: Data) -> Self:
        return cls(
            user_id=str(data["user_id"]),
            unit_id=data["unit_id"],
            username=data["username"],
            roles=tuple(RoleGrant.from_data(grant) for grant in data["roles"]),
            email=data.get("email"),
        )


@dataclass(frozen=True, kw_only=True)
class UserCreated(_UserState):
    """A user was created; it has no roles yet."""

    TYPE: ClassVar[str] = "identity.user.created"


@dataclass(frozen=True, kw_only=True)
class UserDeactivated(_UserState):
    """A user was deactivated: its tokens stop working wherever this is heard of."""

    TYPE: ClassVar[str] = "identity.user.deactivated"


@dataclass(frozen=True, kw_only=True)
class UserReactivated(_UserState):
    """A deactivated user was reactivated; tokens signed after this work again."""

    TYPE: ClassVar[str] = "identity.user.reactivated"


@dataclass(frozen=True, kw_only=True)
class UserRolesChanged(_UserState):
    """A role was granted to or revoked from a user; ``roles`` is the complete list now."""

    TYPE: ClassVar[str] = "identity.user.roles_changed"


@dataclass(frozen=True, kw_only=True)
class UserUpdated(_UserState):
    """A user's full name or e-mail address changed (the state after the change)."""

    TYPE: ClassVar[str] = "identity.user.updated"


Event = (
    AnnouncementPublished
    | OrgUnitCreated
    | OrgUnitUpdated
    | OrgUnitsMerged
    | RegionMembershipChanged
    | UserCreated
    | UserDeactivated
    | UserReactivated
    | UserRolesChanged
    | UserUpdated
)

# Every public event of identity, by type.
EVENTS: dict[str, type[Event]] = {
    event.TYPE: event
    for event in (
        AnnouncementPublished,
        OrgUnitCreated,
        OrgUnitUpdated,
        OrgUnitsMerged,
        RegionMembershipChanged,
        UserCreated,
        UserDeactivated,
        UserReactivated,
        UserRolesChanged,
        UserUpdated,
    )
}
