"""The demo tables of the embedded mode: the sample table for 2024 and its clone for 2026."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from services.criteria.domain import tables

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample-criteria-table.json"
DEMO_ACTOR = "system:demo"


def load(session: Session) -> list[str]:
    """Publish the sample for 2024 and a clone for 2026 unless they exist; return the years
    published now."""
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    done = []
    base = tables.current(session, 2024, document["unit_kind"])
    if base is None:
        draft = tables.create_draft(
            session, DEMO_ACTOR, year=2024, unit_kind=document["unit_kind"], document=document
        )
        base = tables.publish(session, DEMO_ACTOR, draft, None)
        done.append(2024)
    if tables.current(session, 2026, document["unit_kind"]) is None:
        tables.publish(session, DEMO_ACTOR, tables.clone(session, DEMO_ACTOR, base, 2026), None)
        done.append(2026)
    return done
