"""Scoring rounds, the Ministry's work on them, and the sheets of a round.

- ``/rounds``: every round the user may see; ministry officers also open a new one there, for
  a published criteria table, with its three deadlines (typed in Vietnam's time).
- ``/rounds/<id>``: a round's phase and deadlines, how many sheets stand where, and (ministry)
  the move to the next phase, the move to an amended version of its table (with a reason),
  and, once closed, the publication of the results.
- ``/rounds/<id>/sheets`` (and ``/sheets``: the current round's): the sheets the user may see,
  with their status and totals: the region's for a region lead, all of them for the Ministry.

The phases go one way (draft → self-assessment → region review → appraisal → closed →
published). A round does not say which move it allows now (a sheet does: ``allowed``), so
the page offers the next phase of that order; when the platform refuses a move (409) the page
shows its explanation and offers exactly the moves its ``allowed`` names. Publication is its
own call (``POST /scoring/rounds/<id>/results``): the move out of ``closed``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web import data, labels
from web.api import ApiError, Invalid, client
from web.formatting import VIETNAM
from web.session import User
from web.views import require_user

blueprint = Blueprint("rounds", __name__)
blueprint.context_processor(labels.for_templates)

PHASES = tuple(labels.PHASE)  # the platform's order: draft … published
PUBLISHED = "published"
DEADLINES = ("self_assessment_due", "review_due", "appraisal_due")
# What the button of each move says (the move *to* that phase).
MOVE = {
    "self_assessment": _l("Open the self-assessment"),
    "region_review": _l("Close the self-assessment and start the region review"),
    "appraisal": _l("Start the Ministry's appraisal"),
    "closed": _l("Close the round"),
    PUBLISHED: _l("Publish the results"),
}
STATUS_ORDER = tuple(labels.SHEET_STATUS)


def manages(user: User) -> bool:
    """Whether to show the Ministry's forms (the platform checks ``round.manage`` again)."""
    return user.has_role("ministry_officer")


def next_moves(phase: str) -> list[str]:
    """The move the phase order gives (the platform may say otherwise: see ``_refused``)."""
    if phase not in PHASES or phase == PUBLISHED:
        return []
    return [PHASES[PHASES.index(phase) + 1]]


def results_url(round_id: str) -> str:
    """The round's results page (views/results.py: the rankings and the statistics)."""
    return url_for("results.results", round_id=round_id)


def _problem_text(messages: Any) -> str:
    if isinstance(messages, list | tuple):
        return " ".join(str(m) for m in messages)
    if isinstance(messages, Mapping):
        return " ".join(_problem_text(m) for m in messages.values())
    return str(messages)


def api_errors(invalid: Invalid, fields: Mapping[str, str]) -> dict[str, str]:
    """A 422's ``errors`` → the form's fields (``fields``: the API's name → the form's);
    what names no field of the form goes under ``""``."""
    errors: dict[str, str] = {}
    for name, messages in invalid.errors.items():
        key = fields.get(name, "")
        errors[key] = " ".join(filter(None, [errors.get(key), _problem_text(messages)]))
    if not errors:
        errors[""] = invalid.detail or _("These values cannot be saved.")
    return errors


def _names_of(unit_ids: list[str], year: int, at_most: int = 10) -> str:
    """The units' names, the first ``at_most`` of them and how many more."""
    names = data.unit_names(data.year_end(year))
    listed = ", ".join(names.get(u, u) for u in unit_ids[:at_most])
    if len(unit_ids) > at_most:
        listed += " " + _("and %(count)s more", count=len(unit_ids) - at_most)
    return listed


# -- reading ---------------------------------------------------------------------------------


def published_tables() -> list[dict[str, Any]]:
    """The published criteria tables, newest year first (a round pins one of them)."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        reply = (
            client()
            .get(
                "/criteria/tables",
                params={"status": "published", "page": page, "page_size": 200},
            )
            .data
        )
        items.extend(reply["items"])
        if page * reply["page_size"] >= reply["total"]:
            return items
        page += 1


def current_round(rounds: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The round people work on now: the newest open one, else the newest of all."""
    open_ = [r for r in rounds if r["phase"] in data.OPEN_PHASES]
    return (open_ or rounds or [None])[0]


