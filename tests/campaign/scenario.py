"""The year-end through scoring's API, as retrying clients drive it while processes die.

The scenario (one seeded ``Plan``, the same with or without faults): the Ministry opens the
2026 round of the 34 provincial justice departments and starts self-assessment; every unit
fills its sheet (one of the worked examples, entry by entry, then its bonus and deduction
counts) and submits; the self-assessment deadline passes and the scheduler closes it; each
region's lead returns some sheets for revision (the unit changes a criterion and submits
again), proposes other points for some criteria and marks some sheets reviewed; the Ministry
opens the appraisal, sets final points for some criteria, finalises every sheet, closes the
round, waits for the totals and publishes the ranking; awards receives it.

The client does what a real client does when a server dies under it: on a connection error,
a timeout, or a 500/502/503/504 it waits a little and sends the same request again (a POST
with the same ``Idempotency-Key``; a conditional write with the same ``If-Match``). When an
answer says the write may already have happened, it looks (a GET) instead of failing:

- 412 (someone, maybe its own lost attempt, changed the sheet): if the wanted state is there,
  done; else it takes the fresh ETag and a new key;
- 409 "a request with this key is in progress" for longer than ``STUCK_AFTER_S``: the first
  attempt's process died (SIGKILL, or a database cut before the key could be released; a
  known weakness, issue 15); if the effect is there, done, else a new key.

``ClientStats`` counts each of these, for the report.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import func, select, update

import scoringrules
from scoringrules import table as rules
from services.scoring.domain import rankings
from services.scoring.models import Round, Sheet, TableCopy
from tests.campaign.platform import Platform
from tests.support.tokens import as_role

YEAR = 2026
UNIT_KIND = "so-tu-phap"
ROUND_NAME = "Chấm điểm thi đua năm 2026 (chiến dịch lỗi)"
RETRYABLE = {500, 502, 503, 504}
STUCK_AFTER_S = 8.0  # a key "in progress" this long belongs to a dead request
OPERATION_DEADLINE_S = 150.0
CONCURRENCY = 4
EXAMPLES = "services/criteria/data/sample-scoresheets.json"


class Failed(AssertionError):
    """The scenario could not go on: an answer no retry explains."""


# -- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetPlan:
    sheet_id: str
    unit_id: str
    region_id: str | None
    entries: dict[str, Any]  # code -> inputs, as first filled
    bonus: dict[str, int]
    deduction: dict[str, int]
    returned: tuple[str, Any] | None  # returned for revision: (code, its new inputs)
    review: dict[str, Decimal]  # the region's proposed points
    reviewed: bool  # marked reviewed by the region
    appraisal: dict[str, Decimal]  # the Ministry's final points

    def final_inputs(self) -> dict[str, Any]:
        entries = dict(self.entries)
        if self.returned is not None:
            code, inputs = self.returned
            entries[code] = inputs
        return entries

    def overrides(self) -> dict[str, Decimal]:
        return {**self.review, **self.appraisal}


def examples() -> list[dict[str, Any]]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / EXAMPLES
    return [example["sheet"] for example in json.loads(path.read_text(encoding="utf-8"))]


def make_plan(
    seed: int, sheets: Iterable[tuple[str, str, str | None]], document: Any
) -> list[SheetPlan]:
    """Each sheet's part in the year-end, from ``seed`` alone (the same with or without
    faults). ``sheets``: (sheet id, unit id, region id)."""
    chooser = random.Random(f"plan-{seed}")
    samples = examples()
    criteria = rules.leaves(document)
    plans = []
    for index, (sheet_id, unit_id, region_id) in enumerate(sorted(sheets, key=lambda s: s[1])):
        sample = samples[(index + chooser.randrange(len(samples))) % len(samples)]
        entries = {code: sample["entries"][code] for code in criteria}
        points = {
            code: scoringrules.METHODS[criteria[code]["method"]["type"]].points(
                criteria[code], inputs
            )
            for code, inputs in entries.items()
        }
        earning = sorted(code for code, value in points.items() if value and value > 0)
        returned = None
        if chooser.random() < 0.15:
            code = chooser.choice(sorted(entries))
            others = [s["entries"][code] for s in samples if s["entries"][code] != entries[code]]
            if others:
                returned = (code, chooser.choice(others))
        review: dict[str, Decimal] = {}
        if chooser.random() < 0.4 and earning:
            for code in chooser.sample(earning, k=min(len(earning), chooser.randint(1, 2))):
                review[code] = Decimal(int(points[code]) // 2)
        reviewed = chooser.random() < 0.5
        if region_id is None:  # no region lead to return, review or mark it
            returned, review, reviewed = None, {}, False
        appraisal: dict[str, Decimal] = {}
        if chooser.random() < 0.3 and earning:
            code = chooser.choice(earning)
            appraisal[code] = Decimal(int(points[code]))
        plans.append(
            SheetPlan(
                sheet_id,
                unit_id,
                region_id,
                entries,
                dict(sample.get("bonus", {})),
                dict(sample.get("deduction", {})),
                returned,
                review,
                reviewed,
                appraisal,
            )
        )
    return plans


@dataclass(frozen=True)
class Place:
    """A unit's line of a ranking, as compared unit by unit."""

    total: str
    band: str
    national_rank: int
    region_rank: int | None


