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


# -- awards (web/views/awards) ------------------------------------------------------------

NOMINATION_STATE = {
    "draft": _l("Being prepared"),
    "submitted": _l("Submitted to the Ministry"),
    "returned": _l("Returned for revision"),
    "received": _l("Received by the Ministry"),
    "forwarded": _l("Forwarded to the council"),
    "withdrawn": _l("Withdrawn"),
}
# What the button of a move says (the move *to* that state).
NOMINATION_MOVE = {
    "submitted": _l("Submit the file"),
    "returned": _l("Return for revision"),
    "received": _l("Receive the file"),
    "forwarded": _l("Forward to the council"),
    "withdrawn": _l("Withdraw the file"),
}
NOMINATION_KIND = {
    "cong-trang": _l("For work and achievement (yearly)"),
    "chuyen-de": _l("For an emulation movement"),
    "dot-xuat": _l("For an exceptional act"),
    "cong-hien": _l("For a career of service"),
    "nien-han": _l("By seniority"),
    "doi-ngoai": _l("Foreign relations"),
}
AWARD_KIND = {"title": _l("Emulation title"), "form": _l("Form of commendation")}
RECIPIENT = {"individual": _l("Individual"), "collective": _l("Collective")}
AWARD_LEVEL = {"co-so": _l("Unit level"), "bo": _l("Ministry level"), "nha-nuoc": _l("State level")}
ASSESSMENT = {
    "xuat-sac": _l("Excellent"),
    "tot": _l("Good"),
    "hoan-thanh": _l("Completed"),
    "khong-hoan-thanh": _l("Not completed"),
}
POSITION = {"cap-truong": _l("Head"), "cap-pho": _l("Deputy head")}
DISCIPLINE = {
    "khien-trach": _l("Reprimand"),
    "canh-cao": _l("Warning"),
    "ha-bac-luong": _l("Salary downgrade"),
    "giang-chuc": _l("Demotion"),
    "cach-chuc": _l("Dismissal from post"),
    "buoc-thoi-viec": _l("Forced resignation"),
}
INITIATIVE_SCOPE = {"co-so": _l("Unit"), "bo": _l("Ministry"), "toan-quoc": _l("Nationwide")}
GENDER = {"nam": _l("Male"), "nu": _l("Female")}
PACK_STATUS = {"draft": _l("Draft version"), "published": _l("Published")}
ACCLAMATION_STATE = {"open": _l("Voting open"), "closed": _l("Closed")}
CONDITION = {
    "held": _l("Award held"),
    "assessed": _l("Yearly assessment"),
    "initiatives": _l("Initiatives"),
    "not_disciplined": _l("No discipline"),
    "service_months": _l("Months worked"),
    "tenure": _l("Time in post"),
    "members_share": _l("Share of members"),
    "members_assessed": _l("Every member's assessment"),
    "members_holding": _l("Members holding an award"),
    "no_member_disciplined": _l("No member disciplined"),
    "ranking": _l("Scoring result"),
    "any_of": _l("At least one of"),
    "all_of": _l("All of"),
}


def for_awards() -> dict[str, object]:
    """The awards pages' labels as template functions."""
    return {
        "nomination_state": lambda code: label(NOMINATION_STATE, code),
        "move_label": lambda code: label(NOMINATION_MOVE, code),
        "nomination_kind": lambda code: label(NOMINATION_KIND, code),
        "award_kind": lambda code: label(AWARD_KIND, code),
        "recipient_label": lambda code: label(RECIPIENT, code),
        "award_level": lambda code: label(AWARD_LEVEL, code),
        "assessment_label": lambda code: label(ASSESSMENT, code),
        "position_label": lambda code: label(POSITION, code),
        "discipline_label": lambda code: label(DISCIPLINE, code),
        "initiative_scope": lambda code: label(INITIATIVE_SCOPE, code),
        "gender_label": lambda code: label(GENDER, code),
        "pack_status": lambda code: label(PACK_STATUS, code),
        "acclamation_state": lambda code: label(ACCLAMATION_STATE, code),
        "condition_label": lambda code: label(CONDITION, code),
    }


# -- notifications (web/views/inbox.py) ---------------------------------------------------

