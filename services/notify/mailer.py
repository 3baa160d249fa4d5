"""The e-mail sender: ``python -m services.notify send-mail`` works through the mail outbox
(domain/mail.py) over SMTP, with the deployment's settings (NotifySettings, ``smtp_*``).

Each message goes in its own SMTP steps so that the sender knows how far the server got:
everything up to and including the server's reply to DATA is either accepted (sent) or an
answer it gave (4xx: retried; 5xx: failed); a connection that breaks while the body is being
taken is ``uncertain``, and so is a sender that dies before it records the acceptance (the
failpoint ``mail.after_accept`` stops it exactly there in the tests). Neither is resent.
Several senders may run: each claims its messages (``SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import logging
import random
import smtplib
import ssl
import threading
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr

from kit import failpoints, heartbeat
from kit.db import Database, utcnow
from services.notify.domain import mail
from services.notify.settings import NotifySettings

log = logging.getLogger(__name__)
BATCH = 50


class _Refused(Exception):
    """The server answered with an error before it took the message."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.final = 500 <= code < 600


def _utf8_qp() -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = QP  # 7-bit clean lines under SMTP's limit, whatever the server
    return charset


def build(claimed: mail.Claimed, settings: NotifySettings) -> MIMEMultipart:
    """The message, plain text and HTML. Built with the compat32 classes on purpose: their
    encoded words keep the spaces of a long Vietnamese subject, which the default policy's
    folding drops between two encoded words ("2 thông" read back as "2thông")."""
    text, html = mail.render(claimed.template, claimed.context, settings.web_url)
    message = MIMEMultipart("alternative")
    name, address = parseaddr(settings.mail_from)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = claimed.to_address
    message["Subject"] = Header(claimed.subject, "utf-8")
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = claimed.message_id
    message.attach(MIMEText(text, "plain", _utf8_qp()))
    message.attach(MIMEText(html, "html", _utf8_qp()))
    return message


def _connect(settings: NotifySettings) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_s
    if settings.smtp_security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host,
            settings.smtp_port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        if settings.smtp_security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo()
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password or "")
    return smtp


def _deliver(smtp: smtplib.SMTP, message: MIMEMultipart, sender: str, to: str) -> str:
    """MAIL, RCPT, then DATA; the server's acceptance. ``_Refused`` for an error the server
    answered, ``_Uncertain`` when the connection broke once the body was on its way."""
    try:
        code, reply = smtp.mail(sender)
        if code == 250:
            code, reply = smtp.rcpt(to)
    except (OSError, smtplib.SMTPException) as error:
        raise _Refused(421, f"before the message: {error!r}") from error
    if code not in (250, 251):
        raise _Refused(code, reply.decode(errors="replace"))
    try:
        # smtplib sends bytes as they are: the lines must end in CRLF already.
        code, reply = smtp.data(message.as_bytes(policy=compat32.clone(linesep="\r\n")))
    except smtplib.SMTPDataError as refused:  # DATA itself refused: nothing was taken
        raise _Refused(refused.smtp_code, refused.smtp_error.decode(errors="replace")) from None
    except (OSError, smtplib.SMTPException) as error:
        raise _Uncertain(repr(error)) from error
    if code != 250:
        raise _Refused(code, reply.decode(errors="replace"))
    return f"{code} {reply.decode(errors='replace')}"


class _Uncertain(Exception):
    """The connection broke while the server was taking the body."""


def send_one(db: Database, settings: NotifySettings, claimed: mail.Claimed) -> str:
    """Send one claimed message and record what came of it: sent, pending, failed, uncertain."""
    envelope_from = parseaddr(settings.mail_from)[1] or settings.mail_from
    try:
        message = build(claimed, settings)
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as error:
        with db.transaction() as session:
            mail.record_failure(
                session,
                claimed,
                f"connection: {error!r}",
                final=False,
                max_attempts=settings.mail_max_attempts,
                backoff=settings.mail_backoff_s,
            )
        return mail.PENDING
    try:
        reply = _deliver(smtp, message, envelope_from, claimed.to_address)
    except _Refused as refused:
        with db.transaction() as session:
            mail.record_failure(
                session,
                claimed,
                str(refused),
                final=refused.final,
                max_attempts=settings.mail_max_attempts,
                backoff=settings.mail_backoff_s,
            )
        _quit(smtp)
        return mail.FAILED if refused.final else mail.PENDING
    except _Uncertain as error:
        smtp.close()
        with db.transaction() as session:
            mail.record_uncertain(session, claimed, str(error))
        return mail.UNCERTAIN
    # The server has the message. A crash from here to the commit leaves it "sending".
    failpoints.hit("mail.after_accept")
    with db.transaction() as session:
        mail.record_sent(session, claimed, reply)
    _quit(smtp)
    return mail.SENT


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def tick(db: Database, settings: NotifySettings) -> dict[str, int]:
    """One pass: give up on stale claims, then send every due message; counts by outcome."""
    counts: dict[str, int] = {}
    with db.transaction() as session:
        stale = mail.give_up_on_stale(session, utcnow(), settings.mail_lease_s)
    if stale:
        counts[mail.UNCERTAIN] = stale
        log.warning("mail: %d message(s) left sending by a stopped sender: uncertain", stale)
    started = utcnow()  # a message retried during this pass waits for the next one
    while True:
        with db.transaction() as session:
            batch = mail.claim(session, started, BATCH)
        if not batch:
            return counts
        for claimed in batch:
            outcome = send_one(db, settings, claimed)
            counts[outcome] = counts.get(outcome, 0) + 1
            heartbeat.beat()  # a pass may send thousands (the digest): each one is progress


def run(db: Database, settings: NotifySettings, stop: threading.Event, interval: float) -> None:
    """Send until stopped, looking again every ``interval`` seconds (jittered)."""
    while not stop.is_set():
        heartbeat.beat()  # the process's /livez (kit.heartbeat)
        try:
            counts = tick(db, settings)
            if counts:
                log.info("mail: %s", counts)
        except Exception:  # the database is down, say: try again next time
            log.exception("mail: pass failed")
        stop.wait(interval * random.uniform(0.8, 1.2))
