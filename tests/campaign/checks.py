"""What must be true once the faults have stopped and every process has settled.

Each check reads the servers directly (never through a proxy) and says what it found:

- **one round**: the round was created once, whatever the retries;
- **outboxes published**: no row of identity's, criteria's or scoring's outbox is unpublished;
- **inboxes exactly once**: for each running consumer (scoring, awards), the set of event ids
  in its inbox equals the set of outbox rows, of every source, whose type it binds (the inbox's
  key is (consumer, event id), so a second copy of an event can only have been refused: "once
  in effect");
- **no dead letter**: every dead-letter queue is empty;
- **computed once per revision**: from the workers' record (tests/campaign/worker.py): no
  (sheet, revision) computed twice; every computed revision was asked for by a
  ``compute_requested`` job; at most one job per revision; each sheet's current revision done
  and either asked for and computed once, or (a move that changes no points, from a computed
  revision: docs/events.md) carried forward, asked for by no job and computed by no worker,
  from the sheet's last revision that was asked for, which was computed once;
- **public facts once**: per sheet, ``submitted`` once plus once per return, ``returned`` as
  planned, ``finalised`` once; the round's phase changed four times; one ranking published;
- **ranking**: the published ranking (the API's, scoring's stored one and awards' copy) equals
  the expected one unit by unit (total, band, national and region rank).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, text

from kit.events.consumer import topic_matches
from kit.events.tables import inbox, outbox
from services.awards.models import RankingResult
from services.scoring.models import Ranking, Round, Sheet
from tests.campaign import worker
from tests.campaign.platform import CONSUMERS, SOURCES, Platform
from tests.campaign.scenario import ROUND_NAME, Outcome, Place


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def _sample(items: Iterable[object], limit: int = 5) -> str:
    items = sorted(map(str, items))
    return ", ".join(items[:limit]) + (f" … ({len(items)} in all)" if len(items) > limit else "")


def outbox_rows(platform: Platform, service: str) -> list[tuple[str, str, str, bool]]:
    """(event id, type, envelope, published) of every row of ``service``'s outbox."""
    with platform.db(service).read() as session:
        rows = session.execute(
            select(outbox.c.event_id, outbox.c.type, outbox.c.envelope, outbox.c.published_at)
        ).all()
    return [(r.event_id, r.type, r.envelope, r.published_at is not None) for r in rows]


def expected_in(
    consumer: str, rows_by_source: dict[str, list[tuple[str, str, str, bool]]]
) -> set[str]:
    patterns = list(CONSUMERS[consumer].subscriptions)
    return {
        event_id
        for rows in rows_by_source.values()
        for event_id, event_type, _, _ in rows
        if any(topic_matches(p, event_type) for p in patterns)
    }


def inbox_ids(platform: Platform, consumer: str) -> set[str]:
    with platform.db(consumer).read() as session:
        return set(
            session.execute(select(inbox.c.event_id).where(inbox.c.consumer == consumer)).scalars()
        )


def missing_from_inboxes(platform: Platform, sources: Iterable[str] = SOURCES) -> dict[str, int]:
    """Per consumer, how many events of these sources' outboxes its inbox still lacks."""
    rows = {s: outbox_rows(platform, s) for s in sources}
    return {c: len(expected_in(c, rows) - inbox_ids(platform, c)) for c in CONSUMERS}


def unpublished(platform: Platform) -> int:
    return sum(not published for s in SOURCES for *_, published in outbox_rows(platform, s))


def dead_letters(platform: Platform) -> dict[str, int]:
    prefix = platform.stack.prefix
    return {c: platform.stack.queue_size(f"{prefix}.{c}.dead") for c in CONSUMERS}


def waiting_in_queues(platform: Platform) -> int:
    prefix = platform.stack.prefix
    return sum(platform.stack.queue_size(f"{prefix}.{c}") for c in CONSUMERS)


def settled(platform: Platform) -> bool:
    """Nothing left to publish, to deliver or to take into an inbox."""
    return (
        unpublished(platform) == 0
        and not any(missing_from_inboxes(platform).values())
        and waiting_in_queues(platform) == 0
    )


def _places(rows: Iterable[object]) -> dict[str, Place]:
    from services.scoring.domain.rankings import text as decimal_text

    return {
        r.unit_id: Place(  # type: ignore[attr-defined]
            str(decimal_text(r.total)),  # type: ignore[attr-defined]
            r.band,  # type: ignore[attr-defined]
            r.national_rank,  # type: ignore[attr-defined]
            r.region_rank,  # type: ignore[attr-defined]
        )
        for r in rows
    }


def _ranking_check(name: str, got: dict[str, Place], expected: dict[str, Place]) -> Check:
    wrong = {u for u in expected.keys() | got.keys() if got.get(u) != expected.get(u)}
    detail = (
        f"{len(got)} units, identical to the expected ranking"
        if not wrong
        else "differs for "
        + "; ".join(f"{u}: got {got.get(u)} expected {expected.get(u)}" for u in sorted(wrong)[:5])
    )
    return Check(name, not wrong, detail)


