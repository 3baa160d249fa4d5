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
            "acclamation.read",
            "announcement.publish",
            "calendar.manage",
            "comment.manage",
            "comment.read",
            "council.manage",
            "council.read",
            "covenant.manage",
            "criteria.manage",
            "decision.manage",
            "decision.read",
            "decision.revoke",
            "feed.read",
            "movement.manage",
            "nomination.decide",
            "nomination.read",
            "org.manage",
            "org.read",
            "region.manage",
            "region.read",
            "registry.edit",
            "registry.read",
            "report.read",
            "round.manage",
            "rules.manage",
            "rules.read",
            "sheet.appraise",
            "sheet.read",
            "user.read",
            "webhook.manage",
        }
    ),
    REGION_LEAD: frozenset(
        {
            "acclamation.manage",
            "acclamation.read",
            "covenant.manage",
            "nomination.edit_region",
            "nomination.read",
            "org.read",
            "region.read",
            "registry.read",
            "rules.read",
            "sheet.read",
            "sheet.review",
        }
    ),
    UNIT_ADMIN: frozenset(
        {
            "acclamation.read",
            "acclamation.vote",
            "council.manage",
            "council.read",
            "covenant.sign",
            "decision.read",
            "nomination.edit",
            "nomination.read",
            "org.read",
            "region.read",
            "registry.edit",
            "registry.read",
            "report.read",
            "rules.read",
            "sheet.read",
            "sheet.self_assess",
            "user.manage",
            "user.read",
        }
    ),
    UNIT_OFFICER: frozenset(
        {
            "acclamation.read",
            "covenant.sign",
            "decision.read",
            "nomination.edit",
            "nomination.read",
            "org.read",
            "region.read",
            "registry.read",
            "report.read",
            "rules.read",
            "sheet.read",
            "sheet.self_assess",
        }
    ),
    COUNCIL_MEMBER: frozenset(
        {
            "comment.read",
            "council.vote",
            "nomination.read",
            "org.read",
            "region.read",
            "registry.read",
            "rules.read",
        }
    ),
    AUDITOR: frozenset(
        {
            "acclamation.read",
            "audit.read",
            "council.read",
            "decision.read",
            "feed.read",
            "nomination.read",
            "org.read",
            "region.read",
            "registry.read",
            "report.read",
            "rules.read",
            "sheet.read",
            "user.read",
        }
    ),
}
