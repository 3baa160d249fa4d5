"""A local SMTP server for the embedded mode only (``make up`` runs it as the Procfile's
``mail``): it accepts every message on 127.0.0.1 and keeps it as a file,
``$THIDUA_VAR/mail/<timestamp>-<n>.eml``, printing one line per message, so that the e-mails
``send-mail`` sends can be read without a real mail server.

It is no relay and checks nobody: never run it anywhere but a developer's machine (no
deployment manifest runs it; compose has its own mail catcher). Its port defaults to
NOTIFY_SMTP_PORT's default (8025) so that the sender reaches it with no configuration.
``python -m services.notify.devmail --help``.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import compat32
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from kit.config import var_dir
from services.notify.settings import read_people


class Keeper:
    """The aiosmtpd handler: each message's bytes to a file of its own, then one line."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    def keep(self, content: bytes) -> Path:
        """Write the message as ``<timestamp>-<n>.eml``, whole or not at all (a reader never
        sees half a file); ``n`` counts from 1 and skips names a previous run took."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        with self.lock:
            while True:
                self.count += 1
                path = self.directory / f"{stamp}-{self.count}.eml"
                if not path.exists():
                    break
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)
        return path

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        path = self.keep(content)
        subject = _subject(content)
        recipients = ", ".join(envelope.rcpt_tos)
        print(f"mail: {path.name} from {envelope.mail_from} to {recipients}: {subject}", flush=True)
        return "250 OK: kept as " + path.name


def _subject(content: bytes) -> str:
    """The Subject as a person reads it (its encoded words decoded)."""
    raw = message_from_bytes(content, policy=compat32).get("Subject", "")
    try:
        return str(make_header(decode_header(str(raw))))
    except (UnicodeDecodeError, LookupError, ValueError):
        return str(raw)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    people = read_people(os.environ)
    parser = argparse.ArgumentParser(
        prog="python -m services.notify.devmail",
        description="The embedded mode's local SMTP server: keeps every message it receives "
        "as a .eml file. For a developer's machine only.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=int, default=people["smtp_port"], help="port (NOTIFY_SMTP_PORT's)"
    )
    parser.add_argument(
        "--dir", type=Path, default=var_dir() / "mail", help="where to keep the messages"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keeper(args.dir), hostname=args.host, port=args.port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    print(f"mail: listening on {args.host}:{args.port}, keeping messages in {args.dir}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
