"""What awards checks, and the roles that grant it (kit.policy; the roles: contracts.roles).

A person, an award held, a registration and a nomination are targets of their unit (and of
that unit's regions of the year); an acclamation is a target of its region. So a unit's roles
reach their own people and files, a region lead its region's acclamations, and the Ministry,
the auditor and the council everything they may read.
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
from kit.policy import Actions

READERS = [MINISTRY_OFFICER, UNIT_ADMIN, UNIT_OFFICER, AUDITOR, COUNCIL_MEMBER]

ACTIONS = Actions.declare(
    {
        # Rule packs: read by everyone signed in; uploaded and published by the Ministry.
        "rules.read": [*READERS, REGION_LEAD],
        "rules.manage": [MINISTRY_OFFICER],
        # The calendar of public holidays (read with rules.read): kept by the Ministry.
        "calendar.manage": [MINISTRY_OFFICER],
        # The registry: a unit's people and awards, and the verdicts computed from them.
        "registry.read": [*READERS, REGION_LEAD],
        "registry.edit": [UNIT_ADMIN, MINISTRY_OFFICER],
        # Registrations and nomination files of a unit.
        "nomination.read": [*READERS, REGION_LEAD],
        "nomination.edit": [UNIT_ADMIN, UNIT_OFFICER],
        "nomination.decide": [MINISTRY_OFFICER],  # receive, return, forward
        # A region's own files (an award its region proposes): the region lead files them.
        "nomination.edit_region": [REGION_LEAD],
        # Region acclamations: opened and closed by the region lead, voted by member units.
        "acclamation.read": [MINISTRY_OFFICER, REGION_LEAD, UNIT_ADMIN, UNIT_OFFICER, AUDITOR],
        "acclamation.manage": [REGION_LEAD],
        "acclamation.vote": [UNIT_ADMIN],
        # Councils (part 2): the Ministry's council is national, a unit's council its unit's.
        # A council's own members also read it and vote in it (checked by membership).
        "council.read": [MINISTRY_OFFICER, UNIT_ADMIN, AUDITOR],
        "council.manage": [MINISTRY_OFFICER, UNIT_ADMIN],
        "council.vote": [COUNCIL_MEMBER],
        # Public comment: the Ministry posts the lists; the comments are for it and the council.
        "comment.manage": [MINISTRY_OFFICER],
        "comment.read": [MINISTRY_OFFICER, COUNCIL_MEMBER],
        # Decisions (part 2): drafted, issued and revoked by the Ministry; an issued decision
        # and its certificates are read by the Ministry, the auditor and each recipient's unit.
        "decision.read": [MINISTRY_OFFICER, AUDITOR, UNIT_ADMIN, UNIT_OFFICER],
        "decision.manage": [MINISTRY_OFFICER],
        "decision.revoke": [MINISTRY_OFFICER],
        # The statistical reports (TT 02/2023/TT-BNV): national, or of one unit.
        "report.read": [MINISTRY_OFFICER, AUDITOR, UNIT_ADMIN, UNIT_OFFICER],
    },
    every=[SYSTEM_ADMIN],
)
