"""One national year-end on a fresh PostgreSQL + RabbitMQ stack, with N real scoring workers.

Processes: scoring's relay (``python -m services.scoring relay``) and ``workers`` scoring
workers (``python -m services.scoring consume --prefetch … --batch-size …``). The benchmark's
own process plays the people, through scoring's domain code (no HTTP: the API's cost per
request is measured by the scoring and gateway benchmarks), in ``SUBMITTERS`` processes each
running one transaction of ``SUBMIT_CHUNK`` sheets at a time, as that many API worker
processes would serve them. The stages run one
after the other, and the total is their sum (in production they overlap, so it is an upper
bound of a year-end's):

1. submit, the workers stopped: every unit submits its sheet (``sheets.submit_many``: the
   same checks, history, revision and events as ``POST /sheets/<id>/submit``, each sheet's
   ``scoring.sheet.compute_requested`` and ``submitted`` through the outbox), timed until the
   relay has published every job;
2. drain: ``workers`` workers launched on that full queue, timed until every sheet is
   computed at its revision (their start-up, until each is a consumer, is included and
   reported apart). This is the figure the 2-vs-1 ratio compares;
3. appraisal, the workers running: the round to region review and appraisal, the Ministry's
   final points on one criterion of every ``CHANGED_EVERY``-th sheet
   (``sheets.set_points_many``, each a job), every sheet finalised
   (``sheets.finalise_many``: a sheet whose revision is computed carries its result forward
   without a job, one whose change is still being computed asks again), the round closed;
   timed until every sheet is computed at its final revision;
4. publish: ``rankings.publish`` in one transaction (what ``POST /rounds/<id>/results``
   runs), the round locked as the view locks it.

Then the checks: every sheet final and computed at its revision; one ``compute_requested``
per submission, per changed criterion and per finalisation that found its sheet pending (those
only of changed sheets), each published and in scoring's inbox once (the result written by a
conditional UPDATE only while its revision is not yet computed); no message dead-lettered, none
left in the queue; the stored results equal to ``scoringrules.score`` of the same sheet (with
the Ministry's points) on a sample of unchanged and changed units; the published ranking
holding every unit.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

import scoringrules
from bench import cpu
from bench.national import seed
from bench.national.synthetic import Synthetic, unit_id
from bench.procs import Running, python_module, wait_until
from bench.stacks import Stack
from kit.db import Database
from kit.events import bus
from kit.events.tables import inbox, outbox
from scoringrules.table import leaves
from services.scoring import events
from services.scoring.domain import rankings, rounds, sheets
from services.scoring.models import Ranking, Round, Sheet

ACTOR_UNIT = "bench-unit-officer"
ACTOR_MINISTRY = "bench-ministry-officer"
SUBMIT_CHUNK = 200  # sheets per submission (or appraisal, finalisation) transaction
SUBMITTERS = 4  # API-like processes, each one such transaction at a time
POLL_S = 0.25  # how often the database is asked whether every sheet is computed
SAMPLE = 50  # sheets whose stored totals are checked against scoringrules.score
CHANGED_EVERY = 10  # the Ministry changes one criterion's points of every 10th sheet
TIMEOUT_S = 1200.0
# A folder: each worker runs under cProfile and writes <folder>/<name>.prof when stopped.
PROFILE_ENV = "BENCH_NATIONAL_PROFILE"


class Failed(RuntimeError):
    pass


@dataclass
class Run:
    workers: int
    units: int
    criteria: int
    seed_s: float
    submit_s: float  # every submission committed (workers stopped)
    published_s: float  # first submission -> every job published by the relay
    drain_s: float  # workers launched on the full queue -> every sheet computed
    start_s: float  # of which: launched -> every worker a consumer (imports, connections)
    appraise_s: float  # appraisal, workers running: phases -> every final sheet computed
    appraise_commit_s: float  # of which: phases, points and finalisations committed
    changed: int  # sheets whose points the Ministry changed
    final_jobs: int  # finalisations that found their sheet pending (the others carried)
    publish_s: float
    total_s: float  # the sum of the stages: published_s + drain_s + appraise_s + publish_s
    jobs: int  # compute_requested events handled
    cpu: str
    checks: list[str] = field(default_factory=list)


def changed_units(units: int) -> list[int]:
    """The units whose sheet the Ministry changes (one criterion each)."""
    return list(range(0, units, CHANGED_EVERY))


def final_points(synthetic: Synthetic, number: int) -> tuple[str, Decimal]:
    """The criterion of unit ``number`` the Ministry sets, and the points: its standard
    points (within what it can earn; different from what most units earned)."""
    code = synthetic.codes[number % len(synthetic.codes)]
    return code, Decimal(str(leaves(synthetic.document)[code]["max_points"]))


def consume_arguments(prefetch: int, batch_size: int) -> list[str]:
    """``consume`` with the batch size when this tree's kit takes one (else one per event)."""
    arguments = ["consume", "--prefetch", str(prefetch)]
    helptext = subprocess.run(
        [sys.executable, "-m", "services.scoring", "consume", "--help"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if "--batch-size" in helptext:
        arguments += ["--batch-size", str(batch_size)]
    return arguments


def _wait_consumers(stack: Stack, count: int, watch: list[Running], timeout: float = 60) -> None:
    """Until scoring's queue has ``count`` consumers (every worker started and subscribed)."""
    name = bus.Topology(stack.bus_prefix).service_queue("scoring", []).name
    with bus.connect(stack.bus_url) as connection:
        channel = connection.default_channel
        wait_until(
            lambda: channel.queue_declare(queue=name, passive=True)[2],
            lambda consumers: consumers >= count,
            timeout=timeout,
            every=0.2,
            watch=watch,
            failure=lambda consumers: (
                f"{consumers} of {count} workers consume {name} after {timeout:g} s"
            ),
        )


def _count(db: Database, query: Any) -> int:
    with db.read() as session:
        counted: int = session.execute(query).scalar_one()
    return counted


def _wait_relay(stack: Stack, relay: Running, timeout: float = 60) -> None:
    """Until the relay listens for commits (started: its imports and connections are not the
    submissions' cost)."""
    listening = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND query LIKE 'LISTEN%'"
    )
    db = stack.database("scoring")
    try:
        wait_until(
            lambda: _count(db, listening),
            bool,
            timeout=timeout,
            every=0.2,
            watch=[relay],
            failure=lambda _: f"the relay does not listen after {timeout:g} s",
        )
    finally:
        db.dispose()


def _wait_published(stack: Stack, watch: list[Running]) -> float:
    """Until the relay has published every row of scoring's outbox; when (``perf_counter``)."""
    unpublished = select(func.count()).where(outbox.c.published_at.is_(None))
    db = stack.database("scoring")
    try:
        wait_until(
            lambda: _count(db, unpublished),
            lambda left: left == 0,
            timeout=TIMEOUT_S,
            every=POLL_S,
            watch=watch,
            failure=lambda left: f"{left} events still unpublished",
        )
        return time.perf_counter()
    finally:
        db.dispose()


def _wait_queue_empty(stack: Stack, watch: list[Running]) -> None:
    """Until scoring's queue is drained."""
    name = bus.Topology(stack.bus_prefix).service_queue("scoring", []).name
    with bus.connect(stack.bus_url) as connection:
        channel = connection.default_channel
        wait_until(
            lambda: channel.queue_declare(queue=name, passive=True)[1],
            lambda messages: messages == 0,
            timeout=TIMEOUT_S,
            every=POLL_S,
            watch=watch,
            failure=lambda messages: f"{messages} messages left in {name}",
        )
    time.sleep(1.0)  # the last batch's acknowledgements


def _waiting(db: Database, round_id: str) -> int:
    """How many of the round's sheets are not computed at their revision."""
    return _count(
        db,
        select(func.count())
        .select_from(Sheet)
        .where(
            Sheet.round_id == round_id,
            (Sheet.compute_status != "done")
            | Sheet.computed_revision.is_(None)
            | (Sheet.computed_revision != Sheet.revision),
        ),
    )


def _wait_computed(stack: Stack, round_id: str, watch: list[Running]) -> float:
    """Poll until every sheet of the round is computed at its revision; when it first was
    (``perf_counter``, to within ``POLL_S``)."""
    db = stack.database("scoring")
    try:
        wait_until(
            lambda: _waiting(db, round_id),
            lambda waiting: waiting == 0,
            timeout=TIMEOUT_S,
            every=POLL_S,
            watch=watch,
            failure=lambda waiting: f"{waiting} sheets still not computed after {TIMEOUT_S:g} s",
        )
        return time.perf_counter()
    finally:
        db.dispose()


def _sheet_ids(db: Database, round_id: str) -> list[str]:
    with db.read() as session:
        return list(
            session.execute(
                select(Sheet.id).where(Sheet.round_id == round_id).order_by(Sheet.unit_id)
            ).scalars()
        )


# -- the people's requests, in API-like processes ------------------------------------------

_db: Database | None = None  # in each submitter process: its connection pool


def _open(url: str, started: Any) -> None:
    """A submitter process's start: its database (imports and connections, before the clock),
    then wait for the others (``started``, a barrier), so the pool starts whole."""
    global _db
    _db = Database(url, "scoring")
    with _db.read() as session:
        session.execute(select(1))
    started.wait(120)


def _ready() -> int:
    return os.getpid()


def _request(step: str, round_id: str, chunk: list[Any]) -> None:
    """One API-like request of a submitter process: a transaction over a chunk of sheets."""
    assert _db is not None
    with _db.transaction() as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        if step == "submit":
            sheets.submit_many(session, ACTOR_UNIT, round_, chunk)
        elif step == "appraise":
            sheets.set_points_many(session, ACTOR_MINISTRY, round_, "appraisal", chunk)
        else:
            sheets.finalise_many(session, ACTOR_MINISTRY, round_, chunk)


class Submitters:
    """``SUBMITTERS`` processes that serve the people's requests, one transaction of
    ``SUBMIT_CHUNK`` sheets at a time each, as that many API worker processes would (the
    domain code is Python: threads of one process would share one core). Started, imports
    and connections done, before any stage is timed."""

    def __init__(self, stack: Stack) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(
            SUBMITTERS,
            mp_context=spawn,
            initializer=_open,
            initargs=(stack.database_urls["scoring"], spawn.Barrier(SUBMITTERS)),
        )
        # One task per process (each submit starts one while none is idle); each waits in
        # its start for all the others.
        for future in [self.pool.submit(_ready) for _ in range(SUBMITTERS)]:
            future.result()

    def run(self, step: str, round_id: str, items: list[Any]) -> None:
        """``step`` over chunks of ``items`` (the first error is raised)."""
        chunks = [items[i : i + SUBMIT_CHUNK] for i in range(0, len(items), SUBMIT_CHUNK)]
        for future in [self.pool.submit(_request, step, round_id, c) for c in chunks]:
            future.result()

    def close(self) -> None:
        self.pool.shutdown()


def _submit_all(stack: Stack, submitters: Submitters, round_id: str) -> None:
    db = stack.database("scoring")
    try:
        ids = _sheet_ids(db, round_id)
    finally:
        db.dispose()
    submitters.run("submit", round_id, ids)


def _appraise(stack: Stack, submitters: Submitters, synthetic: Synthetic, round_id: str) -> None:
    """Region review and appraisal; the Ministry's points on the changed sheets, every sheet
    finalised (carried forward or asked again), the round closed."""
    db = stack.database("scoring")

    def advance(phase: str) -> None:
        with db.transaction() as session:
            round_ = session.get(Round, round_id, with_for_update=True)
            assert round_ is not None
            rounds.advance(session, ACTOR_MINISTRY, round_, phase)

    try:
        advance("region_review")
        advance("appraisal")
        with db.read() as session:
            units = dict(
                session.execute(
                    select(Sheet.unit_id, Sheet.id)
                    .where(Sheet.round_id == round_id)
                    .order_by(Sheet.unit_id)
                ).all()  # type: ignore[arg-type]
            )
        points = []
        for number in changed_units(len(units)):
            code, value = final_points(synthetic, number)
            points.append((units[unit_id(number)], code, value, "Thẩm định của Bộ"))
        submitters.run("appraise", round_id, points)
        submitters.run("finalise", round_id, list(units.values()))
        advance("closed")
    finally:
        db.dispose()


def _publish(stack: Stack, round_id: str) -> int:
    db = stack.database("scoring")
    try:
        with db.transaction() as session:
            round_ = session.get(Round, round_id, with_for_update=True)
            assert round_ is not None
            return len(rankings.publish(session, ACTOR_MINISTRY, round_))
    finally:
        db.dispose()


def _sample(items: list[str], limit: int = 5) -> str:
    return ", ".join(items[:limit]) + (f" … ({len(items)} in all)" if len(items) > limit else "")


def _expected_jobs(changed: bool) -> list[list[str]]:
    """The statuses of a sheet's compute jobs, by revision: its submission; for a changed
    sheet, its appraisal and, when it was still pending at its finalisation, that too."""
    if not changed:
        return [["submitted"]]
    return [["submitted", "submitted"], ["submitted", "submitted", "final"]]


def _check(
    stack: Stack, synthetic: Synthetic, round_id: str, units: int
) -> tuple[int, int, list[str]]:
    """The correctness checks (module docstring); the jobs handled, of which those of
    finalisations, and what was checked."""
    changed = {unit_id(n): n for n in changed_units(units)}
    db = stack.database("scoring")
    try:
        with db.read() as session:
            states = session.execute(
                select(Sheet.status, func.count())
                .where(Sheet.round_id == round_id)
                .group_by(Sheet.status)
            ).all()
            if dict(states) != {"final": units}:  # type: ignore[arg-type]
                raise Failed(f"sheets by status: {dict(states)}")  # type: ignore[arg-type]
            if waiting := _waiting(db, round_id):
                raise Failed(f"{waiting} sheets not computed at their revision")
            rows = session.execute(
                select(outbox.c.envelope, outbox.c.published_at).where(
                    outbox.c.type == events.SHEET_COMPUTE_REQUESTED
                )
            ).all()
            asked: dict[str, list[tuple[int, str]]] = {}
            for row in rows:
                if row.published_at is None:
                    raise Failed("a compute job was never published")
                data = json.loads(row.envelope)["data"]
                asked.setdefault(data["unit_id"], []).append((data["revision"], data["status"]))
            final = [unit for unit, jobs in asked.items() if jobs and max(jobs)[1] == "final"]
            wrong = [
                unit
                for unit in map(unit_id, range(units))
                if [status for _, status in sorted(asked.pop(unit, []))]
                not in _expected_jobs(unit in changed)
            ]
            if wrong or asked:
                raise Failed(f"unexpected compute jobs of {_sample(wrong + sorted(asked))}")
            handled = session.execute(
                select(func.count(), func.count(func.distinct(inbox.c.event_id))).where(
                    inbox.c.consumer == "scoring",
                    inbox.c.type == events.SHEET_COMPUTE_REQUESTED,
                )
            ).one()
            if handled[0] != len(rows) or handled[1] != len(rows):
                raise Failed(f"{handled[0]} compute jobs in the inbox of {len(rows)}")
            ranked = session.execute(
                select(func.count()).select_from(Ranking).where(Ranking.round_id == round_id)
            ).scalar_one()
            if ranked != units:
                raise Failed(f"{ranked} units ranked of {units}")
            pick = random.Random(units)
            plain = [n for n in range(units) if unit_id(n) not in changed]
            sample = pick.sample(plain, min(SAMPLE * 4 // 5, len(plain))) + pick.sample(
                sorted(changed.values()), min(SAMPLE // 5, len(changed))
            )
            stored = dict(
                session.execute(
                    select(Sheet.unit_id, Sheet.result).where(
                        Sheet.round_id == round_id, Sheet.unit_id.in_([unit_id(n) for n in sample])
                    )
                ).all()  # type: ignore[arg-type]
            )
        for number in sample:
            overrides = (
                dict([final_points(synthetic, number)]) if unit_id(number) in changed else None
            )
            want = scoringrules.score(synthetic.document, synthetic.sheet(number), overrides)
            if stored[unit_id(number)] != want.as_json():
                raise Failed(f"{unit_id(number)}: stored {stored[unit_id(number)]}, want {want}")
        with bus.connect(stack.bus_url) as connection:
            channel = connection.default_channel
            topology = bus.Topology(stack.bus_prefix)
            queues = (topology.service_queue("scoring", []), topology.dead_letter_queue("scoring"))
            for queue in (q.name for q in queues):
                _, messages, _ = channel.queue_declare(queue=queue, passive=True)
                if messages:
                    raise Failed(f"{messages} messages left in {queue}")
    finally:
        db.dispose()
    carried = units - len(final)
    return (
        len(rows),
        len(final),
        [
            f"{units:,} sheets final, each computed at its revision; {ranked:,} units ranked",
            f"{len(rows):,} compute jobs emitted, published and in scoring's inbox once each: "
            f"one per submission ({units:,}), per changed criterion ({len(changed):,}) and per "
            f"finalisation that found its (changed) sheet pending ({len(final):,}; the other "
            f"{carried:,} finalisations carried their computed result forward); scoring's queue "
            "and its dead letters empty",
            f"stored results of {len(sample)} sampled sheets ({min(SAMPLE // 5, len(changed))} "
            "changed) equal to `scoringrules.score` with the Ministry's points",
        ],
    )


def _worker(name: str, consume: list[str]) -> tuple[str, list[str]]:
    """The module and arguments of a worker (under cProfile when ``PROFILE_ENV`` says)."""
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        return "services.scoring", consume
    os.makedirs(folder, exist_ok=True)
    profile = os.path.join(folder, f"{name}.prof")
    return "cProfile", ["-o", profile, "-m", "services.scoring", *consume]


def run(
    stack: Stack,
    synthetic: Synthetic,
    units: int,
    workers: int,
    consume: list[str],
    progress: Callable[[str], None],
) -> Run:
    criteria = len(synthetic.codes)
    progress(f"national/{workers}w: seeding {units:,} units × {criteria} criteria")
    began = time.perf_counter()
    round_id = seed.seed(stack, synthetic, units)
    seed_s = time.perf_counter() - began
    env = stack.env()
    logs = stack.var / "logs"
    cpu_before = cpu.Snapshot.take()
    with ExitStack() as processes:

        def start(name: str, args: list[str]) -> Running:
            return processes.enter_context(python_module(name, "services.scoring", args, env, logs))

        def start_worker(name: str) -> Running:
            module, args = _worker(f"{name}-{workers}w", consume)
            return processes.enter_context(python_module(name, module, args, env, logs))

        relay = start("relay", ["relay"])
        _wait_relay(stack, relay)
        submitters = Submitters(stack)
        processes.callback(submitters.close)
        progress(f"national/{workers}w: submitting, the workers stopped")
        first_submit = time.perf_counter()
        _submit_all(stack, submitters, round_id)
        submitted = time.perf_counter()
        published = _wait_published(stack, [relay])

        progress(f"national/{workers}w: {workers} worker(s) draining the submissions")
        drain_began = time.perf_counter()
        watch = [relay] + [start_worker(f"worker-{i}") for i in range(workers)]
        _wait_consumers(stack, workers, watch)
        consuming = time.perf_counter()
        computed = _wait_computed(stack, round_id, watch)

        progress(f"national/{workers}w: appraisal, the workers running")
        appraise_began = time.perf_counter()
        _appraise(stack, submitters, synthetic, round_id)
        appraised = time.perf_counter()
        recomputed = _wait_computed(stack, round_id, watch)

        progress(f"national/{workers}w: publishing")
        publish_began = time.perf_counter()
        _publish(stack, round_id)
        done = time.perf_counter()
        _wait_queue_empty(stack, watch)
        for process in watch:
            process.check()
    cpu_text = cpu.describe(cpu_before, cpu.Snapshot.take())
    progress(f"national/{workers}w: checking")
    jobs, final_jobs, checks = _check(stack, synthetic, round_id, units)
    stages = {
        "published": published - first_submit,
        "drain": computed - drain_began,
        "appraise": recomputed - appraise_began,
        "publish": done - publish_began,
    }
    return Run(
        workers=workers,
        units=units,
        criteria=criteria,
        seed_s=seed_s,
        submit_s=submitted - first_submit,
        published_s=stages["published"],
        drain_s=stages["drain"],
        start_s=consuming - drain_began,
        appraise_s=stages["appraise"],
        appraise_commit_s=appraised - appraise_began,
        changed=len(changed_units(units)),
        final_jobs=final_jobs,
        publish_s=stages["publish"],
        total_s=sum(stages.values()),
        jobs=jobs,
        cpu=cpu_text,
        checks=checks,
    )
