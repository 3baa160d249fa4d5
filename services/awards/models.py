"""Awards' tables: rule packs, the award registry (people and the awards held), the scoring
results and organisation copied from events, and the nomination files with their history.

The registry is the evidence every verdict is computed from. A person is keyed by the
agency's staff code and an award held by (recipient, award, year), the natural keys the
import document uses, so importing the same document twice changes nothing. A person's
history (positions, yearly assessments, months worked, discipline, initiatives) is small,
always read whole and replaced whole, so it is kept as JSON on the person; awards held are
rows, because they are searched by award and year and counted per unit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kit.db import BigId, UTCDateTime
from kit.orgcopy import RegionCopyColumns, UnitCopyColumns


class Base(DeclarativeBase):
    pass


# -- read models (from identity's and scoring's events) ------------------------------------


class UnitCopy(UnitCopyColumns, Base):
    """An organisation unit as identity announced it (identity.org.*)."""

    __tablename__ = "unit_copies"


class RegionCopy(RegionCopyColumns, Base):
    """A region of a year (identity.region.membership_changed)."""

    __tablename__ = "region_copies"


class RankingResult(Base):
    """A unit's place in a published scoring round (scoring.ranking.published).

    Ranking conditions read it; rebuilt by replaying scoring's events."""

    __tablename__ = "ranking_results"
    __table_args__ = (Index("ix_ranking_results_unit_year", "unit_id", "year"),)

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_kind: Mapped[str] = mapped_column(String(32))
    unit_name: Mapped[str] = mapped_column(String(300))
    region_id: Mapped[str | None] = mapped_column(String(80), index=True)
    total: Mapped[Any] = mapped_column(Numeric(10, 2))
    band: Mapped[str] = mapped_column(String(8))
    national_rank: Mapped[int] = mapped_column(Integer)
    region_rank: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- rule packs ----------------------------------------------------------------------------


class RulePack(Base):
    """One version of a rule pack: the document as uploaded, validated; immutable once
    published. The pack in force on a day is the published one with the latest
    ``effective_from`` on or before it whose ``effective_to`` has not passed."""

    __tablename__ = "rule_packs"
    __table_args__ = (UniqueConstraint("code", "version"),)

    pack_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    effective_from: Mapped[date] = mapped_column(Date, index=True)
    effective_to: Mapped[date | None] = mapped_column(Date)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | published
    revision: Mapped[int] = mapped_column(Integer, default=1)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- the registry --------------------------------------------------------------------------


class Person(Base):
    """A member of staff of a unit (not a platform account), with the history the rules
    read. The JSON fields keep the import document's shapes (sample-award-history.json)."""

    __tablename__ = "people"

    staff_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))  # NFC
    name_key: Mapped[str] = mapped_column(String(200), index=True)  # kit.text.search_key
    gender: Mapped[str] = mapped_column(String(8))  # nam | nu
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    transferred_from_other_sector: Mapped[bool] = mapped_column(Boolean, default=False)
    positions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    assessments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    service_months: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    discipline: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    initiatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))


class Achievement(Base):
    """An award a person or a unit holds for a year: imported from before the platform
    (``source`` imported) or granted in it (granted, part 2). A revoked one counts nowhere
    but stays, for the history."""

    __tablename__ = "achievements"
    __table_args__ = (
        UniqueConstraint("recipient_id", "award_code", "year"),
        Index("ix_achievements_award_year", "award_code", "year"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(16))  # individual | collective
    # The unit the recipient belongs to (a person's unit, or the unit itself): who may see it.
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    award_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="imported")  # imported | granted
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(64))


class RegistryChange(Base):
    """The registry's audit trail: every import and edit, who, when, what."""

    __tablename__ = "registry_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)  # staff code or unit id
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))  # imported | updated | award_recorded ...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- registrations and nominations ---------------------------------------------------------