def expected_ranking(plans: Iterable[SheetPlan], document: Any) -> dict[str, Place]:
    """The ranking the plan must end in, from the scoring rules alone (no process involved)."""
    scored = []
    for plan in plans:
        result = scoringrules.score(
            document,
            {"entries": plan.final_inputs(), "bonus": plan.bonus, "deduction": plan.deduction},
            plan.overrides(),
        )
        scored.append((plan.unit_id, plan.region_id, result.total, result.band))
    return {
        p.unit_id: Place(str(rankings.text(p.total)), p.band, p.national_rank, p.region_rank)
        for p in rankings.place(scored)
    }


# -- the client -------------------------------------------------------------------------------


@dataclass
class ClientStats:
    requests: int = 0
    retries: Counter[str] = field(default_factory=Counter)  # why: "connection", "503", ...
    replayed: int = 0  # answers replayed from an Idempotency-Key
    stuck_key_found: int = 0  # 409 in progress forever; the effect was there
    stuck_key_missing: int = 0  # ... and it was not: sent again with a new key
    conflict_effect_found: int = 0  # 412/409 because a lost attempt had done it already
    stale_etag: int = 0  # 412 with the effect missing: sent again with the fresh ETag

    def merge_lines(self) -> list[str]:
        return [
            f"requests {self.requests}",
            "retries " + (", ".join(f"{k} {v}" for k, v in sorted(self.retries.items())) or "0"),
            f"replayed by Idempotency-Key {self.replayed}",
            f"stuck Idempotency-Key (409 in progress), effect found {self.stuck_key_found}",
            f"stuck Idempotency-Key, effect missing, new key {self.stuck_key_missing}",
            f"412/409 where a lost attempt had done it {self.conflict_effect_found}",
            f"412 stale ETag, sent again {self.stale_etag}",
        ]


