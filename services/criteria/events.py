"""The events criteria publishes, and the identity events it keeps its read models from."""

from __future__ import annotations

from kit import orgcopy, principals
from services.criteria.models import RegionCopy, UnitCopy

TABLE_PUBLISHED = "criteria.table.published"
MOVEMENT_LAUNCHED = "criteria.movement.launched"
COVENANT_SIGNED = "criteria.covenant.signed"


# Criteria keeps its copy of identity's units and regions with the kit's shared handlers, and
# refuses deactivated users and withdrawn roles once it has heard of them (kit.principals).
SUBSCRIPTIONS = {**orgcopy.subscriptions(UnitCopy, RegionCopy), **principals.subscriptions()}
