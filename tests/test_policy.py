"""The services' action declarations, together: who may do what on the platform.

Each service declares the actions it checks in its own ``actions.py`` (kit.policy names no
service); this checks them side by side: they agree on the actions they share, they name only
the platform's roles (contracts.roles), and together they grant each role exactly what identity
tells the caller in ``GET /me`` (services/identity/permissions.py), which is the table of
roles and actions the platform has always had.
"""

from __future__ import annotations

from functools import reduce

import pytest

from contracts.roles import ROLE_SCOPES, ROLES, SYSTEM_ADMIN
from kit.policy import Actions
from kit.service import Service
from services.awards.service import SERVICE as AWARDS
from services.criteria.service import SERVICE as CRITERIA
from services.identity.actions import UNIT_ADMIN_GRANTABLE
from services.identity.permissions import EVERYTHING, ROLE_PERMISSIONS
from services.identity.service import SERVICE as IDENTITY
from services.notify.service import SERVICE as NOTIFY
from services.scoring.service import SERVICE as SCORING

SERVICES = [IDENTITY, CRITERIA, SCORING, AWARDS, NOTIFY]
PLATFORM = reduce(Actions.__or__, (s.actions for s in SERVICES))  # raises if they disagree


def test_every_role_is_granted_in_a_known_scope() -> None:
    assert set(ROLE_SCOPES) == set(ROLES)
    assert all(scopes <= {"national", "unit", "region"} for scopes in ROLE_SCOPES.values())
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    assert set(ROLES) >= UNIT_ADMIN_GRANTABLE


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_a_service_names_only_the_platform_s_roles(service: Service) -> None:
    named = set().union(*service.actions.grants.values()) if service.actions.grants else set()
    assert named <= set(ROLES)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_the_system_administrator_holds_every_action_of_every_service(service: Service) -> None:
    assert service.actions.of_role(SYSTEM_ADMIN) == set(service.actions.grants)


@pytest.mark.parametrize("role", sorted(set(ROLES) - {SYSTEM_ADMIN}))
def test_what_me_shows_is_what_the_services_grant(role: str) -> None:
    assert PLATFORM.of_role(role) == ROLE_PERMISSIONS[role]


def test_me_shows_the_system_administrator_everything() -> None:
    assert ROLE_PERMISSIONS[SYSTEM_ADMIN] == {EVERYTHING}
