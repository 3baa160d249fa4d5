"""What awards checks (kit.policy): no action, since it has no API of its own; its system
administrator is declared, as every service's is."""

from __future__ import annotations

from contracts.roles import SYSTEM_ADMIN
from kit.policy import Actions

ACTIONS = Actions.declare({}, every=[SYSTEM_ADMIN])