def _round_page(round_id: str, **extra: Any) -> dict[str, Any]:
    user = require_user()
    round_ = client().get(f"/scoring/rounds/{round_id}").data
    sheets = data.sheets_of_round(round_id)
    counts = Counter(s["status"] for s in sheets)
    context: dict[str, Any] = {
        "round": round_,
        "deadline": data.deadline(round_),
        "counts": [(status, counts[status]) for status in STATUS_ORDER if counts[status]],
        "sheet_count": len(sheets),
        "manages": manages(user),
        "moves": next_moves(round_["phase"]),
        "move_labels": MOVE,
        "results_url": results_url(round_id),
        "errors": {},
        "form": {},
        "refusal": None,
    }
    if context["manages"]:
        context["table"] = data.table(round_["table_id"])
        context["other_versions"] = [
            t
            for t in published_tables()
            if (t["year"], t["unit_kind"]) == (round_["year"], round_["unit_kind"])
            and t["id"] != round_["table_id"]
        ]
    context.update(extra)
    return context


# -- the list, and a new round ---------------------------------------------------------------


def _list_page(**extra: Any) -> dict[str, Any]:
    user = require_user()
    context: dict[str, Any] = {
        "rounds": data.rounds(),
        "deadline_of": data.deadline,
        "manages": manages(user),
        "errors": {},
        "form": {},
    }
    if context["manages"]:
        context["tables"] = published_tables()
    context.update(extra)
    return context


@blueprint.get("/rounds")
def rounds() -> str:
    return render_template("rounds/list.html", **_list_page())


def parse_deadline(text: str) -> str | None:
    """``2026-12-15T17:00`` (a datetime-local field, Vietnam's time) → ISO 8601 with +07:00."""
    text = text.strip()
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=VIETNAM).isoformat()
        except ValueError:
            continue
    return None


ROUND_FIELDS = {
    "table_id": "table_id",
    "year": "table_id",
    "unit_kind": "table_id",
    "name": "name",
    "deadlines": "deadlines",
    **{d: d for d in DEADLINES},
}


@blueprint.post("/rounds")
def create_round() -> Response | tuple[str, int]:
    require_user()
    form = request.form
    tables = {t["id"]: t for t in published_tables()}
    table = tables.get(form.get("table_id", ""))
    errors: dict[str, str] = {}
    if table is None:
        errors["table_id"] = _("Choose a published criteria table.")
    name = (form.get("name") or "").strip()
    if not name:
        errors["name"] = _("Give the round a name.")
    due: dict[str, str] = {}
    for field in DEADLINES:
        parsed = parse_deadline(form.get(field, ""))
        if parsed is None:
            errors[field] = _("Enter a date and a time.")
        else:
            due[field] = parsed
    if not errors:
        assert table is not None
        body = {
            "year": table["year"],
            "unit_kind": table["unit_kind"],
            "table_id": table["id"],
            "name": name,
            **due,
        }
        try:
            created = client().post("/scoring/rounds", json=body).data
        except Invalid as invalid:
            errors = api_errors(invalid, ROUND_FIELDS)
        else:
            flash(
                _(
                    "The round “%(name)s” has been created with a sheet for each unit. It is "
                    "being prepared: open the self-assessment when the units may start.",
                    name=created["name"],
                ),
                "success",
            )
            return redirect(url_for("rounds.round_page", round_id=created["id"]))
    page = render_template("rounds/list.html", **_list_page(errors=errors, form=form))
    return page, 422


# -- one round -------------------------------------------------------------------------------


@blueprint.get("/rounds/<round_id>")
def round_page(round_id: str) -> str:
    return render_template("rounds/round.html", **_round_page(round_id))


def _refused(
    round_id: str, error: ApiError, publishing: bool = False, **extra: Any
) -> tuple[str, int]:
    """The round page again after a 409: the platform's reason, and the moves it allows
    (``publishing``: the 409 of the publication, whose ``allowed`` names the phase it needs)."""
    body = error.body
    context = _round_page(round_id, **extra)
    phase = body.get("phase") or context["round"]["phase"]
    allowed = [m for m in body.get("allowed", []) if m in MOVE]
    if publishing and body.get("not_ready"):
        missing = list(body["not_ready"])
        text = _(
            "The results cannot be published yet: %(count)s sheets are not appraised and "
            "computed: %(units)s.",
            count=len(missing),
            units=_names_of(missing, context["round"]["year"]),
        )
        allowed = [PUBLISHED]
    elif publishing:
        text = _(
            "The results are published from the phase “%(closed)s” only; the round is in the "
            "phase “%(phase)s”.",
            closed=labels.label(labels.PHASE, "closed"),
            phase=labels.label(labels.PHASE, phase),
        )
        allowed = next_moves(phase)
    else:
        text = _(
            "This is not possible now: the round is in the phase “%(phase)s”.",
            phase=labels.label(labels.PHASE, phase),
        )
        if allowed:
            text += " " + _(
                "What it allows now: %(moves)s.",
                moves=", ".join(f"“{labels.label(labels.PHASE, m)}”" for m in allowed),
            )
        else:
            text += " " + _("No move is possible from it.")
    context.update(moves=allowed, refusal=text)
    return render_template("rounds/round.html", **context), 409


