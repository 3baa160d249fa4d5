"""Identity's own commands, added to the kit's (``python -m services.identity --help``)."""

from __future__ import annotations

import getpass
import json

import click

from kit import dates
from kit.config import Settings
from kit.db import Database
from kit.errors import Error, localise
from services.identity.domain import demo, keys, reference, users
from services.identity.settings import IdentitySettings


def _db(settings: Settings) -> Database:
    return Database(settings.database_url, settings.service)


def add_commands(cli: click.Group) -> None:
    @cli.group("reference", help="The real reference data: provinces, mergers, regions.")
    def reference_group() -> None:
        pass

    @reference_group.command(
        "load", help="Load organisations, the 2025 mergers and regions (idempotent)."
    )
    @click.option(
        "--last-year",
        type=int,
        default=None,
        help="Last year of open-ended regions (default: next year).",
    )
    @click.pass_obj
    def reference_load(settings: Settings, last_year: int | None) -> None:
        with _db(settings).transaction() as session:
            reference.load(session, last_year)
        click.echo("reference data loaded")

    @cli.group("keys", help="Token signing keys.")
    def keys_group() -> None:
        pass

    @keys_group.command(
        "rotate",
        help="Publish a new key; it signs once every JWKS cache has "
        "seen it (6 minutes). Tokens of the old key stay valid "
        "until they expire.",
    )
    @click.option(
        "--now",
        "immediately",
        is_flag=True,
        help="Sign with the new key at once (a compromised key).",
    )
    @click.pass_obj
    def keys_rotate(settings: Settings, immediately: bool) -> None:
        with _db(settings).transaction() as session:
            key = keys.rotate(session, demo.OPERATOR.subject, now=immediately)
        click.echo(f"new key {key.kid}: {key.status}")

    @keys_group.command("list", help="Every key with its status.")
    @click.pass_obj
    def keys_list(settings: Settings) -> None:
        with _db(settings).read() as session:
            for key in keys.every_key(session):
                click.echo(
                    json.dumps(
                        {
                            "kid": key.kid,
                            "status": key.status,
                            "created_at": key.created_at.isoformat(),
                            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
                        }
                    )
                )

    @cli.group("admin", help="The first administrator, in production.")
    def admin_group() -> None:
        pass

    @admin_group.command(
        "create",
        help="Create a system administrator. The password is read "
        "from $IDENTITY_ADMIN_PASSWORD or asked for.",
    )
    @click.option("--username", required=True)
    @click.option("--full-name", required=True)
    @click.option("--unit", "unit_id", default=reference.MINISTRY, show_default=True)
    @click.pass_obj
    def admin_create(
        settings: IdentitySettings, username: str, full_name: str, unit_id: str
    ) -> None:
        password = settings.admin_password or getpass.getpass("Password: ")
        try:
            with _db(settings).transaction() as session:
                user = users.create_user(
                    session,
                    demo.OPERATOR,
                    username=username,
                    full_name=full_name,
                    email=None,
                    unit_id=unit_id,
                    password=password,
                )
                users.assign_role(
                    session,
                    demo.OPERATOR,
                    user.id,
                    "system_admin",
                    "national",
                    None,
                    dates.today(),
                    None,
                )
        except Error as problem:  # said in Vietnamese, like the platform's answers by default
            errors = localise(problem.extra.get("errors") or problem.detail)
            raise click.ClickException(json.dumps(errors, ensure_ascii=False)) from problem
        click.echo(f"system administrator {username} created")

    @cli.group("demo", help="Demo accounts for the embedded mode (never in production).")
    def demo_group() -> None:
        pass

    @demo_group.command("seed", help="Create the demo accounts listed in the README.")
    @click.pass_obj
    def demo_seed(settings: Settings) -> None:
        with _db(settings).transaction() as session:
            created = demo.seed(session)
        click.echo(f"demo accounts: {created} created (password: {demo.PASSWORD})")
