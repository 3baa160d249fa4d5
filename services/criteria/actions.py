"""What criteria checks, and the roles that grant it (kit.policy; the roles: contracts.roles)."""

from __future__ import annotations

from contracts.roles import (
    MINISTRY_OFFICER,
    REGION_LEAD,
    ROLES,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    UNIT_OFFICER,
)
from kit.policy import Actions

ACTIONS = Actions.declare(
    {
        # Every signed-in role reads published tables, methods, movements and covenants.
        "org.read": ROLES,
        "criteria.manage": [MINISTRY_OFFICER],
        "movement.manage": [MINISTRY_OFFICER],
        # A region's covenant: the Ministry, or the region's lead (region scope).
        "covenant.manage": [MINISTRY_OFFICER, REGION_LEAD],
        "covenant.sign": [UNIT_ADMIN, UNIT_OFFICER],
    },
    every=[SYSTEM_ADMIN],
)
