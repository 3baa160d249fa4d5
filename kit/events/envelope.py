"""The CloudEvents 1.0 structured envelope every platform event travels in.

On the wire an event is one JSON object: the CloudEvents attributes, ``data`` (which always
carries ``schema_version``), and the ``correlationid`` extension that ties it to the request
or event that caused it. The outbox stores exactly these bytes, so what the relay publishes is
what was committed.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
# Event types are routing keys: lowercase words separated by dots, e.g. awards.award.granted.
TYPE_PATTERN = re.compile(r"\A[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}\Z")


class InvalidEvent(ValueError):
    """The bytes received are not a platform event; retrying cannot help."""


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="microseconds"))
    correlationid: str | None = None

    @property
    def schema_version(self) -> int:
        return int(self.data.get("schema_version", 1))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "data": self.data,
        }
        if self.correlationid:
            body["correlationid"] = self.correlationid
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> CloudEvent:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEvent(f"not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise InvalidEvent("the envelope is not a JSON object")
        if body.get("specversion") != SPEC_VERSION:
            raise InvalidEvent(f"unsupported specversion {body.get('specversion')!r}")
        missing = [k for k in ("id", "source", "type", "subject", "time") if not body.get(k)]
        if missing:
            raise InvalidEvent(f"missing attributes: {', '.join(missing)}")
        if not isinstance(body.get("data"), dict) or "schema_version" not in body["data"]:
            raise InvalidEvent("data must be an object carrying schema_version")
        return cls(
            type=body["type"],
            source=body["source"],
            subject=body["subject"],
            data=body["data"],
            id=body["id"],
            time=body["time"],
            correlationid=body.get("correlationid"),
        )
