"""Awards benchmark: explained eligibility of a large unit, and a national-size registry import.

The issue asks: "eligibility of every member of a unit of 2,000 people for every individual
award of the sample pack (p50 and p99 per verdict, and the whole list), and a registry import
of 10,000 people with 100,000 awards (seconds, rows/s)".

Both run in process against the awards service's domain (services.awards.domain), on a fresh
database of each stack (SQLite, and PostgreSQL when it answers): the figures are the rule
engine and the database reads and writes around it, without HTTP. The registry is synthetic
(``synthetic_registry``): every person has eight years of assessments, a position, an
initiative every few years and ten awards, so every condition type of the sample pack has
something to read.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench import infra, stacks
from bench.report import Section, Table
from bench.runner import Options
from bench.stats import ms, percentile

TITLE = "Awards: eligibility and the registry import"
PACK = Path(__file__).resolve().parent.parent / "services" / "awards" / "data"
YEAR = 2025
UNIT = "bench-unit-0"
SAMPLED_VERDICTS = 200  # single verdicts timed per award (the list covers everyone)


def synthetic_registry(people: int, per_unit: int, awards_each: int) -> dict[str, Any]:
    """A registry document of ``people`` in units of ``per_unit``, ``awards_each`` awards each."""
    rng = random.Random(2026)
    assessments = ["hoan-thanh", "tot", "tot", "xuat-sac"]
    codes = ["LDTT", "CSTDCS", "CSTD_BO"]
    document: dict[str, Any] = {"people": [], "awards": []}
    first_year = YEAR - awards_each + 1
    for n in range(people):
        staff = f"bench-{n:06d}"
        document["people"].append(
            {
                "id": staff,
                "full_name": f"Nguyễn Văn Thử {n}",
                "gender": "nam" if n % 2 else "nu",
                "unit_id": f"bench-unit-{n // per_unit}",
                "transferred_from_other_sector": n % 7 == 0,
                "positions": [{"position": "cap-pho", "from": f"{2010 + n % 10}-03-01", "to": None}]
                if n % 3 == 0
                else [],
                "assessments": {str(y): rng.choice(assessments) for y in range(2018, YEAR + 1)},
                "service_months": {str(YEAR): 9} if n % 11 == 0 else {},
                "discipline": [{"year": YEAR, "level": "khien-trach"}] if n % 50 == 0 else [],
                "initiatives": [
                    {"year": y, "scope": rng.choice(["co-so", "co-so", "bo"]), "title": f"SK {n}"}
                    for y in range(2018, YEAR + 1, 3)
                ],
            }
        )
        for k in range(awards_each):
            year = first_year + k
            document["awards"].append(
                {
                    "recipient": staff,
                    "award": codes[0] if k % 3 else rng.choice(codes),
                    "year": year,
                    "decision": f"QĐ {n}-{k}/QĐ-BENCH",
                    "decided_on": f"{year + 1}-01-15",
                }
            )
    return document


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    value = fn()
    return time.perf_counter() - began, value


def _measure(stack: stacks.Stack, options: Options) -> dict[str, Any]:
    from kit import migrate
    from services.awards.domain import eligibility, packs, registry_import
    from services.awards.service import SERVICE

    url = stack.database_urls["awards"]
    migrate.upgrade(SERVICE, url)
    db = stack.database("awards")
    people, per_unit, awards_each = (400, 200, 10) if options.quick else (10_000, 2_000, 10)
    document = synthetic_registry(people, per_unit, awards_each)
    pack = json.loads((PACK / "sample-award-rules.json").read_text(encoding="utf-8"))
    with db.transaction() as session:
        packs.publish(session, "bench", packs.upload(session, "bench", pack))

    options.progress(f"awards/{stack.name}: importing {people:,} people")
    with db.transaction() as session:
        imported, report = _timed(
            lambda: registry_import.import_document(session, "bench", document, allowed_units=None)
        )
    options.progress(f"awards/{stack.name}: re-importing (nothing changes)")
    with db.transaction() as session:
        again, _ = _timed(
            lambda: registry_import.import_document(session, "bench", document, allowed_units=None)
        )
    rows = len(document["people"]) + len(document["awards"])

    individual = [a["code"] for a in pack["awards"] if a["recipient"] == "individual"]
    members = [p["id"] for p in document["people"] if p["unit_id"] == UNIT]
    sample = members[:: max(1, len(members) // SAMPLED_VERDICTS)][:SAMPLED_VERDICTS]
    verdicts: dict[str, dict[str, float]] = {}
    for code in individual:
        options.progress(f"awards/{stack.name}: {code}, {len(sample)} verdicts and the list")
        with db.read() as session:
            eligibility.verdict(session, code, YEAR, sample[0])  # warm: the pack, caches
            singles = []
            for staff in sample:
                seconds, _ = _timed(
                    lambda s=staff, c=code: eligibility.verdict(session, c, YEAR, s)
                )
                singles.append(seconds)
            whole, listed = _timed(
                lambda c=code: eligibility.candidates(session, c, YEAR, unit_id=UNIT)
            )
        verdicts[code] = {
            "p50": percentile(singles, 50),
            "p99": percentile(singles, 99),
            "list": whole,
            "listed": len(listed),
            "eligible": sum(1 for v in listed if v["eligible"]),
        }
    return {
        "label": stack.label,
        "people": people,
        "awards": len(document["awards"]),
        "rows": rows,
        "import": imported,
        "reimport": again,
        "report": report,
        "members": len(members),
        "verdicts": verdicts,
    }


def run(options: Options) -> Section:
    token = secrets.token_hex(3)
    results = []
    skipped: list[str] = []
    with stacks.embedded(token, ["awards"]) as stack:
        results.append(_measure(stack, options))
    try:
        with stacks.infrastructure(token, ["awards"], consumers=[]) as stack:
            results.append(_measure(stack, options))
    except infra.Unavailable as error:
        skipped.append(f"the infra stack (PostgreSQL): {error}")
    return describe(results, skipped)


def describe(results: list[dict[str, Any]], skipped: list[str]) -> Section:
    first = results[0]
    section = Section(
        name="awards",
        title=TITLE,
        skipped=skipped,
        conditions=[
            f"In process through `services.awards.domain` (no HTTP), on a fresh database per "
            f"stack, {date.today():%B %Y}.",
            f"Synthetic registry: {first['people']:,} people in units of 2,000, "
            f"{first['awards']:,} awards (ten each), eight years of assessments, positions, "
            "initiatives and a few discipline records (`bench/awards.py`).",
            f"Eligibility for {YEAR} of the members of one unit ({first['members']:,} people) "
            f"against every individual award of the sample pack: {SAMPLED_VERDICTS} single "
            "verdicts per award (`eligibility.verdict`, each loading its subject), then the "
            "whole candidate list (`eligibility.candidates`: every member, sorted).",
        ],
    )
    section.tables.append(
        Table(
            "Registry import",
            ["stack", "people", "awards", "first import (s)", "rows/s", "re-import (s)"],
            [
                [
                    r["label"],
                    f"{r['people']:,}",
                    f"{r['awards']:,}",
                    f"{r['import']:.1f}",
                    f"{r['rows'] / r['import']:,.0f}",
                    f"{r['reimport']:.1f}",
                ]
                for r in results
            ],
            caption="All or nothing in one transaction; the re-import finds every row "
            "unchanged and writes nothing.",
        )
    )
    for r in results:
        section.tables.append(
            Table(
                f"Eligibility, {r['label']}",
                ["award", "verdict p50 (ms)", "verdict p99 (ms)", "whole list (s)", "eligible"],
                [
                    [
                        code,
                        ms(v["p50"]),
                        ms(v["p99"]),
                        f"{v['list']:.2f}",
                        f"{v['eligible']:,} / {v['listed']:,}",
                    ]
                    for code, v in r["verdicts"].items()
                ],
            )
        )
    return section
