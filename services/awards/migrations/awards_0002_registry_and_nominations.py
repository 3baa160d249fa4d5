"""The award registry, rule packs, scoring results and organisation copies, registrations,
nominations with their files and history, and region acclamations.

Revision ID: awards_0002
Revises: awards_0001
Create Date: 2026-12-01 12:31:27.280654
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "awards_0002"
down_revision: str | Sequence[str] | None = "awards_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "achievements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recipient_id", "award_code", "year"),
    )
    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.create_index("ix_achievements_award_year", ["award_code", "year"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_achievements_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_achievements_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "nominations",
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.String(length=64), nullable=True),
        sa.Column("act", sa.Text(), nullable=True),
        sa.Column("act_date", sa.Date(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("cover_summary", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("rule_pack_id", sa.String(length=36), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nomination_id"),
    )
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nominations_award_code"), ["award_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nominations_year"), ["year"], unique=False)

    op.create_table(
        "people",
        sa.Column("staff_code", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("transferred_from_other_sector", sa.Boolean(), nullable=False),
        sa.Column("positions", sa.JSON(), nullable=False),
        sa.Column("assessments", sa.JSON(), nullable=False),
        sa.Column("service_months", sa.JSON(), nullable=False),
        sa.Column("discipline", sa.JSON(), nullable=False),
        sa.Column("initiatives", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("staff_code"),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_people_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ranking_results",
        sa.Column("round_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_kind", sa.String(length=32), nullable=False),
        sa.Column("unit_name", sa.String(length=300), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=True),
        sa.Column("total", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("band", sa.String(length=8), nullable=False),
        sa.Column("national_rank", sa.Integer(), nullable=False),
        sa.Column("region_rank", sa.Integer(), nullable=True),
        sa.Column("published_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("round_id", "unit_id"),
    )
    with op.batch_alter_table("ranking_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ranking_results_region_id"), ["region_id"], unique=False
        )
        batch_op.create_index("ix_ranking_results_unit_year", ["unit_id", "year"], unique=False)
        batch_op.create_index(batch_op.f("ix_ranking_results_year"), ["year"], unique=False)

    op.create_table(
        "region_copies",
        sa.Column("region_id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("lead_unit_id", sa.String(length=64), nullable=True),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("region_id"),
    )
    with op.batch_alter_table("region_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_copies_year"), ["year"], unique=False)

    op.create_table(
        "registrations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "year", "award_code", "subject_id"),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registrations_year"), ["year"], unique=False)

    op.create_table(
        "registry_changes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_changes_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_changes_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "rule_packs",
        sa.Column("pack_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("pack_id"),
        sa.UniqueConstraint("code", "version"),
    )
    with op.batch_alter_table("rule_packs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_packs_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_rule_packs_effective_from"), ["effective_from"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rule_packs_status"), ["status"], unique=False)

    op.create_table(
        "unit_copies",
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_since", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successor_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    with op.batch_alter_table("unit_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_copies_kind"), ["kind"], unique=False)

    op.create_table(
        "acclamations",
        sa.Column("acclamation_id", sa.String(length=36), nullable=False),
        sa.Column("region_id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("candidate_unit_id", sa.String(length=64), nullable=False),
        sa.Column("voter_unit_ids", sa.JSON(), nullable=False),
        sa.Column("nomination_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.nomination_id"],
        ),
        sa.PrimaryKeyConstraint("acclamation_id"),
    )
    with op.batch_alter_table("acclamations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acclamations_candidate_unit_id"), ["candidate_unit_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_acclamations_region_id"), ["region_id"], unique=False)

    op.create_table(
        "nomination_moves",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.nomination_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nomination_moves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nomination_moves_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "nominees",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_name", sa.String(length=300), nullable=False),
        sa.Column("report_summary", sa.Text(), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("added_from", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.nomination_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("nomination_id", "subject_id"),
    )
    with op.batch_alter_table("nominees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nominees_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_nominees_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "acclamation_votes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("acclamation_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("in_favour", sa.Boolean(), nullable=False),
        sa.Column("cast_by", sa.String(length=64), nullable=False),
        sa.Column("cast_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acclamation_id"],
            ["acclamations.acclamation_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("acclamation_id", "unit_id"),
    )
    with op.batch_alter_table("acclamation_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acclamation_votes_acclamation_id"), ["acclamation_id"], unique=False
        )

    op.create_table(
        "attachments",
        sa.Column("attachment_id", sa.String(length=36), nullable=False),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column(
            "nominee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.nomination_id"],
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["nominees.id"],
        ),
        sa.PrimaryKeyConstraint("attachment_id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attachments_nomination_id"), ["nomination_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_nomination_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("acclamation_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acclamation_votes_acclamation_id"))

    op.drop_table("acclamation_votes")
    with op.batch_alter_table("nominees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominees_subject_id"))
        batch_op.drop_index(batch_op.f("ix_nominees_nomination_id"))

    op.drop_table("nominees")
    with op.batch_alter_table("nomination_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nomination_moves_nomination_id"))

    op.drop_table("nomination_moves")
    with op.batch_alter_table("acclamations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acclamations_region_id"))
        batch_op.drop_index(batch_op.f("ix_acclamations_candidate_unit_id"))

    op.drop_table("acclamations")
    with op.batch_alter_table("unit_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_copies_kind"))

    op.drop_table("unit_copies")
    with op.batch_alter_table("rule_packs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_packs_status"))
        batch_op.drop_index(batch_op.f("ix_rule_packs_effective_from"))
        batch_op.drop_index(batch_op.f("ix_rule_packs_code"))

    op.drop_table("rule_packs")
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_changes_unit_id"))
        batch_op.drop_index(batch_op.f("ix_registry_changes_subject_id"))

    op.drop_table("registry_changes")
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registrations_year"))
        batch_op.drop_index(batch_op.f("ix_registrations_unit_id"))

    op.drop_table("registrations")
    with op.batch_alter_table("region_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_copies_year"))

    op.drop_table("region_copies")
    with op.batch_alter_table("ranking_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ranking_results_year"))
        batch_op.drop_index("ix_ranking_results_unit_year")
        batch_op.drop_index(batch_op.f("ix_ranking_results_region_id"))

    op.drop_table("ranking_results")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_unit_id"))
        batch_op.drop_index(batch_op.f("ix_people_name_key"))

    op.drop_table("people")
    with op.batch_alter_table("nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nominations_year"))
        batch_op.drop_index(batch_op.f("ix_nominations_unit_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_state"))
        batch_op.drop_index(batch_op.f("ix_nominations_region_id"))
        batch_op.drop_index(batch_op.f("ix_nominations_award_code"))

    op.drop_table("nominations")
    with op.batch_alter_table("achievements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_achievements_unit_id"))
        batch_op.drop_index(batch_op.f("ix_achievements_recipient_id"))
        batch_op.drop_index("ix_achievements_award_year")

    op.drop_table("achievements")
