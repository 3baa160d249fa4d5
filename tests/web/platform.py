"""The real platform for the browser tests: every service, relay, consumer, the gateway and
the web application as OS processes in embedded mode, with the demo data, and a scoring
round of the sample table opened by the ministry through the API.

It extends tests/test_platform.py's ``Platform`` with what a unit officer's journey needs
besides: the criteria demo tables (2024 and their 2026 clone) published and relayed to scoring,
scoring's relay (a submitted sheet is computed by scoring's workers through the bus) and the
web process, which the gateway forwards every non-API path to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import select

from kit.db import Database
from kit.events.consumer import topic_matches
from kit.events.tables import inbox, outbox
from services.awards.domain import packs as award_packs
from services.awards.service import SERVICE as AWARDS
from services.criteria.domain import demo as criteria_demo
from services.scoring.service import SERVICE as SCORING
from tests.support.processes import free_port, gunicorn, python, wait_until
from tests.support.stack import Stack
from tests.test_platform import Platform
from web.i18n import compile_translations

ROUND_YEAR = 2026  # the demo tables are 2024's and its clone for 2026
AWARD_RULES = Path(__file__).resolve().parents[2] / "services/awards/data/sample-award-rules.json"
SECRET_KEY = "browser-tests-only-secret-key-0123456789abcdef"


@dataclass(frozen=True)
class OpenRound:
    id: str
    table_id: str
    sheets: dict[str, str]  # unit id -> sheet id


class WebPlatform(Platform):
    def __init__(self, stack: Stack) -> None:
        super().__init__(stack)
        self.web_port = free_port()

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # awards too: its nomination and award events reach notify (the inbox journeys).
    RELAYED = ("identity", "criteria", "scoring", "awards")

    def load(self, name: str, db: Database) -> None:
        super().load(name, db)
        if name == "criteria":
            with db.transaction() as session:
                criteria_demo.load(session)
        if name == "awards":  # the sample rule pack, published (what `make up` loads)
            with db.transaction() as session:
                document = json.loads(AWARD_RULES.read_text(encoding="utf-8"))
                award_packs.load(session, "system:tests", document, publish_it=True)

    def gateway_env(self) -> dict[str, str]:
        return {
            **super().gateway_env(),
            "GATEWAY_UPSTREAM_WEB": self.web,
            # Every request of the browsers and of the web process comes from 127.0.0.1, and
            # the journeys are quick: the limits are not what these tests are about.
            "GATEWAY_RATE_LIMIT_TOKEN": "600/minute",
            "GATEWAY_RATE_LIMIT_ADDRESS": "20000/minute",
            "GATEWAY_RATE_LIMIT_CLIENT": "20000/minute",
        }

    def start(self) -> None:
        compile_translations()  # what `make install` does; pytest alone must not miss it
        super().start()

    def start_more(self) -> None:
        self.stack.spawn(
            "web",
            gunicorn("web.app:create_app()"),
            PORT=str(self.web_port),
            WEB_CONCURRENCY="2",
            WEB_API_URL=f"{self.gateway}/api/v1",
            **self.metrics_env("web"),
        )
        # Notify's webhook deliverer: the Ministry's endpoints get their messages (webhooks).
        self.stack.spawn(
            "notify-deliverer",
            python("-m", "services.notify", "deliver"),
            "notify",
            **self.metrics_env("notify"),
        )

    def ready(self) -> bool:
        return super().ready() and requests.get(f"{self.web}/readyz", timeout=2).status_code == 200

    def _scoring_caught_up(self) -> bool:
        """Whether scoring's inbox holds every event of identity and criteria it subscribes to."""
        wanted = {
            event_id
            for source in ("identity", "criteria")
            for event_id, kind in self._rows(source, select(outbox.c.event_id, outbox.c.type))
            if any(topic_matches(pattern, kind) for pattern in SCORING.subscriptions)
        }
        handled = select(inbox.c.event_id).where(inbox.c.consumer == "scoring")
        return wanted <= {event_id for (event_id,) in self._rows("scoring", handled)}

    def awards_caught_up(self) -> bool:
        """Whether awards' inbox holds every event of identity it subscribes to (its copies
        of the units and the regions of the year, which acclamations are opened among)."""
        wanted = {
            event_id
            for event_id, kind in self._rows("identity", select(outbox.c.event_id, outbox.c.type))
            if any(topic_matches(pattern, kind) for pattern in AWARDS.subscriptions)
        }
        handled = select(inbox.c.event_id).where(inbox.c.consumer == "awards")
        return wanted <= {event_id for (event_id,) in self._rows("awards", handled)}

    def _rows(self, service: str, query: Any) -> list[Any]:
        db = Database(self.stack.database_url(service), service)
        try:
            with db.read() as session:
                return list(session.execute(query).all())
        finally:
            db.dispose()

    def api(self, method: str, path: str, username: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.gateway}/api/v1{path}",
            headers=self.login(username),
            timeout=15,
            **kwargs,
        )

    def open_round(self) -> OpenRound:
        """The ministry opens a round of the sample table and starts self-assessment."""
        officer = self.login("bo.tdkt")

        def table_arrived() -> bool:
            created = requests.post(
                f"{self.gateway}/api/v1/scoring/rounds",
                headers=officer,
                json={
                    "year": ROUND_YEAR,
                    "unit_kind": "so-tu-phap",
                    "name": f"Thi đua năm {ROUND_YEAR}",
                    "self_assessment_due": f"{ROUND_YEAR}-12-15T10:00:00+00:00",
                    "review_due": f"{ROUND_YEAR}-12-20T10:00:00+00:00",
                    "appraisal_due": f"{ROUND_YEAR + 1}-01-10T10:00:00+00:00",
                },
                timeout=15,
            )
            self._created = created
            return created.status_code == 201

        # The table and the units reach scoring through the bus: wait until scoring has applied
        # every event it takes from identity and criteria, or the round would be opened on a
        # half-known organisation (the 63 units of 2024 before the 2025 mergers arrived).
        wait_until(self._scoring_caught_up, timeout=120, interval=0.5, what="scoring's copies")
        wait_until(table_arrived, timeout=60, interval=0.5, what="scoring to know the table")
        round_ = self._created.json()
        moved = requests.post(
            f"{self.gateway}/api/v1/scoring/rounds/{round_['id']}/phase",
            headers=officer,
            json={"to": "self_assessment"},
            timeout=15,
        )
        assert moved.status_code == 200, moved.text
        sheets = requests.get(
            f"{self.gateway}/api/v1/scoring/rounds/{round_['id']}/sheets",
            headers=officer,
            params={"page_size": 200},
            timeout=15,
        ).json()["items"]
        return OpenRound(round_["id"], round_["table_id"], {s["unit_id"]: s["id"] for s in sheets})
