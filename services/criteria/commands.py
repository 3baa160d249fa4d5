"""Criteria's own commands, added to the kit's (``python -m services.criteria --help``)."""

from __future__ import annotations

import click

from kit.config import Settings
from kit.db import Database
from services.criteria.domain import demo


def add_commands(cli: click.Group) -> None:
    @cli.group("demo", help="Demo data for the embedded mode (never in production).")
    def demo_group() -> None:
        pass

    @demo_group.command("load", help="Publish the sample table for 2024 and a clone for 2026.")
    @click.pass_obj
    def demo_load(settings: Settings) -> None:
        with Database(settings.database_url, settings.service).transaction() as session:
            years = demo.load(session)
        click.echo(f"demo tables published: {years or 'already there'}")
