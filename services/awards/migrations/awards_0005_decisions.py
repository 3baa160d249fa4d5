"""Decisions with their recipients, bonuses and certificate serials; revocations with their
document; the granted awards flagged for review after a revocation.

Revision ID: awards_0005
Revises: awards_0004
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "awards_0005"
down_revision: str | Sequence[str] | None = "awards_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=32), nullable=False),
        sa.Column("issuer_name", sa.String(length=300), nullable=False),
        sa.Column("governing_body", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("legal_bases", sa.JSON(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("award_statement", sa.Text(), nullable=False),
        sa.Column("bonus_source", sa.Text(), nullable=False),
        sa.Column("executors", sa.JSON(), nullable=False),
        sa.Column("copies_to", sa.JSON(), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signing_for", sa.String(length=200), nullable=False),
        sa.Column("certificate_kind", sa.String(length=16), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_vnd", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=True),
        sa.Column("issued_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("decision_id"),
        sa.UniqueConstraint("issuer", "year", "number"),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_issuer"), ["issuer"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_year"), ["year"], unique=False)

    op.create_table(
        "revocations",
        sa.Column("revocation_id", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.decision_id"],
        ),
        sa.PrimaryKeyConstraint("revocation_id"),
    )
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revocations_decision_id"), ["decision_id"], unique=False
        )

    op.create_table(
        "decision_recipients",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("decision_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.String(length=36), nullable=False),
        sa.Column(
            "nominee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_name", sa.String(length=300), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("unit_name", sa.String(length=300), nullable=False),
        sa.Column("award_code", sa.String(length=32), nullable=False),
        sa.Column("award_name", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("bonus", sa.JSON(), nullable=True),
        sa.Column("bonus_vnd", sa.BigInteger(), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column(
            "achievement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("revocation_id", sa.String(length=36), nullable=True),
        sa.Column("recovery_vnd", sa.BigInteger(), nullable=True),
        sa.Column("recovery_status", sa.String(length=16), nullable=True),
        sa.Column("recovery_note", sa.Text(), nullable=True),
        sa.Column("recovery_updated_by", sa.String(length=64), nullable=True),
        sa.Column("recovery_updated_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.decision_id"],
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.nomination_id"],
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["nominees.id"],
        ),
        sa.ForeignKeyConstraint(
            ["revocation_id"],
            ["revocations.revocation_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("award_id"),
        sa.UniqueConstraint("decision_id", "nominee_id"),
        sa.UniqueConstraint("serial"),
    )
    with op.batch_alter_table("decision_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_nominee_id"), ["nominee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_revocation_id"), ["revocation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_subject_id"), ["subject_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_recipients_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "award_reviews",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("revocation_id", sa.String(length=36), nullable=False),
        sa.Column(
            "recipient_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "revoked_recipient_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("relied_on", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flagged_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["decision_recipients.id"],
        ),
        sa.ForeignKeyConstraint(
            ["revocation_id"],
            ["revocations.revocation_id"],
        ),
        sa.ForeignKeyConstraint(
            ["revoked_recipient_id"],
            ["decision_recipients.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("revocation_id", "recipient_id"),
    )
    with op.batch_alter_table("award_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_award_reviews_recipient_id"), ["recipient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_award_reviews_revocation_id"), ["revocation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_award_reviews_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("award_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_reviews_status"))
        batch_op.drop_index(batch_op.f("ix_award_reviews_revocation_id"))
        batch_op.drop_index(batch_op.f("ix_award_reviews_recipient_id"))

    op.drop_table("award_reviews")
    with op.batch_alter_table("decision_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_recipients_unit_id"))
        batch_op.drop_index(batch_op.f("ix_decision_recipients_subject_id"))
        batch_op.drop_index(batch_op.f("ix_decision_recipients_revocation_id"))
        batch_op.drop_index(batch_op.f("ix_decision_recipients_nominee_id"))
        batch_op.drop_index(batch_op.f("ix_decision_recipients_nomination_id"))
        batch_op.drop_index(batch_op.f("ix_decision_recipients_decision_id"))

    op.drop_table("decision_recipients")
    with op.batch_alter_table("revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revocations_decision_id"))

    op.drop_table("revocations")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_year"))
        batch_op.drop_index(batch_op.f("ix_decisions_state"))
        batch_op.drop_index(batch_op.f("ix_decisions_issuer"))

    op.drop_table("decisions")
