"""Awards' public events, one dataclass each: what awards emits and what others read.

docs/events.md describes them and docs/events/<type>.schema.json is each one's JSON Schema;
tests/test_contracts.py checks every dataclass's ``to_data()`` against its schema. The four
moves of a nomination file (submitted, returned, received, forwarded) share one payload: the
file, its nominees with the verdict taken at submission, who moved it, when, and why (the
reason is set for a return). Conventions are those of contracts/identity.py: ``to_data()``
gives the envelope's ``data`` without ``schema_version``; ``from_data()`` takes typed values
back, reads a missing nullable field as null and ignores fields it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Self

Data = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class NomineeFact:
    """A person or unit named in the file, and whether it was eligible at submission."""

    subject_id: str
    subject_kind: str  # individual | collective
    name: str
    eligible: bool

    def to_data(self) -> dict[str, Any]:
        return {
            "subject_id": self.subject_id,
            "subject_kind": self.subject_kind,
            "name": self.name,
            "eligible": self.eligible,
        }

    @classmethod
    def from_data(cls, data: Data) -> NomineeFact:
        return cls(
            subject_id=data["subject_id"],
            subject_kind=data["subject_kind"],
            name=data["name"],
            eligible=bool(data["eligible"]),
        )


@dataclass(frozen=True, kw_only=True)
class _NominationMoved:
    """A nomination file moved: the file as it stands after the move."""

    TYPE: ClassVar[str] = ""

    nomination_id: str
    unit_id: str
    region_id: str | None = None
    kind: str
    award: str
    award_name: str
    year: int
    act_date: date | None = None
    nominees: tuple[NomineeFact, ...] = ()
    actor: str
    at: datetime
    reason: str | None = None

    @property
    def subject(self) -> str:
        return f"nomination/{self.nomination_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "nomination_id": self.nomination_id,
            "unit_id": self.unit_id,
            "region_id": self.region_id,
            "kind": self.kind,
            "award": self.award,
            "award_name": self.award_name,
            "year": self.year,
            "act_date": self.act_date.isoformat() if self.act_date else None,
            "nominees": [n.to_data() for n in self.nominees],
            "actor": self.actor,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }

    @classmethod
    def from_data(cls, data: Data) -> Self:
        act_date = data.get("act_date")
        return cls(
            nomination_id=data["nomination_id"],
            unit_id=data["unit_id"],
            region_id=data.get("region_id"),
            kind=data["kind"],
            award=data["award"],
            award_name=data["award_name"],
            year=int(data["year"]),
            act_date=date.fromisoformat(act_date) if act_date else None,
            nominees=tuple(NomineeFact.from_data(n) for n in data.get("nominees", ())),
            actor=data["actor"],
            at=datetime.fromisoformat(data["at"]),
            reason=data.get("reason"),
        )


@dataclass(frozen=True, kw_only=True)
class NominationSubmitted(_NominationMoved):
    """A unit (or a region's lead) submitted a nomination file to the Ministry."""

    TYPE: ClassVar[str] = "awards.nomination.submitted"


@dataclass(frozen=True, kw_only=True)
class NominationReturned(_NominationMoved):
    """The Ministry returned a file to its proposer for correction; ``reason`` says why."""

    TYPE: ClassVar[str] = "awards.nomination.returned"


@dataclass(frozen=True, kw_only=True)
class NominationReceived(_NominationMoved):
    """The Ministry accepted a file as complete."""

    TYPE: ClassVar[str] = "awards.nomination.received"


@dataclass(frozen=True, kw_only=True)
class NominationForwarded(_NominationMoved):
    """The Ministry forwarded a received file to the Emulation and Commendation Council."""

    TYPE: ClassVar[str] = "awards.nomination.forwarded"


Event = NominationSubmitted | NominationReturned | NominationReceived | NominationForwarded

EVENTS: dict[str, type[Event]] = {
    event.TYPE: event
    for event in (NominationSubmitted, NominationReturned, NominationReceived, NominationForwarded)
}


@dataclass(frozen=True, kw_only=True)
class CouncilSessionScheduled:
    """A council session was scheduled (awards part 2): when and where, the files on its
    agenda and the members called to it (their platform user ids)."""

    TYPE: ClassVar[str] = "awards.council.session_scheduled"

    session_id: str
    council_id: str
    title: str
    starts_at: datetime
    location: str
    nomination_ids: tuple[str, ...] = ()
    member_user_ids: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return f"council-session/{self.session_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "council_id": self.council_id,
            "title": self.title,
            "starts_at": self.starts_at.isoformat(),
            "location": self.location,
            "nomination_ids": list(self.nomination_ids),
            "member_user_ids": list(self.member_user_ids),
        }

    @classmethod
    def from_data(cls, data: Data) -> Self:
        return cls(
            session_id=data["session_id"],
            council_id=data["council_id"],
            title=data["title"],
            starts_at=datetime.fromisoformat(data["starts_at"]),
            location=data["location"],
            nomination_ids=tuple(data.get("nomination_ids", ())),
            member_user_ids=tuple(data.get("member_user_ids", ())),
        )


