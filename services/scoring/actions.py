"""What scoring checks, and the roles that grant it (kit.policy; the roles: contracts.roles).

A sheet is a target of its unit and of that unit's regions of the round's year, so a unit's
roles reach their own sheet and a region lead's the sheets of its region (api/access.py).
"""

from __future__ import annotations

from contracts.roles import (
    AUDITOR,
    MINISTRY_OFFICER,
    REGION_LEAD,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    UNIT_OFFICER,
)
from kit.policy import Actions

ACTIONS = Actions.declare(
    {
        "round.manage": [MINISTRY_OFFICER],
        "sheet.read": [MINISTRY_OFFICER, REGION_LEAD, UNIT_ADMIN, UNIT_OFFICER, AUDITOR],
        "sheet.self_assess": [UNIT_ADMIN, UNIT_OFFICER],
        "sheet.review": [REGION_LEAD],
        "sheet.appraise": [MINISTRY_OFFICER],
    },
    every=[SYSTEM_ADMIN],
)
