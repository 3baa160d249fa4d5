"""Deactivation to refusal: how long a deactivated user's token still works in another service.

Access tokens are verified offline for 15 minutes (decision 0007). Identity refuses a
deactivated user's token, or one carrying a withdrawn role, at once: it records its own
``identity.user.*`` event in the transaction that emits it. Every other service refuses it
once its consumer has applied the event (kit.principals, decision 0010), so the window is the
bus's latency. This measures that path with the platform's own processes on both stacks:
identity's API (gunicorn) and relay, criteria's consumer and API (gunicorn). The benchmark
deactivates a user (or revokes one of its roles) through identity's API and then asks
criteria, as fast as it answers, until criteria refuses the user's token.

It also times the check itself (``kit.principals.refusal``, one primary-key lookup in its own
read session, as kit.app runs it on every authenticated request), in process.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime

import requests

from bench import cpu, infra, stacks
from bench.gateway import _free_port, _wait_until_answering
from bench.procs import Running, python_module
from bench.report import Section, Table
from bench.runner import Options
from bench.stats import ms, percentile
from kit.db import utcnow

TITLE = "Deactivation to refusal"
FULL_SAMPLES = 30  # per change (deactivation, role withdrawal) and stack
QUICK_SAMPLES = 3
CHECKS = 1000  # in-process calls of the check, per case
TIMEOUT_S = 30.0  # a refusal that takes longer fails the run
UNIT = "vu-tdkt"


@dataclass
class Person:
    user_id: str
    token: str
    assignment_id: str  # the ministry_officer assignment (revoked in the role samples)


@dataclass
class StackResult:
    label: str
    deactivation: list[float] = field(default_factory=list)  # identity's answer -> refused
    withdrawal: list[float] = field(default_factory=list)
    identity_answer: list[float] = field(default_factory=list)  # the change request itself
    polls: list[float] = field(default_factory=list)  # one criteria request while polling
    # Per sample, where the time went: identity's answer -> published by the relay ->
    # applied by criteria's consumer -> refused by criteria's API (seconds; they add up).
    stages: list[tuple[float, float, float]] = field(default_factory=list)
    check_with_row: list[float] = field(default_factory=list)
    check_without_row: list[float] = field(default_factory=list)
    cpu: str = ""


def _seed(stack: stacks.Stack, count: int) -> tuple[str, list[Person]]:
    """A unit, an administrator and ``count`` ministry officers who are also auditors; tokens
    are signed in process with identity's own key (no password, no argon2)."""
    from kit.db import utcnow
    from services.identity.domain import demo, tokens, users
    from services.identity.models import OrgUnit, OrgUnitVersion

    db = stack.database("identity")
    try:
        with db.transaction() as session:
            session.add(OrgUnit(id=UNIT, code="VU-TDKT", kind="department", created_at=utcnow()))
            session.flush()
            session.add(OrgUnitVersion(unit_id=UNIT, name="Vụ Thi đua - Khen thưởng"))

            def person(username: str, *roles: str) -> tuple[str, list[str], str]:
                user = users.create_user(
                    session,
                    demo.OPERATOR,
                    username=username,
                    full_name="Người Đo",
                    email=None,
                    unit_id=UNIT,
                )
                assignments = [
                    users.assign_role(session, demo.OPERATOR, user.id, role, "national").id
                    for role in roles
                ]
                return user.id, assignments, tokens.access_token_for(session, user)

            _, _, admin = person("bench.admin", "system_admin")
            people = []
            for i in range(count):
                user_id, assignments, token = person(
                    f"bench.officer{i}", "ministry_officer", "auditor"
                )
                people.append(Person(user_id, token, assignments[0]))
    finally:
        db.dispose()
    return admin, people


def _prepare(stack: stacks.Stack) -> None:
    from kit import migrate
    from kit.events import bus
    from services.criteria.service import SERVICE as CRITERIA
    from services.identity.service import SERVICE as IDENTITY

    for service in (IDENTITY, CRITERIA):
        migrate.upgrade(service, stack.database_urls[service.name])
    with bus.connect(stack.bus_url) as connection:
        connection.ensure_connection(max_retries=2)
        bus.declare(connection, bus.Topology(stack.bus_prefix), "criteria", CRITERIA.subscriptions)


