"""One national year-end on a fresh PostgreSQL + RabbitMQ stack, with N real scoring workers.

Processes: scoring's relay (``python -m services.scoring relay``) and ``workers`` scoring
workers (``python -m services.scoring consume --prefetch … --batch-size …``). The benchmark's
own process plays the people, through scoring's domain code (no HTTP: the API's cost per
request is measured by the scoring and gateway benchmarks), ``SUBMITTERS`` transactions of
``SUBMIT_CHUNK`` sheets at once, as a few API processes would serve them:

1. submit, the workers running (started before the clock, and waited for until each is a
   consumer of scoring's queue): every unit submits its sheet (``sheets.submit_many``: the
   same checks, history, revision and events as ``POST /sheets/<id>/submit``, so every sheet
   emits its ``scoring.sheet.compute_requested`` and ``submitted`` through the outbox); timed
   from the first submission until every sheet is computed at its revision;
2. appraise, the workers stopped: the round to region review and appraisal, every sheet
   finalised (``sheets.finalise``, which asks the workers again: 10,000 jobs queue up), the
   round closed;
3. drain: ``workers`` fresh workers launched on that full queue, until every final sheet is
   computed at its new revision (their start-up, until each is a consumer, is included and
   reported apart). This is the workers' computation alone, the figure the 2-vs-1
   ratio compares (in stage 1 the workers can only keep pace with the submissions);
4. publish: ``rankings.publish`` in one transaction (what ``POST /rounds/<id>/results``
   runs), the round locked as the view locks it.

Then the checks: every sheet final, computed exactly once in effect per revision that asked for
it (one ``compute_requested`` per submission and per finalisation in the outbox, each
published, each in scoring's inbox once; the result written by a conditional UPDATE only while
its revision is not yet computed; no message dead-lettered, none left in the queue), the
stored results equal to ``scoringrules.score`` of the same sheet on a sample of units, and
the published ranking holding every unit.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import raiseload

import scoringrules
from bench import cpu
from bench.national import seed
from bench.national.synthetic import Synthetic, unit_id
from bench.procs import Running, python_module
from bench.stacks import Stack
from kit.db import Database
from kit.events import bus
from kit.events.tables import inbox, outbox
from services.scoring import events
from services.scoring.domain import rankings, rounds, sheets
from services.scoring.models import Ranking, Round, Sheet

ACTOR_UNIT = "bench-unit-officer"
ACTOR_MINISTRY = "bench-ministry-officer"
SUBMIT_CHUNK = 200  # sheets per submission (or finalisation) transaction
SUBMITTERS = 4  # such transactions at once
POLL_S = 0.25  # how often the database is asked whether every sheet is computed
SAMPLE = 50  # sheets whose stored totals are checked against scoringrules.score
TIMEOUT_S = 1200.0


class Failed(RuntimeError):
    pass


@dataclass
class Run:
    workers: int
    units: int
    criteria: int
    seed_s: float
    submit_s: float  # every submission committed
    submit_to_computed_s: float  # first submission -> every sheet computed
    last_submit_to_computed_s: float
    appraise_s: float  # phases and finalisation committed (workers stopped)
    drain_s: float  # workers launched on the appraisal's full queue -> every sheet computed
    start_s: float  # of which: launched -> every worker a consumer (imports, connections)
    publish_s: float
    total_s: float  # first submission -> ranking published, wall (waits between included)
    jobs: int  # compute_requested events handled
    cpu: str
    checks: list[str] = field(default_factory=list)


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
    topology = bus.Topology(stack.bus_prefix)
    deadline = time.monotonic() + timeout
    with bus.connect(stack.bus_url) as connection:
        name = topology.service_queue("scoring", []).name
        while True:
            _, _, consumers = connection.default_channel.queue_declare(queue=name, passive=True)
            if consumers >= count:
                return
            if time.monotonic() > deadline:
                raise Failed(f"{consumers} of {count} workers consume {name} after {timeout:g} s")
            for process in watch:
                process.check()
            time.sleep(0.2)


def _wait_published(stack: Stack, events_count: int, watch: list[Running]) -> None:
    """Until the relay has published every ``compute_requested`` the scenario emitted."""
    db = stack.database("scoring")
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while True:
            with db.read() as session:
                published = session.execute(
                    select(func.count()).where(
                        outbox.c.type == events.SHEET_COMPUTE_REQUESTED,
                        outbox.c.published_at.is_not(None),
                    )
                ).scalar_one()
            if published >= events_count:
                return
            if time.monotonic() > deadline:
                raise Failed(f"{published} of {events_count} jobs published")
            for process in watch:
                process.check()
            time.sleep(POLL_S)
    finally:
        db.dispose()


def _wait_queue_empty(stack: Stack, watch: list[Running]) -> None:
    """Until scoring's queue is drained (the `submitted` and `finalised` duplicates too)."""
    name = bus.Topology(stack.bus_prefix).service_queue("scoring", []).name
    deadline = time.monotonic() + TIMEOUT_S
    with bus.connect(stack.bus_url) as connection:
        while True:
            _, messages, _ = connection.default_channel.queue_declare(queue=name, passive=True)
            if messages == 0:
                time.sleep(1.0)  # the last batch's acknowledgements
                return
            if time.monotonic() > deadline:
                raise Failed(f"{messages} messages left in {name}")
            for process in watch:
                process.check()
            time.sleep(POLL_S)


