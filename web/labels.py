"""The words for the platform's codes (statuses, phases, roles, scopes), in the page's language.

The API speaks in stable codes (``submitted``, ``region_review``, ``unit_officer``); people
read these labels. One place, so every page says the same thing for the same code.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SHEET_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned for revision"),
    "reviewed": _l("Reviewed by the region"),
    "final": _l("Appraised"),
}
PHASE = {
    "draft": _l("Being prepared"),
    "self_assessment": _l("Self-assessment"),
    "region_review": _l("Region review"),
    "appraisal": _l("Ministry appraisal"),
    "closed": _l("Closed"),
    "published": _l("Results published"),
}
# What a sheet allows now (its ``allowed``, and a 409's), as the pages name the moves.
SHEET_ACTION = {
    "edit": _l("change the figures"),
    "submit": _l("submit"),
    "review": _l("propose points"),
    "return": _l("return for revision"),
    "mark_reviewed": _l("mark as reviewed"),
    "appraise": _l("appraise"),
    "finalise": _l("finalise"),
}
ROLE = {
    "system_admin": _l("System administrator"),
    "ministry_officer": _l("Ministry officer"),
    "region_lead": _l("Region lead"),
    "unit_admin": _l("Unit administrator"),
    "unit_officer": _l("Unit officer"),
    "council_member": _l("Council member"),
    "auditor": _l("Auditor"),
}
SCOPE = {
    "national": _l("nationwide"),
    "unit": _l("unit"),
    "region": _l("emulation region"),
}
STAGE = {
    "self": _l("Unit"),
    "review": _l("Region"),
    "appraisal": _l("Ministry"),
    "status": _l("Status"),
    "evidence": _l("Evidence"),
}
FIELD = {
    "inputs": _l("figures"),
    "comment": _l("comment"),
    "points": _l("points"),
    "status": _l("status"),
    "bonus": _l("bonus counts"),
    "deduction": _l("deduction counts"),
    "table_id": _l("criteria table"),
    "evidence": _l("evidence"),
}


# The administrators' pages (web/views/admin): kinds of organisation units, one of each.
ORG_KIND = {
    "ministry": _l("Ministry"),
    "department": _l("Department of the Ministry"),
    "general-department": _l("General department"),
    "so-tu-phap": _l("Provincial Department of Justice"),
    "cuc-thads": _l("Provincial civil judgment enforcement"),
    "phong-tu-phap": _l("District justice division"),
    "chi-cuc-thads": _l("District civil judgment enforcement"),
}
AUDIT_ACTION = {
    "login.success": _l("Signed in"),
    "login.failure": _l("Failed sign-in"),
    "login.blocked": _l("Sign-in blocked"),
    "lockout.locked": _l("Account locked"),
    "lockout.address_blocked": _l("Address blocked"),
    "lockout.unlocked": _l("Account unlocked"),
    "token.refreshed": _l("Session renewed"),
    "token.reuse_detected": _l("Reused session token"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "user.password_set": _l("Password set"),
    "role.assigned": _l("Role granted"),
    "role.revoked": _l("Role withdrawn"),
    "client.created": _l("API client registered"),
    "client.deactivated": _l("API client revoked"),
    "client.token_issued": _l("API client token issued"),
    "client.auth_failure": _l("API client refused"),
    "org.unit_created": _l("Unit created"),
    "org.unit_changed": _l("Unit changed"),
    "org.merged": _l("Units merged"),
    "region.saved": _l("Emulation region saved"),
    "keys.rotated": _l("Signing keys rotated"),
}
AUDIT_OUTCOME = {
    "success": _l("Done"),
    "failure": _l("Failed"),
    "denied": _l("Refused"),
}


def label(table: dict[str, object], code: str | None) -> str:
    """The label of ``code`` in ``table``, or the code itself when there is none."""
    if code is None:
        return ""
    return str(table.get(code, code))


UNIT_KIND = {
    "so-tu-phap": _l("Provincial Departments of Justice"),
    "cuc-thads": _l("Civil Judgment Enforcement"),
}
TABLE_STATUS = {
    "draft": _l("Draft version"),
    "published": _l("Published"),
    "superseded": _l("Superseded"),
}
METHOD = {
    "bands_at_least": _l("Graded: at least the threshold"),
    "bands_at_most": _l("Graded: days late"),
    "proportional": _l("Proportional to a target"),
    "boolean": _l("Done or not"),
    "manual": _l("Points given directly"),
}
MOVEMENT_KIND = {"regular": _l("Regular (yearly)"), "thematic": _l("Thematic")}
MOVEMENT_STATUS = {"draft": _l("Draft"), "launched": _l("Launched")}
LEVEL = {"ministry": _l("Ministry"), "region": _l("Emulation region"), "unit": _l("Unit")}


def for_templates() -> dict[str, object]:
    """The labels above as template functions (the results, tables and movements pages)."""
    return {
        "unit_kind_label": lambda code: label(UNIT_KIND, code),
        "table_status_label": lambda code: label(TABLE_STATUS, code),
        "method_label": lambda code: label(METHOD, code),
        "movement_kind_label": lambda code: label(MOVEMENT_KIND, code),
        "movement_status_label": lambda code: label(MOVEMENT_STATUS, code),
        "level_label": lambda code: label(LEVEL, code),
    }
