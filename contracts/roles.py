"""The roles of the platform: the words identity grants and every service's policy names.

Identity defines them (it stores grants, signs them into access tokens and publishes them in
``identity.user.*`` events); each service says which of its actions a role grants, in its own
``actions.py``, with these constants. A grant gives a role in one scope:

- ``national``: everywhere;
- ``unit``: one organisation unit (``scope_id`` is the unit's id);
- ``region``: one emulation region of one year (``scope_id`` is ``<year>-<code>``).
"""

from __future__ import annotations

SYSTEM_ADMIN = "system_admin"
MINISTRY_OFFICER = "ministry_officer"
REGION_LEAD = "region_lead"
UNIT_ADMIN = "unit_admin"
UNIT_OFFICER = "unit_officer"
COUNCIL_MEMBER = "council_member"
AUDITOR = "auditor"

ROLES = (
    SYSTEM_ADMIN,
    MINISTRY_OFFICER,
    REGION_LEAD,
    UNIT_ADMIN,
    UNIT_OFFICER,
    COUNCIL_MEMBER,
    AUDITOR,
)

NATIONAL = "national"
UNIT = "unit"
REGION = "region"
SCOPES = (NATIONAL, UNIT, REGION)

# Which scope a role is granted in; identity refuses a grant in any other.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    SYSTEM_ADMIN: frozenset({NATIONAL}),
    MINISTRY_OFFICER: frozenset({NATIONAL}),
    REGION_LEAD: frozenset({REGION}),
    UNIT_ADMIN: frozenset({UNIT}),
    UNIT_OFFICER: frozenset({UNIT}),
    COUNCIL_MEMBER: frozenset({NATIONAL}),
    AUDITOR: frozenset({NATIONAL}),
}