def _stages(
    stack: stacks.Stack, since: datetime, moments: dict[str, tuple[datetime, datetime]]
) -> list[tuple[float, float, float]]:
    """Split each sample at the relay's ``published_at`` (identity's outbox) and the consumer's
    ``handled_at`` (criteria's inbox): one machine, one wall clock."""
    from sqlalchemy import select

    from kit.events.tables import inbox, outbox

    identity, criteria = stack.database("identity"), stack.database("criteria")
    try:
        with identity.read() as session:
            published = {
                row.subject.removeprefix("user/"): (row.event_id, row.published_at)
                for row in session.execute(
                    select(outbox.c.subject, outbox.c.event_id, outbox.c.published_at).where(
                        outbox.c.created_at >= since, outbox.c.subject.like("user/%")
                    )
                )
            }
        with criteria.read() as session:
            handled = dict(
                session.execute(
                    select(inbox.c.event_id, inbox.c.handled_at).where(
                        inbox.c.consumer == "criteria"
                    )
                ).all()
            )
    finally:
        identity.dispose()
        criteria.dispose()
    stages = []
    for user_id, (answered, refused) in moments.items():
        event_id, at = published[user_id]
        applied = handled[event_id]
        stages.append(
            (
                (at - answered).total_seconds(),
                (applied - at).total_seconds(),
                (refused - applied).total_seconds(),
            )
        )
    return stages


def _time_checks(stack: stacks.Stack, with_row: str, result: StackResult) -> None:
    """``kit.principals.refusal`` as kit.app calls it: a read session and one lookup."""
    from datetime import timedelta

    from kit import principals
    from kit.auth import Principal
    from kit.db import utcnow

    db = stack.database("criteria")
    try:
        for subject, samples in (
            (with_row, result.check_with_row),
            ("nobody", result.check_without_row),
        ):
            caller = Principal(
                subject=subject,
                kind="user",
                token_id="bench",
                expires_at=utcnow() + timedelta(minutes=15),
                issued_at=utcnow(),
            )
            for _ in range(CHECKS):
                started = time.perf_counter()
                with db.read() as session:
                    principals.refusal(session, caller)
                samples.append(time.perf_counter() - started)
    finally:
        db.dispose()


def _until_refused(
    session: requests.Session, url: str, token: str, watch: list[Running], polls: list[float]
) -> float:
    """Ask ``url`` with ``token`` until it answers 401; the time of that answer."""
    deadline = time.perf_counter() + TIMEOUT_S
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        started = time.perf_counter()
        status = session.get(url, headers=headers, timeout=5).status_code
        now = time.perf_counter()
        polls.append(now - started)
        if status == 401:
            return now
        if status != 200:
            raise RuntimeError(f"criteria answered {status} while the token was still good")
        if now > deadline:
            for process in watch:
                process.check()
            raise RuntimeError(f"criteria did not refuse the token within {TIMEOUT_S:g} s")


