"""What notify checks (kit.policy): nothing yet; the inbox answers every signed-in caller."""

from __future__ import annotations

from contracts.roles import SYSTEM_ADMIN
from kit.policy import Actions

ACTIONS = Actions.declare({}, every=[SYSTEM_ADMIN])
