"""The year-end scenario through the gateway: autosave, a submission window, computation,
closing the round and publishing the ranking, with real processes.

Processes: a JWKS server (bench.gateway.ping serving the benchmark's key), scoring under
gunicorn, the gateway under gunicorn in front of it, scoring's relay and ``workers`` scoring
consumers (the scoring workers). Every request goes through the gateway with a bearer token:
each unit's officer for its own sheet, a ministry officer for the round.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import func, select

from bench import cpu
from bench.gateway import _free_port, _wait_until_answering
from bench.gateway.load import Run
from bench.procs import Running, python_module
from bench.scoring.setup import UNIT_KIND, YEAR, Keys, sample_sheets
from bench.stacks import REPO, Stack
from services.scoring.models import Round, Sheet

UNLIMITED = "1000000/minute"
SCORING_WORKERS = 2  # gunicorn processes of the scoring API (kit.gunicorn_conf's default)
THREADS = 4  # gunicorn threads per process (kit.gunicorn_conf's default)
PREFETCH = 10  # `consume --prefetch` default
POLL_S = 0.01


class Failed(RuntimeError):
    pass


@dataclass
class Timings:
    workers: int
    sheets: int
    entries_per_sheet: int
    autosave: Run
    submit: Run
    submit_to_computed_s: float  # first submit sent -> every sheet computed
    last_submit_to_computed_s: float
    close_s: float  # appraisal, finalise every sheet, closed (the HTTP part)
    close_to_computed_s: float  # closed -> every final sheet recomputed
    publish_s: float  # the publication itself
    close_to_published_s: float
    published_via: str
    ranked: int
    cpu: str
    notes: list[str] = field(default_factory=list)


class Client:
    """Requests to scoring through the gateway, one keep-alive session per thread."""

    def __init__(self, gateway: str, watch: list[Running]) -> None:
        self.base = f"{gateway}/api/v1/scoring"
        self.watch = watch
        self.local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.trust_env = False
        return self.local.session

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        expect: Iterable[int] = (200,),
        samples: list[float] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        began = time.perf_counter()
        reply = self.session().request(
            method, self.base + path, headers=headers, timeout=60, **kwargs
        )
        if samples is not None:
            samples.append(time.perf_counter() - began)
        if reply.status_code not in tuple(expect):
            for process in self.watch:
                process.check()
            raise Failed(f"{method} {path}: {reply.status_code} {reply.text[:500]}")
        return reply


def _parallel(tasks: list[Callable[[], None]], concurrency: int) -> float:
    """Run every task, ``concurrency`` at a time; the wall time; the first error is raised."""
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(task) for task in tasks]:
            future.result()
    return time.perf_counter() - began


def _wait_computed(stack: Stack, round_id: str, watch: list[Running], timeout: float) -> float:
    """Poll scoring's database until every sheet of the round is computed at its revision;
    the monotonic time when it first was."""
    db = stack.database("scoring")
    deadline = time.monotonic() + timeout
    try:
        while True:
            with db.read() as session:
                waiting = session.execute(
                    select(func.count())
                    .select_from(Sheet)
                    .where(
                        Sheet.round_id == round_id,
                        (Sheet.compute_status != "done")
                        | (Sheet.computed_revision.is_(None))
                        | (Sheet.computed_revision != Sheet.revision),
                    )
                ).scalar_one()
            if waiting == 0:
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise Failed(f"{waiting} sheets still not computed after {timeout:g} s")
            for process in watch:
                process.check()
            time.sleep(POLL_S)
    finally:
        db.dispose()


def _publish_in_process(stack: Stack, round_id: str) -> int:
    """The ranking step without HTTP, for a tree where the results endpoint is not wired."""
    from services.scoring.domain import rankings

    db = stack.database("scoring")
    try:
        with db.transaction() as session:
            round_ = session.get(Round, round_id, with_for_update=True)
            assert round_ is not None
            return len(rankings.publish(session, "bench-ministry-officer", round_))
    finally:
        db.dispose()


def _environments(stack: Stack, keys: Keys, ports: dict[str, int]) -> dict[str, dict[str, str]]:
    base = stack.env()
    jwks_url = f"http://127.0.0.1:{ports['jwks']}/.well-known/jwks.json"
    plain = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    plain["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), plain.get("PYTHONPATH")]))
    return {
        "jwks": {
            **plain,
            "PORT": str(ports["jwks"]),
            "WEB_CONCURRENCY": "1",
            "BENCH_JWKS": keys.jwks,
        },
        "scoring": {
            **base,
            "PORT": str(ports["scoring"]),
            "WEB_CONCURRENCY": str(SCORING_WORKERS),
            "GUNICORN_THREADS": str(THREADS),
            "THIDUA_JWKS_URL": jwks_url,
        },
        "gateway": {
            **{k: v for k, v in plain.items() if not k.startswith("GATEWAY_")},
            "PORT": str(ports["gateway"]),
            "WEB_CONCURRENCY": str(SCORING_WORKERS),
            "GUNICORN_THREADS": str(THREADS),
            "LOG_LEVEL": "WARNING",
            "GATEWAY_JWKS_URL": jwks_url,
            "GATEWAY_UPSTREAM_SCORING": f"http://127.0.0.1:{ports['scoring']}",
            "GATEWAY_RATE_LIMIT_ADDRESS": UNLIMITED,
            "GATEWAY_RATE_LIMIT_CLIENT": UNLIMITED,
        },
        "worker": base,
    }


def run(
    stack: Stack, keys: Keys, workers: int, concurrency: int, progress: Callable[[str], None]
) -> Timings:
    ports = {name: _free_port() for name in ("jwks", "scoring", "gateway")}
    envs = _environments(stack, keys, ports)
    logs = stack.var / "logs"
    conf = ["-c", "python:kit.gunicorn_conf"]
    cpu_before = cpu.Snapshot.take()
    with ExitStack() as processes:

        def start(name: str, module: str, args: list[str], env: dict[str, str]) -> Running:
            return processes.enter_context(python_module(name, module, args, env, logs))

        watch = [
            start("jwks", "gunicorn", [*conf, "bench.gateway.ping:app"], envs["jwks"]),
            start(
                "scoring",
                "gunicorn",
                [*conf, "services.scoring.app:create_app()"],
                envs["scoring"],
            ),
            start("gateway", "gunicorn", [*conf, "gateway.app:create_app()"], envs["gateway"]),
            start("relay", "services.scoring", ["relay"], envs["worker"]),
        ]
        watch += [
            start(
                f"worker-{i}",
                "services.scoring",
                ["consume", "--prefetch", str(PREFETCH)],
                envs["worker"],
            )
            for i in range(workers)
        ]
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        _wait_until_answering(f"http://127.0.0.1:{ports['scoring']}/healthz", watch)
        _wait_until_answering(f"{gateway}/healthz", watch)
        client = Client(gateway, watch)
        officer = keys.officer()

        progress(f"scoring/{workers}w: opening the {YEAR} round")
        round_id = client.call(
            "POST",
            "/rounds",
            officer,
            expect=(201,),
            json={
                "year": YEAR,
                "unit_kind": UNIT_KIND,
                "name": f"Chấm điểm thi đua năm {YEAR} (bench)",
                "self_assessment_due": f"{YEAR}-12-15T17:00:00+07:00",
                "review_due": f"{YEAR}-12-25T17:00:00+07:00",
                "appraisal_due": f"{YEAR + 1}-01-10T17:00:00+07:00",
            },
        ).json()["id"]
        client.call("POST", f"/rounds/{round_id}/phase", officer, json={"to": "self_assessment"})
        listed = client.call("GET", f"/rounds/{round_id}/sheets?page_size=200", officer).json()
        sheets = {item["id"]: item["unit_id"] for item in listed["items"]}
        if listed["total"] != len(sheets):
            raise Failed(f"{listed['total']} sheets, {len(sheets)} listed")
        examples = sample_sheets()
        tokens = {sheet: keys.unit_officer(unit) for sheet, unit in sheets.items()}
        order = sorted(sheets, key=sheets.get)  # type: ignore[arg-type]
        example_of = {sheet: examples[i % len(examples)] for i, sheet in enumerate(order)}

        progress(f"scoring/{workers}w: autosave, {len(sheets)} sheets")
        saves: list[float] = []
        lock = threading.Lock()

        def fill(sheet: str) -> None:
            headers, example, own = tokens[sheet], example_of[sheet], []
            current = client.call("GET", f"/sheets/{sheet}", headers).json()
            for entry in current["entries"]:
                client.call(
                    "PUT",
                    f"/sheets/{sheet}/entries/{entry['code']}",
                    {**headers, "If-Match": entry["etag"]},
                    samples=own,
                    json={"inputs": example["entries"][entry["code"]]},
                )
            etag = client.call("GET", f"/sheets/{sheet}", headers).headers["ETag"]
            client.call(
                "PUT",
                f"/sheets/{sheet}/counts",
                {**headers, "If-Match": etag},
                samples=own,
                json={"bonus": example.get("bonus", {}), "deduction": example.get("deduction", {})},
            )
            with lock:
                saves.extend(own)

        # GETs for ETags are inside the wall time too, so requests/s counts them.
        autosave_s = _parallel([lambda s=s: fill(s) for s in order], concurrency)
        autosave = Run(requests=len(saves) + 2 * len(order), seconds=autosave_s, latencies=saves)

        etags = {s: client.call("GET", f"/sheets/{s}", tokens[s]).headers["ETag"] for s in order}
        progress(f"scoring/{workers}w: the submission window")
        submits: list[float] = []

        def submit(sheet: str) -> None:
            own: list[float] = []
            client.call(
                "POST",
                f"/sheets/{sheet}/submit",
                {**tokens[sheet], "If-Match": etags[sheet]},
                expect=(202,),
                samples=own,
            )
            with lock:
                submits.extend(own)

        window_began = time.perf_counter()
        submit_s = _parallel([lambda s=s: submit(s) for s in order], concurrency)
        window_ended = window_began + submit_s
        computed_at = _wait_computed(stack, round_id, watch, timeout=300)

        progress(f"scoring/{workers}w: closing the round and publishing")
        close_began = time.perf_counter()
        for phase in ("region_review", "appraisal"):
            client.call("POST", f"/rounds/{round_id}/phase", officer, json={"to": phase})

        def finalise(sheet: str) -> None:
            etag = client.call("GET", f"/sheets/{sheet}", officer).headers["ETag"]
            client.call("POST", f"/sheets/{sheet}/finalise", {**officer, "If-Match": etag})

        _parallel([lambda s=s: finalise(s) for s in order], concurrency)
        client.call("POST", f"/rounds/{round_id}/phase", officer, json={"to": "closed"})
        closed_at = time.perf_counter()
        recomputed_at = _wait_computed(stack, round_id, watch, timeout=300)
        publish_began = time.perf_counter()
        reply = client.call("POST", f"/rounds/{round_id}/results", officer, expect=(200, 404, 405))
        notes: list[str] = []
        if reply.status_code == 200:
            ranked, via = len(reply.json()["items"]), "`POST /rounds/<id>/results` via the gateway"
        else:
            ranked = _publish_in_process(stack, round_id)
            via = (
                f"`rankings.publish` in process (the results endpoint answered {reply.status_code})"
            )
            notes.append(
                f"`POST /rounds/<id>/results` answered {reply.status_code} through the gateway "
                "(scoring's service does not register the results blueprint in this tree), so the "
                "ranking was published in process with `services.scoring.domain.rankings.publish` "
                "on scoring's database: the figure leaves out one HTTP round trip."
            )
        published_at = time.perf_counter()
        if ranked != len(sheets):
            raise Failed(f"{ranked} units ranked of {len(sheets)}")
        for process in watch:
            process.check()
    return Timings(
        workers=workers,
        sheets=len(sheets),
        entries_per_sheet=len(saves) // max(1, len(sheets)),
        autosave=autosave,
        submit=Run(requests=len(submits), seconds=submit_s, latencies=submits),
        submit_to_computed_s=computed_at - window_began,
        last_submit_to_computed_s=computed_at - window_ended,
        close_s=closed_at - close_began,
        close_to_computed_s=recomputed_at - closed_at,
        publish_s=published_at - publish_began,
        close_to_published_s=published_at - close_began,
        published_via=via,
        ranked=ranked,
        cpu=cpu.describe(cpu_before, cpu.Snapshot.take()),
        notes=notes,
    )
