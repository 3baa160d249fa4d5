"""What each role allows across the whole platform, as ``GET /me`` tells the caller.

Every service declares the actions it checks in its own ``actions.py`` and checks only those;
identity imports no other service, so this is identity's account of the roles it grants, for
display alone: nothing is authorised with it. tests/test_policy.py keeps it equal to what the
services declare (a role's actions here are the union of its actions there, and the system
administrator, who holds every action everywhere, shows ``*``).
"""

from __future__ import annotations

from contracts.roles import (
    AUDITOR,
    COUNCIL_MEMBER,
    MINISTRY_OFFICER,
    REGION_LEAD,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    UNIT_OFFICER,
)

EVERYTHING = "*"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    SYSTEM_ADMIN: frozenset({EVERYTHING}),
    MINISTRY_OFFICER: frozenset(
        {
            "announcement.publish",
            "org.read",
            "org.manage",
            "region.read",
            "region.manage",
            "user.read",
            "criteria.manage",
            "movement.manage",
            "covenant.manage",
            "round.manage",
            "sheet.read",
            "sheet.appraise",
            "webhook.manage",
            "feed.read",
        }
    ),
    REGION_LEAD: frozenset(
        {"org.read", "region.read", "covenant.manage", "sheet.read", "sheet.review"}
    ),
    UNIT_ADMIN: frozenset(
        {
            "org.read",
            "region.read",
            "user.read",
            "user.manage",
            "covenant.sign",
            "sheet.read",
            "sheet.self_assess",
        }
    ),
    UNIT_OFFICER: frozenset(
        {"org.read", "region.read", "covenant.sign", "sheet.read", "sheet.self_assess"}
    ),
    COUNCIL_MEMBER: frozenset({"org.read", "region.read"}),
    AUDITOR: frozenset(
        {"org.read", "region.read", "user.read", "audit.read", "sheet.read", "feed.read"}
    ),
}
