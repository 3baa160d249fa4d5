"""Awards' own commands, added to the kit's (``python -m services.awards --help``).

``rules load`` puts a rule pack document in (``make up`` loads the sample), ``registry load``
imports a registry document as the system; both are safe to repeat: loading what is already
there changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import delete

from kit.config import Settings
from kit.db import Database
from kit.errors import Error, localise
from kit.events import forget_handled
from services.awards.domain import calendar as holiday_calendar
from services.awards.domain import packs, registry_import
from services.awards.models import RankingResult, RegionCopy, UnitCopy

SYSTEM = "system"
READ_MODELS = (UnitCopy, RegionCopy, RankingResult)
SOURCES = ["identity.org.#", "identity.region.#", "scoring.ranking.published"]


def _document(path: Path) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"{path}: {error}") from None


def _refused(error: Error) -> click.ClickException:
    lines = [str(localise(error.detail, "en"))]
    for field, messages in (error.extra.get("errors") or {}).items():
        lines += [f"  {field}: {localise(m, 'en')}" for m in messages]
    return click.ClickException("\n".join(lines))


def add_commands(cli: click.Group) -> None:
    @cli.group("rules", help="Rule packs: the awards' rules as versioned data.")
    def rules() -> None:
        pass

    @rules.command(
        "load",
        help="Load a rule pack document as a draft (the next version of its code), unless "
        "an identical version exists; --publish publishes it.",
    )
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--publish", "publish_it", is_flag=True, help="Publish it too.")
    @click.pass_obj
    def load_rules(settings: Settings, path: Path, publish_it: bool) -> None:
        db = Database(settings.database_url, settings.service)
        try:
            with db.transaction() as session:
                pack, changed = packs.load(session, SYSTEM, _document(path), publish_it=publish_it)
                said = f"{pack.code} v{pack.version} ({pack.status})"
        except Error as error:
            raise _refused(error) from None
        click.echo(f"{'loaded' if changed else 'unchanged'}: {said}")

    @cli.group("registry", help="The award registry: people and the awards they hold.")
    def registry() -> None:
        pass

    @registry.command(
        "load", help="Import a registry document (sample-award-history.json's shape)."
    )
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.pass_obj
    def load_registry(settings: Settings, path: Path) -> None:
        db = Database(settings.database_url, settings.service)
        try:
            with db.transaction() as session:
                counts = registry_import.import_document(
                    session,
                    SYSTEM,
                    _document(path),
                    allowed_units=None,  # type: ignore[arg-type]
                )
        except Error as error:
            raise _refused(error) from None
        click.echo(json.dumps(counts))

    @cli.group("holidays", help="The calendar of public holidays, by year (versioned).")
    def holidays() -> None:
        pass

    @holidays.command(
        "load",
        help="Load a holidays file (default: the shipped data/holidays.json): a year without "
        "a calendar gets it, one the Ministry edited is kept. Safe to repeat.",
    )
    @click.argument(
        "path",
        required=False,
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
    )
    @click.pass_obj
    def load_holidays(settings: Settings, path: Path | None) -> None:
        db = Database(settings.database_url, settings.service)
        try:
            with db.transaction() as session:
                counts = holiday_calendar.load_file(session, path or holiday_calendar.SHIPPED)
        except Error as error:
            raise _refused(error) from None
        click.echo(json.dumps(counts))

    @cli.group("read-models", help="Awards' copies of units, regions and scoring results.")
    def read_models() -> None:
        pass

    @read_models.command(
        "reset",
        help="Forget the copies and the events that filled them, "
        "before the sources replay them (see the runbook).",
    )
    @click.confirmation_option(prompt="Forget every copied unit, region and result?")
    @click.pass_obj
    def reset(settings: Settings) -> None:
        with Database(settings.database_url, settings.service).transaction() as session:
            for model in READ_MODELS:
                session.execute(delete(model))
            forget_handled(session, settings.service, SOURCES)
        click.echo(
            "read models reset; now run, for example:\n"
            "  python -m services.identity events replay --to awards --type 'identity.#'\n"
            "  python -m services.scoring events replay --to awards "
            "--type 'scoring.ranking.published'"
        )
