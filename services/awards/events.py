"""The events awards consumes.

Awards publishes nothing yet. It subscribes to identity's user events so that a deactivated
user's token, or a withdrawn role, stops working here as soon as it has heard of it
(kit.principals, decision 0010).
"""

from __future__ import annotations

from kit import principals

SUBSCRIPTIONS = principals.subscriptions()
