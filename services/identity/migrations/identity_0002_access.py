"""Organisations, regions, users, roles, signing keys, refresh tokens, lockout and audit.

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-11-23 03:10:23.830235
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kit.db

revision: str = "identity_0002"
down_revision: str | Sequence[str] | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=80), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("source_address", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "org_units",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=8), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successor_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_units_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_units_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_org_units_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("expires_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    with op.batch_alter_table("revoked_access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_access_tokens_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_keys_status"), ["status"], unique=False)

    op.create_table(
        "api_clients",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.String(length=1000), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "org_unit_versions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["org_units.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "valid_from"),
    )
    with op.batch_alter_table("org_unit_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_org_unit_versions_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_org_unit_versions_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "regions",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("lead_unit_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("year", "code"),
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regions_year"), ["year"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("family_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_tokens_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refresh_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "region_members",
        sa.Column("region_id", sa.String(length=80), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("is_deputy", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
        ),
        sa.PrimaryKeyConstraint("region_id", "unit_id"),
    )
    with op.batch_alter_table("region_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_members_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "role_assignments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.String(length=80), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("granted_by", sa.String(length=36), nullable=True),
        sa.Column("granted_at", kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_assignments_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignments_user_id"))

    op.drop_table("role_assignments")
    with op.batch_alter_table("region_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_members_unit_id"))

    op.drop_table("region_members")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_family_id"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_unit_id"))

    op.drop_table("users")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_year"))

    op.drop_table("regions")
    with op.batch_alter_table("org_unit_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_versions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_org_unit_versions_parent_id"))

    op.drop_table("org_unit_versions")
    op.drop_table("api_clients")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_keys_status"))

    op.drop_table("signing_keys")
    with op.batch_alter_table("revoked_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_access_tokens_expires_at"))

    op.drop_table("revoked_access_tokens")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_units_province_code"))
        batch_op.drop_index(batch_op.f("ix_org_units_kind"))
        batch_op.drop_index(batch_op.f("ix_org_units_code"))

    op.drop_table("org_units")
    op.drop_table("login_throttles")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
