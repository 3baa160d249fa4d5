"""The signed-in user's inbox (hộp thư) and e-mail preferences: notify's ``/notify/inbox`` and
``/notify/preferences`` (services/notify/api/inbox.py, preferences.py).

Each item links to what it is about through ``/inbox/open/<id>``, which marks it read before
going there, so that reading a notification from the list is what clears it from the count in
the header. The header's count (``unread_count()``) is asked once per page render and is left
out when notify does not answer: a page never fails because of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from web import labels
from web import session as web_session
from web.api import ApiError, NotFound, client
from web.views import require_user

blueprint = Blueprint("inbox", __name__)
blueprint.context_processor(labels.for_notifications)

PAGE_SIZE = 20
KINDS = tuple(labels.NOTIFICATION_KIND)
READ_FILTERS = {"unread": "false", "read": "true"}
MODES = tuple(labels.EMAIL_MODE)


def unread_count() -> int | None:
    """The header's count: notify's unread items of the signed-in user, asked at most once
    per request; ``None`` when nobody is signed in or notify does not answer."""
    if "unread_count" in g:
        return g.unread_count
    count: int | None = None
    if web_session.user() is not None:
        try:
            count = int(client().get("/notify/inbox/unread-count").data.get("unread") or 0)
        except (ApiError, ValueError, AttributeError):
            count = None
    g.unread_count = count
    return count


def _remember(count: Any) -> None:
    """A count the page's own call already gave (the header need not ask again)."""
    if isinstance(count, int):
        g.unread_count = count


def safe_link(link: str | None) -> str | None:
    """The item's link if it is a path of this application (never another site)."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return None
    parts = urlsplit(link)
    return link if not parts.scheme and not parts.netloc else None


def _filters() -> dict[str, str]:
    filters: dict[str, str] = {}
    if request.args.get("kind") in KINDS:
        filters["kind"] = request.args["kind"]
    if request.args.get("read") in READ_FILTERS:
        filters["read"] = request.args["read"]
    return filters


def _page_number() -> int:
    text = (request.args.get("page") or "").strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 100_000 else 1


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {**item, "target": safe_link(item.get("link"))}


@blueprint.get("/inbox")
def inbox() -> str:
    require_user()
    filters = _filters()
    page = _page_number()
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    if "kind" in filters:
        params["kind"] = filters["kind"]
    if "read" in filters:
        params["read"] = READ_FILTERS[filters["read"]]
    reply = client().get("/notify/inbox", params=params).data
    _remember(reply.get("unread"))
    opened = None
    item_id = (request.args.get("item") or "").strip()
    if item_id:  # an announcement's link, or an item asked for by its number
        try:
            opened = _item(client().get(f"/notify/inbox/items/{item_id}").data)
        except NotFound:
            opened = None
        if opened and not opened.get("read"):
            marked = (
                client().call("PATCH", f"/notify/inbox/items/{item_id}", json={"read": True}).data
            )
            opened = _item(marked)
            g.pop("unread_count", None)
    total = int(reply.get("total") or 0)
    size = int(reply.get("page_size") or PAGE_SIZE)
    return render_template(
        "inbox/inbox.html",
        items=[_item(i) for i in reply.get("items") or []],
        total=total,
        unread=reply.get("unread"),
        page=page,
        pages=max(1, -(-total // size)),
        filters=filters,
        kinds=KINDS,
        opened=opened,
    )


def _back() -> Response:
    """To the list as the user had it (its filters and page, from the form)."""
    args = {k: v for k in ("kind", "read", "page") if (v := request.form.get(k))}
    return redirect(url_for("inbox.inbox", **args))


@blueprint.get("/inbox/open/<item_id>")
def open_item(item_id: str) -> Response:
    """Mark the item read and go to what it is about (the list when it links nowhere)."""
    require_user()
    item = client().get(f"/notify/inbox/items/{item_id}").data
    if not item.get("read"):
        client().call("PATCH", f"/notify/inbox/items/{item_id}", json={"read": True})
    target = safe_link(item.get("link"))
    if target is None or target.startswith("/inbox"):
        return redirect(url_for("inbox.inbox", item=item_id))
    return redirect(target)


@blueprint.post("/inbox/items/<item_id>")
def mark(item_id: str) -> Response:
    require_user()
    read = request.form.get("read") == "true"
    client().call("PATCH", f"/notify/inbox/items/{item_id}", json={"read": read})
    flash(_("Marked as read.") if read else _("Marked as unread."), "success")
    return _back()


@blueprint.post("/inbox/read-all")
def mark_all() -> Response:
    require_user()
    body: dict[str, Any] = {}
    if request.form.get("kind") in KINDS:
        body["kind"] = [request.form["kind"]]
    marked = int(client().post("/notify/inbox/read-all", json=body).data.get("marked") or 0)
    flash(
        ngettext("%(num)d item marked as read.", "%(num)d items marked as read.", marked),
        "success",
    )
    return _back()


# -- e-mail preferences ----------------------------------------------------------------------


@blueprint.get("/inbox/preferences")
def preferences() -> str:
    require_user()
    return _preferences_page(client().get("/notify/preferences").data or [])


def _preferences_page(items: list[Mapping[str, Any]], status: int = 200) -> Any:
    return render_template("inbox/preferences.html", items=items, modes=MODES), status


@blueprint.post("/inbox/preferences")
def save_preferences() -> Response:
    """Save the choices that changed (one PUT per kind: notify keeps them per kind)."""
    require_user()
    current = client().get("/notify/preferences").data or []
    changed = 0
    for item in current:
        kind = item.get("kind")
        wanted = request.form.get(f"email-{kind}")
        if kind and wanted in MODES and wanted != item.get("email"):
            client().put(f"/notify/preferences/{kind}", json={"email": wanted})
            changed += 1
    if changed:
        flash(_("Your e-mail preferences have been saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("inbox.preferences"))
