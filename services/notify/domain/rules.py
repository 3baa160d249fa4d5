"""Who must hear of what: one rule per event type, as data in one table (``RULES``).

A rule reads the event into plain facts (``read``), may decline it (``when``), names the
people who must hear of it (``who``, resolved against notify's own read models in
domain/recipients.py) and says what they are told: a title, a body and a link to the thing
in the web application, each a ``str.format`` template over the facts. ``handle`` is the
consumer's handler for every type the table names; ``deliver`` files one notification per
person (inbox.py) and queues its e-mail when the person wants it at once (mail.py).

Awards part 2 will publish ``awards.council.session_scheduled`` and issue 12
``awards.award.granted``; their rules below read the payloads those issues plan (the facts
named in each rule) and are tested with such events; until those schemas exist, a field they
do not carry is left blank rather than failing the event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from contracts.awards import EVENTS as NOMINATION_EVENTS
from kit.events import CloudEvent
from services.notify.domain import inbox, mail, preferences, recipients
from services.notify.models import Person, RoundCopy

Facts = dict[str, Any]

# The kinds of notification a person may get, and their names (preferences list them).
KINDS: dict[str, tuple[str, str]] = {
    "sheet_returned": ("Bảng tự chấm bị trả lại", "A self-assessment sheet returned"),
    "sheet_submitted": ("Bảng tự chấm của cụm được nộp", "A sheet of the region submitted"),
    "deadline": ("Sắp đến hạn của đợt chấm điểm", "A scoring round's deadline is near"),
    "council_session": ("Phiên họp Hội đồng", "A council session scheduled"),
    "award_granted": ("Khen thưởng được quyết định", "An award granted"),
    "nomination_returned": ("Hồ sơ đề nghị bị trả lại", "A nomination file returned"),
    "nomination_received": ("Hồ sơ đề nghị được tiếp nhận", "A nomination file received"),
    "nomination_forwarded": ("Hồ sơ đề nghị được trình Hội đồng", "A nomination file forwarded"),
}

PHASE_NAMES = {
    "self_assessment": "tự chấm điểm",
    "region_review": "cụm thẩm định",
    "appraisal": "Bộ thẩm định",
}


@dataclass(frozen=True)
class Rule:
    kind: str
    read: Callable[[Session, CloudEvent], Facts]
    who: Callable[[Session, Facts], list[Person]]
    title: str
    body: str
    link: str
    when: Callable[[Facts], bool] = lambda facts: True


class _Blank(dict[str, Any]):
    """Facts for a template: a fact the event did not carry reads as an empty string."""

    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, facts: Mapping[str, Any]) -> str:
    return template.format_map(_Blank(facts))


# -- reading events into facts -----------------------------------------------------------------


def _sheet(session: Session, event: CloudEvent) -> Facts:
    """scoring.sheet.* (their schemas, docs/events): the sheet, its unit, round and region."""
    data = event.data
    facts: Facts = {
        "sheet_id": data["sheet_id"],
        "round_id": data["round_id"],
        "unit_id": data["unit_id"],
        "unit_name": recipients.unit_name(session, data["unit_id"]),
        "status": data.get("status"),
        "revision": data.get("revision"),
        "reason": data.get("reason") or "",
        "region_id": data.get("region_id"),
    }
    if facts["region_id"] is None:
        round_ = session.get(RoundCopy, data["round_id"])
        region = round_ and recipients.region_of(session, round_.year, data["unit_id"])
        facts["region_id"] = region.region_id if region else None
    return facts


def _nomination(session: Session, event: CloudEvent) -> Facts:
    """awards.nomination.* through contracts.awards."""
    moved = NOMINATION_EVENTS[event.type].from_data(event.data)
    return {
        "nomination_id": moved.nomination_id,
        "unit_id": moved.unit_id,
        "unit_name": recipients.unit_name(session, moved.unit_id),
        "award_name": moved.award_name,
        "year": moved.year,
        "nominees": ", ".join(n.name for n in moved.nominees),
        "reason": moved.reason or "",
    }


def _session_scheduled(session: Session, event: CloudEvent) -> Facts:
    """awards.council.session_scheduled (awards part 2): the session, when and where."""
    data = event.data
    return {
        "session_id": data["session_id"],
        "title": data.get("title") or "",
        "starts_at": data.get("starts_at") or "",
        "location": data.get("location") or "",
        "files": len(data.get("nomination_ids") or ()),
        "member_user_ids": list(data.get("member_user_ids") or ()),
    }


def _granted(session: Session, event: CloudEvent) -> Facts:
    """awards.award.granted (contracts.awards.AwardGranted): to a unit or one of its staff,
    by a decision, named "Quyết định số <number> ngày <dd/mm/yyyy>"."""
    data = event.data
    decision = data.get("decision") or ""
    if isinstance(decision, dict):
        day = decision.get("date") or ""
        when = f" ngày {day[8:10]}/{day[5:7]}/{day[:4]}" if len(day) == 10 else ""
        decision = f"Quyết định số {decision.get('number', '')}{when}"
    recipient = data.get("recipient") or {}
    # The web application has a page per person and per unit of the registry; the award is
    # on it, with its decision.
    if recipient.get("kind") == "individual" and recipient.get("id"):
        profile = f"/awards/people/{recipient['id']}"
    else:
        profile = f"/awards/units/{recipient.get('id') or data['unit_id']}"
    return {
        "award_id": data["award_id"],
        "profile": profile,
        "unit_id": data["unit_id"],
        "unit_name": recipients.unit_name(session, data["unit_id"]),
        "award_name": data.get("award_name") or data.get("award") or "",
        "recipient_name": data.get("name") or recipients.unit_name(session, data["unit_id"]),
        "decision": decision,
        "year": data.get("year") or "",
    }


# -- who -------------------------------------------------------------------------------------


def _officers(session: Session, facts: Facts) -> list[Person]:
    return recipients.unit_officers(session, facts["unit_id"])


def _the_unit(session: Session, facts: Facts) -> list[Person]:
    """A unit: its people and those who act for it."""
    return recipients.together(
        recipients.unit_people(session, [facts["unit_id"]]),
        recipients.unit_officers(session, facts["unit_id"]),
    )


def _region_lead(session: Session, facts: Facts) -> list[Person]:
    region_id = facts.get("region_id")
    return recipients.region_leads(session, [region_id]) if region_id else []


def _council(session: Session, facts: Facts) -> list[Person]:
    """The members called to the session (``member_user_ids``); every council member when
    the event names none."""
    called = set(facts.get("member_user_ids") or ())
    members = recipients.council_members(session)
    return [p for p in members if p.user_id in called] if called else members


def _nomination_rule(kind: str, title: str, body: str, who: Any) -> Rule:
    return Rule(
        kind=kind,
        read=_nomination,
        who=who,
        title=title,
        body=body,
        link="/awards/nominations/{nomination_id}",
    )


RULES: dict[str, Rule] = {
    "scoring.sheet.returned": Rule(
        kind="sheet_returned",
        read=_sheet,
        who=_officers,
        title="Bảng tự chấm điểm của {unit_name} bị trả lại",
        body="Cụm trưởng đã trả lại bảng tự chấm điểm để đơn vị sửa. Lý do: {reason}",
        link="/sheets/{sheet_id}",
    ),
    "scoring.sheet.submitted": Rule(
        kind="sheet_submitted",
        read=_sheet,
        who=_region_lead,
        # Only a submission: events of before scoring.sheet.compute_requested carry others.
        when=lambda facts: facts["status"] == "submitted",
        title="{unit_name} đã nộp bảng tự chấm điểm",
        body="Bảng tự chấm điểm của {unit_name} (lần {revision}) chờ cụm thẩm định.",
        link="/sheets/{sheet_id}",
    ),
    "awards.council.session_scheduled": Rule(
        kind="council_session",
        read=_session_scheduled,
        who=_council,
        title="Phiên họp Hội đồng Thi đua – Khen thưởng: {title}",
        body="Phiên họp bắt đầu lúc {starts_at} tại {location}, xét {files} hồ sơ.",
        link="/awards/council/sessions/{session_id}",
    ),
    "awards.award.granted": Rule(
        kind="award_granted",
        read=_granted,
        who=_the_unit,
        title="{recipient_name} được tặng {award_name}",
        body="Khen thưởng năm {year} của {unit_name} đã được quyết định ({decision}).",
        link="{profile}",
    ),
    "awards.nomination.returned": _nomination_rule(
        "nomination_returned",
        "Hồ sơ đề nghị {award_name} bị Bộ trả lại",
        "Hồ sơ đề nghị {award_name} năm {year} ({nominees}) cần bổ sung. Lý do: {reason}",
        _officers,
    ),
    "awards.nomination.received": _nomination_rule(
        "nomination_received",
        "Bộ đã tiếp nhận hồ sơ đề nghị {award_name}",
        "Hồ sơ đề nghị {award_name} năm {year} của {unit_name} ({nominees}) đã được tiếp nhận.",
        _the_unit,
    ),
    "awards.nomination.forwarded": _nomination_rule(
        "nomination_forwarded",
        "Hồ sơ đề nghị {award_name} đã được trình Hội đồng",
        "Hồ sơ đề nghị {award_name} năm {year} của {unit_name} ({nominees}) đã được trình "
        "Hội đồng Thi đua – Khen thưởng.",
        _the_unit,
    ),
}

# The deadline reminder (domain/reminders.py files it; no event causes it).
REMINDER = Rule(
    kind="deadline",
    read=lambda session, event: {},
    who=lambda session, facts: [],
    title="Còn {days} ngày đến hạn {phase_name} của đợt {year}",
    body="Hạn {phase_name} của đợt chấm điểm năm {year} ({unit_kind}) là {due_local}.",
    link="/rounds/{round_id}",
)


def handle(session: Session, event: CloudEvent) -> None:
    """The consumer's handler for every type in ``RULES``."""
    rule = RULES.get(event.type)
    if rule is None:
        return
    facts = rule.read(session, event)
    if not rule.when(facts):
        return
    deliver(session, rule, facts, rule.who(session, facts), key=event.id, event_type=event.type)


def deliver(
    session: Session,
    rule: Rule,
    facts: Facts,
    people: list[Person],
    *,
    key: str,
    event_type: str | None,
) -> int:
    """File the rule's notification for each person (once per key) and queue the e-mail of
    those who want it at once; how many were filed."""
    title, body, link = (render(t, facts) for t in (rule.title, rule.body, rule.link))
    filed = 0
    for person in people:
        mode = preferences.email_mode(session, person, rule.kind)
        notification = inbox.file(
            session,
            user_id=person.user_id,
            key=key,
            kind=rule.kind,
            event_type=event_type,
            title=title[:300],
            body=body,
            link=link[:300],
            email_mode=mode,
        )
        if notification is None:
            continue
        filed += 1
        if mode == "instant":
            mail.queue_instant(session, person, notification)
    return filed