def _measure(stack: stacks.Stack, samples: int, progress: Callable[[str], None]) -> StackResult:
    result = StackResult(stack.label)
    cpu_before = cpu.Snapshot.take()
    progress(f"revocation/{stack.name}: migrations and {2 * samples + 1} users")
    _prepare(stack)
    admin, people = _seed(stack, 2 * samples)
    ports = {"identity": _free_port(), "criteria": _free_port()}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    base = stack.env()
    conf = ["-c", "python:kit.gunicorn_conf"]
    logs = stack.var / "logs"
    jitter = random.Random(10)
    with ExitStack() as processes, requests.Session() as http:
        http.trust_env = False

        def start(name: str, module: str, args: list[str], **env: str) -> Running:
            return processes.enter_context(python_module(name, module, args, {**base, **env}, logs))

        watch = [
            start(
                "identity-api",
                "gunicorn",
                [*conf, "services.identity.app:create_app()"],
                PORT=str(ports["identity"]),
                WEB_CONCURRENCY="1",
            ),
            start(
                "criteria-api",
                "gunicorn",
                [*conf, "services.criteria.app:create_app()"],
                PORT=str(ports["criteria"]),
                WEB_CONCURRENCY="1",
                THIDUA_JWKS_URL=f"{urls['identity']}/.well-known/jwks.json",
            ),
            start("identity-relay", "services.identity", ["relay"]),
            start("criteria-consumer", "services.criteria", ["consume"]),
        ]
        for url in urls.values():
            _wait_until_answering(f"{url}/readyz", watch, seconds=60)
        tables = f"{urls['criteria']}/tables"
        # Every token must work in criteria before its change. Criteria fetches identity's keys
        # at the first token, and its consumer may still be working through the seeding's
        # events: a token signed in the same second as a role grant criteria has not applied yet
        # is refused until it has (decision 0010), so each is retried for a while.
        deadline = time.monotonic() + 60
        for person in people:
            while True:
                answer = http.get(tables, headers={"Authorization": f"Bearer {person.token}"})
                if answer.status_code == 200:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"criteria refused a fresh token: {answer.text}")
                time.sleep(0.1)
        admin_headers = {"Authorization": f"Bearer {admin}"}

        progress(f"revocation/{stack.name}: {samples} deactivations, {samples} role withdrawals")
        begun = utcnow()
        moments: dict[str, tuple[datetime, datetime]] = {}  # user -> (answered, refused)
        for i, person in enumerate(people):
            deactivating = i < samples
            if deactivating:
                change = ("POST", f"{urls['identity']}/users/{person.user_id}/deactivate")
            else:
                change = (
                    "DELETE",
                    f"{urls['identity']}/users/{person.user_id}/roles/{person.assignment_id}",
                )
            time.sleep(jitter.uniform(0.05, 0.15))  # not in step with the pollers' periods
            sent = time.perf_counter()
            answer = http.request(*change, headers=admin_headers, timeout=10)
            answered, answered_at = time.perf_counter(), utcnow()
            if answer.status_code not in (200, 204):
                raise RuntimeError(f"identity answered {answer.status_code}: {answer.text}")
            me = http.get(
                f"{urls['identity']}/me",
                headers={"Authorization": f"Bearer {person.token}"},
                timeout=5,
            )
            if me.status_code != 401:
                raise RuntimeError(f"identity answered {me.status_code}, not 401, at once")
            refused = _until_refused(http, tables, person.token, watch, result.polls)
            moments[person.user_id] = (answered_at, utcnow())
            result.identity_answer.append(answered - sent)
            (result.deactivation if deactivating else result.withdrawal).append(refused - answered)
    result.stages = _stages(stack, begun, moments)
    progress(f"revocation/{stack.name}: the check in process")
    _time_checks(stack, people[0].user_id, result)
    result.cpu = cpu.describe(cpu_before, cpu.Snapshot.take())
    return result


def _stacks(token: str) -> Iterator[tuple[str, AbstractContextManager[stacks.Stack]]]:
    services = ["identity", "criteria"]
    yield "embedded", stacks.embedded(token, services)
    yield "infra", stacks.infrastructure(token, services, consumers=["criteria"])


def _row(label: str, change: str, samples: list[float]) -> list[str]:
    return [
        label,
        change,
        str(len(samples)),
        ms(percentile(samples, 50)),
        ms(percentile(samples, 95)),
        ms(max(samples)),
        ms(sum(samples) / len(samples)),
    ]


def _split_row(result: StackResult) -> list[str]:
    stages = result.stages
    means = [sum(stage[i] for stage in stages) / len(stages) for i in range(3)]
    worst = max(stages, key=sum)
    return [
        result.label,
        str(len(stages)),
        *(ms(mean) for mean in means),
        f"{ms(sum(worst))} = " + " + ".join(ms(part) for part in worst),
    ]


STAGES = (
    "waiting for identity's relay",
    "between publication and criteria's consumer",
    "until criteria's next answer",
)


def _worst_sentence(result: StackResult) -> str:
    """Which stage the worst sample spent most of its time in (contention shows there)."""
    worst = max(result.stages, key=sum)
    part = max(range(3), key=lambda i: worst[i])
    return f" The worst sample spent {ms(worst[part])} of its {ms(sum(worst))} ms {STAGES[part]}."


def _check_row(label: str, user: str, samples: list[float]) -> list[str]:
    return [
        label,
        user,
        str(len(samples)),
        ms(percentile(samples, 50)),
        ms(percentile(samples, 99)),
        ms(max(samples)),
        ms(sum(samples) / len(samples)),
    ]


