"""An external system's queue of its own on the real RabbitMQ: the command makes a user that
receives a granted award from its durable queue, and the broker refuses it anything else
(publishing, binding, declaring, reading another queue) with ACCESS_REFUSED.

Skipped without RabbitMQ, except under CI=true, where a missing broker fails loudly. The user
is made with rabbitmqctl on this machine (its management plugin is off), as the command does
without --management-url.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import amqp
import pytest
from kombu import Connection, Exchange, Producer, Queue

from kit.events import CloudEvent
from services.notify.tests.webhook_support import award_granted
from tests.support import infra

ROOT = Path(__file__).resolve().parents[1]


def command(*args: str, amqp_url: str, prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AMQP_URL": amqp_url, "THIDUA_BUS_PREFIX": prefix, "LOG_LEVEL": "ERROR"}
    if infra.RABBITMQ_MANAGEMENT_URL:  # a container's broker: its management API, not rabbitmqctl
        env["RABBITMQ_MANAGEMENT_URL"] = infra.RABBITMQ_MANAGEMENT_URL
    return subprocess.run(
        [sys.executable, "-m", "services.notify", "external-queue", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def granted() -> CloudEvent:
    return award_granted()  # the webhook tests' event, valid against its schema


@pytest.fixture
def external() -> Iterator[dict[str, Any]]:
    infra.require()
    prefix = f"t{uuid.uuid4().hex[:10]}"
    name = f"hr-{uuid.uuid4().hex[:8]}"
    made = command("create", name, amqp_url=infra.AMQP_URL, prefix=prefix)
    assert made.returncode == 0, made.stderr
    lines = dict(line.split(": ", 1) for line in made.stdout.splitlines() if ": " in line)
    try:
        yield {"prefix": prefix, "name": name, **lines}
    finally:
        command("delete", name, amqp_url=infra.AMQP_URL, prefix=prefix)
        with Connection(infra.AMQP_URL) as connection:
            with contextlib.suppress(Exception):
                Queue(f"{prefix}.other")(connection.channel()).delete()
            Exchange(f"{prefix}.events")(connection.channel()).delete()


def as_external(external: dict[str, Any]) -> amqp.Connection:
    connection = amqp.Connection(
        host=f"{infra.AMQP_HOST}:{infra.AMQP_PORT}",
        userid=external["user"],
        password=external["password"],
        virtual_host="/",
    )
    connection.connect()
    return connection


def refused(external: dict[str, Any], act: Callable[[amqp.Channel], object]) -> None:
    """``act`` on a fresh channel of the external user is refused by the broker."""
    connection = as_external(external)
    try:
        channel = connection.channel()
        with pytest.raises(amqp.exceptions.AccessRefused):
            act(channel)
    finally:
        with contextlib.suppress(Exception):  # the broker may have closed it already
            connection.close()


def test_an_external_system_reads_its_own_queue_and_nothing_else(
    external: dict[str, Any],
) -> None:
    prefix = external["prefix"]
    queue = external["queue"]
    assert queue == f"ext.{external['name']}" and external["user"] == f"ext-{external['name']}"
    events = Exchange(f"{prefix}.events", "topic", durable=True)
    event = granted()
    with Connection(infra.AMQP_URL) as platform:
        Queue(f"{prefix}.other", durable=True)(platform.default_channel).declare()
        producer = Producer(platform.default_channel, exchange=events)
        producer.publish(
            event.to_json(),
            routing_key=event.type,
            content_type="application/cloudevents+json",
            delivery_mode=2,
        )
        other = CloudEvent(
            type="identity.user.created",
            source="/thidua/identity",
            subject="user/1",
            data={"schema_version": 1},
        )
        producer.publish(other.to_json(), routing_key=other.type, delivery_mode=2)

    connection = as_external(external)
    try:
        channel = connection.channel()
        message = None
        for _ in range(50):
            message = channel.basic_get(queue)
            if message is not None:
                break
            time.sleep(0.1)
        assert message is not None, "the granted award reached the external queue"
        body = json.loads(message.body)
        assert body["id"] == event.id and body["type"] == "awards.award.granted"
        channel.basic_ack(message.delivery_tag)
        assert channel.basic_get(queue) is None, "identity.user.created was not bound"
    finally:
        connection.close()

    def publish(exchange: str, key: str) -> Callable[[amqp.Channel], object]:
        def act(channel: amqp.Channel) -> object:
            # With publisher confirms, so the broker's answer (ack, or refusal) is awaited.
            return channel.basic_publish_confirm(
                amqp.Message(b"{}"), exchange=exchange, routing_key=key, confirm_timeout=10
            )

        return act

    refused(external, publish(f"{prefix}.events", "awards.award.granted"))
    refused(external, publish("", queue))  # not even into its own queue
    refused(external, lambda ch: ch.queue_bind(queue, f"{prefix}.events", "identity.user.#"))
    refused(external, lambda ch: ch.queue_declare(f"ext.{external['name']}-2", durable=True))
    refused(external, lambda ch: ch.basic_get(f"{prefix}.other"))
    refused(external, lambda ch: ch.queue_delete(queue))


def test_the_embedded_bus_has_no_users_to_make(tmp_path: Path) -> None:
    done = command("create", "hr-x", amqp_url="", prefix="t-none")
    assert done.returncode != 0 and "RabbitMQ" in done.stderr
    wrong = command(
        "create",
        "hr-x",
        "--type",
        "identity.user.created",
        amqp_url=infra.AMQP_URL,
        prefix="t-none",
    )
    assert wrong.returncode != 0 and "identity.user.created" in wrong.stderr
