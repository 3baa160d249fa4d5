"""The scoring methods the platform knows, as published in every table snapshot."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

import scoringrules
from kit.app import principal
from kit.policy import require_somewhere

blueprint = Blueprint(
    "methods",
    __name__,
    url_prefix="/methods",
    description="Scoring methods: inputs, parameters and formulas",
)


@blueprint.route("", methods=["GET"])
@blueprint.response(200)
def list_methods() -> dict[str, Any]:
    """Every registered method's definition, and the version of the rules."""
    require_somewhere(principal(), "org.read")
    return {
        "rules_version": scoringrules.RULES_VERSION,
        "methods": [method.describe() for method in scoringrules.METHODS.values()],
    }
