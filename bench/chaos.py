"""The long fault campaign (``make chaos``): the year-end under at least 50 SIGKILLs and 10
connection cuts, then the checks that nothing was lost, doubled or mis-ranked.

It is the CI test's campaign (tests/campaign, whose modules it imports: the supervisor, the
fault injector, the scenario and the checks live there, beside tests/support), run longer
and on the whole sample criteria table (38 criteria per sheet, as the units fill it), and
twice with the same seed: first without faults, then with them. The faulted run must pass
every check of tests/campaign/checks.py, and its published ranking must equal both the
scoring rules' expected ranking and the fault-free run's, unit by unit.

PostgreSQL + RabbitMQ only (a missing server skips the section). ``--quick``: the small
table, a handful of faults, no fault-free run.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

from bench import cpu, machine
from bench.report import Section, Table
from bench.runner import Options
from tests.campaign import campaign
from tests.support import infra
from tests.support.faults import seed_from_environment

TITLE = "Fault campaign: the year-end under SIGKILLs and connection cuts"
LONG = campaign.Quota(kills=50, cuts=10, pause_s=(2.5, 4.5), cut_s=(1.5, 4.0))
QUICK = campaign.Quota(kills=3, cuts=1, pause_s=(2.0, 4.0), cut_s=(1.0, 2.0))
SETTLE_TARGET_S = 20.0
KINDS = ("relay", "worker", "consumer", "scheduler", "api", "api-child")


def _run(options: Options, seed: int, quota: campaign.Quota | None) -> campaign.Result:
    root = Path(tempfile.mkdtemp(prefix="thidua-bench-chaos-"))
    label = "with faults" if quota else "without faults"
    try:
        result = campaign.run(
            root,
            seed=seed,
            quota=quota,
            criteria_per_group=1 if options.quick else None,
            progress=lambda message: options.progress(f"chaos ({label}): {message}"),
        )
    except Exception as error:
        raise RuntimeError(f"{error} (the processes' logs are kept in {root / 'logs'})") from error
    if not result.passed:
        options.progress(f"chaos ({label}): a check failed; the logs are kept in {root / 'logs'}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return result


def run(options: Options) -> Section:
    reason = infra.missing()
    if reason is not None:
        skipped = [f"needs PostgreSQL and RabbitMQ: {reason}"]
        return Section(name="chaos", title=TITLE, skipped=skipped)
    seed = seed_from_environment()
    before = cpu.Snapshot.take()
    load_before = machine.load_average()
    try:
        calm = None if options.quick else _run(options, seed, None)
        faulted = _run(options, seed, QUICK if options.quick else LONG)
    except Exception as error:  # the scenario itself could not go on: that is the finding
        section = Section(name="chaos", title=TITLE, conditions=[f"Seed {seed}."])
        section.tables.append(
            Table(
                "Checks",
                ["check", "result", "what was found"],
                [["the campaign ran to its end", "**FAIL**", str(error)[:800]]],
            )
        )
        return section
    return describe(faulted, calm, cpu.describe(before, cpu.Snapshot.take()), load_before)


def _yes(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


def describe(
    faulted: campaign.Result, calm: campaign.Result | None, cpu_text: str, load_before: str
) -> Section:
    quota = LONG if calm is not None else QUICK
    section = Section(
        name="chaos",
        title=TITLE,
        conditions=[
            f"Seed {faulted.seed} (`THIDUA_FAULT_SEED={faulted.seed} make chaos` replays the "
            "faults' choices; their moments fall differently against the processes' timing).",
            "PostgreSQL + RabbitMQ. Supervised processes (tests/support/supervisor.py, "
            "restarted after 0.5 s, doubling to 4 s while one keeps dying young): scoring's "
            "API (gunicorn, 2 workers × 4 threads), scoring's relay, 2 scoring workers, "
            "scoring's scheduler, identity's and criteria's relays, awards' consumer; all "
            "reach PostgreSQL and RabbitMQ through TCP proxies (tests/support/tcpproxy.py).",
            "Faults (tests/support/faults.py): every "
            f"{quota.pause_s[0]:g}–{quota.pause_s[1]:g} s a SIGKILL (a kind of process "
            "chosen uniformly, then one of its programs; for the API, half the time the "
            "gunicorn master's whole process group, half the time one worker) or, one time "
            f"in four, a cut of the database or the broker for {quota.cut_s[0]:g}–"
            f"{quota.cut_s[1]:g} s (every open connection closed, new ones refused); "
            f"at least {quota.kills} kills and {quota.cuts} cuts.",
            "The scenario (tests/campaign/scenario.py): the 34 units of 2026 fill "
            f"{'the whole sample table (38 criteria)' if calm else 'the small table'} entry "
            "by entry and submit; the scheduler closes self-assessment; regions return, "
            "review and mark sheets; the Ministry appraises, finalises, closes and "
            "publishes; awards receives the ranking. Clients retry connection errors and "
            "5xx with the same Idempotency-Key / If-Match and look (GET) when a 409/412 says "
            "a lost attempt may have done it.",
            f"Load average before: {load_before}; during both runs: {cpu_text}. The machine "
            "is shared: times are upper bounds.",
        ],
    )
    kinds = Counter(
        {k.removeprefix("kill "): v for k, v in faulted.faults.items() if k.startswith("kill ")}
    )
    cuts = Counter(
        {k.removeprefix("cut "): v for k, v in faulted.faults.items() if k.startswith("cut ")}
    )
    section.tables.append(
        Table(
            "Faults",
            ["fault", "count"],
            [[f"SIGKILL {kind}", str(kinds[kind])] for kind in KINDS]
            + [[f"cut {name}", str(cuts[name])] for name in ("database", "broker")]
            + [
                ["kills in all", str(faulted.kills)],
                ["cuts in all", str(faulted.cuts)],
                ["restarts by the supervisor", str(sum(faulted.restarts.values()))],
                ["processes that exited by themselves", str(len(faulted.unexpected_exits))],
            ],
        )
    )
    timing_rows = [
        ["scenario (first request → awards holds the ranking)", f"{faulted.scenario_s:.1f}"],
        ["faults injected for", f"{faulted.faults_s:.1f}"],
        ["settled after the last fault", f"{faulted.settle_s:.1f}"],
    ]
    if calm is not None:
        timing_rows.insert(0, ["scenario without faults", f"{calm.scenario_s:.1f}"])
    section.tables.append(Table("Time (s)", ["", "seconds"], timing_rows))
    stats = faulted.stats
    section.tables.append(
        Table(
            "What the clients and inboxes saw",
            ["", "count"],
            [
                ["requests", str(stats.requests)],
                *[[f"retried after {why}", str(n)] for why, n in sorted(stats.retries.items())],
                ["answers replayed by Idempotency-Key", str(stats.replayed)],
                ["Idempotency-Key stuck in progress, effect there", str(stats.stuck_key_found)],
                ["Idempotency-Key stuck in progress, effect missing", str(stats.stuck_key_missing)],
                ["412/409 where a lost attempt had done it", str(stats.conflict_effect_found)],
                ["412 stale ETag, sent again", str(stats.stale_etag)],
                ["duplicate deliveries ignored by inboxes", str(faulted.duplicates_ignored)],
            ],
        )
    )
    rows = [[c.name, _yes(c.passed), c.detail] for c in faulted.checks]
    if calm is not None:
        same = calm.published == faulted.published
        rows.append(
            [
                "ranking identical to the fault-free run of the same seed",
                _yes(same),
                f"{len(calm.published)} units without faults, {len(faulted.published)} with",
            ]
        )
        rows.append(
            [
                "the fault-free run passes the same checks",
                _yes(calm.passed),
                f"{sum(c.passed for c in calm.checks)}/{len(calm.checks)}",
            ]
        )
    rows.append(
        [
            f"at least {quota.kills} kills and {quota.cuts} cuts",
            _yes(faulted.kills >= quota.kills and faulted.cuts >= quota.cuts),
            f"{faulted.kills} kills, {faulted.cuts} cuts",
        ]
    )
    rows.append(
        [
            f"settled within {SETTLE_TARGET_S:g} s of the last fault",
            _yes(faulted.settle_s <= SETTLE_TARGET_S),
            f"{faulted.settle_s:.1f} s",
        ]
    )
    section.tables.append(Table("Checks", ["check", "result", "what was found"], rows))
    section.reading = [
        "Every line of *Checks* must say pass: a fault that loses, doubles or mis-ranks "
        'anything is a defect to fix, not a figure. "Exactly once" is read from the '
        "records: each consumer's inbox against every outbox row of the types it binds, the "
        "workers' record of each computation they committed (tests/campaign/worker.py), and "
        "the public facts in scoring's outbox against the scenario's plan.",
        "*Settled after the last fault* is the time from the injector's stop until every "
        f"outbox is published and every inbox complete; pass under {SETTLE_TARGET_S:g} s "
        "(a consumer's backoff is at most 10 s, a relay's round is immediate).",
        "*Idempotency-Key stuck in progress* counts the known weakness of issue 15: a key "
        "whose first request was SIGKILLed, or whose release was lost in a database cut, "
        "answers 409 for ever; the client looks whether the effect happened and, if not, "
        "sends it with a new key. *Retried after 500* are requests that met a database cut "
        "(the API answers a lost connection with 500, not 503).",
        "The scenario's time with faults against without is the cost of the faults "
        "(restarts, backoffs, retries), not a target; restarts cost each a Python start "
        "on a shared 2-core machine.",
    ]
    return section
