"""The demo accounts of the embedded mode (listed in the README), never created in production."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from kit import dates
from kit.auth import Grant, Principal
from services.identity.domain import users

# The actor of what an operator does from the command line, as the audit log shows it.
OPERATOR = Principal(
    subject="system:cli",
    kind="system",
    token_id="cli",
    expires_at=datetime.max.replace(tzinfo=UTC),
    grants=(Grant("system_admin", "national"),),
)

PASSWORD = "ThiDua-2026-demo"
ACCOUNTS = [
    # username, full name, unit, role, scope, scope id ({year}: the current year)
    ("quantri", "Quản trị hệ thống", "bo-tu-phap", "system_admin", "national", None),
    ("bo.tdkt", "Nguyễn Văn An", "vu-tdkt", "ministry_officer", "national", None),
    ("stp.hanoi", "Trần Thị Bình", "stp-01", "unit_officer", "unit", "stp-01"),
    ("qt.hanoi", "Đỗ Minh Khoa", "stp-01", "unit_admin", "unit", "stp-01"),
    ("stp.hcm", "Lê Văn Cường", "stp-79-2025", "unit_officer", "unit", "stp-79-2025"),
    ("kv.dbbb", "Phạm Thị Dung", "stp-31-2025", "region_lead", "region", "{year}-dong-bang-bac-bo"),
    ("hd.thanhvien", "Hoàng Văn Em", "vu-tdkt", "council_member", "national", None),
    ("kiemtoan", "Vũ Thị Giang", "bo-tu-phap", "auditor", "national", None),
]


def seed(session: Session, year: int | None = None) -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""
    year = year or dates.this_year()  # Viet Nam's: a region's year starts in Ha Noi
    created = 0
    for username, name, unit, role, scope, scope_id in ACCOUNTS:
        if users.find_by_username(session, username) is not None:
            continue
        user = users.create_user(
            session,
            OPERATOR,
            username=username,
            full_name=name,
            # example.org: reserved for examples (RFC 2606); make up's mail server keeps them.
            email=f"{username}@example.org",
            unit_id=unit,
            password=PASSWORD,
        )
        users.assign_role(
            session,
            OPERATOR,
            user.id,
            role,
            scope,
            scope_id.format(year=year) if scope_id else None,
            date(year, 1, 1),
            None,
        )
        created += 1
    return created
