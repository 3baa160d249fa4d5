"""E-mail through a real SMTP server (aiosmtpd in the test process): what people receive, the
retries with backoff, every attempt recorded, and never twice for one notification, even when
the sender is killed between the server's acceptance and its record. Both stacks."""

from __future__ import annotations

import dataclasses
import sys
import uuid

from sqlalchemy import select

from kit.app import runtime
from services.notify import mailer
from services.notify.models import MailAttempt, MailMessage
from services.notify.settings import NotifySettings
from services.notify.tests.people import Notify, SmtpServer, organisation, sheet_returned, text_of
from tests.support.processes import wait_until
from tests.support.stack import Stack


def settings_for(notify: Notify, smtp: SmtpServer, **changes: object) -> NotifySettings:
    with notify.app.app_context():
        settings = runtime().settings
    assert isinstance(settings, NotifySettings)
    fixed: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "web_url": "https://thidua.moj.gov.vn",
        "mail_backoff_s": 0,
    }
    return dataclasses.replace(settings, **{**fixed, **changes})


def messages(notify: Notify) -> list[MailMessage]:
    with notify.db().read() as session:
        return list(session.execute(select(MailMessage).order_by(MailMessage.id)).scalars())


def attempts(notify: Notify) -> list[str]:
    with notify.db().read() as session:
        query = select(MailAttempt.outcome).order_by(MailAttempt.id)
        return list(session.execute(query).scalars())


def test_a_notification_arrives_by_email_in_vietnamese_text_and_html(stack: Stack) -> None:
    notify = Notify(stack)
    people = organisation(notify)
    sheet = str(uuid.uuid4())
    notify.apply(sheet_returned(sheet, "stp-01", "Thiếu minh chứng <tiêu chí 2.1> & 2.2"))
    with SmtpServer() as smtp:
        counts = mailer.tick(notify.db(), settings_for(notify, smtp))
        assert counts == {"sent": 1}, messages(notify)[0].last_error
        [message] = smtp.messages

    assert message["To"] == people["hanoi_officer"].email
    assert message["Subject"] == "Bảng tự chấm điểm của Sở Tư pháp thành phố Hà Nội bị trả lại"
    assert message["Message-ID"] == messages(notify)[0].message_id
    plain, html = text_of(message)
    assert "Thiếu minh chứng <tiêu chí 2.1> & 2.2" in plain
    assert f"https://thidua.moj.gov.vn/sheets/{sheet}" in plain
    assert "Thiếu minh chứng &lt;tiêu chí 2.1&gt; &amp; 2.2" in html, "HTML is autoescaped"
    assert f'href="https://thidua.moj.gov.vn/sheets/{sheet}"' in html
    assert [m.status for m in messages(notify)] == ["sent"] and attempts(notify) == ["sent"]

    with SmtpServer() as again:  # a later pass sends nothing more
        assert mailer.tick(notify.db(), settings_for(notify, again)) == {}
        assert again.messages == []


def test_people_without_an_address_get_the_inbox_alone(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    nobody = notify.user("no.mail", "stp-79", email=None)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-79", "Sai"))  # hcm officer has one
    assert notify.inbox(nobody)["total"] == 0
    assert [m.to_address for m in messages(notify)] == ["hcm.officer@stp-79.gov.vn"]


def test_temporary_refusals_are_retried_and_every_attempt_recorded(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    with SmtpServer() as smtp:
        smtp.handler.refusals = ["451 4.3.0 Try again later", "451 4.3.0 Try again later"]
        settings = settings_for(notify, smtp)
        assert mailer.tick(notify.db(), settings) == {"pending": 1}
        [waiting] = messages(notify)
        assert waiting.status == "pending" and "451" in (waiting.last_error or "")
        assert mailer.tick(notify.db(), settings) == {"pending": 1}
        assert mailer.tick(notify.db(), settings) == {"sent": 1}
        assert len(smtp.messages) == 1
    [sent] = messages(notify)
    assert sent.status == "sent" and sent.attempts == 3
    assert attempts(notify) == ["failed", "failed", "sent"]


def test_the_backoff_doubles_between_attempts(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    with SmtpServer() as smtp:
        smtp.handler.refusals = ["451 busy"] * 2
        settings = settings_for(notify, smtp, mail_backoff_s=60.0)
        waits = []
        for _ in range(2):
            mailer.tick(notify.db(), settings)
            [message] = messages(notify)
            waits.append((message.next_attempt_at - message.claimed_at).total_seconds())
            with notify.db().transaction() as session:  # as if the wait were over
                session.get(MailMessage, message.id).next_attempt_at = message.claimed_at
        assert 48 <= waits[0] <= 72 and 96 <= waits[1] <= 144, waits
        assert smtp.messages == []


def test_a_permanent_refusal_is_not_retried(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    with SmtpServer() as smtp:
        smtp.handler.refusals = ["550 5.1.1 No such mailbox"]
        settings = settings_for(notify, smtp)
        assert mailer.tick(notify.db(), settings) == {"failed": 1}
        assert mailer.tick(notify.db(), settings) == {}
        assert smtp.messages == []
    [failed] = messages(notify)
    assert failed.status == "failed" and "550" in (failed.last_error or "")


def test_an_unreachable_server_is_retried_until_the_attempts_run_out(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    smtp = SmtpServer()  # never started: connections are refused
    settings = settings_for(notify, smtp, mail_max_attempts=3)
    for _ in range(3):
        mailer.tick(notify.db(), settings)
    [given_up] = messages(notify)
    assert given_up.status == "failed" and given_up.attempts == 3
    assert attempts(notify) == ["failed"] * 3


def test_a_sender_killed_after_the_server_accepted_does_not_send_twice(stack: Stack) -> None:
    notify = Notify(stack)
    organisation(notify)
    notify.apply(sheet_returned(str(uuid.uuid4()), "stp-01", "Sai"))
    with SmtpServer() as smtp:
        command = [sys.executable, "-m", "services.notify", "send-mail", "--interval", "0.2"]
        env = {**smtp.env(), "NOTIFY_MAIL_BACKOFF": "0", "NOTIFY_MAIL_LEASE": "1"}
        crashing = stack.spawn(
            "send-mail-crash",
            command,
            "notify",
            THIDUA_FAILPOINTS="mail.after_accept=exit:9",
            **env,
        )
        wait_until(lambda: not crashing.alive(), timeout=30, what="the sender to die")
        assert len(smtp.messages) == 1, "the server took the message before the crash"
        assert [m.status for m in messages(notify)] == ["sending"]

        restarted = stack.spawn("send-mail", command, "notify", **env)
        wait_until(
            lambda: [m.status for m in messages(notify)] == ["uncertain"],
            timeout=30,
            what="the restarted sender to give up on the claim",
        )
        assert restarted.alive()
        restarted.stop()
        assert len(smtp.messages) == 1, "never sent twice"
    [message] = messages(notify)
    assert message.attempts == 1 and message.sent_at is None
    assert attempts(notify) == ["unknown"]
