"""E-mail benchmark: N queued messages sent over SMTP to the local mail server.

On a fresh notify database of each stack (SQLite, and PostgreSQL when it answers): N
messages are queued in the outbox as notify queues them (``domain.mail.queue``, one per
notification, 500 per transaction, to 200 people), then 1 and then 4 sender processes
(``python -m services.notify send-mail``, the production command) send them to the embedded
mode's SMTP server (``python -m services.notify.devmail``, a process of its own, which writes
each message to a file as ``make up`` does) until every one is kept. Each message is rendered
(plain text and HTML), claimed, sent in its own SMTP session and recorded in two
transactions, as in production (decision 0012). The broker is not involved.
"""

from __future__ import annotations

import secrets
import socket
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import infra, procs, stacks
from bench.report import Section, Table
from bench.runner import Options
from kit import migrate
from kit.db import utcnow

TITLE = "E-mail: the outbox to a local SMTP server"
MESSAGES, QUICK_MESSAGES = 2_000, 40
PEOPLE = 200
PER_TRANSACTION = 500
SENDERS = (1, 4)
DEADLINE_S = 1800


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, server: procs.Running) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        server.check()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the SMTP server on {port} does not answer")


def _kept(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.suffix == ".eml"]


def _queue(stack: stacks.Stack, run: str, n: int) -> None:
    """n messages, as the consumer queues them for people who want e-mail at once."""
    from sqlalchemy import select

    from services.notify.domain import mail
    from services.notify.models import Person

    db = stack.database("notify")
    try:
        with db.transaction() as session:
            for i in range(PEOPLE):
                session.add(
                    Person(
                        user_id=str(uuid.uuid4()),
                        unit_id=f"stp-{i % 60:02d}",
                        username=f"bench.{run}.{i}",
                        email=f"nguoi.{i}@stp-{i % 60:02d}.example.gov.vn",
                        active=True,
                        roles=[],
                        as_of=utcnow(),
                    )
                )
        for first in range(0, n, PER_TRANSACTION):
            with db.transaction() as session:
                mine = Person.username.like(f"bench.{run}.%")
                people = session.scalars(select(Person).where(mine)).all()
                for i in range(first, min(n, first + PER_TRANSACTION)):
                    mail.queue(
                        session,
                        key=f"bench:{run}:{i}",
                        person=people[i % PEOPLE],
                        subject=f"Phiếu tự chấm năm 2026 bị trả lại: bổ sung minh chứng ({i})",
                        template="notification",
                        context={
                            "title": "Phiếu tự chấm năm 2026 bị trả lại",
                            "body": "Cụm trưởng đề nghị bổ sung minh chứng cho tiêu chí 2.3.",
                            "link": f"/sheets/{uuid.uuid4()}",
                        },
                    )
    finally:
        db.dispose()


def _measure(stack: stacks.Stack, senders: int, options: Options) -> dict[str, Any]:
    n = QUICK_MESSAGES if options.quick else MESSAGES
    run = f"{senders}-{secrets.token_hex(2)}"
    folder = stack.var / f"mail-{run}"
    port = _free_port()
    env = {**stack.env(), "NOTIFY_SMTP_HOST": "127.0.0.1", "NOTIFY_SMTP_PORT": str(port)}
    _queue(stack, run, n)
    options.progress(f"mail on {stack.label}: {n:,} messages, {senders} sender(s)")
    logs = stack.var / "logs"
    server_args = ["--port", str(port), "--dir", str(folder)]
    with procs.python_module(
        f"mail-{run}", "services.notify.devmail", server_args, env, logs
    ) as server:
        _wait_listening(port, server)
        with ExitStack() as running:
            started = time.monotonic()
            sending = [
                running.enter_context(
                    procs.python_module(
                        f"sender-{run}-{i}",
                        "services.notify",
                        ["send-mail", "--interval", "0.2"],
                        env,
                        logs,
                    )
                )
                for i in range(senders)
            ]
            deadline = time.monotonic() + DEADLINE_S
            while len(_kept(folder)) < n and time.monotonic() < deadline:
                for sender in sending:
                    sender.check()
                time.sleep(0.05)
            elapsed = time.monotonic() - started
    kept = sorted(p.stat().st_mtime for p in _kept(folder))
    steady = kept[-1] - kept[0] if len(kept) > 1 else elapsed
    return {
        "label": stack.label,
        "senders": senders,
        "messages": n,
        "kept": len(kept),
        "elapsed": elapsed,
        "steady": steady,
        "bytes": sum(p.stat().st_size for p in _kept(folder)) // max(1, len(kept)),
    }


def _stack_runs(stack: stacks.Stack, options: Options) -> list[dict[str, Any]]:
    from services.notify.service import SERVICE

    migrate.upgrade(SERVICE, stack.database_urls["notify"])
    return [_measure(stack, senders, options) for senders in SENDERS]


def run(options: Options) -> Section:
    token = secrets.token_hex(3)
    results: list[dict[str, Any]] = []
    skipped: list[str] = []
    with stacks.embedded(token, ["notify"]) as stack:
        results += _stack_runs(stack, options)
    try:
        with stacks.infrastructure(token, ["notify"], consumers=[]) as stack:
            results += _stack_runs(stack, options)
    except infra.Unavailable as error:
        skipped.append(f"the infra stack (PostgreSQL): {error}")
    return describe(results, skipped)


def describe(results: list[dict[str, Any]], skipped: list[str]) -> Section:
    first = results[0]
    section = Section(
        name="mail",
        title=TITLE,
        skipped=skipped,
        conditions=[
            f"{first['messages']:,} messages queued in notify's mail outbox (`mail.queue`, "
            f"{PER_TRANSACTION} per transaction, to {PEOPLE} people), each a notification's "
            f"e-mail (plain text and HTML, quoted-printable, about {first['bytes']:,} bytes).",
            "Sent by 1, then 4, `python -m services.notify send-mail` processes to "
            "`python -m services.notify.devmail` on 127.0.0.1 (the local server `make up` "
            "runs, which writes each message to a file), until every message is kept; "
            "`bench/mail.py`.",
            "Each message: claimed and committed, one SMTP session (connect, EHLO, MAIL, "
            "RCPT, DATA, QUIT), the acceptance committed. Everything on one machine: "
            "senders, SMTP server and database share its cores.",
        ],
    )
    section.tables.append(
        Table(
            "Sending",
            ["stack", "senders", "messages kept", "messages/s", "steady messages/s", "total (s)"],
            [
                [
                    r["label"],
                    str(r["senders"]),
                    f"{r['kept']:,} / {r['messages']:,}",
                    f"{r['kept'] / r['elapsed']:,.0f}",
                    f"{r['kept'] / r['steady']:,.0f}" if r["steady"] > 0 else "-",
                    f"{r['elapsed']:.1f}",
                ]
                for r in results
            ],
            caption="Messages/s: every message over the time from the senders' start (their "
            "start-up included) to the last message kept; steady: between the first and the "
            "last message kept.",
        )
    )
    section.reading.append(
        "A sender opens one SMTP session per message (so that it knows exactly how far each "
        "one got, decision 0012), so a real relay's round trips and TLS handshakes, not the "
        "platform, set the rate in production. Several senders share the outbox (FOR UPDATE "
        "SKIP LOCKED on PostgreSQL); on SQLite they take turns at its one writer."
    )
    section.reading.append(
        "On PostgreSQL each message's acceptance is a transaction of its own committed over "
        "the network (claims go 50 at a time), besides the SMTP session: there, more senders "
        "add throughput, while SQLite's single writer makes four no faster than one."
    )
    return section
