"""What identity checks, and the roles that grant it (kit.policy; the roles: contracts.roles).

Every grant reaches objects through its scope (national, a unit, a region); a user, an API
client's owner, a region's members are all targets of their unit (domain/users.py).
"""

from __future__ import annotations

from contracts.roles import (
    AUDITOR,
    MINISTRY_OFFICER,
    ROLES,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    UNIT_OFFICER,
)
from kit.policy import Actions

ACTIONS = Actions.declare(
    {
        "announcement.publish": [MINISTRY_OFFICER],
        # Every signed-in role reads the organisation tree and the regions, each from its scope.
        "org.read": ROLES,
        "org.manage": [MINISTRY_OFFICER],
        "region.read": ROLES,
        "region.manage": [MINISTRY_OFFICER],
        "user.read": [MINISTRY_OFFICER, UNIT_ADMIN, AUDITOR],
        "user.manage": [UNIT_ADMIN],
        # The auditor reads; it changes nothing.
        "audit.read": [AUDITOR],
        # API clients are the system administrator's alone.
        "client.read": [],
        "client.manage": [],
    },
    every=[SYSTEM_ADMIN],
)

# Roles a unit admin may hand out, and only within its own unit.
UNIT_ADMIN_GRANTABLE = frozenset({UNIT_OFFICER, UNIT_ADMIN})