def run(platform: Platform, outcome: Outcome, expected: dict[str, Place]) -> list[Check]:
    checks: list[Check] = []
    scoring = platform.db("scoring")

    with scoring.read() as session:
        rounds = session.execute(select(Round).where(Round.name == ROUND_NAME)).scalars().all()
        sheets = {
            s.id: (s.revision, s.compute_status, s.computed_revision, s.status)
            for s in session.execute(select(Sheet).where(Sheet.round_id == outcome.round_id))
            .scalars()
            .all()
        }
        computations = session.execute(
            text(f"SELECT sheet_id, revision, outcome FROM {worker.TABLE}")
        ).all()
        stored = _places(
            session.execute(select(Ranking).where(Ranking.round_id == outcome.round_id)).scalars()
        )
    checks.append(Check("one round", len(rounds) == 1, f"{len(rounds)} round(s) named so"))

    rows = {s: outbox_rows(platform, s) for s in SOURCES}
    left = {s: sum(not published for *_, published in r) for s, r in rows.items()}
    checks.append(
        Check(
            "outboxes published",
            not any(left.values()),
            ", ".join(f"{s}: {len(rows[s])} rows, {left[s]} unpublished" for s in SOURCES),
        )
    )

    for consumer in CONSUMERS:
        wanted, got = expected_in(consumer, rows), inbox_ids(platform, consumer)
        missing, extra = wanted - got, got - wanted
        checks.append(
            Check(
                f"{consumer}'s inbox holds every event it binds, once",
                not missing and not extra,
                f"{len(wanted)} events expected, {len(got)} in the inbox"
                + (f"; missing {_sample(missing)}" if missing else "")
                + (f"; not from any outbox {_sample(extra)}" if extra else ""),
            )
        )

    letters = dead_letters(platform)
    checks.append(
        Check(
            "no dead letter",
            not any(letters.values()),
            ", ".join(f"{c}: {n}" for c, n in letters.items()),
        )
    )

    # -- computations -----------------------------------------------------------------------
    scoring_events = [
        (event_type, json.loads(envelope)["data"]) for _, event_type, envelope, _ in rows["scoring"]
    ]
    jobs = Counter(
        (data["sheet_id"], data["revision"])
        for event_type, data in scoring_events
        if event_type == "scoring.sheet.compute_requested"
    )
    done = Counter((sheet_id, revision) for sheet_id, revision, _ in computations)
    twice = {key: n for key, n in done.items() if n > 1}
    unasked = set(done) - set(jobs)
    jobs_twice = {key: n for key, n in jobs.items() if n > 1}
    asked: dict[str, list[int]] = {}
    for sheet_id, revision in jobs:
        asked.setdefault(sheet_id, []).append(revision)

    def current_once(sheet_id: str, revision: int) -> bool:
        """Computed once as asked, or carried from the last revision asked for, computed once."""
        if (sheet_id, revision) in jobs:
            return done[(sheet_id, revision)] == 1
        earlier = [r for r in asked.get(sheet_id, []) if r < revision]
        return (
            done[(sheet_id, revision)] == 0
            and bool(earlier)
            and done[(sheet_id, max(earlier))] == 1
        )

    current_not_once = {
        sheet_id
        for sheet_id, (revision, status, computed_revision, _) in sheets.items()
        if not current_once(sheet_id, revision) or status != "done" or computed_revision != revision
    }
    carried = sum((sheet_id, revision) not in jobs for sheet_id, (revision, *_) in sheets.items())
    checks.append(
        Check(
            "every sheet computed exactly once per revision",
            bool(computations) and not twice and not unasked and not current_not_once,
            f"{len(computations)} computations recorded for {len(jobs)} requested revisions of "
            f"{len(sheets)} sheets ({carried} current revisions carried forward)"
            + (f"; computed twice {_sample(twice)}" if twice else "")
            + (f"; computed unasked {_sample(unasked)}" if unasked else "")
            + (
                f"; current revision not computed (or carried) once {_sample(current_not_once)}"
                if current_not_once
                else ""
            )
            + ("; the workers recorded no computation at all" if not computations else ""),
        )
    )
    checks.append(
        Check(
            "one computation job per revision",
            not jobs_twice,
            f"{len(jobs)} jobs" + (f"; asked twice {_sample(jobs_twice)}" if jobs_twice else ""),
        )
    )

    # -- the public facts -------------------------------------------------------------------
    facts = Counter(
        (event_type, data.get("sheet_id") or data.get("round_id"))
        for event_type, data in scoring_events
    )
    wrong = []
    for plan in outcome.plans:
        returns = 1 if plan.returned else 0
        want = {
            "scoring.sheet.submitted": 1 + returns,
            "scoring.sheet.returned": returns,
            "scoring.sheet.finalised": 1,
        }
        for event_type, count in want.items():
            if facts[(event_type, plan.sheet_id)] != count:
                got = facts[(event_type, plan.sheet_id)]
                wrong.append(f"{plan.unit_id} {event_type} {got}× (want {count})")
    for event_type, count in {
        "scoring.round.phase_changed": 4,
        "scoring.ranking.published": 1,
    }.items():
        if facts[(event_type, outcome.round_id)] != count:
            wrong.append(f"{event_type} {facts[(event_type, outcome.round_id)]}× (want {count})")
    checks.append(
        Check(
            "every public fact emitted once",
            not wrong,
            f"{len(scoring_events)} scoring events" + (f"; {_sample(wrong)}" if wrong else ""),
        )
    )

    # -- the ranking ------------------------------------------------------------------------
    with platform.db("awards").read() as session:
        copied = _places(
            session.execute(
                select(RankingResult).where(RankingResult.round_id == outcome.round_id)
            ).scalars()
        )
    checks.append(_ranking_check("published ranking (API)", outcome.published, expected))
    checks.append(_ranking_check("published ranking (scoring's rows)", stored, expected))
    checks.append(_ranking_check("ranking received by awards", copied, expected))
    return checks
