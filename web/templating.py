"""What every template can use besides Jinja's own: the user, the CSRF token, the labels of
the platform's codes, the criterion helpers of web.scoresheet, and a few filters.

The formatting filters (``date``, ``datetime``, ``number``, ``points``) come from web.i18n.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from web import labels, scoresheet
from web import session as web_session
from web.formatting import format_number


def filesize(size: Any) -> str:
    """Bytes as people read them: ``1,5 MB``, ``830 KB``."""
    if not isinstance(size, int):
        return ""
    language = web_session.language()
    if size >= 1024 * 1024:
        return f"{format_number(round(size / 1048576, 1), language)} MB"
    return f"{format_number(max(1, round(size / 1024)), language)} KB"


def change_value(value: Any) -> str:
    """A value of the sheet's history, short: numbers the local way, inputs as key: value."""
    language = web_session.language()
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_number(value, language)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        return format_number(value, language)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {change_value(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False)


def install(app: Flask) -> None:
    @app.context_processor
    def _user() -> dict[str, Any]:
        return {"current_user": web_session.user()}

    def criterion_hint(node: Any) -> str:
        return scoresheet.hint(node, web_session.language())

    def shown_value(inputs: Any, key: str) -> str:
        return scoresheet.shown_value(inputs, key, web_session.language())

    app.jinja_env.globals.update(
        csrf_token=web_session.csrf_token,
        slug=scoresheet.slug,
        evidence_accept=",".join(scoresheet.EVIDENCE_EXTENSIONS),
        evidence_max_bytes=scoresheet.EVIDENCE_MAX_BYTES,
        criterion_fields=scoresheet.fields,
        criterion_hint=criterion_hint,
        supported=scoresheet.supported,
        unit_of=scoresheet.unit_of,
        allows_na=scoresheet.allows_not_applicable,
        needs_note=scoresheet.needs_note,
        shown_value=shown_value,
        # A link that must load the page again, not just scroll (a new query each time).
        reload_stamp=lambda: str(time.time_ns() // 1_000_000),
        sheet_status=lambda code: labels.label(labels.SHEET_STATUS, code),
        phase_label=lambda code: labels.label(labels.PHASE, code),
        role_label=lambda code: labels.label(labels.ROLE, code),
        scope_label=lambda code: labels.label(labels.SCOPE, code),
        stage_label=lambda code: labels.label(labels.STAGE, code),
        field_label=lambda code: labels.label(labels.FIELD, code),
    )
    app.jinja_env.filters.update(filesize=filesize, change_value=change_value)
