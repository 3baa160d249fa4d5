"""The scoring section: conditions, tables and how to read them."""

from __future__ import annotations

import statistics
from dataclasses import replace

from bench.gateway.load import Run
from bench.report import Section, Table
from bench.scoring import yearend
from bench.scoring.scale import Point
from bench.stats import ms


def _s(seconds: float) -> str:
    return f"{seconds:.2f}"


def _pooled(runs: list[Run]) -> Run:
    return Run(
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        latencies=[sample for r in runs for sample in r.latencies],
    )


def combine(trials: list[yearend.Timings]) -> yearend.Timings:
    """Several trials of one worker count: requests and latencies pooled, times the median."""

    def median(name: str) -> float:
        return statistics.median(getattr(t, name) for t in trials)

    return replace(
        trials[0],
        autosave=_pooled([t.autosave for t in trials]),
        submit=_pooled([t.submit for t in trials]),
        submit_to_computed_s=median("submit_to_computed_s"),
        last_submit_to_computed_s=median("last_submit_to_computed_s"),
        close_s=median("close_s"),
        close_to_computed_s=median("close_to_computed_s"),
        publish_s=median("publish_s"),
        close_to_published_s=median("close_to_published_s"),
        ranked=min(t.ranked for t in trials),
        cpu="; ".join(t.cpu for t in trials),
        notes=sorted({n for t in trials for n in t.notes}),
    )


def _range(trials: list[yearend.Timings], name: str) -> str:
    values = [getattr(t, name) for t in trials]
    return f"{min(values):.2f}–{max(values):.2f}"


