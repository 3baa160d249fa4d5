"""The rules engine: an award's conditions evaluated on a subject's history, with reasons.

Pure: no database, no clock. ``evaluate(award, pack, year, history)`` gives one
``ConditionResult`` per top-level condition of the award (nested ones inside ``any_of`` and
``all_of``), each saying in Vietnamese and English what was found, and ``found``, the facts
behind it. Nothing of any award is here: the award, its thresholds and the scales come from
the rule pack document (../shared/data/README.md says what each condition means).

Registering a new condition type is one function ``check(condition, context, history) ->
ConditionResult`` plus one entry in ``CONDITIONS_TABLE``: the ``Spec`` names its parameters, which
the rule pack validation (domain.packs) then checks, and who it applies to.

Shares are exact (``fractions.Fraction``), never binary floating point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import floor
from typing import Any

INDIVIDUAL, COLLECTIVE = "individual", "collective"


# -- the subject's history -----------------------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """A unit's place in one published scoring round."""

    round_id: str
    year: int
    unit_kind: str
    band: str
    region_rank: int | None
    national_rank: int | None
    published_at: Any = None


@dataclass
class History:
    """What the rules read of a subject: a person (``kind`` individual) or a unit
    (collective: its members' histories, the awards it holds, its ranking results)."""

    kind: str
    id: str
    name: str
    unit_id: str
    gender: str = "nam"
    transferred: bool = False
    positions: list[dict[str, Any]] = field(default_factory=list)
    assessments: dict[int, str] = field(default_factory=dict)
    service_months: dict[int, int] = field(default_factory=dict)
    discipline: list[dict[str, Any]] = field(default_factory=list)
    initiatives: list[dict[str, Any]] = field(default_factory=list)
    awards: set[tuple[str, int]] = field(default_factory=set)  # (code, year), not revoked
    members: list[History] = field(default_factory=list)
    unit_kind: str | None = None
    rankings: list[Ranking] = field(default_factory=list)

    def holds(self, award: str, year: int) -> bool:
        return (award, year) in self.awards


def person_history(
    staff_code: str,
    full_name: str,
    gender: str,
    unit_id: str,
    transferred: bool,
    positions: list[dict[str, Any]],
    assessments: dict[str, str],
    service_months: dict[str, int],
    discipline: list[dict[str, Any]],
    initiatives: list[dict[str, Any]],
    awards: Iterable[tuple[str, int]] = (),
) -> History:
    """A person's history from the registry's shapes (year keys as strings, dates ISO)."""
    return History(
        kind=INDIVIDUAL,
        id=staff_code,
        name=full_name,
        unit_id=unit_id,
        gender=gender,
        transferred=bool(transferred),
        positions=list(positions or []),
        assessments={int(y): v for y, v in (assessments or {}).items()},
        service_months={int(y): int(v) for y, v in (service_months or {}).items()},
        discipline=list(discipline or []),
        initiatives=list(initiatives or []),
        awards=set(awards),
    )


# -- results -------------------------------------------------------------------------------


@dataclass
class ConditionResult:
    type: str
    passed: bool
    reason: dict[str, str]
    found: dict[str, Any] = field(default_factory=dict)
    conditions: list[ConditionResult] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "passed": self.passed,
            "reason": dict(self.reason),
            "found": self.found,
        }
        if self.conditions is not None:
            out["conditions"] = [c.as_dict() for c in self.conditions]
        return out


def _result(
    kind: str, passed: bool, vi: str, en: str, found: dict[str, Any], **extra: Any
) -> ConditionResult:
    return ConditionResult(kind, passed, {"vi": vi, "en": en}, found, **extra)