EVENTS[CouncilSessionScheduled.TYPE] = CouncilSessionScheduled  # type: ignore[assignment]


# -- awards granted and revoked (issue 12) ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecipientFact:
    """Who received an award: a person (``kind`` individual, ``id`` the staff code) or a unit
    (collective, ``id`` the unit's id), with the unit it belongs to and that unit's province."""

    kind: str
    id: str
    name: str
    unit_id: str
    province_code: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "unit_id": self.unit_id,
            "province_code": self.province_code,
        }

    @classmethod
    def from_data(cls, data: Data) -> RecipientFact:
        return cls(
            kind=data["kind"],
            id=data["id"],
            name=data["name"],
            unit_id=data["unit_id"],
            province_code=data.get("province_code"),
        )


@dataclass(frozen=True, kw_only=True)
class DecisionRef:
    """The decision an award rests on: its id, number and symbol ("123/QĐ-BTP") and date."""

    decision_id: str
    number: str
    date: date

    def to_data(self) -> dict[str, Any]:
        return {
            "decision_id": self.decision_id,
            "number": self.number,
            "date": self.date.isoformat(),
        }

    @classmethod
    def from_data(cls, data: Data) -> DecisionRef:
        return cls(
            decision_id=data["decision_id"],
            number=data["number"],
            date=date.fromisoformat(data["date"]),
        )


@dataclass(frozen=True, kw_only=True)
class AwardGranted:
    """An issued decision granted an award to one recipient (one event per recipient)."""

    TYPE: ClassVar[str] = "awards.award.granted"

    award_id: str
    recipient: RecipientFact
    unit_id: str
    name: str
    award: str
    award_name: str
    year: int
    decision: DecisionRef
    bonus_vnd: int
    serial: str

    @property
    def subject(self) -> str:
        return f"award/{self.award_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "award_id": self.award_id,
            "recipient": self.recipient.to_data(),
            "unit_id": self.unit_id,
            "name": self.name,
            "award": self.award,
            "award_name": self.award_name,
            "year": self.year,
            "decision": self.decision.to_data(),
            "bonus_vnd": self.bonus_vnd,
            "serial": self.serial,
        }

    @classmethod
    def from_data(cls, data: Data) -> AwardGranted:
        return cls(
            award_id=data["award_id"],
            recipient=RecipientFact.from_data(data["recipient"]),
            unit_id=data["unit_id"],
            name=data["name"],
            award=data["award"],
            award_name=data["award_name"],
            year=int(data["year"]),
            decision=DecisionRef.from_data(data["decision"]),
            bonus_vnd=int(data["bonus_vnd"]),
            serial=data["serial"],
        )


@dataclass(frozen=True, kw_only=True)
class AwardRevoked:
    """A granted award was revoked (alone, or with its whole decision): it counts nowhere now."""

    TYPE: ClassVar[str] = "awards.award.revoked"

    award_id: str
    recipient: RecipientFact
    unit_id: str
    award: str
    award_name: str
    year: int
    decision: DecisionRef
    revoked_on: date
    reason: str
    revocation_id: str

    @property
    def subject(self) -> str:
        return f"award/{self.award_id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "award_id": self.award_id,
            "recipient": self.recipient.to_data(),
            "unit_id": self.unit_id,
            "award": self.award,
            "award_name": self.award_name,
            "year": self.year,
            "decision": self.decision.to_data(),
            "revoked_on": self.revoked_on.isoformat(),
            "reason": self.reason,
            "revocation_id": self.revocation_id,
        }

    @classmethod
    def from_data(cls, data: Data) -> AwardRevoked:
        return cls(
            award_id=data["award_id"],
            recipient=RecipientFact.from_data(data["recipient"]),
            unit_id=data["unit_id"],
            award=data["award"],
            award_name=data["award_name"],
            year=int(data["year"]),
            decision=DecisionRef.from_data(data["decision"]),
            revoked_on=date.fromisoformat(data["revoked_on"]),
            reason=data["reason"],
            revocation_id=data["revocation_id"],
        )


EVENTS[AwardGranted.TYPE] = AwardGranted  # type: ignore[assignment]
EVENTS[AwardRevoked.TYPE] = AwardRevoked  # type: ignore[assignment]
