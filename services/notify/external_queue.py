"""A queue of its own on the broker for an external system, and a RabbitMQ user that can
read that queue and do nothing else.

``python -m services.notify external-queue create NAME`` (docs/operations.md, "External
subscribers on the broker"):

1. declares the durable quorum queue ``ext.NAME`` and binds it to the events exchange with
   the public award event types (or those ``--type`` names: public ones only), as the
   platform's own user;
2. creates the user ``ext-NAME`` with a new password (printed once) and no tags, and gives it,
   on the platform's vhost, configure ``^$``, write ``^$`` and read ``^ext\\.NAME$``: it may
   consume from its queue, and declare, bind, publish or read nothing else (the broker
   answers ACCESS_REFUSED).

The user is made through the management HTTP API when ``--management-url`` (or
RABBITMQ_MANAGEMENT_URL) is given, else with ``rabbitmqctl`` on this machine. On Kubernetes the
same objects are the messaging-topology operator's (deploy/k8s/rabbitmq.yaml).
"""

from __future__ import annotations

import re
import secrets
import subprocess
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

import requests
from kombu import Connection, Exchange, Queue, binding

from services.notify.domain.feed import PUBLIC, unknown_types

AWARD_TYPES = ("awards.award.granted", "awards.award.revoked")
NAME = re.compile(r"\A[a-z0-9][a-z0-9-]{1,40}\Z")


class Refused(Exception):
    """The command cannot do this; the message says why."""


@dataclass(frozen=True)
class External:
    name: str

    @property
    def queue(self) -> str:
        return f"ext.{self.name}"

    @property
    def user(self) -> str:
        return f"ext-{self.name}"

    @property
    def permissions(self) -> tuple[str, str, str]:
        """configure, write, read."""
        return "^$", "^$", f"^{re.escape(self.queue)}$"


def check(name: str, types: list[str]) -> External:
    if not NAME.match(name):
        raise Refused("NAME is 2-41 characters of a-z, 0-9 and '-'")
    unknown = unknown_types(types)
    if unknown:
        raise Refused(f"not public event types: {', '.join(unknown)}")
    return External(name)


def vhost_of(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def declare_queue(amqp_url: str, prefix: str, external: External, types: list[str]) -> None:
    """The durable quorum queue bound to ``types`` on the events exchange (platform's user)."""
    events = Exchange(f"{prefix}.events", "topic", durable=True)
    queue = Queue(
        external.queue,
        bindings=[binding(events, routing_key=t) for t in types],
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )
    with Connection(amqp_url, connect_timeout=10) as connection:
        channel = connection.default_channel
        events(channel).declare()
        queue(channel).declare()


def delete_queue(amqp_url: str, external: External) -> None:
    with Connection(amqp_url, connect_timeout=10) as connection:
        Queue(external.queue)(connection.default_channel).delete()


def _rabbitmqctl(*args: str) -> None:
    done = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise Refused(f"rabbitmqctl {args[0]}: {done.stderr.strip() or done.stdout.strip()}")


def _management(url: str) -> tuple[str, tuple[str, str]]:
    """The API's base URL and the credentials written into ``url`` (guest/guest if none)."""
    parts = urlsplit(url)
    auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}/api", auth


def create_user(
    external: External, password: str, vhost: str, management_url: str | None = None
) -> None:
    configure, write, read = external.permissions
    if management_url:
        api, auth = _management(management_url)
        user = quote(external.user, safe="")
        for path, body in (
            (f"users/{user}", {"password": password, "tags": ""}),
            (
                f"permissions/{quote(vhost, safe='')}/{user}",
                {"configure": configure, "write": write, "read": read},
            ),
        ):
            requests.put(f"{api}/{path}", json=body, auth=auth, timeout=10).raise_for_status()
        return
    try:
        _rabbitmqctl("add_user", external.user, password)
    except Refused as refused:
        if "already exists" not in str(refused):
            raise
        _rabbitmqctl("change_password", external.user, password)
    _rabbitmqctl("set_user_tags", external.user)
    _rabbitmqctl("set_permissions", "-p", vhost, external.user, configure, write, read)


def delete_user(external: External, management_url: str | None = None) -> None:
    if management_url:
        api, auth = _management(management_url)
        user = quote(external.user, safe="")
        requests.delete(f"{api}/users/{user}", auth=auth, timeout=10).raise_for_status()
        return
    _rabbitmqctl("delete_user", external.user)


def create(
    amqp_url: str,
    prefix: str,
    name: str,
    types: list[str] | None = None,
    management_url: str | None = None,
) -> tuple[External, str]:
    """Queue, bindings, user and permissions; returns the external system and its password."""
    if not amqp_url.startswith("amqp"):
        raise Refused("the embedded bus has no users: this needs RabbitMQ (AMQP_URL)")
    wanted = list(types or AWARD_TYPES)
    external = check(name, wanted)
    assert set(wanted) <= PUBLIC
    declare_queue(amqp_url, prefix, external, wanted)
    password = secrets.token_urlsafe(24)
    create_user(external, password, vhost_of(amqp_url), management_url)
    return external, password
