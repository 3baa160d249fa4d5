"""The commands every service answers to: ``python -m services.<name> <command>``.

db upgrade            apply the service's and the kit's migrations
bus setup             declare the exchanges and this service's queues
relay                 publish the outbox to the broker (runs until stopped)
consume               handle this service's events (runs until stopped)
events replay         publish past events again to one consumer service
dead-letters list     show what could not be handled, with the error
dead-letters redrive  send dead letters back to be handled again
prune                 archive old published events and forget expired Idempotency-Keys, once

The group reads the service's settings once (``service.settings.from_env``) and hands them to
every command as its context object (``click.pass_obj``), the service's own commands too
(``add_commands`` in ``services/<name>/commands.py``).
"""

from __future__ import annotations

import json
import signal
import threading
from datetime import timedelta

import click

from kit import idempotency, logs, migrate
from kit.config import Settings
from kit.db import Database
from kit.events import bus, deadletters, outbox
from kit.events.consumer import Consumer
from kit.events.relay import DEFAULT_BATCH_SIZE, Relay
from kit.events.replay import replay
from kit.metrics import serve as serve_metrics
from kit.service import Service

__all__ = ["make_cli"]


def _stop_on_signals() -> threading.Event:
    """SIGTERM (Kubernetes, make down) and Ctrl-C end the loop after the current message."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def make_cli(service: Service) -> click.Group:
    @click.group(help=f"Commands of the {service.name} service.")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        logs.configure(service.name)
        ctx.obj = service.settings.from_env(service.name)

    @cli.group(help="Database schema.")
    def db() -> None:
        pass

    @db.command("upgrade", help="Apply every pending migration (kit and service branches).")
    @click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
    @click.pass_obj
    def db_upgrade(settings: Settings, sql: bool) -> None:
        migrate.upgrade(service, settings.database_url, sql=sql)

    @db.command("revision", help="Write a new migration from the models (autogenerate).")
    @click.option("-m", "--message", required=True)
    @click.pass_obj
    def db_revision(settings: Settings, message: str) -> None:
        migrate.revision(service, settings.database_url, message)

    @cli.group("bus", help="Event bus topology.")
    def bus_group() -> None:
        pass

    @bus_group.command("setup", help="Declare the exchanges and this service's queues.")
    @click.pass_obj
    def bus_setup(settings: Settings) -> None:
        with bus.connect(settings.bus_url) as connection:
            connection.ensure_connection(max_retries=3)
            queue = bus.declare(
                connection,
                bus.Topology(settings.bus_prefix),
                service.name,
                service.subscriptions,
                retired=service.retired_subscriptions,
            )
        subscribed = service.subscriptions
        retired = ", ".join(p for p in service.retired_subscriptions if p not in subscribed)
        click.echo(
            f"{service.name}: exchanges declared"
            + (f", queue {queue.name} bound" if queue else ", consumes nothing")
            + (f", no longer bound to {retired}" if queue and retired else "")
        )

    @cli.command(help="Publish committed outbox events to the broker until stopped.")
    @click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True)
    @click.option(
        "--idle-wait",
        default=0.1,
        show_default=True,
        help="Seconds to sleep after a round that found nothing to publish.",
    )
    @click.pass_obj
    def relay(settings: Settings, batch_size: int, idle_wait: float) -> None:
        serve_metrics(settings)
        Relay(settings, Database(settings.database_url, service.name), batch_size).run(
            _stop_on_signals(), idle_wait=idle_wait
        )

    @cli.command(help="Handle this service's events until stopped.")
    @click.option(
        "--prefetch",
        default=200,
        show_default=True,
        help="Messages the broker hands over unacknowledged; a batch is at most this many.",
    )
    @click.option(
        "--batch-size",
        type=int,
        default=None,
        help="Messages per transaction (default THIDUA_CONSUMER_BATCH_SIZE, 100).",
    )
    @click.pass_obj
    def consume(settings: Settings, prefetch: int, batch_size: int | None) -> None:
        if not service.subscriptions:
            raise click.ClickException(f"{service.name} subscribes to no event")
        serve_metrics(settings)
        Consumer(
            settings,
            Database(settings.database_url, service.name),
            service.subscriptions,
            prefetch=prefetch,
            batch_size=batch_size,
        ).run(_stop_on_signals())

    @cli.group("events", help="This service's published events.")
    def events_group() -> None:
        pass

    @events_group.command(
        "replay",
        help="Publish past events again to one consumer service (to rebuild its read models).",
    )
    @click.option("--to", "target", required=True, help="The consuming service.")
    @click.option(
        "--type",
        "patterns",
        multiple=True,
        default=("#",),
        show_default=True,
        help="Event type pattern (repeatable), e.g. identity.org.#",
    )
    @click.pass_obj
    def events_replay(settings: Settings, target: str, patterns: tuple[str, ...]) -> None:
        count = replay(
            settings, Database(settings.database_url, service.name), target, list(patterns)
        )
        click.echo(f"replayed to {target}: {count}")

    @cli.group("dead-letters", help="Events this service could not handle.")
    def dead_letters() -> None:
        pass

    @dead_letters.command("list", help="Print each dead letter as a JSON line.")
    @click.pass_obj
    def dead_letters_list(settings: Settings) -> None:
        for letter in deadletters.list_dead_letters(settings):
            click.echo(json.dumps(letter.as_dict(), ensure_ascii=False))

    @dead_letters.command("redrive", help="Send dead letters back to be handled again.")
    @click.option("--event-id", "event_ids", multiple=True, help="Only these (repeatable).")
    @click.option("--all", "everything", is_flag=True, help="Every dead letter.")
    @click.pass_obj
    def dead_letters_redrive(
        settings: Settings, event_ids: tuple[str, ...], everything: bool
    ) -> None:
        if not event_ids and not everything:
            raise click.UsageError("name --event-id at least once, or --all")
        done = deadletters.redrive(settings, None if everything else event_ids)
        click.echo(f"redriven: {len(done)}")

    @cli.command(
        help="Move published events older than THIDUA_OUTBOX_RETENTION_DAYS to the archive "
        "and delete Idempotency-Keys older than THIDUA_IDEMPOTENCY_TTL_HOURS, once. Safe "
        "beside the relay, the API and another prune (a CronJob, or make prune)."
    )
    @click.option("--batch-size", default=500, show_default=True, help="Rows per transaction.")
    @click.pass_obj
    def prune(settings: Settings, batch_size: int) -> None:
        db = Database(settings.database_url, service.name)
        try:
            days, hours = settings.outbox_retention_days, settings.idempotency_ttl_hours
            archived = outbox.archive(db, timedelta(days=days), batch_size)
            expired = idempotency.expire(db, timedelta(hours=hours), batch_size)
        finally:
            db.dispose()
        click.echo(
            f"{service.name}: archived {archived} events published over {days:g} days ago; "
            f"expired {expired} Idempotency-Keys over {hours:g} hours old"
        )

    return cli
