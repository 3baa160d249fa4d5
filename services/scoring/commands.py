"""Scoring's own commands, added to the kit's (``python -m services.scoring --help``)."""

from __future__ import annotations

import signal
import threading

import click
from sqlalchemy import delete

from kit.config import Settings
from kit.db import Database
from kit.events import forget_handled
from kit.metrics import serve as serve_metrics
from services.scoring.domain import computation
from services.scoring.domain import scheduler as deadlines
from services.scoring.models import RegionCopy, TableCopy, UnitCopy

READ_MODELS = (TableCopy, UnitCopy, RegionCopy)
SOURCES = ["identity.org.#", "identity.region.#", "criteria.table.#"]


def add_commands(cli: click.Group) -> None:
    @cli.command(
        help="Close self-assessment at its deadline: move overdue rounds to region "
        "review. Runs until stopped; several replicas are safe."
    )
    @click.option(
        "--interval",
        default=30.0,
        show_default=True,
        help="Seconds between passes (jittered ±20 %).",
    )
    @click.option("--once", is_flag=True, help="One pass, then exit.")
    @click.pass_obj
    def scheduler(settings: Settings, interval: float, once: bool) -> None:
        db = Database(settings.database_url, settings.service)
        if once:
            click.echo(f"moved to region_review: {len(deadlines.tick(db))}")
            return
        serve_metrics(settings)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        deadlines.run(db, stop, interval)

    @cli.group("read-models", help="Scoring's copies of tables, units and regions.")
    def read_models() -> None:
        pass

    @read_models.command(
        "reset",
        help="Forget the copies and the events that filled them, "
        "before the sources replay them (see the runbook).",
    )
    @click.confirmation_option(prompt="Forget every copied table, unit and region?")
    @click.pass_obj
    def reset(settings: Settings) -> None:
        with Database(settings.database_url, settings.service).transaction() as session:
            for model in READ_MODELS:
                session.execute(delete(model))
            forget_handled(session, settings.service, SOURCES)
        click.echo(
            "read models reset; now run, for example:\n"
            "  python -m services.identity events replay --to scoring --type 'identity.#'\n"
            "  python -m services.criteria events replay --to scoring "
            "--type 'criteria.table.#'"
        )

    @cli.group("computations", help="The scoring workers' computations of sheet totals.")
    def computations() -> None:
        pass

    @computations.command(
        "requeue",
        help="Ask the workers again for every sheet whose totals are still pending "
        "(after an upgrade, see the runbook). Safe to repeat.",
    )
    @click.pass_obj
    def requeue(settings: Settings) -> None:
        with Database(settings.database_url, settings.service).transaction() as session:
            ids = computation.request_pending_again(session)
        click.echo(f"computations requested again: {len(ids)}")
