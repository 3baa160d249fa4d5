"""What the people tests share: the events identity, scoring and awards send notify (built as
those services build them), a notify app with its consumer, and a real SMTP server.

The SMTP server is aiosmtpd in the test process, on a free port: it keeps every message it
accepted (parsed), and can answer the next N messages with a temporary (451) or permanent
(550) refusal.
"""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from flask import Flask

from conftest import service_app
from contracts.awards import NominationReturned
from contracts.identity import (
    OrgUnitCreated,
    RegionMembershipChanged,
    RoleGrant,
    UserCreated,
    UserRolesChanged,
)
from kit.app import runtime
from kit.auth import Grant
from kit.events import CloudEvent
from kit.events.consumer import Consumer
from services.notify.service import SERVICE
from tests.support.processes import free_port
from tests.support.stack import Stack
from tests.support.tokens import bearer, mint

YEAR = 2026
REGION = f"{YEAR}-dong-bang-bac-bo"
SINCE = date(2020, 1, 1)


def event(type_: str, source: str, subject: str, data: dict[str, Any], **extra: Any) -> CloudEvent:
    return CloudEvent(
        type=type_,
        source=f"/thidua/{source}",
        subject=subject,
        data={"schema_version": 1, **data},
        **extra,
    )


@dataclass
class User:
    user_id: str
    unit_id: str
    username: str
    email: str | None
    grants: tuple[RoleGrant, ...]

    def headers(self) -> dict[str, str]:
        """A token of this user, with the roles identity told notify about."""
        grants = tuple(
            Grant(role=g.role, scope=g.scope, scope_id=g.scope_id, valid_from=g.valid_from)
            for g in self.grants
        )
        return bearer(mint(self.user_id, unit=self.unit_id, grants=grants))


def grant(role: str, scope: str = "national", scope_id: str | None = None) -> RoleGrant:
    return RoleGrant(role=role, scope=scope, scope_id=scope_id, valid_from=SINCE)


@dataclass
class Notify:
    """Notify's app and its consumer on the stack, and the events fed to it."""

    stack: Stack
    app: Flask = field(init=False)
    consumer: Consumer = field(init=False)

    def __post_init__(self) -> None:
        self.app = service_app(self.stack, SERVICE)
        self.client = self.app.test_client()
        with self.app.app_context():
            self.consumer = Consumer(
                self.stack.settings("notify"), runtime().db, SERVICE.subscriptions
            )

    def apply(self, *events: CloudEvent) -> None:
        for news in events:
            self.consumer.apply(news)

    def db(self) -> Any:
        with self.app.app_context():
            return runtime().db

    # -- identity --------------------------------------------------------------------------

    def unit(self, unit_id: str, name: str, kind: str = "so-tu-phap") -> None:
        created = OrgUnitCreated(unit_id=unit_id, code=unit_id.upper(), kind=kind, name=name)
        self.apply(event(created.TYPE, "identity", created.subject, created.to_data()))

    def region(self, members: tuple[str, ...], lead: str) -> None:
        region = RegionMembershipChanged(
            region_id=REGION,
            year=YEAR,
            code="dong-bang-bac-bo",
            name="Cụm thi đua Đồng bằng Bắc Bộ",
            lead_unit_id=lead,
            deputy_unit_ids=(),
            member_ids=members,
            added=members,
        )
        self.apply(event(region.TYPE, "identity", region.subject, region.to_data()))

    def user(
        self,
        username: str,
        unit_id: str,
        *grants: RoleGrant,
        email: str | None = "",
    ) -> User:
        """A user identity created and gave these roles (its e-mail: <username>@<unit>.vn)."""
        address = f"{username}@{unit_id}.gov.vn" if email == "" else email
        user = User(str(uuid.uuid4()), unit_id, username, address, tuple(grants))
        created = UserCreated(
            user_id=user.user_id, unit_id=unit_id, username=username, email=address
        )
        self.apply(event(created.TYPE, "identity", created.subject, created.to_data()))
        if grants:
            changed = UserRolesChanged(
                user_id=user.user_id,
                unit_id=unit_id,
                username=username,
                roles=tuple(grants),
                email=address,
            )
            self.apply(event(changed.TYPE, "identity", changed.subject, changed.to_data()))
        return user

    # -- reading ---------------------------------------------------------------------------

    def inbox(self, user: User, query: str = "") -> dict[str, Any]:
        response = self.client.get(f"/inbox{query}", headers=user.headers())
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def titles(self, user: User) -> list[str]:
        return [item["title"] for item in self.inbox(user)["items"]]