class Registration(Base):
    """A unit's registration of the titles it will strive for in a year
    (đăng ký danh hiệu thi đua): one row per (award, subject) registered."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("unit_id", "year", "award_code", "subject_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    award_code: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))  # staff code or the unit's id
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Nomination(Base):
    """A nomination file (hồ sơ đề nghị khen thưởng) of a proposing unit for one award.

    ``kind`` is the type of commendation the law names: cong-trang (yearly, for work and
    achievement), chuyen-de (for a movement), dot-xuat (an exceptional act), cong-hien (a
    career of service), nien-han (by seniority: Kỷ niệm chương), doi-ngoai (foreign)."""

    __tablename__ = "nominations"

    nomination_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(64), index=True)  # the proposing unit
    region_id: Mapped[str | None] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    award_code: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    movement_id: Mapped[str | None] = mapped_column(String(64))  # chuyen-de
    act: Mapped[str | None] = mapped_column(Text)  # dot-xuat: the exceptional act
    act_date: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    cover_summary: Mapped[str | None] = mapped_column(Text)  # tờ trình
    # draft | submitted | returned | received | forwarded | withdrawn
    state: Mapped[str] = mapped_column(String(16), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    rule_pack_id: Mapped[str | None] = mapped_column(String(36))  # at submission
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    nominees: Mapped[list[Nominee]] = relationship(
        back_populates="nomination", lazy="selectin", order_by="Nominee.position"
    )


class Nominee(Base):
    """A person or unit named in a nomination, with its achievement report (báo cáo thành
    tích) and the eligibility verdict taken when the file was submitted."""

    __tablename__ = "nominees"
    __table_args__ = (UniqueConstraint("nomination_id", "subject_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.nomination_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # individual | collective
    subject_name: Mapped[str] = mapped_column(String(300))
    report_summary: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # at submission
    added_from: Mapped[str] = mapped_column(String(16))  # candidates | import | manual
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The council's result (part 2), set when its session closes: approved | rejected.
    council_outcome: Mapped[str | None] = mapped_column(String(16))
    council_tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    council_session_id: Mapped[str | None] = mapped_column(String(36))

    nomination: Mapped[Nomination] = relationship(back_populates="nominees")


class Attachment(Base):
    """A file of a nomination: a nominee's achievement report or the cover letter. Files
    are small documents (a few MiB at most), kept in the database with the file they
    belong to, so a backup of the database is a backup of the file."""

    __tablename__ = "attachments"

    attachment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.nomination_id"), index=True)
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey("nominees.id"))
    purpose: Mapped[str] = mapped_column(String(16))  # report | cover_letter
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NominationMove(Base):
    """Every move of a nomination file: from which state to which, who, when and why."""

    __tablename__ = "nomination_moves"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.nomination_id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)


# -- region acclamation (suy tôn) ----------------------------------------------------------


class Acclamation(Base):
    """A region's vote to put forward one of its units for an award the region proposes
    (Cờ thi đua ngành Tư pháp for the unit leading the region)."""

    __tablename__ = "acclamations"

    acclamation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    region_id: Mapped[str] = mapped_column(String(80), index=True)
    year: Mapped[int] = mapped_column(Integer)
    award_code: Mapped[str] = mapped_column(String(32))
    candidate_unit_id: Mapped[str] = mapped_column(String(64), index=True)
    voter_unit_ids: Mapped[list[str]] = mapped_column(JSON)  # the region's members at opening
    nomination_id: Mapped[str | None] = mapped_column(ForeignKey("nominations.nomination_id"))
    state: Mapped[str] = mapped_column(String(16))  # open | closed
    revision: Mapped[int] = mapped_column(Integer, default=1)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # for, against, abstained


class AcclamationVote(Base):
    """One member unit's vote in an acclamation (for or against), once per unit."""

    __tablename__ = "acclamation_votes"
    __table_args__ = (UniqueConstraint("acclamation_id", "unit_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    acclamation_id: Mapped[str] = mapped_column(
        ForeignKey("acclamations.acclamation_id"), index=True
    )
    unit_id: Mapped[str] = mapped_column(String(64))
    in_favour: Mapped[bool] = mapped_column(Boolean)
    cast_by: Mapped[str] = mapped_column(String(64))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- the calendar of public holidays --------------------------------------------------------


class HolidayCalendar(Base):
    """One version of a year's public holidays and make-up days, as the Ministry keeps them.

    Every edit is a new row, so what any version said, who changed it and when stays known:
    a public-comment period computed last month can be explained by the calendar of then.
    The current calendar of a year is its highest ``version``."""

    __tablename__ = "holiday_calendars"
    __table_args__ = (UniqueConstraint("year", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text)  # the legal texts the year's days come from
    days: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # sorted by date
    note: Mapped[str | None] = mapped_column(Text)  # why this version was made
    source: Mapped[str] = mapped_column(String(16))  # file (shipped data) | edit (the API)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


# -- councils (part 2) -----------------------------------------------------------------------


class Council(Base):
    """An Emulation and Commendation Council (Hội đồng Thi đua - Khen thưởng): the Ministry's
    sector council (``level`` bo) or a unit's own council (``level`` unit, with ``unit_id``)."""

    __tablename__ = "councils"

    council_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))  # bo | unit
    unit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(300))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CouncilMember(Base):
    """A member of a council: a platform account, with the function and term it serves."""

    __tablename__ = "council_members"
    __table_args__ = (UniqueConstraint("council_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    council_id: Mapped[str] = mapped_column(ForeignKey("councils.council_id"), index=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    full_name: Mapped[str] = mapped_column(String(200))  # NFC
    function: Mapped[str] = mapped_column(String(16))  # chu-tich | pho-chu-tich | uy-vien | thu-ky
    term_from: Mapped[date] = mapped_column(Date)
    term_to: Mapped[date | None] = mapped_column(Date)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CouncilSession(Base):
    """A sitting of a council (phiên họp): scheduled, then open, then closed.

    ``electorate`` is the council's membership when the session was scheduled: the total
    every approval is measured against and who may vote. ``tally`` is published at closing."""

    __tablename__ = "council_sessions"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    council_id: Mapped[str] = mapped_column(ForeignKey("councils.council_id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(16), index=True)  # scheduled | open | closed
    revision: Mapped[int] = mapped_column(Integer, default=1)
    electorate: Mapped[list[str]] = mapped_column(JSON)  # member user ids
    present: Mapped[list[str]] = mapped_column(JSON, default=list)  # member user ids
    quorum: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the check at opening
    tally: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # per nominee, at closing
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgendaItem(Base):
    """A forwarded nomination file on a session's agenda."""

    __tablename__ = "council_agenda"
    __table_args__ = (UniqueConstraint("session_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("council_sessions.session_id"), index=True)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.nomination_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Ballot(Base):
    """One secret ballot on one nominee. Nothing here can be joined to a member: no member
    reference, no time, and the key is the voter's random receipt code, not a sequence. The
    rows of a nominee are rewritten in receipt order at every vote (domain.ballots), so not
    even the database's physical order or transaction ids follow the order of voting."""

    __tablename__ = "council_ballots"

    receipt: Mapped[str] = mapped_column(String(16), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(36), index=True)
    nominee_id: Mapped[int] = mapped_column(BigInteger, index=True)
    choice: Mapped[str] = mapped_column(String(16))  # dong-y | khong-dong-y | abstain


class BallotCast(Base):
    """That a member has voted on a nominee, only to refuse a second vote: no ballot
    reference, no time (rewritten with the ballots, in member order)."""

    __tablename__ = "council_ballots_cast"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nominee_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)


# -- public comment (part 2) -------------------------------------------------------------------


class CommentPosting(Base):
    """A list of nominees of one award posted for public comment (lấy ý kiến nhân dân) from
    ``starts_on`` for ``working_days``, up to the end of ``ends_on``."""

    __tablename__ = "comment_postings"

    posting_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    award_code: Mapped[str] = mapped_column(String(32), index=True)
    award_name: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer, index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(Integer)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentEntry(Base):
    """A nominee on a posted list, with the public words about it (name, unit, summary)."""

    __tablename__ = "comment_entries"
    __table_args__ = (UniqueConstraint("posting_id", "nominee_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    posting_id: Mapped[str] = mapped_column(ForeignKey("comment_postings.posting_id"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("nominees.id"), index=True)
    nomination_id: Mapped[str] = mapped_column(String(36), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    unit_name: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)


class PublicComment(Base):
    """A comment from the public on a posted nominee: for the council, never shown publicly."""

    __tablename__ = "public_comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("comment_entries.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # NFC, at most 2,000 characters
    author: Mapped[str | None] = mapped_column(String(200))  # as the commenter signed it
    contact: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommentHit(Base):
    """A comment's arrival from a client address (hashed), for the per-address rate limit;
    hits older than the window are deleted."""

    __tablename__ = "comment_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


# -- decisions (part 2) ----------------------------------------------------------------------


class Decision(Base):
    """A commendation decision (quyết định khen thưởng): a draft, then issued.

    ``number`` ("123/QĐ-BTP") is unique per ``issuer`` and ``year`` (the year of
    ``decided_on``). The words of the document (the bases, Điều 1's sentence, the executors,
    the copies) are the issuer's, kept as given; nothing in them comes from code."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("issuer", "year", "number"),)

    decision_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer, index=True)
    issuer: Mapped[str] = mapped_column(String(32), index=True)  # "BTP": offsets, uniqueness
    issuer_name: Mapped[str] = mapped_column(String(300))  # "BỘ TƯ PHÁP"
    governing_body: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(100))
    decided_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500))  # trích yếu
    authority: Mapped[str] = mapped_column(String(300))  # "BỘ TRƯỞNG BỘ TƯ PHÁP"
    legal_bases: Mapped[list[str]] = mapped_column(JSON, default=list)
    proposal: Mapped[str] = mapped_column(Text, default="")
    award_statement: Mapped[str] = mapped_column(Text)
    bonus_source: Mapped[str] = mapped_column(Text, default="")
    executors: Mapped[list[str]] = mapped_column(JSON, default=list)
    copies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_title: Mapped[str] = mapped_column(String(200))
    signing_for: Mapped[str] = mapped_column(String(200), default="")
    certificate_kind: Mapped[str] = mapped_column(String(16))  # bang-khen | giay-khen | ...
    citation: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), index=True)  # draft | issued
    total_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipients: Mapped[list[DecisionRecipient]] = relationship(
        back_populates="decision", lazy="selectin", order_by="DecisionRecipient.position"
    )


class DecisionRecipient(Base):
    """One line of Điều 1: a nominee of a file, its award and its bonus with the figures it
    came from; once issued, the Achievement it wrote, its certificate serial and, if it is
    revoked, the revocation and the recovery of the bonus."""

    __tablename__ = "decision_recipients"
    __table_args__ = (UniqueConstraint("decision_id", "nominee_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.decision_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    nomination_id: Mapped[str] = mapped_column(ForeignKey("nominations.nomination_id"), index=True)
    nominee_id: Mapped[int] = mapped_column(ForeignKey("nominees.id"), index=True)
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # individual | collective
    subject_name: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[str] = mapped_column(String(64), index=True)  # the person's unit, or it
    unit_name: Mapped[str] = mapped_column(String(300))
    award_code: Mapped[str] = mapped_column(String(32))
    award_name: Mapped[str] = mapped_column(String(300))
    year: Mapped[int] = mapped_column(Integer)
    bonus: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the figures; None: no bonus
    bonus_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    award_id: Mapped[str | None] = mapped_column(String(36), unique=True)  # at issue
    serial: Mapped[str | None] = mapped_column(String(64), unique=True)  # at issue
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id"))
    revocation_id: Mapped[str | None] = mapped_column(
        ForeignKey("revocations.revocation_id"), index=True
    )
    recovery_vnd: Mapped[int | None] = mapped_column(BigInteger)
    recovery_status: Mapped[str | None] = mapped_column(String(16))  # pending | recovered ...
    recovery_note: Mapped[str | None] = mapped_column(Text)
    recovery_updated_by: Mapped[str | None] = mapped_column(String(64))
    recovery_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[Decision] = relationship(back_populates="recipients")


class Revocation(Base):
    """A revocation (hủy bỏ quyết định khen thưởng, Chương VII of the Law) of one award or of
    every award of a decision, with its legal reason and the document that orders it."""

    __tablename__ = "revocations"

    revocation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.decision_id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # award | decision
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    revoked_on: Mapped[date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    revoked_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AwardReview(Base):
    """A granted award flagged for review because its verdict at submission counted an award
    since revoked: ``relied_on`` is the stored condition that counted it."""

    __tablename__ = "award_reviews"
    __table_args__ = (UniqueConstraint("revocation_id", "recipient_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    revocation_id: Mapped[str] = mapped_column(ForeignKey("revocations.revocation_id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("decision_recipients.id"), index=True)
    revoked_recipient_id: Mapped[int] = mapped_column(ForeignKey("decision_recipients.id"))
    relied_on: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | closed
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
