"""Languages: Vietnamese by default, English on request, every string from a catalogue.

Strings are written in English in the code and templates (``_("...")`` / ``{{ _("...") }}``)
and translated in ``web/translations/<lang>/LC_MESSAGES/messages.po``: Vietnamese for every
one of them (a test fails on a missing or fuzzy translation), English only where the wording
differs. The ``.po`` files are committed; the compiled ``.mo`` files are not: ``make install``
compiles them (``python -m web compile-translations``), and so do the Docker build and the
tests. docs/web.md has the extract-update-translate-compile steps.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from web import formatting
from web import session as web_session

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_translations(folder: Path = TRANSLATIONS) -> list[Path]:
    """Write each catalogue's ``.mo`` when it is missing or older than its ``.po``; return
    those written. Written to a temporary name and renamed, so a reader never sees half."""
    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        partial.replace(mo)
        written.append(mo)
    return written


def install(app: Flask) -> None:
    """flask-babel with the session's language, and the formatting filters for templates."""
    app.config["BABEL_DEFAULT_LOCALE"] = web_session.DEFAULT_LANGUAGE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=web_session.language)

    def number(value: object, places: int | None = None) -> str:
        return formatting.format_number(value, web_session.language(), places)

    def points(value: object) -> str:
        return formatting.format_number(value, web_session.language(), 2)

    app.jinja_env.filters.update(
        date=formatting.format_date,
        datetime=formatting.format_datetime,
        number=number,
        points=points,
    )
    app.jinja_env.globals.update(
        language=web_session.language,
        languages=web_session.LANGUAGES,
    )
