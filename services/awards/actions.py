"""What awards checks (kit.policy): nothing yet; nominations and votes will be declared here."""

from __future__ import annotations

from contracts.roles import SYSTEM_ADMIN
from kit.policy import Actions

ACTIONS = Actions.declare({}, every=[SYSTEM_ADMIN])
