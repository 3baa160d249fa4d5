"""One campaign: the platform up, the year-end driven with (or without) faults, then the checks.

``run`` is what the CI test and the long run (bench/chaos.py) share. The faults start once
the sources' events have reached scoring (the read models a round needs) and go on until the
ranking has reached awards and the quota of kills and cuts is met; then the injector stops,
the platform is given time to settle (every outbox published, every inbox complete, every
queue drained), and the checks run.

The expected ranking comes from the scoring rules alone (``scenario.expected_ranking``, the
plan's final inputs and overrides through ``scoringrules.score`` and the ranking rule), so
one run is enough to compare; the long run also runs the same seeded scenario without faults
and compares the two published rankings, the stronger check, which CI cannot afford.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from services.awards.models import RankingResult
from tests.campaign import checks
from tests.campaign.platform import KILLED_KINDS, Platform, running
from tests.campaign.scenario import ClientStats, Outcome, Place, YearEnd, expected_ranking
from tests.support.faults import FaultInjector
from tests.support.processes import wait_until

SETTLE_TIMEOUT_S = 150.0


@dataclass(frozen=True)
class Quota:
    kills: int
    cuts: int
    pause_s: tuple[float, float] = (2.0, 5.0)  # between two faults, while the scenario runs
    cut_s: tuple[float, float] = (1.5, 4.0)
    cut_share: float = 0.25


@dataclass
class Result:
    seed: int
    faults: Counter[str]  # "kill relay", "cut database", ...
    kills: int
    cuts: int
    restarts: dict[str, int]
    unexpected_exits: list[str]
    fault_log: str
    scenario_s: float  # first request to the ranking received by awards
    faults_s: float  # the injector's run
    settle_s: float  # injector stopped -> settled
    wall_s: float
    timings: dict[str, float]
    stats: ClientStats
    published: dict[str, Place]
    expected: dict[str, Place]
    checks: list[checks.Check] = field(default_factory=list)
    duplicates_ignored: int = 0  # "duplicate delivery ignored" lines of the consumers

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def report(self) -> str:
        lines = [
            f"seed {self.seed}: {self.kills} kills, {self.cuts} cuts "
            f"({', '.join(f'{k} {v}' for k, v in sorted(self.faults.items()))})",
            f"restarts {dict(sorted(self.restarts.items()))}",
            f"scenario {self.scenario_s:.1f} s, settled {self.settle_s:.1f} s after the faults, "
            f"wall {self.wall_s:.1f} s",
            *self.stats.merge_lines(),
            f"duplicate deliveries ignored by inboxes {self.duplicates_ignored}",
            *(f"exited by itself: {e}" for e in self.unexpected_exits),
            *(f"[{'ok' if c.passed else 'FAILED'}] {c.name}: {c.detail}" for c in self.checks),
        ]
        return "\n".join(lines)


def wait_sources_delivered(platform: Platform, timeout: float = 120) -> None:
    """Until scoring's inbox holds every event of identity and criteria it binds: its copies
    of the table, the units and the regions are complete, so the round can be opened."""
    try:
        wait_until(
            lambda: checks.missing_from_inboxes(platform, ("identity", "criteria"))["scoring"] == 0,
            timeout=timeout,
            interval=0.5,
            what="identity's and criteria's events to reach scoring",
        )
    except AssertionError as error:
        supervisor = platform.supervisor
        assert supervisor is not None
        missing = checks.missing_from_inboxes(platform, ("identity", "criteria"))
        raise AssertionError(
            f"{error}: still missing {missing}, unpublished {checks.unpublished(platform)}, "
            f"dead letters {checks.dead_letters(platform)}, exits "
            f"{[(e.name, e.returncode) for e in supervisor.exits]}\n"
            + supervisor.logs_of("identity-relay", 1500)
            + supervisor.logs_of("scoring-worker-1", 1500)
        ) from error


def wait_awards_received(platform: Platform, round_id: str, units: int) -> None:
    def received() -> bool:
        with platform.db("awards").read() as session:
            return (
                session.execute(
                    select(func.count())
                    .select_from(RankingResult)
                    .where(RankingResult.round_id == round_id)
                ).scalar_one()
                == units
            )

    wait_until(received, timeout=SETTLE_TIMEOUT_S, interval=0.5, what="awards' copy of the ranking")


def run(
    root: Path,
    *,
    seed: int,
    quota: Quota | None,
    progress: Callable[[str], None] = print,
    scoring_workers: int = 2,
    criteria_per_group: int | None = None,
) -> Result:
    """The campaign in ``root`` (its logs stay there); ``quota`` None runs without faults."""
    began = time.monotonic()
    with running(root, progress, scoring_workers, criteria_per_group) as platform:
        assert platform.supervisor is not None
        supervisor = platform.supervisor
        progress("platform up; waiting for the sources' events to reach scoring")
        wait_sources_delivered(platform)
        injector = None
        if quota is not None:
            injector = FaultInjector(
                supervisor,
                platform.proxies,
                seed,
                kinds=KILLED_KINDS,
                pause_s=quota.pause_s,
                cut_s=quota.cut_s,
                cut_share=quota.cut_share,
            )
            injector.start()
        scenario_began = time.monotonic()
        outcome: Outcome | None = None
        try:
            outcome = YearEnd(platform, seed, progress).run()
            wait_awards_received(platform, outcome.round_id, len(outcome.plans))
            scenario_s = time.monotonic() - scenario_began
            if injector is not None:
                progress(f"scenario done; faults so far {dict(injector.counts())}")
                injector.until(quota.kills, quota.cuts)  # type: ignore[union-attr]
        finally:
            if injector is not None:
                injector.stop()
        faults_s = time.monotonic() - scenario_began
        settle_began = time.monotonic()
        settling: list[checks.Check] = []
        try:
            supervisor.wait_all_alive(timeout=60)
            wait_until(
                lambda: checks.settled(platform),
                timeout=SETTLE_TIMEOUT_S,
                interval=0.5,
                what="every outbox published and every inbox complete",
            )
        except AssertionError as error:  # the checks below say what is missing
            settling.append(checks.Check("settled after the faults", False, str(error)))
        settle_s = time.monotonic() - settle_began
        expected = expected_ranking(outcome.plans, outcome.document)
        found = settling + checks.run(platform, outcome, expected)
        consumers = [
            n for n in supervisor.names() if supervisor.kind_of(n) in ("worker", "consumer")
        ]
        counts = injector.counts() if injector is not None else Counter()
        return Result(
            seed=seed,
            faults=injector.by_kind() if injector is not None else Counter(),
            kills=counts["kill"],
            cuts=counts["cut"],
            restarts=dict(supervisor.restarts),
            unexpected_exits=[
                f"{e.name} at {e.at:.1f} s (exit {e.returncode})"
                for e in supervisor.unexpected_exits()
            ],
            fault_log=injector.describe() if injector is not None else "no faults",
            scenario_s=scenario_s,
            faults_s=faults_s,
            settle_s=settle_s,
            wall_s=time.monotonic() - began,
            timings=outcome.timings,
            stats=outcome.stats,
            published=outcome.published,
            expected=expected,
            checks=found,
            duplicates_ignored=supervisor.grep(consumers, "duplicate delivery ignored"),
        )
