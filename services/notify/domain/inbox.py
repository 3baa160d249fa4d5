"""Each person's inbox: their own notifications and the announcements everyone sees.

Two sources, one list. A notification (rules.py, reminders.py) belongs to one user and is
read or not; an announcement (``inbox_items``, from identity) belongs to everyone, and each
person's read mark on it is a row of ``announcement_reads``. Items are named by source and
number (``n12``, ``a7``) so the two never collide; another user's notification is simply not
found. Newest first; filtered by kind (``announcement`` is the announcements' kind) and by
read state.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, func, insert, literal, null, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kit.db import utcnow
from kit.errors import NotFound
from services.notify.models import AnnouncementRead, InboxItem, Notification

ANNOUNCEMENT = "announcement"
ITEM = ("thông báo", "inbox item")


def file(
    session: Session,
    *,
    user_id: str,
    key: str,
    kind: str,
    event_type: str | None,
    title: str,
    body: str,
    link: str,
    email_mode: str,
) -> Notification | None:
    """Add the notification unless this person has one for ``key`` already (a replayed event,
    a reminder made twice); the new row, or None."""
    exists = select(Notification.id).where(Notification.user_id == user_id, Notification.key == key)
    if session.execute(exists).first() is not None:
        return None
    notification = Notification(
        user_id=user_id,
        key=key,
        kind=kind,
        event_type=event_type,
        title=title,
        body=body,
        link=link,
        created_at=utcnow(),
        email_mode=email_mode,
    )
    try:
        with session.begin_nested():
            session.add(notification)
            session.flush()
    except IntegrityError:
        return None  # a concurrent consumer filed it a moment ago
    return notification


def _sources(user_id: str, kinds: list[str] | None, read: bool | None) -> Any:
    personal = select(
        literal("n", String).label("source"),
        Notification.id.label("number"),
        Notification.kind.label("kind"),
        Notification.event_type.label("event_type"),
        Notification.key.label("key"),
        Notification.title.label("title"),
        Notification.body.label("body"),
        Notification.link.label("link"),
        Notification.created_at.label("created_at"),
        Notification.read_at.label("read_at"),
    ).where(Notification.user_id == user_id)
    everyone = select(
        literal("a", String).label("source"),
        InboxItem.id.label("number"),
        literal(ANNOUNCEMENT, String).label("kind"),
        InboxItem.event_type.label("event_type"),
        InboxItem.event_id.label("key"),
        InboxItem.title.label("title"),
        InboxItem.body.label("body"),
        null().label("link"),
        InboxItem.created_at.label("created_at"),
        AnnouncementRead.read_at.label("read_at"),
    ).outerjoin(
        AnnouncementRead,
        and_(AnnouncementRead.item_id == InboxItem.id, AnnouncementRead.user_id == user_id),
    )
    if kinds is not None:
        personal = personal.where(Notification.kind.in_(kinds))
        if ANNOUNCEMENT not in kinds:
            everyone = everyone.where(literal(False))
    if read is not None:
        personal = personal.where(
            Notification.read_at.is_not(None) if read else Notification.read_at.is_(None)
        )
        everyone = everyone.where(
            AnnouncementRead.read_at.is_not(None) if read else AnnouncementRead.read_at.is_(None)
        )
    return union_all(personal, everyone).subquery("items")


def _item(row: Any) -> dict[str, Any]:
    announcement = row.source == "a"
    return {
        "id": f"{row.source}{row.number}",
        "kind": row.kind,
        "event_type": row.event_type,
        "event_id": row.key if row.event_type else None,
        "title": row.title,
        "body": row.body,
        "link": f"/inbox?item=a{row.number}" if announcement else row.link,
        "created_at": row.created_at,
        "read": row.read_at is not None,
        "read_at": row.read_at,
    }


def page(
    session: Session,
    user_id: str,
    *,
    page: int,
    page_size: int,
    kinds: list[str] | None = None,
    read: bool | None = None,
) -> dict[str, Any]:
    """One page of the person's inbox, newest first, with the total and the unread count."""
    items = _sources(user_id, kinds, read)
    total = session.execute(select(func.count()).select_from(items)).scalar_one()
    rows = session.execute(
        select(items)
        .order_by(items.c.created_at.desc(), items.c.source.desc(), items.c.number.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return {
        "items": [_item(row) for row in rows],
        "page": page,
        "page_size": page_size,
        "total": total,
        "unread": unread_count(session, user_id),
    }


def unread_count(session: Session, user_id: str) -> int:
    items = _sources(user_id, None, False)
    return int(session.execute(select(func.count()).select_from(items)).scalar_one())


def _parse(item_id: str) -> tuple[str, int]:
    source, number = item_id[:1], item_id[1:]
    if source not in ("n", "a") or not number.isdigit() or len(number) > 18:
        raise NotFound(ITEM, item_id)
    return source, int(number)


def get(session: Session, user_id: str, item_id: str) -> dict[str, Any]:
    """One item of the person's inbox; another person's notification is not found."""
    source, number = _parse(item_id)
    items = _sources(user_id, None, None)
    row = session.execute(
        select(items).where(items.c.source == source, items.c.number == number)
    ).first()
    if row is None:
        raise NotFound(ITEM, item_id)
    return _item(row)


def mark(session: Session, user_id: str, item_id: str, read: bool) -> dict[str, Any]:
    """Mark one item read or unread; the item as it is then."""
    source, number = _parse(item_id)
    get(session, user_id, item_id)
    now = utcnow()
    if source == "n":
        session.execute(
            update(Notification)
            .where(Notification.id == number, Notification.user_id == user_id)
            .values(read_at=now if read else None)
        )
    else:
        mark_ = session.get(AnnouncementRead, (user_id, number))
        if read and mark_ is None:
            session.add(AnnouncementRead(user_id=user_id, item_id=number, read_at=now))
        elif not read and mark_ is not None:
            session.delete(mark_)
    session.flush()
    return get(session, user_id, item_id)


def mark_all(session: Session, user_id: str, kinds: list[str] | None = None) -> int:
    """Mark everything unread (of these kinds) read; how many items changed."""
    now = utcnow()
    personal = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if kinds is not None:
        personal = personal.where(Notification.kind.in_(kinds))
    changed = max(session.execute(personal.values(read_at=now)).rowcount or 0, 0)
    if kinds is None or ANNOUNCEMENT in kinds:
        unread = select(
            literal(user_id, String), InboxItem.id, literal(now, InboxItem.created_at.type)
        ).where(
            ~select(AnnouncementRead.item_id)
            .where(AnnouncementRead.user_id == user_id, AnnouncementRead.item_id == InboxItem.id)
            .exists()
        )
        # Counted first: an INSERT ... SELECT's rowcount is not reliable on every driver.
        changed += session.execute(select(func.count()).select_from(unread.subquery())).scalar_one()
        session.execute(
            insert(AnnouncementRead).from_select(["user_id", "item_id", "read_at"], unread)
        )
    return changed
