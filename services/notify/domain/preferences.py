"""Each person's say over e-mail, per kind of notification: at once, in the daily digest, or
not at all. The inbox always gets the notification (it is the record); only e-mail follows
the preference. A kind never set is e-mailed at once, so nobody misses a deadline by not
having visited the settings page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import Invalid, NotFound
from services.notify.models import Person, Preference

INSTANT, DIGEST, OFF = "instant", "digest", "off"
MODES = (INSTANT, DIGEST, OFF)
DEFAULT = INSTANT
NO_ADDRESS = "none"  # the person has no e-mail address: nothing to send


def _kinds() -> dict[str, tuple[str, str]]:
    from services.notify.domain.rules import KINDS  # rules imports this module

    return KINDS


def email_mode(session: Session, person: Person, kind: str) -> str:
    """How this notification reaches the person by e-mail: instant, digest, off or none."""
    if not person.email:
        return NO_ADDRESS
    chosen = session.get(Preference, (person.user_id, kind))
    return chosen.email if chosen is not None else DEFAULT


def of(session: Session, user_id: str) -> list[dict[str, Any]]:
    """Every kind with the person's choice (the default where none was made)."""
    chosen = {
        p.kind: p
        for p in session.execute(select(Preference).where(Preference.user_id == user_id)).scalars()
    }
    return [
        {
            "kind": kind,
            "name": name,
            "email": chosen[kind].email if kind in chosen else DEFAULT,
            "default": kind not in chosen,
        }
        for kind, name in _kinds().items()
    ]


def choose(session: Session, user_id: str, kind: str, email: str) -> dict[str, Any]:
    """Set how one kind is e-mailed; the kind's preference as it is then."""
    if kind not in _kinds():
        raise NotFound(("loại thông báo", "kind of notification"), kind)
    if email not in MODES:
        raise Invalid(
            {
                "email": [
                    (
                        f"Chọn một trong: {', '.join(MODES)}.",
                        f"Choose one of: {', '.join(MODES)}.",
                    )
                ]
            }
        )
    preference = session.get(Preference, (user_id, kind))
    if preference is None:
        preference = Preference(user_id=user_id, kind=kind)
        session.add(preference)
    preference.email = email
    preference.updated_at = utcnow()
    session.flush()
    return next(p for p in of(session, user_id) if p["kind"] == kind)
