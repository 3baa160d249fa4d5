"""The web application's commands: ``python -m web --help``.

``compile-translations`` writes the ``.mo`` catalogues from the committed ``.po`` files
(``make install`` and the Docker build run it); ``vendor`` copies the pinned front-end assets
that ``npm ci`` put in ``web/node_modules`` into ``web/static/vendor``, where the app serves
them (``make install`` runs it too).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from web.i18n import compile_translations

WEB = Path(__file__).resolve().parent
# What the pages load, from where npm put it (package.json pins the versions).
VENDORED = {"htmx.org/dist/htmx.min.js": "htmx.min.js"}


@click.group(help="The Thi đua web application's commands.")
def cli() -> None:
    pass


@cli.command("compile-translations", help="Compile web/translations/*/LC_MESSAGES/*.po.")
def compile_command() -> None:
    written = compile_translations()
    click.echo(f"translations compiled: {len(written)} catalogue(s) written")


@cli.command("vendor", help="Copy the npm-installed assets into web/static/vendor.")
def vendor_command() -> None:
    target = WEB / "static" / "vendor"
    target.mkdir(parents=True, exist_ok=True)
    for source, name in VENDORED.items():
        path = WEB / "node_modules" / source
        if not path.exists():
            raise click.ClickException(f"{path} is missing: run `npm ci` in web/ (make install)")
        shutil.copyfile(path, target / name)
    click.echo(f"vendored: {', '.join(VENDORED.values())}")


if __name__ == "__main__":
    cli()