NOTIFICATION_KIND = {
    "announcement": _l("Announcement"),
    "sheet_returned": _l("Sheet returned"),
    "sheet_submitted": _l("Sheet submitted"),
    "deadline": _l("Deadline near"),
    "council_session": _l("Council session"),
    "award_granted": _l("Award granted"),
    "nomination_returned": _l("Nomination returned"),
    "nomination_received": _l("Nomination received"),
    "nomination_forwarded": _l("Nomination forwarded"),
}
EMAIL_MODE = {
    "instant": _l("At once"),
    "digest": _l("In the daily digest"),
    "off": _l("No e-mail"),
}
DELIVERY_STATUS = {
    "pending": _l("Waiting to be sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed"),
}


def for_notifications() -> dict[str, object]:
    """The inbox's and the webhooks' labels as template functions."""
    return {
        "notification_kind": lambda code: label(NOTIFICATION_KIND, code),
        "email_mode": lambda code: label(EMAIL_MODE, code),
        "delivery_status": lambda code: label(DELIVERY_STATUS, code),
        "holiday_kind": lambda code: label(HOLIDAY_KIND, code),
    }


# The public event types a webhook may name (notify's feed; a new one notify adds is refused
# by name until it is listed here too, and shown by its code meanwhile).
EVENT_TYPE = {
    "identity.announcement.published": _l("An announcement published"),
    "identity.org.created": _l("A unit created"),
    "identity.org.updated": _l("A unit changed"),
    "identity.org.merged": _l("Units merged"),
    "identity.region.membership_changed": _l("A region's members changed"),
    "criteria.table.published": _l("A criteria table published"),
    "criteria.movement.launched": _l("A movement launched"),
    "criteria.covenant.signed": _l("A covenant signed"),
    "scoring.sheet.submitted": _l("A sheet submitted"),
    "scoring.sheet.returned": _l("A sheet returned"),
    "scoring.sheet.finalised": _l("A sheet appraised"),
    "scoring.round.phase_changed": _l("A round's phase changed"),
    "scoring.ranking.published": _l("A ranking published"),
    "awards.nomination.submitted": _l("A nomination file submitted"),
    "awards.nomination.returned": _l("A nomination file returned"),
    "awards.nomination.received": _l("A nomination file received"),
    "awards.nomination.forwarded": _l("A nomination file forwarded"),
    "awards.award.granted": _l("An award granted"),
    "awards.award.revoked": _l("An award revoked"),
}
HOLIDAY_KIND = {
    "holiday": _l("Public holiday"),
    "substitute": _l("Day off in lieu"),
    "makeup": _l("Weekend day worked"),
}
BALLOT_CHOICE = {
    "dong-y": _l("In favour"),
    "khong-dong-y": _l("Against"),
    "abstain": _l("Abstain"),
}
SESSION_STATE = {
    "scheduled": _l("Scheduled"),
    "open": _l("In session"),
    "closed": _l("Closed"),
}
COUNCIL_FUNCTION = {
    "chu-tich": _l("Chair"),
    "pho-chu-tich": _l("Vice-chair"),
    "uy-vien": _l("Member"),
    "thu-ky": _l("Secretary"),
}


def for_councils() -> dict[str, object]:
    """The council pages' labels as template functions."""
    return {
        "ballot_choice": lambda code: label(BALLOT_CHOICE, code),
        "session_state": lambda code: label(SESSION_STATE, code),
        "council_function": lambda code: label(COUNCIL_FUNCTION, code),
    }


DECISION_STATE = {"draft": _l("Draft"), "issued": _l("Issued")}
CERTIFICATE_KIND = {
    "bang-khen": _l("Certificate of merit (Bằng khen)"),
    "giay-khen": _l("Certificate of commendation (Giấy khen)"),
    "ky-niem-chuong": _l("Commemorative medal (Kỷ niệm chương)"),
}
RECOVERY_STATUS = {
    "pending": _l("Bonus to be recovered"),
    "recovered": _l("Bonus recovered"),
    "waived": _l("Recovery waived"),
}
REVIEW_STATUS = {"open": _l("To review"), "closed": _l("Reviewed")}
VERIFICATION_STATUS = {"valid": _l("Valid"), "revoked": _l("Award revoked")}


def for_decisions() -> dict[str, object]:
    """The decision, revocation and report pages' labels as template functions."""
    return {
        "decision_state": lambda code: label(DECISION_STATE, code),
        "certificate_kind": lambda code: label(CERTIFICATE_KIND, code),
        "recovery_status": lambda code: label(RECOVERY_STATUS, code),
        "review_status": lambda code: label(REVIEW_STATUS, code),
    }