@dataclass(frozen=True)
class Context:
    """What every check reads besides the history: the pack, the award, the year."""

    pack: dict[str, Any]
    award: dict[str, Any]
    year: int

    @property
    def scales(self) -> dict[str, Any]:
        return self.pack.get("scales", {})

    def award_name(self, code: str) -> str:
        for award in self.pack.get("awards", []):
            if award.get("code") == code:
                return str(award.get("name", code))
        return code

    def assessment_name(self, code: str | None) -> str:
        if code is None:
            return "—"
        return str(self.scales.get("assessment_names", {}).get(code, code))

    def rank(self, scale: str, value: str | None) -> int:
        """The position of ``value`` in the scale (-1 when absent or unknown)."""
        values = self.scales.get(scale, [])
        return values.index(value) if value in values else -1

    def years(self, offsets: Iterable[int]) -> list[int]:
        return sorted(self.year + int(o) for o in offsets)

    @property
    def reference_day(self) -> date:
        return reference_day(self.award, self.year)


def reference_day(award: dict[str, Any], year: int) -> date:
    """The award's reference day (MM-DD, default 12-31) in ``year``; 02-29 is 02-28 in a
    year that has none."""
    month, day = (int(p) for p in str(award.get("reference_day") or "12-31").split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def _years_text(years: list[int]) -> str:
    return ", ".join(str(y) for y in years)


def _consecutive(years: list[int]) -> bool:
    return len(years) > 1 and years == list(range(years[0], years[-1] + 1))


# -- the checks ----------------------------------------------------------------------------

Check = Callable[[dict[str, Any], Context, History], ConditionResult]


def held(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    code, years = cond["award"], ctx.years(cond["years"])
    name = ctx.award_name(code)
    have = [y for y in years if subject.holds(code, y)]
    missing = [y for y in years if y not in have]
    found = {"award": code, "years": years, "years_held": have, "years_missing": missing}
    together_vi = " liên tục" if _consecutive(years) else ""
    together_en = " consecutive" if _consecutive(years) else ""
    if not missing:
        if len(years) == 1:
            return _result(
                "held", True, f"Đạt {name} năm {years[0]}", f"Held {name} in {years[0]}", found
            )
        return _result(
            "held",
            True,
            f"Đạt {name} {len(years)} năm{together_vi} ({_years_text(years)})",
            f"Held {name} in all {len(years)}{together_en} years ({_years_text(years)})",
            found,
        )
    if len(years) == 1:
        return _result(
            "held",
            False,
            f"Chưa đạt {name} năm {years[0]}",
            f"Did not hold {name} in {years[0]}",
            found,
        )
    return _result(
        "held",
        False,
        f"Có {len(have)}/{len(years)} năm{together_vi} đạt {name} "
        f"(thiếu năm {_years_text(missing)})",
        f"Held {name} in {len(have)} of the {len(years)}{together_en} years "
        f"(missing {_years_text(missing)})",
        found,
    )


def assessed(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    at_least, years = cond["at_least"], ctx.years(cond["years"])
    floor_rank, label = ctx.rank("assessment", at_least), ctx.assessment_name(at_least)
    by_year = {y: subject.assessments.get(y) for y in years}
    short = [y for y, a in by_year.items() if ctx.rank("assessment", a) < floor_rank or a is None]
    found = {
        "at_least": at_least,
        "years": years,
        "assessments": {str(y): a for y, a in by_year.items()},
        "years_short": short,
    }
    if not short:
        return _result(
            "assessed",
            True,
            f"Được đánh giá từ \u201c{label}\u201d trở lên năm {_years_text(years)}",
            f"Assessed \u201c{label}\u201d or better in {_years_text(years)}",
            found,
        )
    vi = "; ".join(
        f"năm {y}: chưa có đánh giá"
        if by_year[y] is None
        else f"năm {y}: {ctx.assessment_name(by_year[y])}"
        for y in short
    )
    en = "; ".join(
        f"{y}: no assessment" if by_year[y] is None else f"{y}: {ctx.assessment_name(by_year[y])}"
        for y in short
    )
    return _result(
        "assessed",
        False,
        f"Chưa đạt \u201c{label}\u201d ({vi})",
        f"Not assessed \u201c{label}\u201d or better ({en})",
        found,
    )


def initiatives(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    scope, need, years = cond["scope_at_least"], int(cond["count"]), ctx.years(cond["years"])
    floor_rank = ctx.rank("initiative_scope", scope)
    counted = [
        i
        for i in subject.initiatives
        if int(i.get("year", 0)) in years
        and ctx.rank("initiative_scope", i.get("scope")) >= floor_rank
    ]
    found = {
        "scope_at_least": scope,
        "years": years,
        "count": len(counted),
        "required": need,
        "titles": [i.get("title") for i in counted],
    }
    passed = len(counted) >= need
    span = _years_text(years) if len(years) < 3 else f"{years[0]}–{years[-1]}"
    return _result(
        "initiatives",
        passed,
        f"Có {len(counted)}/{need} sáng kiến từ cấp {scope} trở lên trong năm {span}",
        f"{len(counted)} of the {need} initiatives required at scope {scope} or above in {span}",
        found,
    )


def not_disciplined(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    at_least, years = cond["at_least"], ctx.years(cond["years"])
    records = _discipline(ctx, subject, at_least, years)
    found = {"at_least": at_least, "years": years, "records": records}
    if not records:
        return _result(
            "not_disciplined",
            True,
            f"Không bị kỷ luật từ mức {at_least} trở lên năm {_years_text(years)}",
            f"No discipline at level {at_least} or above in {_years_text(years)}",
            found,
        )
    listed = ", ".join(f"{r['level']} ({r['year']})" for r in records)
    return _result(
        "not_disciplined",
        False,
        f"Bị kỷ luật: {listed}",
        f"Disciplined: {listed}",
        found,
    )


def _discipline(
    ctx: Context, subject: History, at_least: str, years: list[int]
) -> list[dict[str, Any]]:
    floor_rank = ctx.rank("discipline", at_least)
    return [
        {"year": int(r["year"]), "level": r["level"]}
        for r in subject.discipline
        if int(r.get("year", 0)) in years and ctx.rank("discipline", r.get("level")) >= floor_rank
    ]


def service_months(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    months = subject.service_months.get(ctx.year, 12)  # a year not listed is a full year
    need = int(cond["min"])
    found = {"year": ctx.year, "months": months, "min": need}
    return _result(
        "service_months",
        months >= need,
        f"Làm việc {months}/12 tháng năm {ctx.year} (cần ít nhất {need})",
        f"Worked {months} of 12 months in {ctx.year} (at least {need} needed)",
        found,
    )


def tenure(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    position, day = cond["position"], ctx.reference_day
    days = 0
    for period in subject.positions:
        if period.get("position") != position:
            continue
        start = date.fromisoformat(str(period["from"]))
        end = date.fromisoformat(str(period["to"])) if period.get("to") else day
        end = min(end, day)
        if start <= end:
            days += (end - start).days + 1  # both days counted
    by_gender = (
        cond["transferred_min_years"]
        if subject.transferred and cond.get("transferred_min_years")
        else cond["min_years"]
    )
    years = Fraction(str(by_gender[subject.gender]))
    need = floor(Fraction(36525, 100) * years + Fraction(1, 2))
    found = {
        "position": position,
        "days": days,
        "required_days": need,
        "min_years": str(years) if years.denominator != 1 else int(years),
        "transferred": subject.transferred,
        "gender": subject.gender,
        "reference_day": day.isoformat(),
    }
    return _result(
        "tenure",
        days >= need,
        f"Giữ chức vụ {position} {days}/{need} ngày đến {day.strftime('%d/%m/%Y')} "
        f"(cần {found['min_years']} năm)",
        f"Held the position {position} for {days} of the {need} days required "
        f"({found['min_years']} years) by {day.isoformat()}",
        found,
    )


def _no_members(kind: str, ctx: Context) -> ConditionResult:
    return _result(
        kind,
        False,
        "Đơn vị chưa có thành viên nào trong sổ khen thưởng",
        "The unit has no members in the registry",
        {"members": 0},
    )


def members_share(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    code, year = cond["award"], ctx.year + int(cond.get("year", 0))
    if not subject.members:
        return _no_members("members_share", ctx)
    holding = sum(1 for m in subject.members if m.holds(code, year))
    total = len(subject.members)
    share = Fraction(holding, total)
    strict = "more_than" in cond
    bound = Fraction(str(cond["more_than"] if strict else cond["at_least"]))
    passed = share > bound if strict else share >= bound
    name = ctx.award_name(code)
    percent = f"{float(bound) * 100:g}%"
    found = {
        "award": code,
        "year": year,
        "holding": holding,
        "members": total,
        "share": f"{holding}/{total}",
        ("more_than" if strict else "at_least"): str(bound),
    }
    vi_need = f"trên {percent}" if strict else f"từ {percent} trở lên"
    en_need = f"more than {percent}" if strict else f"at least {percent}"
    return _result(
        "members_share",
        passed,
        f"{holding}/{total} thành viên đạt {name} năm {year} (cần {vi_need})",
        f"{holding} of {total} members held {name} in {year} ({en_need} needed)",
        found,
    )


def members_assessed(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    at_least, year = cond["at_least"], ctx.year + int(cond.get("year", 0))
    if not subject.members:
        return _no_members("members_assessed", ctx)
    floor_rank, label = ctx.rank("assessment", at_least), ctx.assessment_name(at_least)
    short = [
        m.id
        for m in subject.members
        if m.assessments.get(year) is None
        or ctx.rank("assessment", m.assessments.get(year)) < floor_rank
    ]
    found = {"at_least": at_least, "year": year, "members": len(subject.members), "short": short}
    if not short:
        return _result(
            "members_assessed",
            True,
            f"Cả {len(subject.members)} thành viên được đánh giá từ \u201c{label}\u201d trở lên "
            f"năm {year}",
            f"All {len(subject.members)} members were assessed \u201c{label}\u201d or better "
            f"in {year}",
            found,
        )
    return _result(
        "members_assessed",
        False,
        f"{len(short)}/{len(subject.members)} thành viên chưa đạt \u201c{label}\u201d năm {year}"
        f" ({', '.join(short)})",
        f"{len(short)} of {len(subject.members)} members were not assessed \u201c{label}\u201d "
        f"or better in {year} ({', '.join(short)})",
        found,
    )


def members_holding(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    code, year, need = cond["award"], ctx.year + int(cond.get("year", 0)), int(cond["min_count"])
    holding = [m.id for m in subject.members if m.holds(code, year)]
    name = ctx.award_name(code)
    found = {"award": code, "year": year, "count": len(holding), "min_count": need}
    return _result(
        "members_holding",
        len(holding) >= need,
        f"Có {len(holding)} thành viên đạt {name} năm {year} (cần ít nhất {need})",
        f"{len(holding)} members held {name} in {year} (at least {need} needed)",
        found,
    )


def no_member_disciplined(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    at_least, years = cond["at_least"], ctx.years(cond["years"])
    found_by = {m.id: _discipline(ctx, m, at_least, years) for m in subject.members}
    disciplined = sorted(mid for mid, records in found_by.items() if records)
    found = {"at_least": at_least, "years": years, "disciplined": disciplined}
    if not disciplined:
        return _result(
            "no_member_disciplined",
            True,
            f"Không thành viên nào bị kỷ luật từ mức {at_least} trở lên năm {_years_text(years)}",
            f"No member was disciplined at level {at_least} or above in {_years_text(years)}",
            found,
        )
    return _result(
        "no_member_disciplined",
        False,
        f"{len(disciplined)} thành viên bị kỷ luật từ mức {at_least} trở lên năm "
        f"{_years_text(years)} ({', '.join(disciplined)})",
        f"{len(disciplined)} members were disciplined at level {at_least} or above in "
        f"{_years_text(years)} ({', '.join(disciplined)})",
        found,
    )


def ranking(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    results = [
        r
        for r in subject.rankings
        if r.year == ctx.year and (subject.unit_kind is None or r.unit_kind == subject.unit_kind)
    ]
    if not results:
        return _result(
            "ranking",
            False,
            f"Chưa có kết quả chấm điểm thi đua đã công bố năm {ctx.year}",
            f"No published scoring result for {ctx.year}",
            {"year": ctx.year, "result": None},
        )
    latest = max(results, key=lambda r: (str(r.published_at or ""), r.round_id))
    found: dict[str, Any] = {
        "year": ctx.year,
        "round_id": latest.round_id,
        "region_rank": latest.region_rank,
        "band": latest.band,
    }
    vi_parts, en_parts, passed = [], [], True
    if "region_rank_at_most" in cond:
        most = int(cond["region_rank_at_most"])
        found["region_rank_at_most"] = most
        ok = latest.region_rank is not None and latest.region_rank <= most
        passed &= ok
        place = latest.region_rank if latest.region_rank is not None else "—"
        vi_parts.append(f"xếp thứ {place} trong khu vực (cần từ thứ {most} trở lên)")
        en_parts.append(f"ranked {place} in the region ({most} or better needed)")
    if "band_in" in cond:
        bands = list(cond["band_in"])
        found["band_in"] = bands
        ok = latest.band in bands
        passed &= ok
        vi_parts.append(f"xếp loại {latest.band} (cần {', '.join(bands)})")
        en_parts.append(f"band {latest.band} ({' or '.join(bands)} needed)")
    return _result(
        "ranking",
        passed,
        f"Năm {ctx.year}: " + "; ".join(vi_parts),
        f"In {ctx.year}: " + "; ".join(en_parts),
        found,
    )


def any_of(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    return _combined("any_of", cond, ctx, subject)


def all_of(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    return _combined("all_of", cond, ctx, subject)


def _combined(kind: str, cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    nested = [check(c, ctx, subject) for c in cond["conditions"]]
    passed_count = sum(1 for n in nested if n.passed)
    passed = passed_count >= 1 if kind == "any_of" else passed_count == len(nested)
    failing = [n for n in nested if not n.passed]
    found = {"passed": passed_count, "of": len(nested)}
    if kind == "any_of":
        if passed:
            first = next(n for n in nested if n.passed)
            vi = f"Đạt {passed_count}/{len(nested)} điều kiện thay thế: {first.reason['vi']}"
            en = f"Meets {passed_count} of {len(nested)} alternatives: {first.reason['en']}"
        else:
            vi = "Không đạt điều kiện thay thế nào: " + "; ".join(n.reason["vi"] for n in nested)
            en = "Meets none of the alternatives: " + "; ".join(n.reason["en"] for n in nested)
    elif passed:
        vi = f"Đạt cả {len(nested)} điều kiện"
        en = f"Meets all {len(nested)} conditions"
    else:
        vi = f"Đạt {passed_count}/{len(nested)} điều kiện: " + "; ".join(
            n.reason["vi"] for n in failing
        )
        en = f"Meets {passed_count} of {len(nested)} conditions: " + "; ".join(
            n.reason["en"] for n in failing
        )
    return _result(kind, passed, vi, en, found, conditions=nested)


# -- the table of condition types ----------------------------------------------------------

# Parameter kinds, checked by domain.packs: AWARD (an award code of the pack), YEARS (a
# non-empty list of year offsets), OFFSET (one year offset), ASSESSMENT / DISCIPLINE / SCOPE (a
# value of that scale), COUNT (a whole number ≥ 1), MONTHS (0..12), SHARE (0..1), BY_GENDER
# ({nam, nu}: years ≥ 0), RANK (a whole number ≥ 1), BANDS (non-empty list of codes), CODE (a
# non-empty string), CONDITIONS (a non-empty list of nested conditions).
AWARD, YEARS, OFFSET, ASSESSMENT, DISCIPLINE, SCOPE = (
    "award",
    "years",
    "offset",
    "assessment",
    "discipline",
    "initiative_scope",
)
COUNT, MONTHS, SHARE, BY_GENDER, RANK, BANDS, CODE, CONDITIONS = (
    "count",
    "months",
    "share",
    "by_gender",
    "rank",
    "bands",
    "code",
    "conditions",
)


@dataclass(frozen=True)
class Spec:
    """A condition type: its check, its parameters, and who it applies to.

    ``exactly_one``: groups of parameters of which exactly one must be given;
    ``at_least_one``: groups of which one or more must be given (both among ``optional``)."""

    check: Check
    required: dict[str, str] = field(default_factory=dict)
    optional: dict[str, str] = field(default_factory=dict)
    exactly_one: tuple[tuple[str, ...], ...] = ()
    at_least_one: tuple[tuple[str, ...], ...] = ()
    recipients: frozenset[str] = frozenset({INDIVIDUAL, COLLECTIVE})


PERSON, UNIT = frozenset({INDIVIDUAL}), frozenset({COLLECTIVE})

CONDITIONS_TABLE: dict[str, Spec] = {
    "held": Spec(held, {"award": AWARD, "years": YEARS}),
    "assessed": Spec(assessed, {"at_least": ASSESSMENT, "years": YEARS}, recipients=PERSON),
    "initiatives": Spec(
        initiatives,
        {"scope_at_least": SCOPE, "count": COUNT, "years": YEARS},
        recipients=PERSON,
    ),
    "not_disciplined": Spec(
        not_disciplined, {"at_least": DISCIPLINE, "years": YEARS}, recipients=PERSON
    ),
    "service_months": Spec(service_months, {"min": MONTHS}, recipients=PERSON),
    "tenure": Spec(
        tenure,
        {"position": CODE, "min_years": BY_GENDER},
        {"transferred_min_years": BY_GENDER},
        recipients=PERSON,
    ),
    "members_share": Spec(
        members_share,
        {"award": AWARD, "year": OFFSET},
        {"more_than": SHARE, "at_least": SHARE},
        exactly_one=(("more_than", "at_least"),),
        recipients=UNIT,
    ),
    "members_assessed": Spec(
        members_assessed, {"at_least": ASSESSMENT, "year": OFFSET}, recipients=UNIT
    ),
    "members_holding": Spec(
        members_holding,
        {"award": AWARD, "min_count": COUNT, "year": OFFSET},
        recipients=UNIT,
    ),
    "no_member_disciplined": Spec(
        no_member_disciplined, {"at_least": DISCIPLINE, "years": YEARS}, recipients=UNIT
    ),
    "ranking": Spec(
        ranking,
        {},
        {"region_rank_at_most": RANK, "band_in": BANDS},
        at_least_one=(("region_rank_at_most", "band_in"),),
        recipients=UNIT,
    ),
    "any_of": Spec(any_of, {"conditions": CONDITIONS}),
    "all_of": Spec(all_of, {"conditions": CONDITIONS}),
}


def check(cond: dict[str, Any], ctx: Context, subject: History) -> ConditionResult:
    return CONDITIONS_TABLE[cond["type"]].check(cond, ctx, subject)


def evaluate(
    award: dict[str, Any], pack: dict[str, Any], year: int, history: History
) -> list[ConditionResult]:
    """One result per top-level condition of ``award``, in the pack's order."""
    ctx = Context(pack, award, year)
    return [check(cond, ctx, history) for cond in award.get("conditions", [])]


def once_per_recipient(
    award: dict[str, Any], pack: dict[str, Any], history: History
) -> dict[str, Any] | None:
    """``{passed, reason, found}`` where the award is granted once per recipient, else None."""
    if not award.get("once_per_recipient"):
        return None
    code, name = award["code"], str(award.get("name", award["code"]))
    years = sorted(y for c, y in history.awards if c == code)
    if years:
        return {
            "passed": False,
            "reason": {
                "vi": f"Đã được tặng {name} (năm {_years_text(years)}); chỉ tặng một lần",
                "en": f"Already holds {name} ({_years_text(years)}); granted once only",
            },
            "found": {"years_held": years},
        }
    return {
        "passed": True,
        "reason": {
            "vi": f"Chưa được tặng {name}",
            "en": f"Does not hold {name} yet",
        },
        "found": {"years_held": []},
    }