def _waiting(stack: Stack, round_id: str) -> int:
    db = stack.database("scoring")
    try:
        with db.read() as session:
            return session.execute(
                select(func.count())
                .select_from(Sheet)
                .where(
                    Sheet.round_id == round_id,
                    (Sheet.compute_status != "done")
                    | Sheet.computed_revision.is_(None)
                    | (Sheet.computed_revision != Sheet.revision),
                )
            ).scalar_one()
    finally:
        db.dispose()


def _wait_computed(stack: Stack, round_id: str, watch: list[Running]) -> float:
    """Poll until every sheet of the round is computed at its revision; when it first was
    (``perf_counter``, to within ``POLL_S``)."""
    deadline = time.monotonic() + TIMEOUT_S
    while (waiting := _waiting(stack, round_id)) > 0:
        if time.monotonic() > deadline:
            raise Failed(f"{waiting} sheets still not computed after {TIMEOUT_S:g} s")
        for process in watch:
            process.check()
        time.sleep(POLL_S)
    return time.perf_counter()


def _sheet_ids(db: Database, round_id: str) -> list[str]:
    with db.read() as session:
        return list(
            session.execute(
                select(Sheet.id).where(Sheet.round_id == round_id).order_by(Sheet.unit_id)
            ).scalars()
        )


def _in_parallel(ids: list[str], work: Callable[[list[str]], None]) -> None:
    """``work`` over chunks of ``ids``, ``SUBMITTERS`` chunks at a time (the first error is
    raised): as many API requests at once as a few API processes would serve."""
    chunks = [ids[i : i + SUBMIT_CHUNK] for i in range(0, len(ids), SUBMIT_CHUNK)]
    with ThreadPoolExecutor(SUBMITTERS) as pool:
        for future in [pool.submit(work, chunk) for chunk in chunks]:
            future.result()


def _submit_all(stack: Stack, round_id: str) -> None:
    db = stack.database("scoring")

    def submit(chunk: list[str]) -> None:
        with db.transaction() as session:
            round_ = session.get(Round, round_id)
            assert round_ is not None
            sheets.submit_many(session, ACTOR_UNIT, round_, chunk)

    try:
        _in_parallel(_sheet_ids(db, round_id), submit)
    finally:
        db.dispose()


def _appraise(stack: Stack, round_id: str) -> None:
    """Region review, appraisal, every sheet finalised (each asks the workers again), closed."""
    db = stack.database("scoring")

    def finalise(chunk: list[str]) -> None:
        with db.transaction() as session:
            round_ = session.get(Round, round_id)
            assert round_ is not None
            found = session.execute(
                select(Sheet)
                .where(Sheet.id.in_(chunk))
                .order_by(Sheet.id)
                .with_for_update()
                .options(raiseload(Sheet.entries))  # finalising reads no entry
            ).scalars()
            for sheet in found:
                sheets.finalise(session, ACTOR_MINISTRY, sheet, round_)

    try:
        for phase in ("region_review", "appraisal"):
            with db.transaction() as session:
                round_ = session.get(Round, round_id, with_for_update=True)
                assert round_ is not None
                rounds.advance(session, ACTOR_MINISTRY, round_, phase)
        _in_parallel(_sheet_ids(db, round_id), finalise)
        with db.transaction() as session:
            round_ = session.get(Round, round_id, with_for_update=True)
            assert round_ is not None
            rounds.advance(session, ACTOR_MINISTRY, round_, "closed")
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