def describe(
    trials: dict[int, list[yearend.Timings]],
    points: list[Point],
    stack: str,
    concurrency: int,
    skipped: list[str],
) -> Section:
    section = Section(name="scoring", title="Scoring at year-end", skipped=skipped)
    runs = [combine(t) for t in trials.values()]
    first = runs[0]
    count = len(next(iter(trials.values())))
    section.conditions = [
        f"Stack: {stack}, a fresh set of databases and a fresh bus prefix for each worker "
        "count. Scoring's read models are filled by applying events with the kit's "
        "`Consumer.apply`: identity's real reference data (`reference.load`: "
        f"{first.sheets} provinces of 2026 with their regions) and the sample criteria table "
        f"published for 2026 ({first.entries_per_sheet} criteria per sheet).",
        f"Processes: scoring under gunicorn (`kit.gunicorn_conf`, {yearend.SCORING_WORKERS} "
        f"processes x {yearend.THREADS} threads), the gateway under gunicorn in front of it (same "
        "settings, rate limits raised so they never refuse, JWKS from a tiny server with the "
        "benchmark's own RS256 key), scoring's relay (`python -m services.scoring relay`, "
        "default batch and 0.1 s idle wait) and 1 or 2 scoring workers (`python -m "
        f"services.scoring consume --prefetch {yearend.PREFETCH}`). All on one machine with the "
        "load generator.",
        "Every request goes through the gateway with a bearer token: each unit's `unit_officer` "
        "for its own sheet, a `ministry_officer` for the round. Sheets are filled with the six "
        "worked examples of `sample-scoresheets.json` in turn.",
        f"Autosave (before the window): {concurrency} units at a time, each filling its sheet "
        "one criterion at a time (`PUT /sheets/<id>/entries/<code>` with the entry's If-Match), "
        "then its bonus/deduction counts; requests/s counts these PUTs and the two GETs per "
        "sheet that fetch ETags; latencies are the PUTs'.",
        f"Submission window: all {first.sheets} units submit (`POST /sheets/<id>/submit`, 202), "
        f"{concurrency} at a time, ETags read beforehand. Computed: scoring's database polled "
        f"every {yearend.POLL_S * 1000:.0f} ms until every sheet is `done` at its revision.",
        "Close: the ministry moves the round to region_review and appraisal, finalises every "
        f"sheet ({concurrency} at a time, a GET for the ETag each), moves it to closed; then "
        "waits for the workers to recompute the final sheets and publishes the ranking.",
        f"{count} trial{'s' if count != 1 else ''} per worker count, each on a fresh stack, the "
        "worker counts interleaved: requests and latencies are pooled over the trials "
        "(requests/s = all requests / all window time), times are the median trial's (range "
        "in brackets). Percentiles are nearest-rank. CPU per trial: "
        + "; ".join(f"{r.workers} worker(s): {r.cpu}" for r in runs)
        + ".",
    ]
    headers = ["Workers", *[f"{r.workers}" for r in runs]]

    def timed(name: str) -> list[str]:
        return [
            f"{getattr(r, name):.2f} ({_range(t, name)})" if len(t) > 1 else _s(getattr(r, name))
            for r, t in zip(runs, trials.values(), strict=True)
        ]

    rows = [
        ["Autosave requests", *[f"{r.autosave.requests:,}" for r in runs]],
        ["Autosave requests/s", *[f"{r.autosave.rps:,.0f}" for r in runs]],
        [
            "Autosave PUT p50 / p99 ms",
            *[f"{ms(r.autosave.p50)} / {ms(r.autosave.p99)}" for r in runs],
        ],
        ["Submissions", *[str(r.submit.requests) for r in runs]],
        ["Submission window, s", *[_s(r.submit.seconds) for r in runs]],
        ["Submissions/s", *[f"{r.submit.rps:,.1f}" for r in runs]],
        ["Submit p50 / p99 ms", *[f"{ms(r.submit.p50)} / {ms(r.submit.p99)}" for r in runs]],
        ["First submit → all computed, s", *timed("submit_to_computed_s")],
        [
            "Last submit answered → all computed, s",
            *timed("last_submit_to_computed_s"),
        ],
        ["Close (phases + finalise all), s", *timed("close_s")],
        ["Closed → final sheets recomputed, s", *timed("close_to_computed_s")],
        ["Publishing the ranking, s", *timed("publish_s")],
        ["Close began → ranking published, s", *timed("close_to_published_s")],
        ["Units ranked", *[str(r.ranked) for r in runs]],
    ]
    section.tables.append(
        Table(
            f"The year-end scenario, {first.sheets} units, concurrency {concurrency}",
            headers,
            rows,
            caption=f"Ranking published with {runs[0].published_via}.",
        )
    )
    by_table: dict[str, list[Point]] = {}
    for point in points:
        by_table.setdefault(point.table, []).append(point)
    scale_rows = [
        [
            p.table,
            str(p.criteria),
            f"{p.units:,}",
            f"{p.units * p.criteria:,}",
            _s(p.seconds),
            f"{p.per_sheet * 1000:.2f}",
            f"{p.per_sheet / p.criteria * 1e6:.1f}",
        ]
        for p in points
    ]
    section.tables.append(
        Table(
            "Scale: the workers' computation alone (`scoringrules.score`), in process",
            [
                "Table",
                "Criteria",
                "Units",
                "Units x criteria",
                "Total s",
                "ms per sheet",
                "µs per criterion",
            ],
            scale_rows,
            caption="One thread, no HTTP and no database: the part of a job that grows with the "
            "table. Each sheet is one of the worked examples (the x2 table's sheets repeat their "
            "entries under the new codes).",
        )
    )
    reading = []
    if len(runs) == 2:
        one, two = runs
        reading.append(
            "With 2 scoring workers instead of 1: submissions/s "
            f"{two.submit.rps / one.submit.rps:.2f}x, first submit → all computed "
            f"{two.submit_to_computed_s / one.submit_to_computed_s:.2f}x "
            f"the time ({_s(one.submit_to_computed_s)} s → {_s(two.submit_to_computed_s)} s), "
            "close → ranking published "
            f"{two.close_to_published_s / one.close_to_published_s:.2f}x "
            f"({_s(one.close_to_published_s)} s → {_s(two.close_to_published_s)} s). The submit "
            "itself only records the status and queues a job (202), so workers should not change "
            "it; they matter for the time to computed. On a 2-core machine shared by the API, the "
            "gateway, the relay, the database, the broker and the load generator, a second worker "
            "competes for the same cores: the ranges show how much a trial varies, and the "
            "ratio is what this machine shows, not what workers on separate hosts would."
        )
    if len(by_table) == 2:
        small, wide = by_table.values()
        largest_small, largest_wide = small[-1], wide[-1]
        growth = largest_small.seconds / small[0].seconds
        unit_ratio = largest_small.units / small[0].units
        reading.append(
            f"Scale: {unit_ratio:.0f}x the units costs {growth:.1f}x the time on the sample table "
            f"({_s(small[0].seconds)} s → {_s(largest_small.seconds)} s), and twice the criteria "
            f"costs {largest_wide.per_sheet / largest_small.per_sheet:.2f}x per sheet: the "
            "computation is linear in units x criteria (µs per criterion stays about flat). At "
            f"{largest_small.units:,} units one worker would need about "
            f"{largest_small.seconds:.0f} s of CPU for scoring alone, before the per-job database "
            "reads and writes the year-end scenario adds."
        )
    reading.append(
        "Not measured: the region review (proposals, returns, resubmissions) and appraisal "
        "changes, evidence uploads, reads of rankings and exports, the scheduler moving phases "
        "by itself, and the HTTP scenario at 100x the units (the scale test covers only the "
        "computation). The figures come from a few trials per worker count on a small shared "
        "machine: "
        "for comparing 1 and 2 workers and for the shape of the growth, not for sizing production."
    )
    reading += sorted({note for run in runs for note in run.notes})
    section.reading = reading
    return section