def organisation(notify: Notify) -> dict[str, User]:
    """Two provinces of one region, each with an officer and a clerk, the region's lead,
    a council member and a ministry officer."""
    notify.unit("stp-01", "Sở Tư pháp thành phố Hà Nội")
    notify.unit("stp-31", "Sở Tư pháp thành phố Hải Phòng")
    notify.unit("stp-79", "Sở Tư pháp Thành phố Hồ Chí Minh")
    notify.region(("stp-01", "stp-31"), lead="stp-31")
    return {
        "hanoi_officer": notify.user(
            "hn.officer", "stp-01", grant("unit_officer", "unit", "stp-01")
        ),
        "hanoi_clerk": notify.user("hn.clerk", "stp-01"),
        "haiphong_officer": notify.user(
            "hp.officer", "stp-31", grant("unit_officer", "unit", "stp-31")
        ),
        "lead": notify.user("hp.lead", "stp-31", grant("region_lead", "region", REGION)),
        "hcm_officer": notify.user(
            "hcm.officer", "stp-79", grant("unit_officer", "unit", "stp-79")
        ),
        "council": notify.user("council.1", "vu-tdkt", grant("council_member")),
        "ministry": notify.user("vu.officer", "vu-tdkt", grant("ministry_officer")),
    }


# -- other services' events ------------------------------------------------------------------


ROUND = "3f1c2b9e-6a4d-4f0e-9b1a-2c3d4e5f6a7b"


def phase_changed(
    to: str, deadlines: dict[str, datetime] | None, previous: str = "draft"
) -> CloudEvent:
    data: dict[str, Any] = {
        "round_id": ROUND,
        "year": YEAR,
        "unit_kind": "so-tu-phap",
        "from": previous,
        "to": to,
        "actor": "ministry_officer-all",
        "reason": None,
    }
    if deadlines is not None:
        data["deadlines"] = {phase: due.isoformat() for phase, due in deadlines.items()}
    return event("scoring.round.phase_changed", "scoring", f"round/{ROUND}", data)


def sheet_returned(sheet_id: str, unit_id: str, reason: str) -> CloudEvent:
    return event(
        "scoring.sheet.returned",
        "scoring",
        f"sheet/{sheet_id}",
        {
            "sheet_id": sheet_id,
            "round_id": ROUND,
            "unit_id": unit_id,
            "region_id": REGION,
            "reason": reason,
        },
    )


def sheet_submitted(sheet_id: str, unit_id: str, status: str = "submitted") -> CloudEvent:
    return event(
        "scoring.sheet.submitted",
        "scoring",
        f"sheet/{sheet_id}",
        {
            "sheet_id": sheet_id,
            "round_id": ROUND,
            "unit_id": unit_id,
            "revision": 2,
            "status": status,
        },
    )


def nomination_returned(unit_id: str, reason: str = "Thiếu báo cáo thành tích.") -> CloudEvent:
    moved = NominationReturned(
        nomination_id=str(uuid.uuid4()),
        unit_id=unit_id,
        kind="cong-trang",
        award="TTLDTT",
        award_name="Tập thể lao động tiên tiến",
        year=2025,
        actor="ministry_officer-all",
        at=datetime(2026, 1, 12, 8, 0, tzinfo=UTC),
        reason=reason,
    )
    return event(moved.TYPE, "awards", moved.subject, moved.to_data())


def deadlines_from(now: datetime, self_assessment_in: timedelta) -> dict[str, datetime]:
    first = now + self_assessment_in
    return {
        "self_assessment": first,
        "region_review": first + timedelta(days=20),
        "appraisal": first + timedelta(days=40),
    }


# -- a real SMTP server ----------------------------------------------------------------------


class Inbox:
    """aiosmtpd's handler: what it accepted, and the refusals it still has to give."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Inbox()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def env(self) -> dict[str, str]:
        return {"NOTIFY_SMTP_HOST": "127.0.0.1", "NOTIFY_SMTP_PORT": str(self.port)}


def text_of(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts of a received message."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()
