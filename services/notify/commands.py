"""Notify's own commands, added to the kit's (``python -m services.notify --help``).

One section per part of notify (the people's e-mail and reminders; webhooks), each with its
own ``add_*`` function that ``add_commands`` calls.
"""

from __future__ import annotations

import signal
import threading

import click

from kit.db import Database
from kit.metrics import serve as serve_metrics
from services.notify import mailer
from services.notify.commands_webhooks import add_webhooks
from services.notify.domain import mail, reminders
from services.notify.settings import NotifySettings


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


# -- people: e-mail, reminders, digest


def add_people(cli: click.Group) -> None:
    @cli.command(
        "send-mail",
        help="Send the e-mail outbox over SMTP (NOTIFY_SMTP_*), retrying with backoff. Runs "
        "until stopped; several replicas are safe.",
    )
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
    @click.option("--once", is_flag=True, help="One pass, then exit.")
    @click.pass_obj
    def send_mail(settings: NotifySettings, interval: float, once: bool) -> None:
        db = Database(settings.database_url, settings.service)
        if once:
            click.echo(f"mail: {mailer.tick(db, settings)}")
            return
        serve_metrics(settings)
        mailer.run(db, settings, _stop_on_signals(), interval)

    @cli.command(
        "resend-mail",
        help="Send again, on purpose, a message that is uncertain (its sender stopped while "
        "sending it) or failed.",
    )
    @click.argument("mail_id", type=int)
    @click.pass_obj
    def resend_mail(settings: NotifySettings, mail_id: int) -> None:
        with Database(settings.database_url, settings.service).transaction() as session:
            if not mail.resend(session, mail_id):
                raise click.ClickException(f"no uncertain or failed message {mail_id}")
        click.echo(f"message {mail_id} queued again")

    @cli.command(
        help="Remind everyone in a round three days and one day before its deadlines, and "
        "queue each person's daily digest. Runs until stopped; several replicas are safe.",
    )
    @click.option("--interval", default=60.0, show_default=True, help="Seconds between passes.")
    @click.option("--once", is_flag=True, help="One pass, then exit.")
    @click.pass_obj
    def remind(settings: NotifySettings, interval: float, once: bool) -> None:
        db = Database(settings.database_url, settings.service)
        if once:
            click.echo(f"remind: {reminders.tick(db, settings.digest_hour)}")
            return
        serve_metrics(settings)
        reminders.run(db, settings.digest_hour, _stop_on_signals(), interval)


def add_commands(cli: click.Group) -> None:
    add_people(cli)
    add_webhooks(cli)  # services/notify/commands_webhooks.py
