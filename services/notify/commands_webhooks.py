"""Notify's webhook commands: the deliverer, and queues of their own for external systems.

deliver                       POST the delivery outbox to endpoints (runs until stopped)
external-queue create NAME    a durable queue ext.NAME bound to public award events, and a
                              RabbitMQ user ext-NAME that may only read it (password printed once)
external-queue delete NAME    remove both
"""

from __future__ import annotations

import os
import signal
import threading

import click

from kit.db import Database
from kit.metrics import serve as serve_metrics
from services.notify import external_queue
from services.notify.deliverer import Deliverer
from services.notify.settings import NotifySettings


def add_webhooks(cli: click.Group) -> None:
    @cli.command(
        help="Deliver webhooks: POST each due delivery, retry on the schedule, in order per "
        "subject. Runs until stopped; several replicas are safe."
    )
    @click.option("--batch-size", default=100, show_default=True)
    @click.option("--workers", default=16, show_default=True, help="Attempts sent at once.")
    @click.option(
        "--idle-wait", default=0.5, show_default=True, help="Seconds between idle rounds."
    )
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
    @click.pass_obj
    def deliver(
        settings: NotifySettings, batch_size: int, workers: int, idle_wait: float, once: bool
    ) -> None:
        db = Database(settings.database_url, settings.service)
        deliverer = Deliverer(db, settings, batch_size=batch_size, workers=workers)
        try:
            if once:
                click.echo(f"attempts: {deliverer.drain()}")
                return
            serve_metrics(settings)
            stop = threading.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
            deliverer.run(stop, idle_wait)
        finally:
            deliverer.close()

    @cli.group("external-queue", help="Queues of their own on the broker for external systems.")
    def external() -> None:
        pass

    management = click.option(
        "--management-url",
        default=lambda: os.environ.get("RABBITMQ_MANAGEMENT_URL") or None,
        help="The management API (http://user:password@host:15672); rabbitmqctl without it.",
    )

    @external.command("create")
    @click.argument("name")
    @click.option(
        "--type",
        "types",
        multiple=True,
        help="A public event type to bind (repeatable); the award events by default.",
    )
    @management
    @click.pass_obj
    def create(
        settings: NotifySettings, name: str, types: tuple[str, ...], management_url: str | None
    ) -> None:
        try:
            made, password = external_queue.create(
                settings.bus_url, settings.bus_prefix, name, list(types), management_url
            )
        except external_queue.Refused as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"queue: {made.queue}")
        click.echo(f"user: {made.user}")
        click.echo(f"password: {password}")

    @external.command("delete")
    @click.argument("name")
    @management
    @click.pass_obj
    def delete(settings: NotifySettings, name: str, management_url: str | None) -> None:
        made = external_queue.check(name, [])
        external_queue.delete_user(made, management_url)
        external_queue.delete_queue(settings.bus_url, made)
        click.echo(f"deleted: {made.queue}, {made.user}")