def _in_progress(reply: requests.Response) -> bool:
    return reply.status_code == 409 and "in progress" in reply.text


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.stats = ClientStats()
        self._local = threading.local()
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.trust_env = False
            session.headers["Accept-Language"] = "en"
            self._local.session = session
        return self._local.session

    def _count(self, **changes: int) -> None:
        with self._lock:
            for name, amount in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + amount)

    def _retry(self, why: str) -> None:
        with self._lock:
            self.stats.retries[why] += 1

    def send(
        self, method: str, path: str, headers: dict[str, str], **kwargs: Any
    ) -> requests.Response:
        """One request, repeated as-is while the server is away (no answer, 5xx)."""
        deadline = time.monotonic() + OPERATION_DEADLINE_S
        pause = 0.2
        while True:
            self._count(requests=1)
            try:
                reply = self._session().request(
                    method, self.base + path, headers=headers, timeout=30, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                why = "timeout" if isinstance(error, requests.Timeout) else "connection"
            else:
                if reply.status_code not in RETRYABLE:
                    if reply.headers.get("Idempotent-Replayed") == "true":
                        self._count(replayed=1)
                    return reply
                why = str(reply.status_code)
            if time.monotonic() > deadline:
                raise Failed(
                    f"{method} {path}: still failing ({why}) after {OPERATION_DEADLINE_S} s"
                )
            self._retry(why)
            time.sleep(pause)
            pause = min(pause * 2, 2.0)

    def get(self, path: str, headers: dict[str, str]) -> requests.Response:
        reply = self.send("GET", path, headers)
        if reply.status_code != 200:
            raise Failed(f"GET {path}: {reply.status_code} {reply.text[:300]}")
        return reply

    def write(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        done: Callable[[], bool],
        *,
        etag: Callable[[], str] | None = None,
        expect: Iterable[int] = (200, 201, 202),
        **kwargs: Any,
    ) -> requests.Response | None:
        """A write that must take effect once: the reply, or None when a lost earlier
        attempt turned out to have done it (``done`` looks)."""
        expected = tuple(expect)
        deadline = time.monotonic() + OPERATION_DEADLINE_S
        while time.monotonic() < deadline:
            sent = dict(headers)
            if method == "POST":
                sent["Idempotency-Key"] = str(uuid.uuid4())
            if etag is not None:
                sent["If-Match"] = etag()
            stuck_since: float | None = None
            while True:
                reply = self.send(method, path, sent, **kwargs)
                if reply.status_code in expected:
                    return reply
                if not _in_progress(reply):
                    break
                # The same key is still claimed: its first request runs, or it died.
                stuck_since = stuck_since or time.monotonic()
                if time.monotonic() - stuck_since > STUCK_AFTER_S:
                    break
                self._retry("409-in-progress")
                time.sleep(0.5)
            if _in_progress(reply):
                if done():
                    self._count(stuck_key_found=1)
                    return None
                self._count(stuck_key_missing=1)
                continue  # a new key
            if reply.status_code in (409, 412) and done():
                self._count(conflict_effect_found=1)
                return None
            if reply.status_code == 412 and etag is not None:
                self._count(stale_etag=1)
                continue  # the fresh ETag, a new key
            raise Failed(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
        raise Failed(f"{method} {path}: no effect after {OPERATION_DEADLINE_S} s")


# -- the year-end -----------------------------------------------------------------------------


def parallel(tasks: list[Callable[[], None]]) -> None:
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for future in [pool.submit(task) for task in tasks]:
            future.result()


@dataclass
class Outcome:
    round_id: str
    plans: list[SheetPlan]
    document: Any
    published: dict[str, Place]  # from the POST that published (or the GET after it)
    timings: dict[str, float]
    stats: ClientStats


class YearEnd:
    def __init__(self, platform: Platform, seed: int, progress: Callable[[str], None]) -> None:
        self.platform = platform
        self.seed = seed
        self.progress = progress
        self.client = Client(platform.api)
        self.officer = as_role("ministry_officer")
        self.timings: dict[str, float] = {}
        self._etags: dict[str, str] = {}  # sheet id -> the ETag its last write answered
        self._began = time.monotonic()

    def _mark(self, step: str) -> None:
        self.timings[step] = time.monotonic() - self._began
        self.progress(f"year-end: {step} ({self.timings[step]:.1f} s)")

    def unit(self, plan: SheetPlan) -> dict[str, str]:
        return as_role("unit_officer", "unit", plan.unit_id, unit=plan.unit_id)

    def lead(self, plan: SheetPlan) -> dict[str, str]:
        return as_role("region_lead", "region", plan.region_id, unit=plan.unit_id)

    # -- reading --------------------------------------------------------------------------

    def sheet(self, sheet_id: str, headers: dict[str, str]) -> dict[str, Any]:
        return self.client.get(f"/sheets/{sheet_id}", headers).json()

    def etag(self, sheet_id: str, headers: dict[str, str]) -> Callable[[], str]:
        """The sheet's ETag for the next attempt: the one the last write answered, used once
        (so a 412 fetches a fresh one), else a GET."""

        def current() -> str:
            known = self._etags.pop(sheet_id, None)
            return known or self.client.get(f"/sheets/{sheet_id}", headers).headers["ETag"]

        return current

    def sheet_write(
        self,
        method: str,
        sheet_id: str,
        path: str,
        headers: dict[str, str],
        done: Callable[[], bool],
        **kwargs: Any,
    ) -> None:
        """A conditional write of the sheet (If-Match: its ETag), remembering the new ETag."""
        reply = self.client.write(
            method,
            f"/sheets/{sheet_id}{path}",
            headers,
            done,
            etag=self.etag(sheet_id, headers),
            **kwargs,
        )
        if reply is not None and "ETag" in reply.headers:
            self._etags[sheet_id] = reply.headers["ETag"]

    def status_is(self, sheet_id: str, headers: dict[str, str], *status: str) -> Callable[[], bool]:
        return lambda: self.sheet(sheet_id, headers)["status"] in status

    def entry(self, sheet_id: str, code: str, headers: dict[str, str]) -> dict[str, Any]:
        return next(e for e in self.sheet(sheet_id, headers)["entries"] if e["code"] == code)

    def phase(self) -> str:
        return self.client.get(f"/rounds/{self.round_id}", self.officer).json()["phase"]

    # -- the steps ------------------------------------------------------------------------

    def open_round(self) -> None:
        def created() -> bool:
            rounds = self.client.get("/rounds", self.officer).json()
            return any(r["name"] == ROUND_NAME for r in rounds)

        self.client.write(
            "POST",
            "/rounds",
            self.officer,
            created,
            json={
                "year": YEAR,
                "unit_kind": UNIT_KIND,
                "name": ROUND_NAME,
                "self_assessment_due": f"{YEAR}-12-15T17:00:00+07:00",
                "review_due": f"{YEAR}-12-25T17:00:00+07:00",
                "appraisal_due": f"{YEAR + 1}-01-10T17:00:00+07:00",
            },
        )
        rounds = self.client.get("/rounds", self.officer).json()
        self.round_id = next(r["id"] for r in rounds if r["name"] == ROUND_NAME)
        self.move_round("self_assessment")

    def move_round(self, phase: str) -> None:
        order = ["draft", "self_assessment", "region_review", "appraisal", "closed", "published"]
        self.client.write(
            "POST",
            f"/rounds/{self.round_id}/phase",
            self.officer,
            lambda: order.index(self.phase()) >= order.index(phase),
            json={"to": phase},
        )

    def make_plan(self) -> None:
        listed = self.client.get(f"/rounds/{self.round_id}/sheets?page_size=200", self.officer)
        items = listed.json()["items"]
        with self.platform.db("scoring").read() as session:
            round_ = session.get(Round, self.round_id)
            assert round_ is not None
            table = session.get(TableCopy, round_.table_id)
            assert table is not None
            self.document = table.document
        self.plans = make_plan(
            self.seed, [(i["id"], i["unit_id"], i["region_id"]) for i in items], self.document
        )

    def fill_and_submit(self, plan: SheetPlan) -> None:
        headers = self.unit(plan)
        for entry in self.sheet(plan.sheet_id, headers)["entries"]:
            self.save_entry(plan, entry["code"], plan.entries[entry["code"]], entry["etag"])

        def counted() -> bool:
            sheet = self.sheet(plan.sheet_id, headers)
            return (sheet["bonus_counts"], sheet["deduction_counts"]) == (
                plan.bonus,
                plan.deduction,
            )

        self.sheet_write(
            "PUT",
            plan.sheet_id,
            "/counts",
            headers,
            counted,
            json={"bonus": plan.bonus, "deduction": plan.deduction},
        )
        self.submit(plan)

    def save_entry(self, plan: SheetPlan, code: str, inputs: Any, etag: str | None = None) -> None:
        headers = self.unit(plan)
        known = [etag] if etag is not None else []
        self._etags.pop(plan.sheet_id, None)  # the entry's change moves the sheet's revision

        def current_etag() -> str:
            # The ETag listed with the sheet for the first attempt, a fresh one after that.
            return known.pop() if known else self.entry(plan.sheet_id, code, headers)["etag"]

        self.client.write(
            "PUT",
            f"/sheets/{plan.sheet_id}/entries/{code}",
            headers,
            lambda: self.entry(plan.sheet_id, code, headers)["inputs"] == inputs,
            etag=current_etag,
            json={"inputs": inputs},
        )

    def submit(self, plan: SheetPlan) -> None:
        headers = self.unit(plan)
        self.sheet_write(
            "POST",
            plan.sheet_id,
            "/submit",
            headers,
            self.status_is(plan.sheet_id, headers, "submitted", "reviewed", "final"),
        )

    def deadline_passes(self) -> None:
        """The clock reaches the self-assessment deadline (moved to now: the test cannot wait
        for December), and the scheduler closes the phase by itself."""
        with self.platform.db("scoring").transaction() as session:
            session.execute(
                update(Round)
                .where(Round.id == self.round_id)
                .values(self_assessment_due=func.now())
            )
        deadline = time.monotonic() + OPERATION_DEADLINE_S
        while self.phase() != "region_review":
            if time.monotonic() > deadline:
                raise Failed("the scheduler did not close self-assessment")
            time.sleep(0.5)

    def region_review(self, plan: SheetPlan) -> None:
        if plan.region_id is None:
            return  # a unit in no region has no region lead (none in 2026)
        lead = self.lead(plan)
        if plan.returned is not None:
            self.sheet_write(
                "POST",
                plan.sheet_id,
                "/return",
                lead,
                self.status_is(plan.sheet_id, lead, "returned"),
                json={"reason": "Bổ sung số liệu (campaign)"},
            )
            code, inputs = plan.returned
            self.save_entry(plan, code, inputs)
            self.submit(plan)
        for code, points in plan.review.items():
            self.sheet_write(
                "POST",
                plan.sheet_id,
                f"/entries/{code}/review",
                lead,
                lambda code=code, points=points: _same(
                    self.entry(plan.sheet_id, code, lead)["review_points"], points
                ),
                json={"points": str(points), "reason": "Đề xuất của cụm (campaign)"},
            )
        if plan.reviewed:
            self.sheet_write(
                "POST",
                plan.sheet_id,
                "/reviewed",
                lead,
                self.status_is(plan.sheet_id, lead, "reviewed"),
            )

    def appraise(self, plan: SheetPlan) -> None:
        for code, points in plan.appraisal.items():
            self.sheet_write(
                "POST",
                plan.sheet_id,
                f"/entries/{code}/appraisal",
                self.officer,
                lambda code=code, points=points: _same(
                    self.entry(plan.sheet_id, code, self.officer)["final_points"], points
                ),
                json={"points": str(points), "reason": "Thẩm định của Bộ (campaign)"},
            )
        self.sheet_write(
            "POST",
            plan.sheet_id,
            "/finalise",
            self.officer,
            self.status_is(plan.sheet_id, self.officer, "final"),
        )

    def wait_computed(self) -> None:
        db = self.platform.db("scoring")
        deadline = time.monotonic() + OPERATION_DEADLINE_S
        while True:
            with db.read() as session:
                waiting = session.execute(
                    select(func.count())
                    .select_from(Sheet)
                    .where(
                        Sheet.round_id == self.round_id,
                        (Sheet.compute_status != "done")
                        | Sheet.computed_revision.is_(None)
                        | (Sheet.computed_revision != Sheet.revision),
                    )
                ).scalar_one()
            if waiting == 0:
                return
            if time.monotonic() > deadline:
                raise Failed(f"{waiting} sheets never computed")
            time.sleep(0.3)

    def publish(self) -> dict[str, Place]:
        path = f"/rounds/{self.round_id}"
        self.client.write(
            "POST", f"{path}/results", self.officer, lambda: self.phase() == "published"
        )
        # The ranking as any reader sees it now (the POST's own answer may have been lost).
        items = self.client.get(f"{path}/rankings", self.officer).json()["items"]
        return {
            i["unit_id"]: Place(i["total"], i["band"], i["national_rank"], i["region_rank"])
            for i in items
        }

    def run(self) -> Outcome:
        self.open_round()
        self._mark("round open")
        self.make_plan()
        parallel([lambda p=p: self.fill_and_submit(p) for p in self.plans])
        self._mark("every sheet filled and submitted")
        self.deadline_passes()
        self._mark("self-assessment closed by the scheduler")
        parallel([lambda p=p: self.region_review(p) for p in self.plans])
        self._mark("region review done")
        self.move_round("appraisal")
        parallel([lambda p=p: self.appraise(p) for p in self.plans])
        self.move_round("closed")
        self._mark("appraised, finalised and closed")
        self.wait_computed()
        self._mark("every final sheet computed")
        published = self.publish()
        self._mark("ranking published")
        return Outcome(
            self.round_id, self.plans, self.document, published, self.timings, self.client.stats
        )


def _same(points: str | None, wanted: Decimal) -> bool:
    return points is not None and Decimal(points) == wanted
