"""Identity's tables: who and what exists on the platform, and who may do what.

Organisation units are effective-dated. A unit exists from ``valid_from`` (None: since before
the platform's records) to ``valid_to`` (None: still in force), and when a merger closed it,
``successor_id`` names the unit that took it over. What may change while a unit exists (its
name, its parent) is kept as versions, each in force from its ``valid_from`` until the next.
Asking for the structure "as of" a day combines the two.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from kit.db import BigId, UTCDateTime
from kit.text import nfc, search_key


class Base(DeclarativeBase):
    pass


class Announcement(Base):
    """A notice the Ministry posts to everyone on the platform."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- organisations -----------------------------------------------------------------------


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    province_code: Mapped[str | None] = mapped_column(String(8), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    versions: Mapped[list[OrgUnitVersion]] = relationship(
        back_populates="unit",
        order_by="OrgUnitVersion.valid_from",
        lazy="selectin",
        foreign_keys="OrgUnitVersion.unit_id",
    )

    def exists_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def version_on(self, day: date) -> OrgUnitVersion:
        """The version in force on ``day`` (the first one for a day before all of them)."""
        ordered = sorted(self.versions, key=lambda v: v.valid_from or date.min)
        current = ordered[0]
        for version in ordered:
            if version.valid_from is None or version.valid_from <= day:
                current = version
        return current


class OrgUnitVersion(Base):
    __tablename__ = "org_unit_versions"
    __table_args__ = (UniqueConstraint("unit_id", "valid_from"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(300))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"), index=True)

    unit: Mapped[OrgUnit] = relationship(back_populates="versions", foreign_keys=[unit_id])


class Region(Base):
    """An emulation region (Khu vực / Cụm thi đua) in one year."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<year>-<code>"
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    lead_unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"))

    members: Mapped[list[RegionMember]] = relationship(
        back_populates="region",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="RegionMember.unit_id",
    )


class RegionMember(Base):
    __tablename__ = "region_members"

    region_id: Mapped[str] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), primary_key=True, index=True)
    is_deputy: Mapped[bool] = mapped_column(Boolean, default=False)

    region: Mapped[Region] = relationship(back_populates="members")


# -- people and access -------------------------------------------------------------------


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # kit.text.search_key(full_name), kept by the model itself: what ``q`` searches.
    full_name_search: Mapped[str] = mapped_column(Text, default="", server_default="")
    email: Mapped[str | None] = mapped_column(String(254))
    unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        lazy="selectin",
        order_by="RoleAssignment.granted_at",
        foreign_keys="RoleAssignment.user_id",
    )

    @validates("full_name")
    def _keep_search_key(self, _key: str, full_name: str) -> str:
        """However a name is set (API, seed, command line), it is stored NFC, with its key."""
        full_name = nfc(full_name)
        self.full_name_search = search_key(full_name)
        return full_name


class RoleAssignment(Base):
    """A role held by a user within a scope, for a period; revoking keeps the row."""

    __tablename__ = "role_assignments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))  # national | unit | region
    scope_id: Mapped[str | None] = mapped_column(String(80))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    granted_by: Mapped[str | None] = mapped_column(String(36))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(36))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class ApiClient(Base):
    """An external system that obtains tokens with client_credentials."""

    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the client_id
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(String(1000), default="")  # space-separated
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_units.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SigningKey(Base):
    """An RS256 key pair: ``next`` (published, soon signing), ``active`` (signs), ``previous``
    (verifies until its tokens expire), ``retired``."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_key_pem: Mapped[str] = mapped_column(Text)  # encrypted PKCS#8
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    """One refresh token of a rotation family; only its hash is stored."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RevokedAccessToken(Base):
    """Access tokens ended by logout before their expiry (checked by identity itself)."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginThrottle(Base):
    """Failed logins counted per account (``account:<username>``) and per source address."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One security-relevant action: who, what, when, from where, and how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # success | failure | denied
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(80))
    request_id: Mapped[str | None] = mapped_column(String(128))
    source_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