def _describe(results: list[StackResult], samples: int, skipped: list[str]) -> Section:
    conditions = [
        "Processes: identity's API and criteria's API under gunicorn "
        "(`-c python:kit.gunicorn_conf`, 1 worker each), identity's relay "
        "(`python -m services.identity relay`) and criteria's consumer "
        "(`python -m services.criteria consume`), each its own process, as `make up` and "
        "Kubernetes run them.",
        f"Per stack, {samples} users are deactivated (`POST /users/<id>/deactivate`) and "
        f"{samples} others lose a role their token carries (`DELETE /users/<id>/roles/<id>`), "
        "one at a time, 50–150 ms apart (random, so the changes do not keep step with the "
        "relay's and the consumer's polls). Each user's token was accepted by criteria before.",
        "The time is from identity's answer to the change (its transaction committed; the "
        "request itself took "
        + ", ".join(f"{ms(percentile(r.identity_answer, 50))} ms on {r.label}" for r in results)
        + " at the median) to the first `401` from criteria to `GET /tables` with the user's "
        "token, asked back to back, so it includes up to one criteria request more than the "
        "refusal needed ("
        + ", ".join(f"{ms(percentile(r.polls, 50))} ms on {r.label}" for r in results)
        + " at the median). Every sample also checks that identity refuses the token on its "
        "very next request.",
        "Tokens are signed in process with identity's own key (no sign-in, no argon2).",
        f"The check: `kit.principals.refusal` as kit.app calls it on every authenticated request "
        f"(a read session and one primary-key lookup of `principal_states`), {CHECKS} calls in "
        "process on criteria's database, for a user with a row and for one without.",
        *(f"CPU during the {r.label} run: {r.cpu}." for r in results if r.cpu),
    ]
    latency = Table(
        title="Identity's answer to the change, to criteria's first refusal, milliseconds",
        headers=["Stack", "Change", "Samples", "p50", "p95", "max", "mean"],
        rows=[
            row
            for r in results
            for row in (
                _row(r.label, "deactivated", r.deactivation),
                _row(r.label, "role withdrawn", r.withdrawal),
            )
        ],
    )
    check = Table(
        title="The check on every authenticated request, in process, milliseconds",
        headers=["Stack", "User", "Calls", "p50", "p99", "max", "mean"],
        rows=[
            row
            for r in results
            for row in (
                _check_row(r.label, "with a row", r.check_with_row),
                _check_row(r.label, "without a row", r.check_without_row),
            )
        ],
    )
    split = Table(
        title="Where the time goes, means in milliseconds",
        caption="Split where identity's relay marked the event published and where criteria's "
        "consumer recorded it in its inbox; the three add up to the mean above. The worst "
        "sample is split the same way.",
        headers=[
            "Stack",
            "Samples",
            "answer → published",
            "published → applied",
            "applied → refused",
            "worst sample",
        ],
        rows=[_split_row(r) for r in results],
    )
    reading = []
    for r in results:
        both = r.deactivation + r.withdrawal
        reading.append(
            f"**{r.label}.** A deactivated user's token, or one carrying a withdrawn role, "
            f"still worked in criteria for {ms(percentile(both, 50))} ms at the median and "
            f"{ms(max(both))} ms at worst after identity had answered; identity itself refused "
            f"it at once in every sample. The check costs {ms(percentile(r.check_with_row, 50))} "
            "ms a request at the median." + _worst_sentence(r)
        )
    worst = max((max(r.deactivation + r.withdrawal) for r in results), default=0.0)
    bound = "well under a second" if worst < 1 else f"at most {ms(worst)} ms here"
    reading.append(
        "The window is the event bus's commit-to-effect latency (the bus section): on SQLite "
        "it is mostly the embedded relay's 0.1 s idle poll and the local bus consumer's 0.05 s "
        "poll; on PostgreSQL the commit wakes the relay and RabbitMQ pushes the event to the "
        f"consumer. It was {bound}, against the 15 minutes an access token lives. While a "
        "consumer is stopped or its queue is backed up, the window lasts as long as that "
        "(docs/operations.md)."
    )
    return Section(
        name="revocation",
        title=TITLE,
        conditions=conditions,
        tables=[latency, split, check],
        reading=reading,
        skipped=skipped,
    )


def run(options: Options) -> Section:
    os.environ.setdefault("IDENTITY_KEY_PASSPHRASE", "bench-only")
    samples = QUICK_SAMPLES if options.quick else FULL_SAMPLES
    token = secrets.token_hex(3)
    results: list[StackResult] = []
    skipped: list[str] = []
    for name, stack in _stacks(token):
        try:
            with stack as ready:
                options.progress(f"revocation: {ready.label} ({ready.var})")
                results.append(_measure(ready, samples, options.progress))
        except infra.Unavailable as error:
            skipped.append(f"the {name} stack: {error}")
            options.progress(f"revocation: {name} skipped: {error}")
    return _describe(results, samples, skipped)
