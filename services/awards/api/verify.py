"""The public verification page of a certificate (``/verify/<serial>``, no sign-in): what a
certificate's QR code opens. It confirms the award (who, of which unit, which award, which
decision) or says it was revoked and since when; an unknown serial is 404. Nothing private is
shown: no staff code, no bonus, no reason of a revocation, nothing of the nomination.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_smorest import Blueprint

from kit.app import database, public
from kit.errors import NotFound
from services.awards.domain import decisions
from services.awards.models import Revocation
from services.awards.schemas_decisions import VerificationSchema

blueprint = Blueprint(
    "verify", __name__, description="The public verification of a certificate (no sign-in)"
)

UNKNOWN = ("chứng nhận", "certificate")


@blueprint.route("/verify/<serial>", methods=["GET"])
@public
@blueprint.response(200, VerificationSchema)
def verify(serial: str) -> Response:
    """Whether the certificate ``serial`` stands: ``status`` valid or revoked."""
    with database().read() as session:
        try:
            recipient = decisions.by_serial(session, serial)
        except NotFound:
            raise NotFound(UNKNOWN, detail=_unknown(serial)) from None
        decision = decisions.load(session, recipient.decision_id)
        revocation = (
            session.get(Revocation, recipient.revocation_id) if recipient.revocation_id else None
        )
        body: dict[str, Any] = {
            "serial": recipient.serial,
            "status": "revoked" if revocation else "valid",
            "valid": revocation is None,
            "recipient_name": recipient.subject_name,
            "recipient_kind": recipient.subject_kind,
            "unit_name": recipient.unit_name,
            "award_name": recipient.award_name,
            "year": recipient.year,
            "decision_number": decision.number,
            "decision_date": decision.decided_on,
            "issuer_name": decision.issuer_name,
            "revoked_on": revocation.revoked_on if revocation else None,
        }
        when = f"{decision.decided_on:%d/%m/%Y}"
        if revocation is None:
            body["message"] = {
                "vi": f"{recipient.subject_name} được tặng {recipient.award_name} năm "
                f"{recipient.year} theo Quyết định số {decision.number} ngày {when}.",
                "en": f"{recipient.subject_name} was granted {recipient.award_name} for "
                f"{recipient.year} by decision {decision.number} of {when}.",
            }
        else:
            gone = f"{revocation.revoked_on:%d/%m/%Y}"
            body["message"] = {
                "vi": f"Khen thưởng {recipient.award_name} của {recipient.subject_name} theo "
                f"Quyết định số {decision.number} đã bị hủy bỏ từ ngày {gone}.",
                "en": f"The award {recipient.award_name} of {recipient.subject_name} by "
                f"decision {decision.number} was revoked on {revocation.revoked_on.isoformat()}.",
            }
    response = jsonify(VerificationSchema().dump(body))
    response.headers["Cache-Control"] = "no-cache"
    return response


def _unknown(serial: str) -> tuple[str, str]:
    shown = serial if len(serial) <= 64 else serial[:64] + "…"
    return (
        f"Không có chứng nhận số {shown}: số hiệu không đúng hoặc không do hệ thống cấp.",
        f"No certificate {shown}: the serial is wrong or was not issued here.",
    )