def _check(stack: Stack, synthetic: Synthetic, round_id: str, units: int) -> tuple[int, list[str]]:
    """The correctness checks (module docstring); the jobs handled, and what was checked."""
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
            jobs = session.execute(
                select(func.count(), func.count(outbox.c.published_at)).where(
                    outbox.c.type == events.SHEET_COMPUTE_REQUESTED
                )
            ).one()
            if jobs[0] != 2 * units or jobs[1] != jobs[0]:
                raise Failed(
                    f"{jobs[0]} compute jobs emitted, {jobs[1]} published; want {2 * units}"
                )
            handled = session.execute(
                select(func.count(), func.count(func.distinct(inbox.c.event_id))).where(
                    inbox.c.consumer == "scoring",
                    inbox.c.type == events.SHEET_COMPUTE_REQUESTED,
                )
            ).one()
            if handled[0] != jobs[0] or handled[1] != jobs[0]:
                raise Failed(f"{handled[0]} compute jobs in the inbox of {jobs[0]}")
            ranked = session.execute(
                select(func.count()).select_from(Ranking).where(Ranking.round_id == round_id)
            ).scalar_one()
            if ranked != units:
                raise Failed(f"{ranked} units ranked of {units}")
            sample = random.Random(units).sample(range(units), min(SAMPLE, units))
            stored = dict(
                session.execute(
                    select(Sheet.unit_id, Sheet.result).where(
                        Sheet.round_id == round_id, Sheet.unit_id.in_([unit_id(n) for n in sample])
                    )
                ).all()  # type: ignore[arg-type]
            )
        for number in sample:
            want = scoringrules.score(synthetic.document, synthetic.sheet(number)).as_json()
            if stored[unit_id(number)] != want:
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
    return int(jobs[0]), [
        f"{units:,} sheets final, each computed at its revision; {ranked:,} units ranked",
        f"{jobs[0]:,} compute jobs (one per submission and per finalisation) emitted, published "
        "and in scoring's inbox once each; scoring's queue and its dead letters empty",
        f"stored results of {len(sample)} sampled sheets equal to `scoringrules.score`",
    ]


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

        relay = start("relay", ["relay"])
        with ExitStack() as first_workers:
            watch = [relay] + [
                first_workers.enter_context(
                    python_module(f"worker-{i}", "services.scoring", consume, env, logs)
                )
                for i in range(workers)
            ]
            _wait_consumers(stack, workers, watch)
            progress(f"national/{workers}w: submitting, the workers computing alongside")
            first_submit = time.perf_counter()
            _submit_all(stack, round_id)
            submitted = time.perf_counter()
            computed = _wait_computed(stack, round_id, watch)
        # The workers are stopped: the appraisal's jobs wait in the queue, so the second
        # computation measures the workers alone, draining a full queue.
        progress(f"national/{workers}w: appraisal (workers stopped)")
        appraise_began = time.perf_counter()
        _appraise(stack, round_id)
        appraised = time.perf_counter()
        _wait_published(stack, 2 * units, [relay])
        progress(f"national/{workers}w: {workers} worker(s) draining the appraisal's jobs")
        drain_began = time.perf_counter()
        watch = [relay] + [start(f"worker-{i}-drain", consume) for i in range(workers)]
        _wait_consumers(stack, workers, watch)
        consuming = time.perf_counter()
        recomputed = _wait_computed(stack, round_id, watch)

        progress(f"national/{workers}w: publishing")
        publish_began = time.perf_counter()
        _publish(stack, round_id)
        published = time.perf_counter()
        _wait_queue_empty(stack, watch)
        for process in watch:
            process.check()
    cpu_text = cpu.describe(cpu_before, cpu.Snapshot.take())
    progress(f"national/{workers}w: checking")
    jobs, checks = _check(stack, synthetic, round_id, units)
    return Run(
        workers=workers,
        units=units,
        criteria=criteria,
        seed_s=seed_s,
        submit_s=submitted - first_submit,
        submit_to_computed_s=computed - first_submit,
        last_submit_to_computed_s=computed - submitted,
        appraise_s=appraised - appraise_began,
        drain_s=recomputed - drain_began,
        start_s=consuming - drain_began,
        publish_s=published - publish_began,
        total_s=published - first_submit,
        jobs=jobs,
        cpu=cpu_text,
        checks=checks,
    )
