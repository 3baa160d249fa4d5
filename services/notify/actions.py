"""What notify checks (kit.policy): who manages the Ministry's webhook endpoints and reads the
event feed; the inbox answers every signed-in caller."""

from __future__ import annotations

from contracts.roles import AUDITOR, MINISTRY_OFFICER, SYSTEM_ADMIN
from kit.policy import Actions

ACTIONS = Actions.declare(
    {
        # -- webhooks: the Ministry's own endpoints (API clients hold webhooks:manage instead)
        "webhook.manage": [MINISTRY_OFFICER],
        # the event feed, for users (API clients read it with notify:read or webhooks:manage)
        "feed.read": [MINISTRY_OFFICER, AUDITOR],
    },
    every=[SYSTEM_ADMIN],
)