@blueprint.post("/rounds/<round_id>/phase")
def change_phase(round_id: str) -> Response | tuple[str, int]:
    require_user()
    target = request.form.get("to", "")
    reason = (request.form.get("reason") or "").strip() or None
    try:
        moved = (
            client()
            .post(f"/scoring/rounds/{round_id}/phase", json={"to": target, "reason": reason})
            .data
        )
    except ApiError as error:
        if error.status != 409:
            raise
        return _refused(round_id, error)
    flash(
        _(
            "The round is now in the phase “%(phase)s”.",
            phase=labels.label(labels.PHASE, moved["phase"]),
        ),
        "success",
    )
    return redirect(url_for("rounds.round_page", round_id=round_id))


TABLE_FIELDS = {"table_id": "table_id", "reason": "table_reason"}


@blueprint.post("/rounds/<round_id>/table")
def move_to_table(round_id: str) -> Response | tuple[str, int]:
    require_user()
    form = request.form
    table_id = form.get("table_id", "")
    reason = (form.get("reason") or "").strip()
    errors: dict[str, str] = {}
    if not table_id:
        errors["table_id"] = _("Choose the amended version.")
    if not reason:
        errors["table_reason"] = _("Give the reason for the move.")
    if not errors:
        try:
            client().post(
                f"/scoring/rounds/{round_id}/table",
                json={"table_id": table_id, "reason": reason},
            )
        except Invalid as invalid:
            errors = api_errors(invalid, TABLE_FIELDS)
            if "table_reason" in errors and not 3 <= len(reason) <= 1000:
                errors["table_reason"] = _("Write the reason in 3 to 1,000 characters.")
        except ApiError as error:
            if error.status != 409:
                raise
            return _refused(round_id, error, form=form)
        else:
            flash(
                _(
                    "The round now uses the amended table; every sheet follows it and is "
                    "computed again."
                ),
                "success",
            )
            return redirect(url_for("rounds.round_page", round_id=round_id))
    page = render_template("rounds/round.html", **_round_page(round_id, errors=errors, form=form))
    return page, 422


@blueprint.post("/rounds/<round_id>/results")
def publish(round_id: str) -> Response | tuple[str, int]:
    require_user()
    try:
        client().post(f"/scoring/rounds/{round_id}/results")
    except ApiError as error:
        if error.status != 409:
            raise
        return _refused(round_id, error, publishing=True)
    flash(
        _("The results are published: every user can now see the rankings."),
        "success",
    )
    return redirect(url_for("rounds.round_page", round_id=round_id))


# -- the sheets of a round -------------------------------------------------------------------


@blueprint.get("/sheets")
def current_sheets() -> Response | str:
    """The sheets of the round people work on now (the menu's "Sheets")."""
    require_user()
    round_ = current_round(data.rounds())
    if round_ is None:
        return render_template("rounds/sheets.html", round=None, sheets=[], filters={})
    return redirect(url_for("rounds.sheets", round_id=round_["id"]))


@blueprint.get("/rounds/<round_id>/sheets")
def sheets(round_id: str) -> str:
    user = require_user()
    round_ = client().get(f"/scoring/rounds/{round_id}").data
    names = data.unit_names(data.year_end(round_["year"]))
    regions = data.region_names(round_["year"])
    status = request.args.get("status", "")
    items = [
        {
            **s,
            "unit_name": names.get(s["unit_id"], s["unit_id"]),
            "region_name": regions.get(s.get("region_id") or "", ""),
        }
        for s in data.sheets_of_round(round_id)
    ]
    counts = Counter(s["status"] for s in items)
    shown = [s for s in items if not status or s["status"] == status]
    led = user.scope_ids("region_lead", "region")
    return render_template(
        "rounds/sheets.html",
        round=round_,
        deadline_of=data.deadline,
        sheets=data.sort_by_unit(shown),
        total_count=len(items),
        counts=[(code, counts[code]) for code in STATUS_ORDER if counts[code]],
        status=status,
        regions_led=[regions.get(r, r) for r in sorted(led) if r in regions],
        national=user.national,
        manages=manages(user),
    )
