"""What a year-end run needs before its first request: databases, read models, keys, tokens.

Scoring's read models are filled the way production fills them, by applying events with the
kit's own ``Consumer.apply`` (inbox and all): identity's real reference data for 2026 (34
provinces, their regions), loaded into an identity database of the run, whose outbox events
are handed over in process, and the sample criteria table published for 2026.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from bench.stacks import Stack
from kit import auth, migrate
from kit.auth import Grant
from kit.events import CloudEvent, bus
from kit.events.consumer import Consumer
from kit.events.tables import outbox
from services.identity.domain import reference
from services.identity.service import SERVICE as IDENTITY
from services.scoring.service import SERVICE as SCORING

DATA = Path(__file__).resolve().parents[2] / "services" / "criteria" / "data"
YEAR = 2026
UNIT_KIND = "so-tu-phap"


def sample_table() -> dict[str, Any]:
    return json.loads((DATA / "sample-criteria-table.json").read_text(encoding="utf-8"))


def sample_sheets() -> list[dict[str, Any]]:
    """The worked examples' sheets (entries, bonus and deduction counts)."""
    examples = json.loads((DATA / "sample-scoresheets.json").read_text(encoding="utf-8"))
    return [example["sheet"] for example in examples]


def table_published(document: dict[str, Any]) -> CloudEvent:
    return CloudEvent(
        type="criteria.table.published",
        source="/thidua/criteria",
        subject=f"criteria-table/{YEAR}/{UNIT_KIND}",
        data={
            "schema_version": 1,
            "table_id": f"bench-table-{YEAR}",
            "year": YEAR,
            "unit_kind": UNIT_KIND,
            "version": 1,
            "supersedes_table_id": None,
            "change_note": None,
            "published_at": f"{YEAR}-01-15T00:00:00+00:00",
            "rules_version": "2024.1",
            "methods": {},
            "document": {**document, "year": YEAR},
        },
    )


def prepare(stack: Stack) -> int:
    """Migrate both databases, fill scoring's read models; the number of events applied."""
    for service in (IDENTITY, SCORING):
        migrate.upgrade(service, stack.database_urls[service.name])
    with bus.connect(stack.bus_url) as connection:
        bus.declare(connection, bus.Topology(stack.bus_prefix), "scoring", SCORING.subscriptions)
    identity, scoring = stack.database("identity"), stack.database("scoring")
    try:
        with identity.transaction() as session:
            reference.load(session, last_year=YEAR + 1)
        with identity.read() as session:
            rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.id)).scalars()
            history = [CloudEvent.from_json(row) for row in rows]
        consumer = Consumer(stack.settings("scoring"), scoring, SCORING.subscriptions)
        applied = 0
        for event in [*history, table_published(sample_table())]:
            if consumer.handler_for(event.type):
                applied += consumer.apply(event)
        return applied
    finally:
        identity.dispose()
        scoring.dispose()


class Keys:
    """A signing key of the benchmark's own, its JWKS, and tokens for the callers."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"bench-{secrets.token_hex(3)}"
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = json.dumps({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def headers(self, role: str, scope: str, scope_id: str | None, unit: str) -> dict[str, str]:
        now = int(time.time())
        grant = Grant(role=role, scope=scope, scope_id=scope_id, valid_from=date(2020, 1, 1))
        claims = {
            "iss": auth.issuer(),
            "aud": auth.audience(),
            "sub": f"bench-{role}-{scope_id or 'all'}",
            "iat": now,
            "exp": now + 3 * 3600,
            "jti": secrets.token_hex(8),
            "kind": "user",
            "roles": [grant.as_claim()],
            "unit": unit,
        }
        return {"Authorization": f"Bearer {auth.sign(claims, self.key, self.kid)}"}

    def officer(self) -> dict[str, str]:
        return self.headers("ministry_officer", "national", None, "vu-tdkt")

    def unit_officer(self, unit: str) -> dict[str, str]:
        return self.headers("unit_officer", "unit", unit, unit)
