"""The embedded bus: kombu's filesystem transport, made safe against a consumer crash.

kombu's filesystem transport deletes a message file as soon as it is fetched, so a consumer
killed while handling it loses the message. This transport instead *claims* a message by
renaming its file into ``processing/`` under the consumer's process id, deletes it only on
ack, moves it back on reject, and, before fetching from a queue, returns to the queue every
claimed file whose process is gone. Delivery is therefore at-least-once, like RabbitMQ's.

Two more repairs: a message is written under a temporary name and renamed into place, so a
reader never sees half a file; and file names sort by a nanosecond clock plus a per-process
counter, so messages come out in the order they went in.

Limits (also in docs/events.md): one machine only (all processes share ``var/bus``); no
per-message TTL, priorities or quorum semantics; not safe on a network filesystem.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

_sequence = itertools.count()


def folders(root: Path) -> dict[str, str]:
    """Transport options for a bus rooted at ``root``."""
    for name in ("queues", "processing", "control", "tmp"):
        (root / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queues"),
        "data_folder_out": str(root / "queues"),
        "control_folder": str(root / "control"),
        "processing_folder": str(root / "processing"),
        "tmp_folder": str(root / "tmp"),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Channel(filesystem.Channel):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._claims: dict[str, tuple[str, str]] = {}  # delivery tag -> (claimed path, name)
        self._recovered: set[str] = set()

    @property
    def _processing(self) -> str:
        return self.transport_options["processing_folder"]

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{time.time_ns():020d}_{os.getpid()}_{next(_sequence):09d}_{uuid.uuid4().hex}"
        filename = f"{name}.{queue}.msg"
        tmp = os.path.join(self.transport_options["tmp_folder"], filename)
        with open(tmp, "wb") as f:
            f.write(dumps(payload).encode())
        try:
            os.rename(tmp, os.path.join(self.data_folder_out, filename))
        except OSError as exc:
            os.unlink(tmp)
            raise filesystem.ChannelError(f"Cannot add {filename!r} to the queue") from exc

    def _recover(self, queue: str) -> None:
        """Return to the queue what dead consumers of it had claimed."""
        suffix = f".{queue}.msg"
        for claimed in os.listdir(self._processing):
            pid, _, name = claimed.partition("~")
            if not name.endswith(suffix) or name.partition(".")[2] != suffix[1:]:
                continue
            if pid.isdigit() and not _alive(int(pid)):
                # FileNotFoundError: another consumer recovered it first.
                with contextlib.suppress(FileNotFoundError):
                    os.rename(
                        os.path.join(self._processing, claimed),
                        os.path.join(self.data_folder_in, name),
                    )

    def _get(self, queue: str) -> Any:
        if queue not in self._recovered:
            self._recover(queue)
            self._recovered.add(queue)
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self._processing, f"{os.getpid()}~{name}")
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it
            with open(claimed, "rb") as f:
                payload = loads(f.read())
            self._claims[payload["properties"]["delivery_tag"]] = (claimed, name)
            return payload
        raise Empty()

    def _release(self, delivery_tag: str, requeue: bool) -> None:
        claim = self._claims.pop(delivery_tag, None)
        if claim is None:
            return
        claimed, name = claim
        try:
            if requeue:
                # Back under its original name: it keeps its place in the queue.
                os.rename(claimed, os.path.join(self.data_folder_in, name))
            else:
                os.unlink(claimed)
        except FileNotFoundError:
            pass

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)
        self._release(delivery_tag, requeue=False)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        # The base class would re-publish a copy through the exchange (reaching every queue
        # bound to that routing key); putting the claimed file back is exact.
        self.qos.reject(delivery_tag, requeue=False)
        self._release(delivery_tag, requeue=requeue)

    def _restore(self, message: Any) -> None:
        # Called for unacked messages when a channel closes: put each back where it was.
        self._release(message.delivery_tag, requeue=True)

    def queue_unbind(
        self,
        queue: str,
        exchange: str | None = None,
        routing_key: str = "",
        arguments: Any = None,
        **kwargs: Any,
    ) -> None:
        """Remove the binding from the exchange's file too: the base class forgets it only in
        this process's memory, so every other process (and the next start) kept routing by
        it."""
        super().queue_unbind(queue, exchange, routing_key, arguments, **kwargs)
        if exchange is None:
            return
        path = self._exchange_file(exchange)
        if not path.exists():
            return
        with path.open("rb+", buffering=0) as f:
            filesystem.lock(f, filesystem.LOCK_EX)
            try:
                rows = [filesystem.exchange_queue_t(*row) for row in loads(f.read().decode())]
                kept = [row for row in rows if (row.routing_key, row.queue) != (routing_key, queue)]
                if kept != rows:
                    f.seek(0)
                    f.truncate()
                    f.write(dumps(kept).encode())
            finally:
                filesystem.unlock(f)

    def _size(self, queue: str) -> int:
        wanted = f"{queue}.msg"
        return sum(1 for n in os.listdir(self.data_folder_in) if n.partition(".")[2] == wanted)


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = "local"
    driver_name = "thidua-local"
